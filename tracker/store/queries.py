"""Reads and writes. Core statements in batches, no per-row ORM flushes.

Writes are idempotent: an item is keyed by its content hash, an entity by
(kind, name), so a batch replayed after a crash inserts nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from tracker.cluster import Participant
from tracker.models import CATEGORIES, Analysis, Item
from tracker.store import bulk, sightings
from tracker.store.event_features import StoredEntity, StoredItem
from tracker.store.tables import (
    amounts_t,
    entities_t,
    item_entities_t,
    items_t,
    labels_t,
    sources_t,
)

EntityRows = dict[tuple[str, str], tuple[int, str | None]]  # (kind, name): (id, home)


def _insert(conn: Connection, table: Table) -> Insert:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)  # type: ignore[no-any-return]


def ensure_source(
    conn: Connection, *, kind: str, name: str, location: str, interval: int, now: datetime
) -> int:
    """The id of the source at ``location``, created if new."""
    found = conn.execute(select(sources_t.c.id).where(sources_t.c.location == location)).scalar()
    if found is not None:
        return int(found)
    taken = conn.execute(select(sources_t.c.id).where(sources_t.c.name == name)).scalar()
    if taken is not None:
        name = f"{name} ({location})"
    stmt = (
        _insert(conn, sources_t)
        .values(
            kind=kind,
            name=name,
            location=location,
            interval_seconds=interval,
            enabled=True,
            error_count=0,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    conn.execute(stmt)
    return int(
        conn.execute(select(sources_t.c.id).where(sources_t.c.location == location)).scalar_one()
    )


def record_check(
    conn: Connection, source_id: int, *, now: datetime, next_check: datetime, error: str | None
) -> None:
    """Note a source's check: its health and when it is next due."""
    values: dict[str, Any] = {
        "last_checked_at": now,
        "next_check_at": next_check,
        "last_status": "error" if error else "ok",
        "last_error": error,
    }
    if error:
        values["error_count"] = sources_t.c.error_count + 1
    else:
        values["error_count"] = 0
    conn.execute(update(sources_t).where(sources_t.c.id == source_id).values(**values))


