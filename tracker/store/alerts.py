"""The alert outbox: queueing, claiming, marking, listing; and loading the events
an email describes.

Exactly once: alerts are queued in the transaction that stores their event;
a sender *claims* a due alert by pushing its ``next_attempt_at`` past a lease
(on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two senders never
claim one row; on SQLite a single ``UPDATE ... RETURNING`` under the database's
write lock), commits, delivers, then marks it sent. A sender that dies after the
server accepted the message and before that commit leaves the alert to be sent
once more after the lease, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from tracker.alerts import (
    AlertRules,
    EventAmount,
    EventDetails,
    EventLabel,
    Participant,
    Report,
    event_key,
    qualifies,
    update_key,
)
from tracker.store.events import EventChange
from tracker.store.tables import (
    alerts_t,
    entities_t,
    event_amounts_t,
    event_labels_t,
    events_t,
    items_t,
    sources_t,
)
from tracker.store.tables import event_participants_t as participants_t

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ClaimedAlert:
    """An alert a sender holds until its lease runs out."""

    id: int
    kind: str
    key: str
    event_id: int | None
    recipient: str
    attempts: int
    item_ids: tuple[int, ...] = ()
    period_start: datetime | None = None
    period_end: datetime | None = None


def _insert(conn: Connection, table: Table) -> Insert:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)  # type: ignore[no-any-return]


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def source_alerts_enabled(conn: Connection, source_id: int) -> bool:
    """A source's ``alerts`` flag (off while an archive is first read)."""
    flag = conn.execute(select(sources_t.c.alerts).where(sources_t.c.id == source_id)).scalar()
    return flag is None or bool(flag)


