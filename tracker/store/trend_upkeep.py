"""Keeping the trend summaries (``trend_counts``, ``entity_trend_counts``) up
to date.

    Tally.add_item / add_event     what one item or event adds (sign -1: removes)
    apply(conn, tally)             one upsert per summary: count = count + change
    recount_items / recount_item_days / recount_event_days
                                   the summaries of whole days rebuilt from the
                                   base tables (after reclassification, or to
                                   build them in bulk)

Ingest only adds: a new item's rows, and for each event it touches the event's
old rows out and its new rows in. Its cost is the batch's, not the database's.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, bindparam, delete, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tracker.store import bulk
from tracker.store.event_features import chunks
from tracker.store.tables import (
    counts_t,
    entities_t,
    entity_counts_t,
    event_labels_t,
    event_participants_t,
    events_t,
    item_entities_t,
    items_t,
    labels_t,
)

BANDS = 20
"""Score bands of the summaries: a score is floored to a twentieth (0..20), so
a threshold on that grid is exact; trend queries round others to it."""


CountKey = tuple[str, date, str, str, int]  # unit, day, category, jurisdiction, band
EntityKey = tuple[str, int, date, str, int]  # unit, entity id, day, category, band


def band(score: float) -> int:
    return max(0, min(BANDS, math.floor(score * BANDS + 1e-9)))


def day_of(when: datetime) -> date:
    return when.astimezone(UTC).date()


@dataclass
class Tally:
    """Changes to the summaries' counts, keyed as their primary keys."""

    counts: Counter[CountKey] = field(default_factory=Counter)
    entities: Counter[EntityKey] = field(default_factory=Counter)

    def add(
        self,
        unit: str,
        when: datetime | date,
        labels: Iterable[tuple[str, float]],
        places: Iterable[str],
        entity_ids: Iterable[int],
        sign: int = 1,
    ) -> None:
        day = day_of(when) if isinstance(when, datetime) else when
        places, entity_ids = ("", *sorted(set(places))), sorted(set(entity_ids))
        for category, score in labels:
            b = band(score)
            for place in places:
                self.counts[(unit, day, category, place, b)] += sign
            for entity_id in entity_ids:
                self.entities[(unit, entity_id, day, category, b)] += sign

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        self.add("items", *args, **kwargs)

    def add_event(self, *args: Any, **kwargs: Any) -> None:
        self.add("events", *args, **kwargs)

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.entities.update(other.entities)


def apply(conn: Connection, tally: Tally) -> None:
    """Add the tally's changes to the summaries; rows falling to zero go."""
    for table, changes, names in (
        (counts_t, tally.counts, ("unit", "day", "category", "jurisdiction", "band")),
        (entity_counts_t, tally.entities, ("unit", "entity_id", "day", "category", "band")),
    ):
        rows = [(*k, n) for k, n in changes.items() if n]
        # a fixed order: concurrent writers then lock rows in the same order
        rows.sort(key=lambda r: tuple(str(v) for v in r[:-1]))
        bulk.insert_rows(
            conn,
            table,
            (*names, "count"),
            rows,
            conflict=f"ON CONFLICT ({', '.join(names)}) "
            f"DO UPDATE SET count = {table.name}.count + excluded.count",
        )
        # only a row that went down can have fallen to zero: looked up by its key,
        # not by scanning its day (the rows of a day grow with the database)
        fallen = sorted((k for k, n in changes.items() if n < 0), key=lambda k: tuple(map(str, k)))
        bulk.delete_rows(conn, table, names, fallen, where="count <= 0")


# ---------------------------------------------------------------- recounting days


