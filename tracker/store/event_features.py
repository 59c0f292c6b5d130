"""What grouping compares: the new items' features and the candidate events'
features, read from the database in a few set-wise queries, or, for items a
batch has just stored, made from what it stored.

    new_items(stored, sketches)         -> [NewItem]   (no SQL: as store_batch stored them)
    load_items(conn, item_ids)          -> [NewItem]   (in the order given)
    load_events(conn, event_ids)        -> {id: EventFeatures}   (their rows alone)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tracker import cluster
from tracker.models import Analysis, Item
from tracker.store import bulk
from tracker.store.tables import (
    amounts_t,
    entities_t,
    events_t,
    item_entities_t,
    items_t,
    labels_t,
)

CHUNK = 500
"""Ids per IN list: well under SQLite's and PostgreSQL's parameter limits."""


@dataclass(frozen=True, slots=True)
class NewItem:
    """A stored item about to be grouped. ``entity_ids`` are its key parties
    (the candidate keys); ``labels``, ``places`` and ``named`` are what the
    trend summaries count: every (category, score), the jurisdictions of its
    regulatory action, every entity it names."""

    id: int
    features: cluster.ItemFeatures
    entity_ids: tuple[int, ...]
    fingerprint: str
    labels: tuple[tuple[str, float], ...]
    places: tuple[str, ...]
    named: tuple[int, ...]
    report: Report | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A just-stored item as an event's summary reads it (``event_upkeep``):
    the values its rows hold, so a new event is summarised without reading
    its reports back. ``labels``: (category, score, evidence); ``amounts``:
    (value, currency, text, kind, conversion_of), in the order stored."""

    id: int
    title: str
    has_headline: bool
    published_at: datetime
    date_source: str
    labels: tuple[tuple[str, float, str], ...]
    entities: tuple[StoredEntity, ...]
    amounts: tuple[tuple[Decimal, str, str, str, str | None], ...]


StoredEntity = tuple[int, cluster.Participant, str | None]
"""An entity named by an item: its id, the participant (kind, name, role),
and the entity's home jurisdiction."""


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item a batch has just stored: its id, its text and analysis, and its
    entities as its ``item_entities`` rows list them (one per entity and role,
    in the order first named)."""

    id: int
    item: Item
    analysis: Analysis
    entities: tuple[StoredEntity, ...]


Sketches = Mapping[str, tuple[int, ...]]
"""Sketches of items' words by content hash, made before the transaction."""


def item_sketch(title: str, body: str) -> tuple[int, ...]:
    return cluster.sketch(cluster.content_words(f"{title}\n{body}"))


def new_items(stored: Sequence[StoredItem], sketches: Sketches | None = None) -> list[NewItem]:
    """The features of items just stored, as :func:`load_items` would read
    them back, without reading them (``sketches``: any already made)."""
    out = []
    for s in stored:
        item = s.item
        row = _Row(
            s.id,
            item.title,
            item.body,
            item.has_headline,
            item.published_at.astimezone(UTC),
            item.date_source,
            item.url,
        )
        report = Report(
            s.id,
            row.title,
            row.has_headline,
            row.published_at,
            row.date_source,
            tuple((x.category, float(x.score), x.evidence) for x in s.analysis.labels),
            s.entities,
            tuple(
                (_stored_value(a.value), a.currency, a.text[:200], a.kind, a.conversion_of)
                for a in s.analysis.amounts
            ),
        )
        labels = [(category, score) for category, score, _ in report.labels]
        amounts = [
            (cluster.DealAmount(value, currency, kind), conversion_of is not None)
            for value, currency, _, kind, conversion_of in report.amounts
        ]
        sketch = sketches.get(item.content_hash) if sketches else None
        new = _new_item(row, labels, list(s.entities), amounts, sketch)
        out.append(replace(new, report=report))
    return out


def _stored_value(value: Decimal) -> Decimal:
    """A sum as the database gives it back (two decimal places)."""
    return value.quantize(CENTS)


CENTS = Decimal("0.01")


class _Row(NamedTuple):
    id: int
    title: str
    body: str
    has_headline: bool
    published_at: datetime
    date_source: str
    url: str


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def load_items(conn: Connection, item_ids: Sequence[int]) -> list[NewItem]:
    ids = list(item_ids)
    rows: dict[int, Any] = {}
    labels: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for chunk in chunks(ids):
        rows |= {
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
                ).where(items_t.c.id.in_(chunk))
            )
        }
        for item_id, category, score in conn.execute(
            select(labels_t.c.item_id, labels_t.c.category, labels_t.c.score).where(
                labels_t.c.item_id.in_(chunk)
            )
        ):
            labels[item_id].append((category, float(score)))
    entities = item_entities(conn, ids)
    amounts = item_amounts(conn, ids)
    return [
        _new_item(rows[i], labels.get(i, []), entities.get(i, []), amounts.get(i, [])) for i in ids
    ]


