"""events at scale: packed sketches, party lookups by date, per-entity trend counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00

- ``events.sketch`` (hex text, 4 KB) becomes ``events.signature`` (packed
  64-bit hashes, 2 KB), converted row by row;
- ``event_participants`` repeat their event's ``last_seen`` and ``updated_at``,
  indexed with ``entity_id``, so that a party's events near a date are one
  index range (the plain ``entity_id`` index is their prefix and goes);
- ``events (dated, updated_at)`` for the few recent undated events;
- ``entity_trend_counts``, filled here from the base tables, and a covering
  index on ``trend_counts`` for its filters.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BANDS = 20  # score bands of the trend summaries (twentieths), as in revision 0003


def _day(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST({column} AT TIME ZONE 'UTC' AS DATE)"
    return f"date({column})"


def _band(dialect: str, column: str) -> str:
    """The score's band: floored to a twentieth, 0..20."""
    if dialect == "postgresql":
        return f"GREATEST(0, LEAST({BANDS}, CAST(FLOOR({column} * {BANDS} + 1e-9) AS INTEGER)))"
    # a cast to INTEGER truncates, which floors the non-negative scores
    return f"MAX(0, MIN({BANDS}, CAST({column} * {BANDS} + 1e-9 AS INTEGER)))"


def _convert_sketches(source: str, target: str, convert: Callable[[Any], Any]) -> None:
    bind = op.get_bind()
    events = sa.table("events", sa.column("id", sa.Integer), sa.column(source), sa.column(target))
    rows = bind.execute(
        sa.select(events.c.id, events.c[source]).where(events.c[source].is_not(None))
    ).all()
    update = (
        sa.update(events)
        .where(events.c.id == sa.bindparam("event_id"))
        .values({target: sa.bindparam("converted")})
    )
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        bind.execute(update, [{"event_id": i, "converted": convert(v)} for i, v in chunk])


def _fill_entity_counts(dialect: str) -> None:
    items_day, events_day = _day(dialect, "i.published_at"), _day(dialect, "e.first_seen")
    op.execute(f"""
        INSERT INTO entity_trend_counts (unit, entity_id, day, category, band, count)
        SELECT 'items', ie.entity_id, {items_day}, l.category, {_band(dialect, "l.score")},
               COUNT(*)
        FROM (SELECT DISTINCT item_id, entity_id FROM item_entities) ie
        JOIN items i ON i.id = ie.item_id
        JOIN item_labels l ON l.item_id = i.id
        GROUP BY ie.entity_id, {items_day}, l.category, {_band(dialect, "l.score")}
    """)
    op.execute(f"""
        INSERT INTO entity_trend_counts (unit, entity_id, day, category, band, count)
        SELECT 'events', p.entity_id, {events_day}, l.category, {_band(dialect, "l.score")},
               COUNT(*)
        FROM (SELECT DISTINCT event_id, entity_id FROM event_participants) p
        JOIN events e ON e.id = p.event_id
        JOIN event_labels l ON l.event_id = e.id
        GROUP BY p.entity_id, {events_day}, l.category, {_band(dialect, "l.score")}
    """)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("events", sa.Column("signature", sa.LargeBinary(), nullable=True))
    _convert_sketches("sketch", "signature", lambda text: bytes.fromhex(text or ""))
    op.drop_column("events", "sketch")
    op.create_index("ix_events_dated_updated_at", "events", ["dated", "updated_at"], unique=False)

    op.add_column(
        "event_participants", sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "event_participants", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("""
        UPDATE event_participants SET
            last_seen = (SELECT e.last_seen FROM events e WHERE e.id = event_id),
            updated_at = (SELECT e.updated_at FROM events e WHERE e.id = event_id)
    """)
    op.drop_index("ix_event_participants_entity_id", table_name="event_participants")
    op.create_index(
        "ix_event_participants_entity_last_seen",
        "event_participants",
        ["entity_id", "last_seen"],
        unique=False,
    )
    op.create_index(
        "ix_event_participants_entity_updated_at",
        "event_participants",
        ["entity_id", "updated_at"],
        unique=False,
    )

    op.create_index(
        "ix_trend_counts_unit_jurisdiction_day",
        "trend_counts",
        ["unit", "jurisdiction", "day", "category", "band", "count"],
        unique=False,
    )
    op.create_table(
        "entity_trend_counts",
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit", "entity_id", "day", "category", "band", name=op.f("pk_entity_trend_counts")
        ),
    )
    op.create_index("ix_entity_trend_counts_day", "entity_trend_counts", ["day"], unique=False)
    _fill_entity_counts(dialect)


def downgrade() -> None:
    op.drop_index("ix_entity_trend_counts_day", table_name="entity_trend_counts")
    op.drop_table("entity_trend_counts")
    op.drop_index("ix_trend_counts_unit_jurisdiction_day", table_name="trend_counts")
    op.drop_index("ix_event_participants_entity_updated_at", table_name="event_participants")
    op.drop_index("ix_event_participants_entity_last_seen", table_name="event_participants")
    op.create_index(
        "ix_event_participants_entity_id", "event_participants", ["entity_id"], unique=False
    )
    op.drop_column("event_participants", "updated_at")
    op.drop_column("event_participants", "last_seen")
    op.drop_index("ix_events_dated_updated_at", table_name="events")
    op.add_column("events", sa.Column("sketch", sa.Text(), nullable=True))
    _convert_sketches("signature", "sketch", lambda packed: bytes(packed).hex())
    op.drop_column("events", "signature")
