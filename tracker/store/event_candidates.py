"""Candidate events for a batch of new items, by cheap indexed keys, in a few
statements per batch and a bounded number of rows per item:

    per key party of a dated item   the PER_PARTY events of that party whose
                                    last report is nearest the item's date, on
                                    each side    (event_participants (entity_id, last_seen))
    per key party of an undated one the PER_PARTY events of that party updated
                                    most recently (event_participants (entity_id, updated_at))
    undated events updated lately   at most RECENT_UNDATED, for dated items
                                    sharing a party  (events (dated, updated_at))
    the same URL, the same headline fingerprint     (items (url), items (fingerprint))

None of these ranges grows with the number of events stored, only with how
busy a party is around one date, and that is capped.
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
"""Subqueries per UNION ALL statement: under SQLite's limit of 500 terms."""


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
    # one subquery per distinct range: items of one party and day share theirs
    wanted: dict[tuple[str, tuple[Any, ...]], list[int]] = defaultdict(list)
    for new in items:
        item = new.features
        for entity_id in new.entity_ids:
            for condition, values in _party_terms(entity_id, item, now):
                wanted[(condition, tuple(values))].append(new.id)
    terms = [(tag, condition, list(values)) for tag, (condition, values) in enumerate(wanted)]
    askers = list(wanted.values())
    for start in range(0, len(terms), SUBQUERIES):
        for tag, event_id in _union(conn, terms[start : start + SUBQUERIES]):
            for item_id in askers[tag]:
                found.near[item_id].append(event_id)
    _add_recent_undated(conn, items, now, found)
    _add_same_key(conn, items_t.c.url, [n.features.url for n in items], found.by_url)
    fingerprints = [n.fingerprint for n in items]
    _add_same_key(conn, items_t.c.fingerprint, fingerprints, found.by_fingerprint)
    return found


def _party_terms(
    entity_id: int, item: cluster.ItemFeatures, now: datetime
) -> list[tuple[str, list[Any]]]:
    """(WHERE ... ORDER BY, parameters) of one party's nearest events."""
    where = f"entity_id = {int(entity_id)} AND"
    if not item.is_dated:
        recent = f"{where} updated_at >= ? ORDER BY updated_at DESC"
        return [(recent, [now - cluster.WEAK_DATE_RECENCY])]
    # an event ending after the item's date + WINDOW + MAX_SPAN began after
    # date + WINDOW or spans more than MAX_SPAN: either way it cannot take it
    when = item.published_at
    later = f"{where} last_seen >= ? AND last_seen <= ? ORDER BY last_seen ASC"
    earlier = f"{where} last_seen >= ? AND last_seen < ? ORDER BY last_seen DESC"
    return [
        (later, [when, when + cluster.WINDOW + cluster.MAX_SPAN]),
        (earlier, [when - cluster.WINDOW, when]),
    ]


def _union(conn: Connection, terms: list[tuple[int, str, list[Any]]]) -> list[tuple[int, int]]:
    """One statement for many small index ranges (each with its own LIMIT)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    to_db = UTCDateTime().bind_processor(conn.dialect)
    parts, params = [], []
    for i, (tag, condition, values) in enumerate(terms):
        parts.append(
            f"SELECT * FROM (SELECT {int(tag)} AS tag, event_id FROM event_participants "
            f"WHERE {condition.replace('?', mark)} LIMIT {PER_PARTY}) AS t{i}"
        )
        params += [to_db(v) if to_db else v for v in values]
    if not parts:
        return []
    rows = conn.exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
    return [(int(tag), int(event_id)) for tag, event_id in rows]


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
