"""Moving a database's contents to another database: ``tracker export`` and
``tracker import``, e.g. from SQLite to PostgreSQL.

The export is JSON Lines, written and read in batches so memory stays flat
whatever the database's size:

    {"format": "tracker-export", "version": 1, "schema": ..., "exported_at": ...}
    {"type": "source", "kind", "name", "location", "interval_seconds", "enabled", ...}
    {"type": "item", "source", "url", "guid", "title", "body", "published_at",
     "fetched_at", "content_hash", "labels": [...], "entities": [...],
     "amounts": [...], "sightings": [...]}

Items carry every label (below the threshold too) with its score and evidence,
so an import does not re-classify. Events are not exported: an import groups
the items again (store.events.assign_stored), as an ingest does, and recounts
the trend summary. Alert history is not carried; imported events that match
the alert rules are recorded as already known, so they never alert, unless
the import asks for alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from tracker.alerts import AlertRules
from tracker.errors import ParseError
from tracker.models import Amount, Analysis, Entity, Item, Label
from tracker.store import alerts as alerts_store
from tracker.store import events as events_store
from tracker.store import queries
from tracker.store.db import head_revision
from tracker.store.event_features import StoredItem
from tracker.store.retry import in_transaction
from tracker.store.tables import (
    amounts_t,
    entities_t,
    item_entities_t,
    items_t,
    labels_t,
    sightings_t,
    sources_t,
)

FORMAT = "tracker-export"
VERSION = 1


_SOURCE_FIELDS = ("kind", "name", "location", "interval_seconds", "enabled", "full_text", "alerts")
_ITEM_FIELDS = (
    "url",
    "guid",
    "title",
    "body",
    "has_headline",
    "published_at",
    "date_source",
    "fetched_at",
    "content_hash",
    "rules_version",
)


@dataclass
class ExportReport:
    sources: int = 0
    items: int = 0


@dataclass
class ImportReport:
    sources: int = 0
    new: int = 0
    duplicate: int = 0
    events: int = 0  # events created (items joining an existing event add none)


# ---------------------------------------------------------------- export


def export_lines(
    engine: Engine, *, now: datetime, batch_size: int = 500, report: ExportReport | None = None
) -> Iterator[str]:
    """The whole database as JSON lines (no newline at their end): the header,
    every source, then every item in id order, read ``batch_size`` at a time."""
    report = report if report is not None else ExportReport()
    yield _dumps(
        {"format": FORMAT, "version": VERSION, "schema": head_revision(), "exported_at": now}
    )
    with engine.connect() as conn:
        for row in conn.execute(select(*(sources_t.c[f] for f in _SOURCE_FIELDS))):
            report.sources += 1
            yield _dumps({"type": "source", **row._mapping})
    after = 0
    while True:
        with engine.connect() as conn:
            after, batch = _item_records(conn, after, batch_size)
        if not batch:
            return
        report.items += len(batch)
        yield from (_dumps(record) for record in batch)


def _item_records(conn: Connection, after: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """The items after id ``after``, at most ``limit``, and the last one's id."""
    rows = conn.execute(
        select(items_t.c.id, sources_t.c.name, *(items_t.c[f] for f in _ITEM_FIELDS))
        .join(sources_t, sources_t.c.id == items_t.c.source_id)
        .where(items_t.c.id > after)
        .order_by(items_t.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return after, []
    ids = [row.id for row in rows]
    details = _details(conn, ids)
    out = []
    for row in rows:
        record = {"type": "item", "source": row.name}
        record |= {f: getattr(row, f) for f in _ITEM_FIELDS}
        record |= {key: found.get(row.id, []) for key, found in details.items()}
        out.append(record)
    return ids[-1], out


def _details(conn: Connection, ids: list[int]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    labels = select(
        labels_t.c.item_id,
        labels_t.c.category,
        labels_t.c.score,
        labels_t.c.evidence,
        labels_t.c.rules_version,
    ).where(labels_t.c.item_id.in_(ids))
    entities = (
        select(
            item_entities_t.c.item_id,
            entities_t.c.kind,
            entities_t.c.name,
            item_entities_t.c.role,
            item_entities_t.c.mention,
            entities_t.c.jurisdiction,
        )
        .join(entities_t, entities_t.c.id == item_entities_t.c.entity_id)
        .where(item_entities_t.c.item_id.in_(ids))
    )
    amounts = select(
        amounts_t.c.item_id,
        amounts_t.c.value,
        amounts_t.c.currency,
        amounts_t.c.text,
        amounts_t.c.kind,
        amounts_t.c.conversion_of,
    ).where(amounts_t.c.item_id.in_(ids))
    sightings = (
        select(
            sightings_t.c.item_id,
            sources_t.c.name.label("source"),
            sightings_t.c.url,
            sightings_t.c.guid,
            sightings_t.c.content_hash,
            sightings_t.c.first_seen_at,
            sightings_t.c.last_seen_at,
        )
        .join(sources_t, sources_t.c.id == sightings_t.c.source_id)
        .where(sightings_t.c.item_id.in_(ids))
    )
    out: dict[str, dict[int, list[dict[str, Any]]]] = {}
    # In the order they were stored: an event's summary lists its parties and
    # sums in that order, and an import stores them in the order it reads them.
    for key, query, order in (
        ("labels", labels, labels_t.c.id),
        ("entities", entities, item_entities_t.c.id),
        ("amounts", amounts, amounts_t.c.id),
        ("sightings", sightings, sightings_t.c.id),
    ):
        found: dict[int, list[dict[str, Any]]] = {}
        for row in conn.execute(query.order_by(order)):
            values = dict(row._mapping)
            found.setdefault(values.pop("item_id"), []).append(values)
        out[key] = found
    return out


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=_json_value, separators=(",", ":"))


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to an export")


# ---------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class _Record:
    """One exported item, read back: what store_items takes, and the rest."""

    source: str
    fetched_at: datetime
    item: Item
    analysis: Analysis
    sightings: tuple[dict[str, Any], ...]


def import_lines(
    engine: Engine,
    lines: Iterable[str],
    *,
    where: str,
    now: datetime,
    rules: AlertRules,
    alerts: bool = False,
    batch_size: int = 200,
) -> ImportReport:
    """Store an export's sources and items, ``batch_size`` items per
    transaction, grouping the new items into events as they come.

    Items already in the database (same GUID in the source, same URL or same
    words) count as duplicates, so an import run twice stores nothing twice.
    With ``alerts`` the events found queue alerts as an ingest's would.
    """
    report = ImportReport()
    source_ids: dict[str, int] = {}
    batch: list[_Record] = []
    for number, record in _records(lines, where):
        if record.get("type") == "source":
            with engine.begin() as conn:
                source_ids[record["name"]] = _ensure_source(conn, record, now)
            report.sources += 1
            continue
        batch.append(_read_item(record, f"{where}:{number}", source_ids))
        if len(batch) >= batch_size:
            _store_batch(engine, batch, source_ids, now, rules, alerts, report)
            batch = []
    _store_batch(engine, batch, source_ids, now, rules, alerts, report)
    return report


def _records(lines: Iterable[str], where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    header = False
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(f"{where}:{number}", f"not a JSON line ({exc.msg})") from None
        if not isinstance(record, dict):
            raise ParseError(f"{where}:{number}", "not a JSON object")
        if not header:
            if record.get("format") != FORMAT:
                raise ParseError(
                    where,
                    "not a tracker export (its first line has no tracker-export header)",
                    hint="make the file with `tracker export FILE`",
                )
            if record.get("version") != VERSION:
                raise ParseError(
                    where,
                    f"export format version {record.get('version')} is not {VERSION}",
                    hint="import it with the tracker version that exported it, or upgrade",
                )
            header = True
            continue
        if record.get("type") not in ("source", "item"):
            raise ParseError(f"{where}:{number}", f"unknown record type {record.get('type')!r}")
        yield number, record
    if not header:
        raise ParseError(where, "empty file", hint="make the file with `tracker export FILE`")


def _read_item(record: dict[str, Any], where: str, source_ids: dict[str, int]) -> _Record:
    try:
        if record["source"] not in source_ids:
            raise ParseError(where, f"item of source {record['source']!r}, not listed before it")
        item = Item(
            source=record["source"],
            url=record["url"],
            title=record["title"],
            body=record["body"],
            published_at=datetime.fromisoformat(record["published_at"]),
            date_source=record["date_source"],
            content_hash=record["content_hash"],
            guid=record["guid"],
            has_headline=bool(record["has_headline"]),
        )
        analysis = Analysis(
            labels=tuple(Label(**label) for label in record["labels"]),
            entities=tuple(Entity(**entity) for entity in record["entities"]),
            amounts=tuple(
                Amount(**{**amount, "value": Decimal(amount["value"])})
                for amount in record["amounts"]
            ),
            rules_version=record["rules_version"],
        )
        sightings = tuple(
            {
                **s,
                "first_seen_at": datetime.fromisoformat(s["first_seen_at"]),
                "last_seen_at": datetime.fromisoformat(s["last_seen_at"]),
            }
            for s in record.get("sightings", [])
        )
        fetched_at = datetime.fromisoformat(record["fetched_at"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ParseError(
            where, f"not a tracker item record ({type(exc).__name__}: {exc})"
        ) from None
    if item.published_at.tzinfo is None or fetched_at.tzinfo is None:
        raise ParseError(where, "a time without its UTC offset")
    return _Record(record["source"], fetched_at, item, analysis, sightings)


def _ensure_source(conn: Connection, record: dict[str, Any], now: datetime) -> int:
    existing = conn.execute(
        select(sources_t.c.id).where(sources_t.c.location == record["location"])
    ).scalar()
    source_id = queries.ensure_source(
        conn,
        kind=record["kind"],
        name=record["name"],
        location=record["location"],
        interval=int(record["interval_seconds"]),
        now=now,
    )
    if existing is None:
        flags = {k: bool(record[k]) for k in ("enabled", "full_text", "alerts") if k in record}
        conn.execute(update(sources_t).where(sources_t.c.id == source_id).values(**flags))
    return source_id


def _store_batch(
    engine: Engine,
    batch: list[_Record],
    source_ids: dict[str, int],
    now: datetime,
    rules: AlertRules,
    alerts: bool,
    report: ImportReport,
) -> None:
    if not batch:
        return

    def write(conn: Connection) -> tuple[list[int], int, int]:
        new: list[StoredItem] = []
        duplicate = 0
        # Items one ingest batch stored share their source and fetch time, and
        # store_batch takes one of each: runs of them are stored together.
        for run in _runs(batch):
            stored = queries.store_batch(
                conn,
                source_ids[run[0].source],
                [(r.item, r.analysis) for r in run],
                run[0].fetched_at,
            )
            new += stored.new
            duplicate += stored.duplicate
        new_ids = [s.id for s in new]
        changes = events_store.assign_stored(conn, new, now=now)
        _store_sightings(conn, batch, source_ids)
        alerts_store.queue_alerts(
            conn, new_ids, rules=rules, now=now, enabled=alerts, changes=changes
        )
        return new_ids, duplicate, sum(change.created for change in changes)

    new_ids, duplicate, events = in_transaction(engine, write)
    report.new += len(new_ids)
    report.duplicate += duplicate
    report.events += events


def _runs(batch: list[_Record]) -> Iterator[list[_Record]]:
    run: list[_Record] = []
    for record in batch:
        if run and (record.source, record.fetched_at) != (run[0].source, run[0].fetched_at):
            yield run
            run = []
        run.append(record)
    if run:
        yield run


def _store_sightings(conn: Connection, batch: list[_Record], source_ids: dict[str, int]) -> None:
    """Each item's sightings as exported, by whichever sources saw it."""
    hashes = [r.item.content_hash for r in batch]
    ids = dict(
        conn.execute(
            select(items_t.c.content_hash, items_t.c.id).where(items_t.c.content_hash.in_(hashes))
        ).all()
    )
    rows = {
        (ids[r.item.content_hash], source_ids[s["source"]]): {
            "item_id": ids[r.item.content_hash],
            "source_id": source_ids[s["source"]],
            **{k: v for k, v in s.items() if k != "source"},
        }
        for r in batch
        if r.item.content_hash in ids
        for s in r.sightings
        if s["source"] in source_ids
    }
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(sightings_t)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "source_id"],
        set_={
            "first_seen_at": stmt.excluded.first_seen_at,
            "last_seen_at": stmt.excluded.last_seen_at,
        },
    )
    conn.execute(stmt, list(rows.values()))
