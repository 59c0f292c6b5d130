"""Events in the database: new items joined to events, each event's summary
kept up to date, events read back.

    assign_events(conn, item_ids, now=...)   after store_items, same transaction
        for each new item:  candidates by indexed keys  (participants + window,
                            URL, headline fingerprint; never a scan)
                            tracker.cluster.decide      (pure)
                            join or create, then upkeep of that one event
        trend_counts recounted for the days touched
    refresh_events(conn, event_ids, now=...) after labels of stored items change

The work per new item depends on how many events are near it in time and
share a party with it, never on the size of the database.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from tracker import cluster
from tracker.store import trends
from tracker.store.schema import (
    Amount,
    Entity,
    Event,
    EventAmount,
    EventLabel,
    EventParticipant,
    ItemEntity,
    ItemLabel,
    Source,
)
from tracker.store.schema import Item as ItemRow

log = logging.getLogger(__name__)

events_t: Table = Event.__table__  # type: ignore[assignment]
event_labels_t: Table = EventLabel.__table__  # type: ignore[assignment]
event_participants_t: Table = EventParticipant.__table__  # type: ignore[assignment]
event_amounts_t: Table = EventAmount.__table__  # type: ignore[assignment]
items_t: Table = ItemRow.__table__  # type: ignore[assignment]
labels_t: Table = ItemLabel.__table__  # type: ignore[assignment]
entities_t: Table = Entity.__table__  # type: ignore[assignment]
item_entities_t: Table = ItemEntity.__table__  # type: ignore[assignment]
amounts_t: Table = Amount.__table__  # type: ignore[assignment]
sources_t: Table = Source.__table__  # type: ignore[assignment]

MAX_CANDIDATES = 50
"""At most this many candidate events are compared with a new item (the most
recent first): a bound on the work per item even on the busiest days."""


@dataclass(frozen=True, slots=True)
class EventChange:
    """What assigning a batch did to one event: ``created`` is true when the
    event is new (alerts for new events start from these), else the items
    joined an existing event. ``item_ids`` are the batch's items now in it."""

    event_id: int
    created: bool
    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _NewItem:
    id: int
    features: cluster.ItemFeatures
    entity_ids: tuple[int, ...]
    fingerprint: str


def assign_events(conn: Connection, item_ids: Sequence[int], *, now: datetime) -> list[EventChange]:
    """Put each new item into the event it reports, or a new one; returns the
    events created or joined, in the order first touched."""
    if not item_ids:
        return []
    changes: dict[int, tuple[bool, list[int]]] = {}
    event_days: set[date] = set()
    for new in _load_items(conn, item_ids):
        candidates = _event_features(conn, _candidate_ids(conn, new, now), new.features.url)
        decision = cluster.decide(new.features, candidates)
        log.debug("item=%d %s", new.id, decision.reason)
        conn.execute(
            update(items_t).where(items_t.c.id == new.id).values(fingerprint=new.fingerprint)
        )
        if decision.event_id is None and not decision.start:
            continue
        event_id = decision.event_id or _create_event(conn, new, now)
        _attach(conn, event_id, new, now)
        event_days |= _upkeep(conn, [event_id], now)
        _, ids = changes.setdefault(event_id, (decision.event_id is None, []))
        ids.append(new.id)
    trends.recount_items(conn, item_ids)
    trends.recount_events(conn, event_days)
    return [EventChange(eid, created, tuple(ids)) for eid, (created, ids) in changes.items()]