def _new_item(
    row: Any,
    labels: list[tuple[str, float]],
    entities: list[tuple[int, cluster.Participant, str | None]],
    amounts: list[tuple[cluster.DealAmount, bool]],
    sketch: tuple[int, ...] | None = None,
) -> NewItem:
    keys = cluster.key_participants(p for _, p, _ in entities)
    features = cluster.ItemFeatures(
        title=row.title,
        published_at=row.published_at,
        date_source=row.date_source,
        categories=frozenset(c for c, s in labels if s >= cluster.MIN_CATEGORY_SCORE),
        participants=keys,
        amounts=tuple(a for a, _ in amounts),
        sketch=item_sketch(row.title, row.body) if sketch is None else sketch,
        url=row.url,
    )
    places = {
        p.name if p.kind == "jurisdiction" else home
        for _, p, home in entities
        if p.role in ("regulator", "jurisdiction")
    }
    fingerprint = cluster.headline_fingerprint(row.title) if row.has_headline else ""
    return NewItem(
        id=row.id,
        features=features,
        entity_ids=tuple(sorted({eid for eid, p, _ in entities if p.name in keys})),
        fingerprint=fingerprint[:64],
        labels=tuple(labels),
        places=tuple(sorted(p for p in places if p)),
        named=tuple(sorted({eid for eid, _, _ in entities})),
    )


def item_entities(
    conn: Connection, item_ids: Sequence[int]
) -> dict[int, list[tuple[int, cluster.Participant, str | None]]]:
    """Each item's (entity id, participant, the entity's home jurisdiction),
    in the order its links were stored."""
    links: list[tuple[Any, ...]] = []
    for chunk in chunks(item_ids):
        links += bulk.select_where_in(
            conn,
            item_entities_t,
            ("item_id", "entity_id", "role"),
            "item_id",
            chunk,
            order_by="item_id, id",
        )
    named: dict[int, tuple[str, str, str | None]] = {}
    for chunk in chunks(sorted({entity_id for _, entity_id, _ in links})):
        for entity_id, kind, name, home in bulk.select_where_in(
            conn, entities_t, ("id", "kind", "name", "jurisdiction"), "id", chunk
        ):
            named[entity_id] = (kind, name, home)
    out: dict[int, list[tuple[int, cluster.Participant, str | None]]] = defaultdict(list)
    for item_id, entity_id, role in links:
        kind, name, home = named[entity_id]
        out[item_id].append((entity_id, cluster.Participant(kind, name, role), home))
    return out


def item_amounts(
    conn: Connection, item_ids: Sequence[int]
) -> dict[int, list[tuple[cluster.DealAmount, bool]]]:
    """Each item's sums, and whether each is a bracketed conversion."""
    out: dict[int, list[tuple[cluster.DealAmount, bool]]] = defaultdict(list)
    for item_id, value, currency, _text, kind, conversion_of in amount_rows(conn, item_ids):
        amount = cluster.DealAmount(value, currency, kind)
        out[item_id].append((amount, conversion_of is not None))
    return out


def amount_rows(conn: Connection, item_ids: Sequence[int]) -> list[Any]:
    """The items' amounts as (item id, value, currency, text, kind, conversion
    of) rows, by item and in the order they were found."""
    rows: list[Any] = []
    for chunk in chunks(item_ids):
        rows += bulk.select_where_in(
            conn,
            amounts_t,
            ("item_id", "value", "currency", "text", "kind", "conversion_of"),
            "item_id",
            chunk,
            order_by="item_id, id",
        )
    return rows


def load_events(conn: Connection, event_ids: Sequence[int]) -> dict[int, cluster.EventFeatures]:
    """The events' features from their rows alone (the summary's labels,
    parties and sums are there as JSON, revision 0008): one statement per
    chunk of ids, one page per event."""
    rows = []
    for ids in chunks(sorted(set(event_ids))):
        rows += bulk.select_where_in(conn, events_t, _EVENT_COLUMNS, "id", ids)
    return {row[0]: _event_features(*row) for row in rows}


def _event_features(
    event_id: int,
    first_seen: datetime,
    last_seen: datetime,
    dated: bool,
    signature: bytes | None,
    categories: list[dict[str, Any]],
    participants: list[dict[str, Any]],
    sums: list[list[str]],
) -> cluster.EventFeatures:
    return cluster.EventFeatures(
        id=event_id,
        first_seen=first_seen,
        last_seen=last_seen,
        is_dated=bool(dated),
        categories=frozenset(
            c["category"] for c in categories if c["score"] >= cluster.MIN_CATEGORY_SCORE
        ),
        participants=frozenset(
            p["name"] for p in participants if p["kind"] in cluster.PARTICIPANT_KINDS
        ),
        amounts=tuple(
            cluster.DealAmount(Decimal(value), currency, kind) for value, currency, kind in sums
        ),
        sketch=cluster.PackedSketch(signature or b""),
    )


_EVENT_COLUMNS = (
    "id",
    "first_seen",
    "last_seen",
    "dated",
    "signature",
    "categories",
    "participants",
    "sums",
)
