"""The database schema: SQLAlchemy 2.x typed models, the source of truth for
Alembic migrations (``migrations/``). Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Source(Base):
    """Where items come from: a file or folder, or a feed URL."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # file, feed
    name: Mapped[str] = mapped_column(String(200), unique=True)
    location: Mapped[str] = mapped_column(String(2000), unique=True)  # absolute path or URL
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_checked_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    last_status: Mapped[str | None] = mapped_column(String(100))
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Feed state (revision 0002).
    failure_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    full_text: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    alerts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_success_at: Mapped[datetime | None]
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)  # the wait the feed itself asks for


class Event(Base):
    """One happening, reported by one or more items."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_last_seen", "last_seen"),
        Index("ix_events_dated_updated_at", "dated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    participants: Mapped[list[Any]] = mapped_column(default=list)
    # The sums grouping compares, [value as text, currency, kind] in the order
    # of the event's event_amounts rows, so a candidate is one row (revision 0008).
    sums: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    amount_value: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    amount_currency: Mapped[str | None] = mapped_column(String(3))
    first_seen: Mapped[datetime] = mapped_column(index=True)
    last_seen: Mapped[datetime]
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    # Grouping state: a bottom-k sketch of the words of its reports as packed
    # 64-bit hashes (tracker.cluster, revision 0005), and whether any report
    # had a real date (revision 0003).
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    dated: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Item(Base):
    """One article as ingested, identified by the hash of its words."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str | None] = mapped_column(String(2000))
    url: Mapped[str] = mapped_column(String(2000), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    has_headline: Mapped[bool] = mapped_column(Boolean, default=True)
    published_at: Mapped[datetime] = mapped_column(index=True)
    date_source: Mapped[str] = mapped_column(String(16))  # header, text, feed, modified, fetched
    fetched_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    rules_version: Mapped[str] = mapped_column(String(64))


class ItemSighting(Base):
    """One source's sighting of an item: the same article in two feeds is one
    item with two sightings."""

    __tablename__ = "item_sightings"
    __table_args__ = (
        UniqueConstraint("item_id", "source_id"),
        Index("ix_item_sightings_source_guid", "source_id", "guid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000), index=True)
    guid: Mapped[str | None] = mapped_column(String(2000))
    # The hash of the content as this source last gave it: a change here is a
    # revision; another source's different version of the same article is not.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ItemRevision(Base):
    """A stored item whose content changed under the same GUID or URL."""

    __tablename__ = "item_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    previous_hash: Mapped[str] = mapped_column(String(64))
    previous_title: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime]


class ItemLabel(Base):
    """A category's score for an item, kept whether or not it passes the threshold."""

    __tablename__ = "item_labels"
    __table_args__ = (
        UniqueConstraint("item_id", "category"),
        Index("ix_item_labels_category_score", "category", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    rules_version: Mapped[str] = mapped_column(String(64))


class Entity(Base):
    """A canonical organisation, regulator, jurisdiction, person or model."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    aliases: Mapped[list[Any]] = mapped_column(default=list)


class ItemEntity(Base):
    """An entity named in an item, with the role the item gives it."""

    __tablename__ = "item_entities"
    __table_args__ = (
        UniqueConstraint("item_id", "entity_id", "role"),
        Index("ix_item_entities_entity_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    mention: Mapped[str] = mapped_column(String(300))


class Amount(Base):
    """A sum of money named in an item; a bracketed conversion points at its original."""

    __tablename__ = "amounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    currency: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # investment, round, valuation, other
    conversion_of: Mapped[str | None] = mapped_column(String(200))


class Alert(Base):
    """One email to one recipient, in the outbox until it is sent exactly once.

    ``kind`` is ``event`` (a new event), ``update`` (new reports on an event
    already alerted; ``item_ids`` lists them) or ``digest`` (one period's events,
    ``period_start``..``period_end``). ``key`` names what the email is about
    (``event:12``, ``update:12:57``, ``digest:daily:2026-11-24T08:00``); with the
    recipient it is unique, and it gives the email its Message-ID. Status:
    pending, sent, failed (``last_error`` says why), skipped (the event came in
    with alerts off, or a digest period had nothing) or digest (an event waiting
    for the next digest email).
    """

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("key", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="event", server_default="event")
    key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    item_ids: Mapped[list[Any] | None] = mapped_column()
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    created_at: Mapped[datetime]


class EventLabel(Base):
    """An event's best score per category, with the item and sentence behind it."""

    __tablename__ = "event_labels"
    __table_args__ = (
        UniqueConstraint("event_id", "category"),
        Index("ix_event_labels_category_score", "category", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))


class EventParticipant(Base):
    """An entity taking part in an event, with its role.

    ``last_seen`` and ``updated_at`` repeat the event's (revision 0005), so the
    events of one party near a date, or recently updated, are one index range,
    read from the index alone (revision 0006: ties in row order, then the
    event id that the look-up returns).
    """

    __tablename__ = "event_participants"
    __table_args__ = (
        UniqueConstraint("event_id", "entity_id", "role"),
        Index("ix_event_participants_party_last_seen", "entity_id", "last_seen", "id", "event_id"),
        Index(
            "ix_event_participants_party_updated_at", "entity_id", "updated_at", "id", "event_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    last_seen: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]


class EventAmount(Base):
    """A sum named in an event's articles, deduplicated, in its original currency."""

    __tablename__ = "event_amounts"
    __table_args__ = (UniqueConstraint("event_id", "value", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    currency: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    mentions: Mapped[int] = mapped_column(Integer, default=1)  # reports that name it
    # a conversion given in brackets ("€15M ($16M)"), kept to recognise it elsewhere
    is_conversion: Mapped[bool] = mapped_column(Boolean, default=False)


class TrendCount(Base):
    """Items or events per day, category, jurisdiction and score band: the
    summary that trend queries read, recounted for the days each ingest touches.

    ``jurisdiction`` is '' for the total over all jurisdictions; ``band`` is the
    score floored to a twentieth (0..20), so any threshold on that grid is exact.

    The key lists its columns in the order queries read them (revision 0007);
    on SQLite the table is ``WITHOUT ROWID``, so it is its key and covers them
    itself, and a row changed by an ingest is one page written, not three.
    PostgreSQL keeps a covering index for its index-only scans.
    """

    __tablename__ = "trend_counts"
    __table_args__ = (
        PrimaryKeyConstraint("unit", "jurisdiction", "day", "category", "band"),
        Index(
            "ix_trend_counts_unit_jurisdiction_day",
            "unit",
            "jurisdiction",
            "day",
            "category",
            "band",
            "count",
        ).ddl_if(dialect="postgresql"),
        {"sqlite_with_rowid": False},
    )

    unit: Mapped[str] = mapped_column(String(8), primary_key=True)  # items, events
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(16), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class EntityTrendCount(Base):
    """Items or events per entity, day, category and score band (revision
    0005): what ``--entity`` trend queries read. An item or event counts once
    per entity it names, whatever the roles; bands as in :class:`TrendCount`."""

    __tablename__ = "entity_trend_counts"
    __table_args__ = (Index("ix_entity_trend_counts_day", "day"),)

    unit: Mapped[str] = mapped_column(String(8), primary_key=True)  # items, events
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class JobRun(Base):
    """The daemon's jobs: when each last ran, how it went, when it runs next."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(Integer, default=0)


metadata = Base.metadata

# The reporting views (v_items, v_item_labels) are created by the migrations;
# docs/sql.md describes them.
