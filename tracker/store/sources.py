"""Sources in the database: adding, listing, removing, claiming the due ones,
and recording how each check went.

Claiming is how several daemons share one PostgreSQL database: the due rows
are locked with ``FOR UPDATE SKIP LOCKED`` and their ``next_check_at`` pushed
forward by a lease in the same transaction, so a second daemon neither waits
for them nor sees them as due. The check's outcome then sets the real next
check. SQLite has one daemon per database and takes a plain select.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from tracker.errors import TrackerError
from tracker.politeness import CheckResult
from tracker.store.tables import sources_t


@dataclass(frozen=True, slots=True)
class SourceRow:
    """What a poll needs to know about one source."""

    id: int
    kind: str
    name: str
    location: str
    interval: int
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    failure_score: float = 0.0
    full_text: bool = False
    ttl_seconds: int | None = None


_ROW_COLUMNS = (
    sources_t.c.id,
    sources_t.c.kind,
    sources_t.c.name,
    sources_t.c.location,
    sources_t.c.interval_seconds,
    sources_t.c.etag,
    sources_t.c.last_modified,
    sources_t.c.body_hash,
    sources_t.c.failure_score,
    sources_t.c.full_text,
    sources_t.c.ttl_seconds,
)


def _row(row: Any) -> SourceRow:
    return SourceRow(*row)


def find_source(conn: Connection, name_or_location: str) -> SourceRow | None:
    """The source with this name or location (URL or absolute path)."""
    row = conn.execute(
        select(*_ROW_COLUMNS).where(
            or_(sources_t.c.name == name_or_location, sources_t.c.location == name_or_location)
        )
    ).first()
    return _row(row) if row else None


def add_source(
    conn: Connection,
    *,
    kind: str,
    name: str,
    location: str,
    interval: int,
    full_text: bool,
    now: datetime,
) -> int:
    """Insert a new source, due at once; refuses a name or location in use."""
    for column, value, what in (
        (sources_t.c.location, location, "location"),
        (sources_t.c.name, name, "name"),
    ):
        taken = conn.execute(select(sources_t.c.name).where(column == value)).scalar()
        if taken is not None:
            raise TrackerError(
                f"a source with this {what} already exists: {taken}",
                hint="tracker sources list shows them; remove it first or choose another --name",
            )
    return int(
        conn.execute(
            sources_t.insert()
            .values(
                kind=kind,
                name=name,
                location=location,
                interval_seconds=interval,
                enabled=True,
                error_count=0,
                failure_score=0.0,
                full_text=full_text,
                created_at=now,
            )
            .returning(sources_t.c.id)
        ).scalar_one()
    )


def upsert_source(
    conn: Connection,
    *,
    kind: str,
    name: str,
    location: str,
    interval: int,
    full_text: bool,
    now: datetime,
) -> int:
    """The source at ``location`` with this name, interval and full-text choice:
    created when new, updated when the configuration changed."""
    found = conn.execute(
        select(sources_t.c.id, sources_t.c.name).where(sources_t.c.location == location)
    ).first()
    if found is None:
        owner = conn.execute(select(sources_t.c.id).where(sources_t.c.name == name)).scalar()
        if owner is not None:
            # The name now points at a new location (a feed that moved in the
            # config): the row follows, its history kept.
            conn.execute(
                update(sources_t)
                .where(sources_t.c.id == owner)
                .values(location=location, kind=kind, etag=None, last_modified=None, body_hash=None)
            )
            found = (owner, name)
    if found is None:
        return add_source(
            conn,
            kind=kind,
            name=name,
            location=location,
            interval=interval,
            full_text=full_text,
            now=now,
        )
    source_id, current_name = found
    values: dict[str, Any] = {"interval_seconds": interval, "full_text": full_text}
    if current_name != name:
        clash = conn.execute(select(sources_t.c.id).where(sources_t.c.name == name)).scalar()
        if clash is None:
            values["name"] = name
    conn.execute(update(sources_t).where(sources_t.c.id == source_id).values(**values))
    return int(source_id)


def remove_source(conn: Connection, name_or_location: str) -> tuple[str, int]:
    """Delete a source and its items; returns its name and how many items went."""
    from tracker.store.schema import Item

    found = find_source(conn, name_or_location)
    if found is None:
        raise TrackerError(
            f"no source named {name_or_location!r}",
            hint="tracker sources list shows the names and locations",
        )
    items_t: Table = Item.__table__  # type: ignore[assignment]
    count = conn.execute(
        select(func.count()).select_from(items_t).where(items_t.c.source_id == found.id)
    ).scalar_one()
    conn.execute(delete(sources_t).where(sources_t.c.id == found.id))
    return found.name, int(count)


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    """Every source with its health, by name."""
    return [
        dict(row._mapping) for row in conn.execute(select(sources_t).order_by(sources_t.c.name))
    ]


def claim_due(
    conn: Connection, *, now: datetime, lease: timedelta, limit: int = 1000
) -> list[SourceRow]:
    """Enabled sources whose check is due, leased to this caller until ``now + lease``."""
    query = (
        select(*_ROW_COLUMNS)
        .where(
            sources_t.c.enabled.is_(True),
            or_(sources_t.c.next_check_at.is_(None), sources_t.c.next_check_at <= now),
        )
        .order_by(sources_t.c.next_check_at.asc().nulls_first(), sources_t.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [_row(r) for r in conn.execute(query)]
    if rows:
        conn.execute(
            update(sources_t)
            .where(sources_t.c.id.in_([r.id for r in rows]))
            .values(next_check_at=now + lease)
        )
    return rows


def release(conn: Connection, source_ids: list[int], now: datetime) -> None:
    """Give back leased sources that were not checked: due again at once."""
    if source_ids:
        conn.execute(
            update(sources_t).where(sources_t.c.id.in_(source_ids)).values(next_check_at=now)
        )


def record_result(conn: Connection, source_id: int, result: CheckResult) -> str | None:
    """Write a check's outcome on the source's row.

    Returns a note when a permanent redirect could not be followed because
    another source already has the new address.
    """
    values: dict[str, Any] = {
        "last_checked_at": result.now,
        "next_check_at": result.next_check,
        "last_status": result.status,
        "last_http_status": result.http_status,
        "failure_score": result.failure_score,
    }
    note = None
    if result.error is None:
        values.update(
            error_count=0,
            last_error=result.detail,
            last_success_at=result.now,
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=result.body_hash,
            ttl_seconds=result.ttl_seconds,
        )
    else:
        values.update(error_count=sources_t.c.error_count + 1, last_error=result.error)
    if result.disabled_reason:
        values.update(enabled=False, disabled_reason=result.disabled_reason)
    if result.moved_to:
        taken = conn.execute(
            select(sources_t.c.name).where(sources_t.c.location == result.moved_to)
        ).scalar()
        if taken is None:
            values["location"] = result.moved_to
        else:
            note = f"moved permanently to {result.moved_to}, which source {taken} already reads"
    conn.execute(update(sources_t).where(sources_t.c.id == source_id).values(**values))
    return note


def schedule(conn: Connection, source_id: int, when: datetime) -> None:
    """Set when a source is next due."""
    conn.execute(update(sources_t).where(sources_t.c.id == source_id).values(next_check_at=when))


def set_enabled(conn: Connection, name_or_location: str, enabled: bool, now: datetime) -> str:
    """Enable (due at once, failures forgotten) or disable a source; returns its name."""
    found = find_source(conn, name_or_location)
    if found is None:
        raise TrackerError(
            f"no source named {name_or_location!r}",
            hint="tracker sources list shows the names and locations",
        )
    values: dict[str, Any] = {"enabled": enabled}
    if enabled:
        values.update(disabled_reason=None, next_check_at=now, failure_score=0.0, error_count=0)
    else:
        values["disabled_reason"] = "disabled by hand"
    conn.execute(update(sources_t).where(sources_t.c.id == found.id).values(**values))
    return found.name
