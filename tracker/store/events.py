"""Events in the database: new items joined to events, each event's summary
kept up to date, events read back.

    assign_events(conn, item_ids, now=...)   after store_items, same transaction
    assign_stored(conn, stored, now=...)     after store_batch: the same, its items
                                             not read back
        wait for other daemons' grouping     lock_grouping (PostgreSQL)
        the batch's items                    event_features.load_items / new_items
        candidates for all of them           event_candidates.find_candidates
                                             (bounded index ranges, few statements)
        their features                       event_features.load_events
        for each item, in order:             tracker.cluster.decide   (pure)
                                             tracker.cluster.absorb   (pure: the
                                             event as later items of the batch see it)
        the touched events' summaries        event_upkeep.upkeep
        trend summaries changed by the batch trend_upkeep.apply
    refresh_events(conn, event_ids, now=...) after labels of stored items change
    list_events(conn, ...)                   event_list (re-exported here)

The work per new item depends on how many events are near it in time and
share a party with it (capped), never on the size of the database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from tracker import cluster
from tracker.store import bulk, event_candidates, event_features, event_upkeep, trend_upkeep
from tracker.store.event_features import NewItem, StoredItem
from tracker.store.event_list import list_events
from tracker.store.tables import events_t, items_t

__all__ = ["EventChange", "assign_events", "assign_stored", "list_events", "refresh_events"]

log = logging.getLogger(__name__)


MAX_CANDIDATES = 100
"""At most this many candidate events are compared with a new item: a bound on
the work per item even on the busiest days."""


@dataclass(frozen=True, slots=True)
class EventChange:
    """What assigning a batch did to one event: ``created`` is true when the
    event is new (alerts for new events start from these), else the items
    joined an existing event. ``item_ids`` are the batch's items now in it."""

    event_id: int
    created: bool
    item_ids: tuple[int, ...]


NEW_IDS = 1 << 62
"""Events started by a batch have ids from here until they are inserted
together at its end: above every stored id, in the order they will get."""


@dataclass
class _Batch:
    """The events as the batch has left them so far, and where its items went."""

    events: dict[int, cluster.EventFeatures]
    found: event_candidates.Candidates
    changes: dict[int, tuple[bool, list[int]]] = field(default_factory=dict)
    placed: dict[int, int] = field(default_factory=dict)  # item id: event id
    started: list[tuple[int, NewItem]] = field(default_factory=list)
    # the events the batch has touched, by participant name
    by_party: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def candidates(self, new: NewItem) -> list[cluster.EventFeatures]:
        item = new.features
        same_url = self.found.by_url.get(item.url, set()) if item.url else set()
        ids = set(self.found.near.get(new.id, ())) | same_url
        ids |= self.found.by_fingerprint.get(new.fingerprint, set()) if new.fingerprint else set()
        touched = {e for name in item.participants for e in self.by_party.get(name, ())}
        ids |= {e for e in touched - ids if _near(item, self.events[e])}
        chosen = sorted(e for e in ids if e in self.events)[:MAX_CANDIDATES]
        return [
            replace(self.events[e], urls=frozenset({item.url})) if e in same_url else self.events[e]
            for e in chosen
        ]

    def place(self, new: NewItem, event_id: int | None) -> None:
        if event_id is None:
            event_id = NEW_IDS + len(self.started)
            self.started.append((event_id, new))
            self.events[event_id] = cluster.start_event(event_id, new.features)
        else:
            self.events[event_id] = cluster.absorb(self.events[event_id], new.features)
        for name in self.events[event_id].participants:
            self.by_party[name].add(event_id)
        self.changes.setdefault(event_id, (event_id >= NEW_IDS, []))[1].append(new.id)
        self.placed[new.id] = event_id
        if new.features.url:
            self.found.by_url[new.features.url].add(event_id)
        if new.fingerprint:
            self.found.by_fingerprint[new.fingerprint].add(event_id)

    def renumber(self, real: dict[int, int]) -> None:
        """The started events under the ids the database gave them."""
        self.events = {real.get(e, e): f for e, f in self.events.items()}
        self.changes = {real.get(e, e): c for e, c in self.changes.items()}
        self.placed = {i: real.get(e, e) for i, e in self.placed.items()}


def _near(item: cluster.ItemFeatures, event: cluster.EventFeatures) -> bool:
    """Whether an event the batch has touched (so updated just now) would be a
    candidate by the store's keys: a shared party, and the time window when
    both have real dates."""
    if not event.participants.intersection(item.participants):
        return False
    if not (item.is_dated and event.is_dated):
        return True
    (first, last), window = event.span, cluster.WINDOW_MICROSECONDS
    return last >= item.when - window and first <= item.when + window


def assign_events(conn: Connection, item_ids: Sequence[int], *, now: datetime) -> list[EventChange]:
    """Put each newly stored item into the event it reports, or a new one, and
    count the items in the trend summaries; returns the events created or
    joined, in the order first touched."""
    if not item_ids:
        return []
    return _assign(conn, event_features.load_items(conn, item_ids), now)


def assign_stored(
    conn: Connection,
    stored: Sequence[StoredItem],
    *,
    now: datetime,
    sketches: event_features.Sketches | None = None,
) -> list[EventChange]:
    """:func:`assign_events` for the items a batch has just stored
    (``store.queries.store_batch``), without reading them back; ``sketches``:
    their words' sketches by content hash, when made before the transaction."""
    if not stored:
        return []
    return _assign(conn, event_features.new_items(stored, sketches), now)