def day_expression(conn: Connection, column: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def recount_items(conn: Connection, item_ids: Iterable[int]) -> None:
    """Rebuild the item rows of the days these items were published."""
    days: set[date] = set()
    for chunk in chunks(list(item_ids)):
        days |= {
            as_date(d)
            for d in conn.execute(
                select(day_expression(conn, items_t.c.published_at))
                .where(items_t.c.id.in_(chunk))
                .distinct()
            ).scalars()
        }
    recount_item_days(conn, days)


def recount_item_days(conn: Connection, days: Iterable[date]) -> None:
    """Rebuild the item rows of these days from the base tables."""
    for day in sorted(set(days)):
        low, high = _day_bounds(day)
        in_day = select(items_t.c.id).where(
            items_t.c.published_at >= low, items_t.c.published_at < high
        )
        labels: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for item_id, category, score in conn.execute(
            select(labels_t.c.item_id, labels_t.c.category, labels_t.c.score).where(
                labels_t.c.item_id.in_(in_day)
            )
        ):
            labels[item_id].append((category, float(score)))
        places: dict[int, set[str]] = defaultdict(set)
        named: dict[int, set[int]] = defaultdict(set)
        for item_id, entity_id, kind, name, home, role in conn.execute(
            select(
                item_entities_t.c.item_id,
                entities_t.c.id,
                entities_t.c.kind,
                entities_t.c.name,
                entities_t.c.jurisdiction,
                item_entities_t.c.role,
            )
            .join(entities_t, entities_t.c.id == item_entities_t.c.entity_id)
            .where(item_entities_t.c.item_id.in_(in_day))
        ):
            named[item_id].add(entity_id)
            code = name if kind == "jurisdiction" else home
            if role in ("regulator", "jurisdiction") and code:
                places[item_id].add(code)
        tally = Tally()
        for item_id, found in labels.items():
            tally.add_item(day, found, places[item_id], named[item_id])
        _replace_day(conn, "items", day, tally)


def event_labels_and_parties(
    conn: Connection, event_ids: Select[Any] | list[int]
) -> tuple[dict[int, list[tuple[str, float]]], dict[int, set[int]]]:
    """Per event, its (category, score) labels and its participants' entity ids:
    what :meth:`Tally.add_event` counts. ``event_ids``: ids, or a SELECT of them."""
    labels: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for event_id, category, score in conn.execute(
        select(event_labels_t.c.event_id, event_labels_t.c.category, event_labels_t.c.score).where(
            event_labels_t.c.event_id.in_(event_ids)
        )
    ):
        labels[event_id].append((category, float(score)))
    parties: dict[int, set[int]] = defaultdict(set)
    for event_id, entity_id in conn.execute(
        select(event_participants_t.c.event_id, event_participants_t.c.entity_id).where(
            event_participants_t.c.event_id.in_(event_ids)
        )
    ):
        parties[event_id].add(entity_id)
    return labels, parties


def recount_event_days(conn: Connection, days: Iterable[date]) -> None:
    """Rebuild the event rows of the days events were first seen."""
    for day in sorted(set(days)):
        low, high = _day_bounds(day)
        in_day = select(events_t.c.id).where(
            events_t.c.first_seen >= low, events_t.c.first_seen < high
        )
        places = dict(
            conn.execute(
                select(events_t.c.id, events_t.c.jurisdiction).where(events_t.c.id.in_(in_day))
            ).all()
        )
        labels, parties = event_labels_and_parties(conn, in_day)
        tally = Tally()
        for event_id, found in labels.items():
            place = places.get(event_id)
            tally.add_event(day, found, (place,) if place else (), parties[event_id])
        _replace_day(conn, "events", day, tally)


def _replace_day(conn: Connection, unit: str, day: date, tally: Tally) -> None:
    _delete_count_day(conn, unit, day)
    t = entity_counts_t
    conn.execute(delete(t).where(t.c.unit == unit, t.c.day == day))  # its day index
    apply(conn, tally)


def _delete_count_day(conn: Connection, unit: str, day: date) -> None:
    """A day's ``trend_counts`` rows deleted through the key (unit,
    jurisdiction, day, ...), there being no index on the day (revision 0007):
    the unit's few jurisdictions are found one key seek each (the least one
    after the last found), then each one's day is one key range."""
    conn.execute(_DELETE_COUNT_DAY, {"unit": unit, "day": day})


_DELETE_COUNT_DAY = text(
    """
    WITH RECURSIVE codes (code) AS (
        SELECT min(jurisdiction) FROM trend_counts WHERE unit = :unit
        UNION ALL
        SELECT (SELECT min(jurisdiction) FROM trend_counts
                WHERE unit = :unit AND jurisdiction > codes.code)
        FROM codes WHERE codes.code IS NOT NULL
    )
    DELETE FROM trend_counts
    WHERE unit = :unit AND day = :day
      AND jurisdiction IN (SELECT code FROM codes WHERE code IS NOT NULL)
    """
).bindparams(bindparam("day", type_=Date()))