def refresh_events(conn: Connection, event_ids: Iterable[int], *, now: datetime) -> None:
    """Recompute events' labels, participants, amounts, title and dates from
    their items, and the trend counts of their days: call it after the labels
    or entities of stored items change (``tracker reclassify``)."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    item_ids = list(conn.execute(select(items_t.c.id).where(items_t.c.event_id.in_(ids))).scalars())
    days = _upkeep(conn, ids, now)
    trends.recount_items(conn, item_ids)
    trends.recount_events(conn, days)


# ---------------------------------------------------------------- reading items


def _load_items(conn: Connection, item_ids: Sequence[int]) -> list[_NewItem]:
    ids = list(item_ids)
    rows = {
        r.id: r
        for r in conn.execute(
            select(
                items_t.c.id,
                items_t.c.title,
                items_t.c.body,
                items_t.c.has_headline,
                items_t.c.published_at,
                items_t.c.date_source,
                items_t.c.url,
            ).where(items_t.c.id.in_(ids))
        )
    }
    categories: dict[int, set[str]] = defaultdict(set)
    for item_id, category in conn.execute(
        select(labels_t.c.item_id, labels_t.c.category).where(
            labels_t.c.item_id.in_(ids), labels_t.c.score >= cluster.MIN_CATEGORY_SCORE
        )
    ):
        categories[item_id].add(category)
    entities = _item_entities(conn, ids)
    amounts = _item_amounts(conn, ids)
    out = []
    for item_id in ids:
        row = rows[item_id]
        participants = [p for _, p in entities.get(item_id, [])]
        keys = cluster.key_participants(participants)
        features = cluster.ItemFeatures(
            title=row.title,
            published_at=row.published_at,
            date_source=row.date_source,
            categories=frozenset(categories.get(item_id, ())),
            participants=keys,
            amounts=tuple(a for a, _ in amounts.get(item_id, [])),
            sketch=cluster.sketch(cluster.content_words(f"{row.title}\n{row.body}")),
            url=row.url,
        )
        entity_ids = tuple(sorted({eid for eid, p in entities.get(item_id, []) if p.name in keys}))
        fingerprint = cluster.headline_fingerprint(row.title) if row.has_headline else ""
        out.append(_NewItem(item_id, features, entity_ids, fingerprint[:64]))
    return out


def _item_entities(
    conn: Connection, item_ids: Sequence[int]
) -> dict[int, list[tuple[int, cluster.Participant]]]:
    out: dict[int, list[tuple[int, cluster.Participant]]] = defaultdict(list)
    query = (
        select(
            item_entities_t.c.item_id,
            entities_t.c.id,
            entities_t.c.kind,
            entities_t.c.name,
            item_entities_t.c.role,
        )
        .join(entities_t, entities_t.c.id == item_entities_t.c.entity_id)
        .where(item_entities_t.c.item_id.in_(list(item_ids)))
        .order_by(item_entities_t.c.item_id, item_entities_t.c.id)
    )
    for item_id, entity_id, kind, name, role in conn.execute(query):
        out[item_id].append((entity_id, cluster.Participant(kind, name, role)))
    return out


def _item_amounts(
    conn: Connection, item_ids: Sequence[int]
) -> dict[int, list[tuple[cluster.DealAmount, bool]]]:
    out: dict[int, list[tuple[cluster.DealAmount, bool]]] = defaultdict(list)
    query = (
        select(
            amounts_t.c.item_id,
            amounts_t.c.value,
            amounts_t.c.currency,
            amounts_t.c.kind,
            amounts_t.c.conversion_of,
        )
        .where(amounts_t.c.item_id.in_(list(item_ids)))
        .order_by(amounts_t.c.item_id, amounts_t.c.id)
    )
    for item_id, value, currency, kind, conversion_of in conn.execute(query):
        out[item_id].append((cluster.DealAmount(value, currency, kind), conversion_of is not None))
    return out


# ---------------------------------------------------------------- candidates


def _candidate_ids(conn: Connection, new: _NewItem, now: datetime) -> list[int]:
    """Events near the item by cheap keys, each lookup on an index."""
    found: dict[int, None] = {}
    item = new.features
    shares = (
        select(event_participants_t.c.id)
        .where(
            event_participants_t.c.event_id == events_t.c.id,
            event_participants_t.c.entity_id.in_(new.entity_ids),
        )
        .exists()
    )
    queries = []
    if new.entity_ids and item.is_dated:
        queries.append(
            select(events_t.c.id).where(
                events_t.c.last_seen >= item.published_at - cluster.WINDOW,
                events_t.c.first_seen <= item.published_at + cluster.WINDOW,
                shares,
            )
        )
    if new.entity_ids:
        recent = select(events_t.c.id).where(
            events_t.c.updated_at >= now - cluster.WEAK_DATE_RECENCY, shares
        )
        queries.append(recent if not item.is_dated else recent.where(~events_t.c.dated))
    for column, value in ((items_t.c.url, item.url), (items_t.c.fingerprint, new.fingerprint)):
        if value:
            queries.append(
                select(items_t.c.event_id)
                .where(column == value, items_t.c.event_id.is_not(None))
                .distinct()
            )
    for query in queries:
        for (event_id,) in conn.execute(query.limit(MAX_CANDIDATES)):
            found[int(event_id)] = None
    return list(found)[: MAX_CANDIDATES * 2]


def _event_features(
    conn: Connection, event_ids: Sequence[int], url: str
) -> list[cluster.EventFeatures]:
    if not event_ids:
        return []
    ids = list(event_ids)
    categories: dict[int, set[str]] = defaultdict(set)
    for event_id, category in conn.execute(
        select(event_labels_t.c.event_id, event_labels_t.c.category).where(
            event_labels_t.c.event_id.in_(ids),
            event_labels_t.c.score >= cluster.MIN_CATEGORY_SCORE,
        )
    ):
        categories[event_id].add(category)
    participants: dict[int, set[str]] = defaultdict(set)
    for event_id, name in conn.execute(
        select(event_participants_t.c.event_id, entities_t.c.name)
        .join(entities_t, entities_t.c.id == event_participants_t.c.entity_id)
        .where(
            event_participants_t.c.event_id.in_(ids),
            entities_t.c.kind.in_(cluster.PARTICIPANT_KINDS),
        )
    ):
        participants[event_id].add(name)
    amounts: dict[int, list[cluster.DealAmount]] = defaultdict(list)
    for event_id, value, currency, kind in conn.execute(
        select(
            event_amounts_t.c.event_id,
            event_amounts_t.c.value,
            event_amounts_t.c.currency,
            event_amounts_t.c.kind,
        ).where(event_amounts_t.c.event_id.in_(ids))
    ):
        amounts[event_id].append(cluster.DealAmount(value, currency, kind))
    same_url = set(
        conn.execute(
            select(items_t.c.event_id).where(items_t.c.url == url, items_t.c.event_id.in_(ids))
        ).scalars()
    )
    rows = conn.execute(
        select(
            events_t.c.id,
            events_t.c.first_seen,
            events_t.c.last_seen,
            events_t.c.dated,
            events_t.c.sketch,
        ).where(events_t.c.id.in_(ids))
    )
    return [
        cluster.EventFeatures(
            id=row.id,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            is_dated=bool(row.dated),
            categories=frozenset(categories.get(row.id, ())),
            participants=frozenset(participants.get(row.id, ())),
            amounts=tuple(amounts.get(row.id, ())),
            sketch=cluster.sketch_from_text(row.sketch),
            urls=frozenset({url}) if row.id in same_url else frozenset(),
        )
        for row in rows
    ]


# ---------------------------------------------------------------- writing events


def _create_event(conn: Connection, new: _NewItem, now: datetime) -> int:
    item = new.features
    result = conn.execute(
        insert(events_t).values(
            title=item.title,
            categories=[],
            participants=[],
            first_seen=item.published_at,
            last_seen=item.published_at,
            item_count=0,
            created_at=now,
            updated_at=now,
            sketch="",
            dated=item.is_dated,
        )
    )
    return int(result.inserted_primary_key[0])


def _attach(conn: Connection, event_id: int, new: _NewItem, now: datetime) -> None:
    """The item joins the event; the event's sketch takes in the item's words."""
    conn.execute(update(items_t).where(items_t.c.id == new.id).values(event_id=event_id))
    stored = conn.execute(select(events_t.c.sketch).where(events_t.c.id == event_id)).scalar()
    merged = cluster.merge_sketches(cluster.sketch_from_text(stored), new.features.sketch)
    conn.execute(
        update(events_t)
        .where(events_t.c.id == event_id)
        .values(sketch=cluster.sketch_to_text(merged), updated_at=now)
    )


def _upkeep(conn: Connection, event_ids: Sequence[int], now: datetime) -> set[date]:
    """Recompute each event's summary from its items; returns the days (old and
    new first-seen dates) whose event trend counts need recounting."""
    days: set[date] = set()
    for event_id in event_ids:
        before = conn.execute(
            select(events_t.c.first_seen).where(events_t.c.id == event_id)
        ).scalar()
        if before is not None:
            days.add(before.date())
        summary = _summarise(conn, event_id)
        if summary is None:
            conn.execute(delete(events_t).where(events_t.c.id == event_id))
            continue
        days.add(summary["first_seen"].date())
        _replace_details(conn, event_id, summary)
        conn.execute(
            update(events_t)
            .where(events_t.c.id == event_id)
            .values({**{k: v for k, v in summary.items() if k in events_t.c}, "updated_at": now})
        )
    return days


def _summarise(conn: Connection, event_id: int) -> dict[str, Any] | None:
    items = conn.execute(
        select(
            items_t.c.id,
            items_t.c.title,
            items_t.c.has_headline,
            items_t.c.published_at,
            items_t.c.date_source,
        )
        .where(items_t.c.event_id == event_id)
        .order_by(items_t.c.id)
    ).all()
    if not items:
        return None
    ids = [i.id for i in items]
    dated = [i.published_at for i in items if i.date_source not in cluster.WEAK_DATE_SOURCES]
    seen = dated or [i.published_at for i in items]
    labels = _best_labels(conn, ids)
    participants = _participants(conn, ids)
    amounts = _merge_amounts(conn, ids)
    names = [name for (_, kind, name, _) in participants if kind in cluster.PARTICIPANT_KINDS]
    primary = _primary_amount(amounts)
    return {
        "title": cluster.best_title([(i.title, i.has_headline) for i in items], names),
        "first_seen": min(seen),
        "last_seen": max(seen),
        "dated": bool(dated),
        "item_count": len(items),
        "categories": [
            {"category": c, "score": round(s, 3)}
            for c, (s, _, _) in sorted(labels.items(), key=lambda kv: -kv[1][0])
        ],
        "participants": [
            {"kind": kind, "name": name, "role": role} for (_, kind, name, role) in participants
        ],
        "jurisdiction": _jurisdiction(participants),
        "amount_value": primary[0] if primary else None,
        "amount_currency": primary[1] if primary else None,
        "_labels": labels,
        "_participants": participants,
        "_amounts": amounts,
    }


def _best_labels(conn: Connection, item_ids: list[int]) -> dict[str, tuple[float, str, int]]:
    best: dict[str, tuple[float, str, int]] = {}
    for item_id, category, score, evidence in conn.execute(
        select(labels_t.c.item_id, labels_t.c.category, labels_t.c.score, labels_t.c.evidence)
        .where(labels_t.c.item_id.in_(item_ids))
        .order_by(labels_t.c.item_id)
    ):
        if category not in best or score > best[category][0]:
            best[category] = (float(score), evidence, item_id)
    return best


def _participants(conn: Connection, item_ids: list[int]) -> list[tuple[int, str, str, str]]:
    """(entity id, kind, name, role) of every item's key participants and of
    the models and jurisdictions they give a role, in order of first report."""
    out: dict[tuple[int, str], tuple[int, str, str, str]] = {}
    for item_id, found in _item_entities(conn, item_ids).items():
        del item_id
        keys = cluster.key_participants(p for _, p in found)
        for entity_id, p in found:
            wanted = (
                p.name in keys if p.kind in cluster.PARTICIPANT_KINDS else p.role != "mentioned"
            )
            if wanted and (p.role != "mentioned" or not any(k[0] == entity_id for k in out)):
                out.setdefault((entity_id, p.role), (entity_id, p.kind, p.name, p.role))
    # a role found elsewhere makes a bare mention redundant
    roled = {eid for (eid, role) in out if role != "mentioned"}
    return [v for (eid, role), v in out.items() if role != "mentioned" or eid not in roled]


def _merge_amounts(conn: Connection, item_ids: list[int]) -> dict[tuple[Any, str], dict[str, Any]]:
    """Sums across the event's items, once each in their original currency. A
    bracketed conversion in one report marks the same figure given bare in
    another as a conversion too, so "$16M" is not counted beside "€15M"."""
    merged: dict[tuple[Any, str], dict[str, Any]] = {}
    query = (
        select(
            amounts_t.c.item_id,
            amounts_t.c.value,
            amounts_t.c.currency,
            amounts_t.c.text,
            amounts_t.c.kind,
            amounts_t.c.conversion_of,
        )
        .where(amounts_t.c.item_id.in_(item_ids))
        .order_by(amounts_t.c.item_id, amounts_t.c.id)
    )
    counted: set[tuple[int, Any, str]] = set()
    for item_id, value, currency, text, kind, conversion_of in conn.execute(query):
        key = (value, currency)
        row = merged.setdefault(
            key,
            {
                "value": value,
                "currency": currency,
                "text": text,
                "kind": kind,
                "mentions": 0,
                "is_conversion": False,
            },
        )
        if conversion_of is not None:
            row["is_conversion"] = True
        if (item_id, value, currency) not in counted:
            counted.add((item_id, value, currency))
            row["mentions"] += 1
    return merged


def _primary_amount(amounts: dict[tuple[Any, str], dict[str, Any]]) -> tuple[Any, str] | None:
    """The deal's sum: named by the most reports, deal kinds first."""
    ranked = sorted(
        (a for a in amounts.values() if not a["is_conversion"]),
        key=lambda a: (a["kind"] not in cluster.DEAL_AMOUNT_KINDS, -a["mentions"]),
    )
    return (ranked[0]["value"], ranked[0]["currency"]) if ranked else None