def _assign(conn: Connection, items: list[NewItem], now: datetime) -> list[EventChange]:
    lock_grouping(conn)
    found = event_candidates.find_candidates(conn, items, now)
    batch = _Batch(event_features.load_events(conn, sorted(found.all_ids())), found)
    for new in items:
        decision = cluster.decide(new.features, batch.candidates(new))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("item=%d %s", new.id, decision.reason)
        if decision.event_id is not None or decision.start:
            batch.place(new, decision.event_id)
    real = _new_event_ids(conn, batch.started)
    batch.renumber(real)
    signatures = {e: cluster.sketch_to_bytes(batch.events[e].sketch) for e in batch.changes}
    started = _started(batch, items)
    # new events whose reports are all at hand go in whole; others empty, for
    # upkeep to fill from their reports
    made = event_upkeep.summarise_started(started)
    event_upkeep.insert_started(conn, made, now, signatures)
    _insert_events(conn, [(real[e], n) for e, n in batch.started if real[e] not in made], now)
    _write_items(conn, items, batch.placed)
    tally = event_upkeep.upkeep(
        conn,
        list(batch.changes),
        now=now,
        signatures=signatures,
        started=started,
        summarised=made,
    )
    for new in items:
        tally.add_item(new.features.published_at, new.labels, new.places, new.named)
    trend_upkeep.apply(conn, tally)
    return [EventChange(e, created, tuple(ids)) for e, (created, ids) in batch.changes.items()]


def _started(batch: _Batch, items: list[NewItem]) -> dict[int, list[event_features.Report]]:
    """The events the batch started, with all their reports, when they are at
    hand (items the batch stored, not read back): summarised from them."""
    reports = {n.id: n.report for n in items}
    out: dict[int, list[event_features.Report]] = {}
    for event_id, (created, item_ids) in batch.changes.items():
        found = [r for r in (reports.get(i) for i in item_ids) if r is not None]
        if created and len(found) == len(item_ids):
            out[event_id] = found
    return out


def refresh_events(conn: Connection, event_ids: Iterable[int], *, now: datetime) -> None:
    """Recompute events' labels, participants, amounts, title and dates from
    their items, and the trend counts of their items' days: call it after the
    labels or entities of stored items change (``tracker reclassify``)."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    lock_grouping(conn)
    item_ids: list[int] = []
    for chunk in event_features.chunks(ids):
        item_ids += conn.execute(
            select(items_t.c.id).where(items_t.c.event_id.in_(chunk))
        ).scalars()
    trend_upkeep.apply(conn, event_upkeep.upkeep(conn, ids, now=now))
    trend_upkeep.recount_items(conn, item_ids)


def lock_grouping(conn: Connection) -> None:
    """PostgreSQL: wait for the other transactions grouping items into events,
    and keep them waiting until this one commits. Two reports of one happening
    stored at once by two daemons would otherwise each miss the other's new
    event and start their own. Storing the items themselves is not held up
    (``store.queries.store_batch`` locks per item key); SQLite has one writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(GROUPING_LOCK)))


GROUPING_LOCK = 0x7472_6163  # "trac": any constant, the same in every daemon


def _new_event_ids(conn: Connection, started: list[tuple[int, NewItem]]) -> dict[int, int]:
    """The ids the database gives the batch's new events, by provisional id."""
    if not started:
        return {}
    ids = _next_event_ids(conn, len(started))
    return {provisional: real for (provisional, _), real in zip(started, ids, strict=True)}


def _insert_events(conn: Connection, started: list[tuple[int, NewItem]], now: datetime) -> None:
    """New events (by their real ids) inserted in one statement with what
    their first report says; upkeep fills in the rest."""
    if not started:
        return
    rows = [
        {
            "id": event_id,
            "title": new.features.title,
            "categories": [],
            "participants": [],
            "first_seen": new.features.published_at,
            "last_seen": new.features.published_at,
            "item_count": 0,
            "created_at": now,
            "updated_at": now,
            "dated": new.features.is_dated,
        }
        for event_id, new in started
    ]
    conn.execute(insert(events_t), rows)


def _next_event_ids(conn: Connection, count: int) -> list[int]:
    """The ids the database would give the next ``count`` events, in order:
    one multi-row insert instead of one statement per event (an insert that
    returns ids in parameter order is row by row on SQLite)."""
    if conn.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence("events", "id")
        taken = conn.execute(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        ).scalars()
        return sorted(int(i) for i in taken)
    # SQLite gives a table without AUTOINCREMENT the largest id plus one; the
    # batch is the only writer until it commits
    last = conn.execute(select(func.max(events_t.c.id))).scalar() or 0
    return list(range(int(last) + 1, int(last) + 1 + count))


def _write_items(conn: Connection, items: Sequence[NewItem], placed: dict[int, int]) -> None:
    """Each item's headline fingerprint and event, in one executemany."""
    rows = [(n.id, n.fingerprint, placed.get(n.id)) for n in items]
    bulk.update_rows(conn, items_t, "id", ("fingerprint", "event_id"), rows)
