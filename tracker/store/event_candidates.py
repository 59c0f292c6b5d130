"""Candidate events for a batch of new items, by cheap indexed keys, in a few
statements per batch and a bounded number of rows per item:

    per key party of a dated item   the PER_PARTY events of that party whose
                                    last report is nearest the item's date, on
                                    each side    (event_participants (entity_id, last_seen, ...))
    per key party of an undated one the PER_PARTY events of that party updated
                                    most recently (event_participants (entity_id, updated_at, ...))
    undated events updated lately   at most RECENT_UNDATED, for dated items
                                    sharing a party  (events (dated, updated_at))
    the same URL, the same headline fingerprint     (items (url), items (fingerprint))

None of these ranges grows with the number of events stored, only with how
busy a party is around one date, and that is capped; the party ranges read
their index alone (it holds the event ids, revision 0006).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tracker import cluster
from tracker.store.event_features import NewItem, chunks
from tracker.store.schema import UTCDateTime
from tracker.store.tables import event_participants_t, events_t, items_t

PER_PARTY = 4
"""Events looked at per party and side of the item's date. The right event
shares every party of a two-party report (most of a longer one's), so it is
missed only when it is beyond the nearest four in each of their lists: a deal
of Microsoft and a small company is found through the small company however
many events Microsoft has that week."""

RECENT_UNDATED = 200
"""Undated events (gathered from file times) updated in the last
``cluster.WEAK_DATE_RECENCY`` that dated items are compared with, newest first."""

SUBQUERIES = 200
"""Ranges per statement: on SQLite, subqueries per UNION ALL, under its limit
of 500 terms."""


@dataclass
class Candidates:
    """Per new item, the ids of events near it; and which stored events hold
    a report with each of the batch's URLs and headline fingerprints."""

    near: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_url: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_fingerprint: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def all_ids(self) -> set[int]:
        ids = {e for found in self.near.values() for e in found}
        for index in (self.by_url, self.by_fingerprint):
            ids |= {e for found in index.values() for e in found}
        return ids


def find_candidates(conn: Connection, items: Sequence[NewItem], now: datetime) -> Candidates:
    found = Candidates()
    # one look-up per distinct range: items of one party and day share theirs
    wanted: dict[Range, list[int]] = defaultdict(list)
    for new in items:
        item = new.features
        for entity_id in new.entity_ids:
            for term in _party_terms(entity_id, item, now):
                wanted[term].append(new.id)
    ranges = list(wanted)
    askers = list(wanted.values())
    look_up = _lateral if conn.dialect.name == "postgresql" else _union
    for start in range(0, len(ranges), SUBQUERIES):
        for tag, event_id in look_up(conn, ranges[start : start + SUBQUERIES], start):
            for item_id in askers[tag]:
                found.near[item_id].append(event_id)
    _add_recent_undated(conn, items, now, found)
    _add_same_key(conn, items_t.c.url, [n.features.url for n in items], found.by_url)
    fingerprints = [n.fingerprint for n in items]
    _add_same_key(conn, items_t.c.fingerprint, fingerprints, found.by_fingerprint)
    return found


Range = tuple[str, int, datetime, datetime | None]
"""(kind, entity id, low, high) of one party's nearest events: kind 'later'
(last_seen from low to high, earliest first), 'earlier' (last_seen from low
to before high, latest first) or 'recent' (updated from low, latest first)."""

_CONDITIONS = {
    "later": "last_seen >= {low} AND last_seen <= {high} ORDER BY last_seen ASC, id ASC",
    "earlier": "last_seen >= {low} AND last_seen < {high} ORDER BY last_seen DESC, id DESC",
    "recent": "updated_at >= {low} ORDER BY updated_at DESC, id DESC",
}
"""Each range in the order of its index (revision 0006), ties by row id as
SQLite always read them: which rows of equal time make the LIMIT is the same
on both databases and from run to run."""


def _party_terms(entity_id: int, item: cluster.ItemFeatures, now: datetime) -> list[Range]:
    if not item.is_dated:
        return [("recent", entity_id, now - cluster.WEAK_DATE_RECENCY, None)]
    # an event ending after the item's date + WINDOW + MAX_SPAN began after
    # date + WINDOW or spans more than MAX_SPAN: either way it cannot take it
    when = item.published_at
    return [
        ("later", entity_id, when, when + cluster.WINDOW + cluster.MAX_SPAN),
        ("earlier", entity_id, when - cluster.WINDOW, when),
    ]


def _union(conn: Connection, ranges: list[Range], first: int) -> list[tuple[int, int]]:
    """SQLite: one statement for many small index ranges (each with its own
    LIMIT), tagged with their place in the batch's list."""
    to_db = UTCDateTime().bind_processor(conn.dialect)
    parts, params = [], []
    for i, (kind, entity_id, low, high) in enumerate(ranges):
        condition = _CONDITIONS[kind].format(low="?", high="?")
        parts.append(
            f"SELECT * FROM (SELECT {first + i} AS tag, event_id FROM event_participants "
            f"WHERE entity_id = {int(entity_id)} AND {condition} LIMIT {PER_PARTY}) AS t{i}"
        )
        params += [to_db(v) if to_db else v for v in (low, high) if v is not None]
    if not parts:
        return []
    rows = conn.exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
    return [(int(tag), int(event_id)) for tag, event_id in rows]


def _lateral(conn: Connection, ranges: list[Range], first: int) -> list[tuple[int, int]]:
    """PostgreSQL: the same look-ups, one statement per kind of range whose
    text never changes (the ranges come as arrays and join each its own LIMIT
    subquery), so the server plans it once, not a union of hundreds each time."""
    rows: list[tuple[int, int]] = []
    for kind, condition in _CONDITIONS.items():
        mine = [(first + i, r) for i, r in enumerate(ranges) if r[0] == kind]
        if not mine:
            continue
        sql = (
            "SELECT r.tag, p.event_id FROM unnest(%s::integer[], %s::integer[], "
            "%s::timestamptz[], %s::timestamptz[]) AS r(tag, entity_id, low, high) "
            "CROSS JOIN LATERAL (SELECT event_id FROM event_participants "
            f"WHERE entity_id = r.entity_id AND {condition.format(low='r.low', high='r.high')} "
            f"LIMIT {PER_PARTY}) AS p"
        )
        columns = (
            [tag for tag, _ in mine],
            [r[1] for _, r in mine],
            [r[2] for _, r in mine],
            [r[3] for _, r in mine],
        )
        rows += [(int(t), int(e)) for t, e in conn.exec_driver_sql(sql, columns)]
    return rows


def _add_recent_undated(
    conn: Connection, items: Sequence[NewItem], now: datetime, found: Candidates
) -> None:
    dated = [n for n in items if n.features.is_dated and n.entity_ids]
    if not dated:
        return
    recent = (
        select(events_t.c.id)
        .where(~events_t.c.dated, events_t.c.updated_at >= now - cluster.WEAK_DATE_RECENCY)
        .order_by(events_t.c.updated_at.desc())
        .limit(RECENT_UNDATED)
    )
    ids = list(conn.execute(recent).scalars())
    parties: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(ids):
        for event_id, entity_id in conn.execute(
            select(event_participants_t.c.event_id, event_participants_t.c.entity_id).where(
                event_participants_t.c.event_id.in_(chunk)
            )
        ):
            parties[entity_id].add(event_id)
    for new in dated:
        for entity_id in new.entity_ids:
            found.near[new.id] += sorted(parties.get(entity_id, ()))


def _add_same_key(
    conn: Connection, column: Any, values: list[str], index: dict[str, set[int]]
) -> None:
    wanted = sorted({v for v in values if v})
    for start in range(0, len(wanted), 500):
        for value, event_id in conn.execute(
            select(column, items_t.c.event_id)
            .where(column.in_(wanted[start : start + 500]), items_t.c.event_id.is_not(None))
            .distinct()
        ):
            index[value].add(int(event_id))