def existing_hashes(conn: Connection, hashes: Sequence[str]) -> set[str]:
    if not hashes:
        return set()
    rows = conn.execute(select(items_t.c.content_hash).where(items_t.c.content_hash.in_(hashes)))
    return set(rows.scalars())


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What :func:`store_batch` did: the new items, in batch order, as stored
    (what grouping them into events needs), and how many were duplicates."""

    new: list[StoredItem]
    duplicate: int

    @property
    def new_ids(self) -> list[int]:
        return [s.id for s in self.new]


def store_items(
    conn: Connection, source_id: int, batch: Sequence[tuple[Item, Analysis]], fetched_at: datetime
) -> tuple[list[int], int]:
    """:func:`store_batch`, returning the new items' ids (in batch order) and
    how many were duplicates."""
    stored = store_batch(conn, source_id, batch, fetched_at)
    return stored.new_ids, stored.duplicate


def store_batch(
    conn: Connection, source_id: int, batch: Sequence[tuple[Item, Analysis]], fetched_at: datetime
) -> StoredBatch:
    """Insert new items with their labels, entities and amounts; record which
    source saw which item; revise an item whose source changed it.

    An item already stored (same GUID in this source, same canonical URL, or
    same words: see ``store.sightings``) is a duplicate.
    """
    if not batch:
        return StoredBatch([], 0)
    if conn.dialect.name == "postgresql":
        # Two feeds (or two daemons) storing the same article at once would both
        # find it missing and both insert it: batches that share an item's key
        # (its words, URL or GUID) take turns; others go on side by side.
        lock_keys(conn, item_keys(source_id, [item for item, _ in batch]))
    unique: list[tuple[Item, Analysis]] = []
    keys: set[tuple[str, str]] = set()
    for item, analysis in batch:
        mine = {("hash", item.content_hash), ("url", item.url)}
        if item.guid:
            mine.add(("guid", item.guid))
        if not mine & keys:
            unique.append((item, analysis))
        keys |= mine
    matches = sightings.match_items(conn, source_id, [item for item, _ in unique])
    seen: list[tuple[int, Item]] = []
    revised: list[tuple[int, Analysis]] = []
    todo: list[tuple[Item, Analysis]] = []
    for (item, analysis), match in zip(unique, matches, strict=True):
        if match is None:
            todo.append((item, analysis))
            continue
        if match.is_revision(item) and sightings.revise(
            conn, match.item_id, item, analysis.rules_version, fetched_at
        ):
            revised.append((match.item_id, analysis))
        seen.append((match.item_id, item))
    store_analyses(conn, revised)
    rows = [
        (
            source_id,
            item.guid,
            item.url,
            item.title,
            item.body,
            item.has_headline,
            item.published_at,
            item.date_source,
            fetched_at,
            item.content_hash,
            analysis.rules_version,
        )
        for item, analysis in todo
    ]
    inserted = bulk.insert_rows(
        conn,
        items_t,
        _ITEM_COLUMNS,
        rows,
        conflict="ON CONFLICT (content_hash) DO NOTHING",
        returning=("id", "content_hash"),
    )
    ids = {content_hash: item_id for item_id, content_hash in inserted}
    analyses = [
        (ids[item.content_hash], analysis) for item, analysis in todo if item.content_hash in ids
    ]
    entity_rows = store_analyses(conn, analyses)
    raced = [item for item, _ in todo if item.content_hash not in ids]
    if raced:  # stored meanwhile by another process: seen, not new
        rows = conn.execute(
            select(items_t.c.content_hash, items_t.c.id).where(
                items_t.c.content_hash.in_([i.content_hash for i in raced])
            )
        )
        found = {content_hash: item_id for content_hash, item_id in rows}
        seen += [(found[i.content_hash], i) for i in raced if i.content_hash in found]
    seen += [(ids[item.content_hash], item) for item, _ in todo if item.content_hash in ids]
    sightings.record(conn, source_id, seen, fetched_at)
    new = [
        StoredItem(ids[item.content_hash], item, analysis, _links(analysis, entity_rows))
        for item, analysis in todo
        if item.content_hash in ids
    ]
    return StoredBatch(new, len(batch) - len(new))


_ITEM_COLUMNS = (
    "source_id",
    "guid",
    "url",
    "title",
    "body",
    "has_headline",
    "published_at",
    "date_source",
    "fetched_at",
    "content_hash",
    "rules_version",
)


def _links(analysis: Analysis, entity_rows: EntityRows) -> tuple[StoredEntity, ...]:
    """The item's entities as its ``item_entities`` rows list them: one per
    (entity, role), in the order first named."""
    out: dict[tuple[int, str], StoredEntity] = {}
    for e in analysis.entities:
        entity_id, home = entity_rows[(e.kind, e.name)]
        if (entity_id, e.role) not in out:
            out[(entity_id, e.role)] = (entity_id, Participant(e.kind, e.name, e.role), home)
    return tuple(out.values())


def store_analyses(conn: Connection, analyses: Sequence[tuple[int, Analysis]]) -> EntityRows:
    """Insert the items' labels, amounts and entity links (entities created
    when new); returns the entities' ids and home jurisdictions."""
    bulk.insert_rows(
        conn,
        labels_t,
        ("item_id", "category", "score", "evidence", "rules_version"),
        [
            (item_id, label.category, label.score, label.evidence, label.rules_version)
            for item_id, analysis in analyses
            for label in analysis.labels
        ],
    )
    bulk.insert_rows(
        conn,
        amounts_t,
        ("item_id", "value", "currency", "text", "kind", "conversion_of"),
        [
            (item_id, a.value, a.currency, a.text[:200], a.kind, a.conversion_of)
            for item_id, analysis in analyses
            for a in analysis.amounts
        ],
    )
    wanted = {(e.kind, e.name): e.jurisdiction for _, a in analyses for e in a.entities}
    entity_rows = _entity_rows(conn, wanted)
    links = {
        (item_id, entity_rows[(e.kind, e.name)][0], e.role): e.mention[:300]
        for item_id, analysis in analyses
        for e in analysis.entities
    }
    bulk.insert_rows(
        conn,
        item_entities_t,
        ("item_id", "entity_id", "role", "mention"),
        [(i, e, r, m) for (i, e, r), m in links.items()],
        conflict="ON CONFLICT DO NOTHING",
    )
    return entity_rows


def _entity_rows(conn: Connection, wanted: dict[tuple[str, str], str | None]) -> EntityRows:
    """(id, home jurisdiction) of each wanted entity; the new ones inserted
    first (most batches name only entities already known)."""
    found = _find_entities(conn, wanted)
    missing = {key: home for key, home in wanted.items() if key not in found}
    if missing:
        conn.execute(
            _insert(conn, entities_t).on_conflict_do_nothing(index_elements=["kind", "name"]),
            [
                {"kind": k, "name": n, "jurisdiction": j, "aliases": []}
                for (k, n), j in sorted(missing.items())
            ],
        )
        found |= _find_entities(conn, missing)
    return found


def _find_entities(conn: Connection, wanted: dict[tuple[str, str], str | None]) -> EntityRows:
    if not wanted:
        return {}
    names = sorted({name for _, name in wanted})
    found: EntityRows = {}
    for start in range(0, len(names), 500):
        rows = conn.execute(
            select(
                entities_t.c.id, entities_t.c.kind, entities_t.c.name, entities_t.c.jurisdiction
            ).where(entities_t.c.name.in_(names[start : start + 500]))
        )
        for eid, kind, name, home in rows:
            if (kind, name) in wanted:
                found[(kind, name)] = (int(eid), home)
    return found


