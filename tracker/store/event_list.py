"""Events read back for people: newest first, with their labels, parties,
sums and reports (``tracker events``, alerts)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tracker.store.filters import entity_named, event_has_label
from tracker.store.tables import (
    entities_t,
    event_amounts_t,
    event_labels_t,
    event_participants_t,
    events_t,
    items_t,
    sources_t,
)


def list_events(
    conn: Connection,
    *,
    threshold: float,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    entity: str | None = None,
    jurisdiction: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Events newest first, with their labels at or above ``threshold``, their
    participants, amounts and items. Dates select events whose reports overlap
    [since, until)."""
    query = select(
        events_t.c.id,
        events_t.c.title,
        events_t.c.first_seen,
        events_t.c.last_seen,
        events_t.c.jurisdiction,
        events_t.c.item_count,
        events_t.c.amount_value,
        events_t.c.amount_currency,
    ).order_by(events_t.c.first_seen.desc(), events_t.c.id.desc())
    if category:
        query = query.where(event_has_label(category, threshold))
    if since:
        query = query.where(events_t.c.last_seen >= since)
    if until:
        query = query.where(events_t.c.first_seen < until)
    if jurisdiction:
        query = query.where(events_t.c.jurisdiction == jurisdiction.upper())
    if entity:
        query = query.where(
            select(event_participants_t.c.id)
            .join(entities_t, entities_t.c.id == event_participants_t.c.entity_id)
            .where(
                event_participants_t.c.event_id == events_t.c.id,
                entity_named(entity),
            )
            .exists()
        )
    if limit:
        query = query.limit(limit)
    events = [dict(row._mapping) for row in conn.execute(query)]
    _add_details(conn, events, threshold)
    return events


def _add_details(conn: Connection, events: list[dict[str, Any]], threshold: float) -> None:
    ids = [e["id"] for e in events]
    labels: dict[int, list[dict[str, Any]]] = defaultdict(list)
    participants: dict[int, list[dict[str, Any]]] = defaultdict(list)
    amounts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in conn.execute(
            select(event_labels_t)
            .where(event_labels_t.c.event_id.in_(chunk), event_labels_t.c.score >= threshold)
            .order_by(event_labels_t.c.score.desc(), event_labels_t.c.category)
        ):
            labels[r.event_id].append(
                {"category": r.category, "score": round(float(r.score), 3), "evidence": r.evidence}
            )
        for r in conn.execute(
            select(
                event_participants_t.c.event_id,
                entities_t.c.kind,
                entities_t.c.name,
                event_participants_t.c.role,
            )
            .join(entities_t, entities_t.c.id == event_participants_t.c.entity_id)
            .where(event_participants_t.c.event_id.in_(chunk))
            .order_by(event_participants_t.c.id)
        ):
            participants[r.event_id].append({"kind": r.kind, "name": r.name, "role": r.role})
        for r in conn.execute(
            select(event_amounts_t)
            .where(event_amounts_t.c.event_id.in_(chunk), ~event_amounts_t.c.is_conversion)
            .order_by(event_amounts_t.c.mentions.desc(), event_amounts_t.c.id)
        ):
            amounts[r.event_id].append(
                {"value": r.value, "currency": r.currency, "text": r.text, "kind": r.kind}
            )
        for r in conn.execute(
            select(
                items_t.c.event_id,
                items_t.c.id,
                items_t.c.url,
                items_t.c.title,
                items_t.c.published_at,
                sources_t.c.name.label("source"),
            )
            .join(sources_t, sources_t.c.id == items_t.c.source_id)
            .where(items_t.c.event_id.in_(chunk))
            .order_by(items_t.c.published_at, items_t.c.id)
        ):
            items[r.event_id].append(
                {
                    "id": r.id,
                    "url": r.url,
                    "title": r.title,
                    "source": r.source,
                    "published_at": r.published_at,
                }
            )
    for event in events:
        event["categories"] = labels.get(event["id"], [])
        event["participants"] = participants.get(event["id"], [])
        event["amounts"] = amounts.get(event["id"], [])
        event["items"] = items.get(event["id"], [])