def _events_of_items(conn: Connection, item_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for chunk in _chunks(list(item_ids)):
        rows = conn.execute(
            select(items_t.c.event_id, items_t.c.id).where(
                items_t.c.id.in_(chunk), items_t.c.event_id.is_not(None)
            )
        )
        for event_id, item_id in rows:
            out.setdefault(int(event_id), []).append(int(item_id))
    return out


def _labels(conn: Connection, event_ids: Sequence[int]) -> dict[int, list[EventLabel]]:
    out: dict[int, list[EventLabel]] = {}
    for chunk in _chunks(list(event_ids)):
        rows = conn.execute(
            select(
                event_labels_t.c.event_id,
                event_labels_t.c.category,
                event_labels_t.c.score,
                event_labels_t.c.evidence,
            )
            .where(event_labels_t.c.event_id.in_(chunk))
            .order_by(
                event_labels_t.c.event_id, event_labels_t.c.score.desc(), event_labels_t.c.category
            )
        )
        for event_id, category, score, evidence in rows:
            out.setdefault(int(event_id), []).append(EventLabel(category, float(score), evidence))
    return out


def _event_alerts(conn: Connection, event_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Each event's new-event alerts: recipient -> status."""
    out: dict[int, dict[str, str]] = {}
    for chunk in _chunks(list(event_ids)):
        rows = conn.execute(
            select(alerts_t.c.event_id, alerts_t.c.recipient, alerts_t.c.status).where(
                alerts_t.c.kind == "event", alerts_t.c.event_id.in_(chunk)
            )
        )
        for event_id, recipient, status in rows:
            out.setdefault(int(event_id), {})[recipient] = status
    return out


def queue_alerts(
    conn: Connection,
    item_ids: Sequence[int],
    *,
    rules: AlertRules,
    now: datetime,
    enabled: bool = True,
    changes: Sequence[EventChange] | None = None,
) -> int:
    """Queue the alerts that newly stored items call for; returns how many.

    An event alerts once, the first time it matches the rules, one alert per
    recipient: ``pending`` (immediate mode), ``digest`` (waiting for the next
    digest) or ``skipped`` (stored with alerts off, e.g. ``ingest --no-alerts``:
    the event is then known and never alerts later). New items on an event whose
    alert was sent give a follow-up when ``rules.updates`` is on. Call it in the
    transaction that stored the items and their events; ``changes``: what
    ``store.events.assign_events`` returned for them, when at hand (else the
    items' events are read).
    """
    if changes is None:
        new_by_event = _events_of_items(conn, item_ids)
    else:
        new_by_event = {c.event_id: list(c.item_ids) for c in changes}
    if not new_by_event:
        return 0
    event_ids = sorted(new_by_event)
    labels = _labels(conn, event_ids)
    existing = _event_alerts(conn, event_ids)
    status = "skipped" if not enabled else "digest" if rules.mode == "digest" else "pending"
    rows: list[dict[str, Any]] = []
    for event_id in event_ids:
        known = existing.get(event_id)
        if known is None:
            if qualifies(labels.get(event_id, ()), rules):
                rows += [
                    _row("event", event_key(event_id), event_id, r, status, now)
                    for r in rules.recipients
                ]
            continue
        if rules.updates and enabled and rules.mode == "immediate":
            fresh = sorted(new_by_event[event_id])
            rows += [
                {
                    **_row("update", update_key(event_id, fresh[0]), event_id, r, "pending", now),
                    "item_ids": fresh,
                }
                for r, sent in known.items()
                if sent == "sent"
            ]
    if not rows:
        return 0
    stmt = _insert(conn, alerts_t).on_conflict_do_nothing(index_elements=["key", "recipient"])
    return len(conn.execute(stmt.returning(alerts_t.c.id), rows).all())


def _row(
    kind: str, key: str, event_id: int | None, recipient: str, status: str, now: datetime
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "event_id": event_id,
        "recipient": recipient,
        "status": status,
        "attempts": 0,
        "next_attempt_at": now,
        "item_ids": None,
        "period_start": None,
        "period_end": None,
        "created_at": now,
    }


def _due(now: datetime) -> Any:
    return and_(
        alerts_t.c.status == "pending",
        or_(alerts_t.c.next_attempt_at.is_(None), alerts_t.c.next_attempt_at <= now),
    )


_CLAIMED_COLUMNS = (
    alerts_t.c.id,
    alerts_t.c.kind,
    alerts_t.c.key,
    alerts_t.c.event_id,
    alerts_t.c.recipient,
    alerts_t.c.attempts,
    alerts_t.c.item_ids,
    alerts_t.c.period_start,
    alerts_t.c.period_end,
)


def claim_pending(
    conn: Connection, *, now: datetime, lease: timedelta, limit: int = 1
) -> list[ClaimedAlert]:
    """Take up to ``limit`` due alerts, oldest first, for ``lease``; counts the attempt.

    Commit right after: the claim is what keeps other senders off these rows.
    """
    pick = select(alerts_t.c.id).where(_due(now)).order_by(alerts_t.c.id).limit(limit)
    claim = update(alerts_t).values(
        next_attempt_at=now + lease, attempts=alerts_t.c.attempts + 1, last_error=None
    )
    if conn.dialect.name == "postgresql":
        ids = list(conn.execute(pick.with_for_update(skip_locked=True)).scalars())
        if not ids:
            return []
        rows = conn.execute(claim.where(alerts_t.c.id.in_(ids)).returning(*_CLAIMED_COLUMNS))
    else:
        # One statement: SQLite takes the write lock before it reads, so two
        # senders cannot both see the row as due.
        rows = conn.execute(
            claim.where(alerts_t.c.id.in_(pick.scalar_subquery()), _due(now)).returning(
                *_CLAIMED_COLUMNS
            )
        )
    claimed = [
        ClaimedAlert(
            id=row.id,
            kind=row.kind,
            key=row.key,
            event_id=row.event_id,
            recipient=row.recipient,
            attempts=row.attempts,
            item_ids=tuple(row.item_ids or ()),
            period_start=row.period_start,
            period_end=row.period_end,
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda a: a.id)


def mark_sent(
    conn: Connection, alert: ClaimedAlert, *, now: datetime, message_id: str, subject: str
) -> None:
    """Record a delivery; a digest also marks the events it reported as sent."""
    conn.execute(
        update(alerts_t)
        .where(alerts_t.c.id == alert.id)
        .values(
            status="sent",
            sent_at=now,
            message_id=message_id,
            subject=subject,
            last_error=None,
            next_attempt_at=None,
        )
    )
    if alert.kind == "digest" and alert.period_end is not None:
        conn.execute(
            update(alerts_t)
            .where(*_waiting_for_digest(alert.recipient, alert.period_end))
            .values(status="sent", sent_at=now, message_id=message_id, next_attempt_at=None)
        )


def mark_failed(
    conn: Connection, alert: ClaimedAlert, *, error: str, retry_at: datetime | None
) -> None:
    """Record a failed attempt: pending again at ``retry_at``, or failed for good."""
    values: dict[str, Any] = {"last_error": error[:2000], "next_attempt_at": retry_at}
    if retry_at is None:
        values["status"] = "failed"
    conn.execute(update(alerts_t).where(alerts_t.c.id == alert.id).values(**values))


def retry_failed(conn: Connection, *, now: datetime) -> int:
    """Put failed alerts back in the queue with a fresh count of attempts."""
    result = conn.execute(
        update(alerts_t)
        .where(alerts_t.c.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount or 0)


def parent_subject(conn: Connection, event_id: int, recipient: str) -> str | None:
    """The subject the event's alert went out with, for a follow-up's ``Re:``."""
    return conn.execute(
        select(alerts_t.c.subject).where(
            alerts_t.c.key == event_key(event_id), alerts_t.c.recipient == recipient
        )
    ).scalar()


def list_alerts(
    conn: Connection, *, status: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The outbox, newest first, with each alert's event title."""
    query = (
        select(
            alerts_t.c.id,
            alerts_t.c.kind,
            alerts_t.c.key,
            alerts_t.c.event_id,
            events_t.c.title.label("event_title"),
            alerts_t.c.recipient,
            alerts_t.c.status,
            alerts_t.c.attempts,
            alerts_t.c.next_attempt_at,
            alerts_t.c.sent_at,
            alerts_t.c.subject,
            alerts_t.c.message_id,
            alerts_t.c.last_error,
            alerts_t.c.created_at,
        )
        .outerjoin(events_t, events_t.c.id == alerts_t.c.event_id)
        .order_by(alerts_t.c.id.desc())
    )
    if status:
        query = query.where(alerts_t.c.status == status)
    if limit:
        query = query.limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def pending_alerts(conn: Connection, *, limit: int | None = None) -> list[ClaimedAlert]:
    """Alerts waiting to be sent, due or not, without claiming them (for a preview)."""
    query = select(*_CLAIMED_COLUMNS).where(alerts_t.c.status == "pending").order_by(alerts_t.c.id)
    if limit:
        query = query.limit(limit)
    return [
        ClaimedAlert(
            id=row.id,
            kind=row.kind,
            key=row.key,
            event_id=row.event_id,
            recipient=row.recipient,
            attempts=row.attempts,
            item_ids=tuple(row.item_ids or ()),
            period_start=row.period_start,
            period_end=row.period_end,
        )
        for row in conn.execute(query)
    ]


def load_events(conn: Connection, event_ids: Sequence[int]) -> dict[int, EventDetails]:
    """Events with their labels, participants, amounts and reports."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    labels = _labels(conn, ids)
    people: dict[int, list[Participant]] = {}
    amounts: dict[int, list[EventAmount]] = {}
    reports: dict[int, list[Report]] = {}
    heads: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(events_t).where(events_t.c.id.in_(chunk))):
            heads[row.id] = row
        for row in conn.execute(
            select(
                participants_t.c.event_id,
                entities_t.c.name,
                entities_t.c.kind,
                participants_t.c.role,
                entities_t.c.jurisdiction,
            )
            .join(entities_t, entities_t.c.id == participants_t.c.entity_id)
            .where(participants_t.c.event_id.in_(chunk))
            .order_by(participants_t.c.event_id, participants_t.c.id)
        ):
            people.setdefault(row.event_id, []).append(
                Participant(row.name, row.kind, row.role, row.jurisdiction)
            )
        for row in conn.execute(
            select(event_amounts_t)
            .where(event_amounts_t.c.event_id.in_(chunk))
            .order_by(event_amounts_t.c.event_id, event_amounts_t.c.id)
        ):
            amounts.setdefault(row.event_id, []).append(
                EventAmount(row.value, row.currency, row.text, row.kind)
            )
        for row in conn.execute(
            select(
                items_t.c.event_id,
                items_t.c.id,
                items_t.c.title,
                items_t.c.url,
                sources_t.c.name,
                items_t.c.published_at,
            )
            .join(sources_t, sources_t.c.id == items_t.c.source_id)
            .where(items_t.c.event_id.in_(chunk))
            .order_by(items_t.c.event_id, items_t.c.published_at, items_t.c.id)
        ):
            reports.setdefault(row.event_id, []).append(
                Report(row.id, row.title, row.url, row.name, row.published_at)
            )
    return {
        eid: EventDetails(
            id=eid,
            title=head.title,
            first_seen=head.first_seen,
            last_seen=head.last_seen,
            jurisdiction=head.jurisdiction,
            labels=tuple(labels.get(eid, ())),
            participants=tuple(people.get(eid, ())),
            amounts=tuple(amounts.get(eid, ())),
            reports=tuple(reports.get(eid, ())),
        )
        for eid, head in heads.items()
    }


def _waiting_for_digest(recipient: str, until: datetime) -> tuple[Any, ...]:
    return (
        alerts_t.c.kind == "event",
        alerts_t.c.status == "digest",
        alerts_t.c.recipient == recipient,
        alerts_t.c.created_at < until,
    )


def digest_event_ids(conn: Connection, recipient: str, until: datetime) -> list[int]:
    """Events queued for ``recipient``'s digest before ``until`` and not yet reported."""
    rows = conn.execute(
        select(alerts_t.c.event_id)
        .where(*_waiting_for_digest(recipient, until))
        .order_by(alerts_t.c.created_at, alerts_t.c.id)
    )
    return [int(e) for e in rows.scalars() if e is not None]


def last_digest_end(conn: Connection, recipient: str) -> datetime | None:
    return conn.execute(
        select(func.max(alerts_t.c.period_end)).where(
            alerts_t.c.kind == "digest", alerts_t.c.recipient == recipient
        )
    ).scalar()


def category_counts(
    conn: Connection,
    recipient: str,
    *,
    start: datetime,
    end: datetime,
    rules: AlertRules,
) -> dict[str, int]:
    """How many events per alert category were queued for ``recipient`` in [start, end)."""
    query = (
        select(event_labels_t.c.category, func.count(func.distinct(alerts_t.c.event_id)))
        .join(event_labels_t, event_labels_t.c.event_id == alerts_t.c.event_id)
        .where(
            alerts_t.c.kind == "event",
            alerts_t.c.recipient == recipient,
            alerts_t.c.status != "skipped",
            alerts_t.c.created_at >= start,
            alerts_t.c.created_at < end,
            event_labels_t.c.category.in_(rules.categories),
            event_labels_t.c.score >= rules.threshold,
        )
        .group_by(event_labels_t.c.category)
    )
    return {category: int(n) for category, n in conn.execute(query)}


def queue_digest(
    conn: Connection,
    *,
    key: str,
    recipient: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> bool:
    """Queue one recipient's digest for [start, end); a period with nothing to
    report is recorded as skipped. False when another sender queued it first."""
    waiting = bool(digest_event_ids(conn, recipient, end))
    row = {
        **_row("digest", key, None, recipient, "pending" if waiting else "skipped", now),
        "period_start": start,
        "period_end": end,
    }
    stmt = _insert(conn, alerts_t).on_conflict_do_nothing(index_elements=["key", "recipient"])
    return bool(conn.execute(stmt.returning(alerts_t.c.id), [row]).all())