def item_keys(source_id: int, items: Iterable[Item]) -> list[str]:
    """What makes an item the same as another (see ``store.sightings``): its
    words, its canonical URL, its GUID in its source."""
    keys = set()
    for item in items:
        keys |= {f"hash:{item.content_hash}", f"url:{item.url}"}
        if item.guid:
            keys.add(f"guid:{source_id}:{item.guid}")
    return sorted(keys)


def lock_keys(conn: Connection, keys: Iterable[str]) -> None:
    """PostgreSQL: hold a transaction-scoped advisory lock on each key (64-bit
    hashes of them, taken in ascending order, so two transactions wanting some
    of the same keys never wait for each other in a cycle)."""
    numbers = sorted({_lock_number(k) for k in keys})
    if numbers:
        conn.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS sorted_keys"
            ),
            {"keys": numbers},
        )


def _lock_number(key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def list_items(
    conn: Connection,
    *,
    threshold: float,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Items newest first, each with its labels at or above ``threshold``."""
    query = (
        select(
            items_t.c.id,
            items_t.c.title,
            items_t.c.url,
            items_t.c.published_at,
            items_t.c.date_source,
            items_t.c.event_id,
            sources_t.c.name.label("source"),
        )
        .join(sources_t, sources_t.c.id == items_t.c.source_id)
        .order_by(items_t.c.published_at.desc(), items_t.c.id.desc())
    )
    if category:
        query = query.where(
            select(labels_t.c.id)
            .where(
                labels_t.c.item_id == items_t.c.id,
                labels_t.c.category == category,
                labels_t.c.score >= threshold,
            )
            .exists()
        )
    if since:
        query = query.where(items_t.c.published_at >= since)
    if until:
        query = query.where(items_t.c.published_at < until)
    if limit:
        query = query.limit(limit)
    items = [dict(row._mapping) for row in conn.execute(query)]
    labels = _labels_for(conn, [i["id"] for i in items], threshold)
    for item in items:
        item["labels"] = labels.get(item["id"], [])
    return items


# labels of equal score in the taxonomy's order, as classification gives them
_CATEGORY_ORDER = case(
    {category: i for i, category in enumerate(CATEGORIES)}, value=labels_t.c.category, else_=99
)


def _labels_for(
    conn: Connection, ids: Iterable[int], threshold: float
) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(labels_t.c.item_id, labels_t.c.category, labels_t.c.score, labels_t.c.evidence)
            .where(labels_t.c.item_id.in_(ids[start : start + 500]), labels_t.c.score >= threshold)
            .order_by(labels_t.c.item_id, labels_t.c.score.desc(), _CATEGORY_ORDER)
        )
        for item_id, category, score, evidence in rows:
            out.setdefault(item_id, []).append(
                {"category": category, "score": round(float(score), 3), "evidence": evidence}
            )
    return out


def source_health(conn: Connection) -> list[dict[str, Any]]:
    """Every source with its item count and last check."""
    count = (
        select(func.count(items_t.c.id))
        .where(items_t.c.source_id == sources_t.c.id)
        .scalar_subquery()
    )
    query = select(
        sources_t.c.id,
        sources_t.c.kind,
        sources_t.c.name,
        sources_t.c.location,
        sources_t.c.enabled,
        sources_t.c.last_checked_at,
        sources_t.c.next_check_at,
        sources_t.c.last_status,
        sources_t.c.error_count,
        sources_t.c.last_error,
        sources_t.c.failure_score,
        sources_t.c.disabled_reason,
        count.label("items"),
    ).order_by(sources_t.c.name)
    return [dict(row._mapping) for row in conn.execute(query)]


def totals(conn: Connection, threshold: float) -> dict[str, Any]:
    """Counts for ``status``: items, events, labels per category, pending alerts."""
    from tracker.store.schema import Alert, Event

    per_category = dict(
        conn.execute(
            select(labels_t.c.category, func.count())
            .where(labels_t.c.score >= threshold)
            .group_by(labels_t.c.category)
        ).all()
    )
    alerts_t = Alert.__table__
    alerts_by_status = dict(
        conn.execute(select(alerts_t.c.status, func.count()).group_by(alerts_t.c.status)).all()
    )
    return {
        "items": conn.execute(select(func.count()).select_from(items_t)).scalar_one(),
        "events": conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one(),
        "labels": per_category,
        "alerts_pending": alerts_by_status.get("pending", 0),
        "alerts_failed": alerts_by_status.get("failed", 0),
        "latest_item": conn.execute(select(func.max(items_t.c.fetched_at))).scalar(),
    }