def _jurisdiction(participants: list[tuple[int, str, str, str]]) -> str | None:
    codes = [name for (_, kind, name, role) in participants if kind == "jurisdiction"]
    return Counter(codes).most_common(1)[0][0] if codes else None


def _replace_details(conn: Connection, event_id: int, summary: dict[str, Any]) -> None:
    for table in (event_labels_t, event_participants_t, event_amounts_t):
        conn.execute(delete(table).where(table.c.event_id == event_id))
    labels = [
        {"event_id": event_id, "category": c, "score": s, "evidence": e, "item_id": i}
        for c, (s, e, i) in summary["_labels"].items()
    ]
    participants = [
        {"event_id": event_id, "entity_id": eid, "role": role}
        for (eid, _, _, role) in summary["_participants"]
    ]
    amounts = [{"event_id": event_id, **a} for a in summary["_amounts"].values()]
    for table, rows in (
        (event_labels_t, labels),
        (event_participants_t, participants),
        (event_amounts_t, amounts),
    ):
        if rows:
            conn.execute(insert(table), rows)


# ---------------------------------------------------------------- reading events


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
        query = query.where(
            select(event_labels_t.c.id)
            .where(
                event_labels_t.c.event_id == events_t.c.id,
                event_labels_t.c.category == category,
                event_labels_t.c.score >= threshold,
            )
            .exists()
        )
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
                or_(entities_t.c.name == entity, entities_t.c.name.ilike(entity)),
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
