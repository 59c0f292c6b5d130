"""Counts over time: items or events per week, month or quarter and category,
and the reports built on events (most active parties, deals).

Trend queries read per-day summaries kept up to date on ingest
(``store.trend_upkeep``), so they cost the same at a thousand items or a
million: ``trend_counts`` (per category, jurisdiction and score band) and, for
``--entity``, ``entity_trend_counts``. Scores are banded in twentieths, so a
threshold is rounded to the nearest twentieth (0.73 counts scores of 0.75 and
above). Only an entity together with a jurisdiction, or a name shared by two
entities, reads the base tables (through their indexes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from tracker.models import CATEGORIES
from tracker.store.filters import entity_named, event_has_label
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
from tracker.store.trend_upkeep import BANDS, as_date, day_expression

PERIODS = ("week", "month", "quarter")


# ---------------------------------------------------------------- periods (pure)


def period_start(day: date, period: str) -> date:
    """The first day of the week (Monday), month or quarter holding ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"unknown period {period!r}")


def next_period(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def periods_between(first: date, last: date, period: str) -> list[date]:
    """Every period start from the one holding ``first`` to the one holding ``last``."""
    out, current = [], period_start(first, period)
    while current <= last:
        out.append(current)
        current = next_period(current, period)
    return out


def on_grid(threshold: float) -> float:
    """The threshold the summaries answer for: the nearest twentieth."""
    return round(threshold * BANDS) / BANDS


def fill_periods(
    daily: dict[tuple[date, str], int],
    *,
    period: str,
    categories: Sequence[str],
    first: date | None,
    last: date | None,
) -> list[dict[str, Any]]:
    """Per-day counts summed into periods, every period and category present
    (with 0 when nothing happened)."""
    days = [d for d, _ in daily]
    first = first or (min(days) if days else None)
    last = last or (max(days) if days else None)
    if first is None or last is None or first > last:
        return []
    totals: Counter[tuple[date, str]] = Counter()
    for (day, category), count in daily.items():
        totals[(period_start(day, period), category)] += count
    return [
        {"period": start, "category": category, "count": totals.get((start, category), 0)}
        for start in periods_between(first, last, period)
        for category in categories
    ]


# ---------------------------------------------------------------- trend queries


def trend_rows(
    conn: Connection,
    *,
    period: str,
    threshold: float,
    by: str = "items",
    category: str | None = None,
    entity: str | None = None,
    jurisdiction: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """``{"period", "category", "count"}`` rows: how many items (or events)
    have each category, per period; an item counts once per category."""
    threshold = on_grid(threshold)
    ids = _entity_ids(conn, entity) if entity else []
    if entity is None:
        daily = _daily_from_summary(conn, by, threshold, category, jurisdiction, since, until)
    elif len(ids) == 1 and jurisdiction is None:
        daily = _daily_from_entity_summary(conn, by, threshold, category, ids[0], since, until)
    else:
        daily = _daily_from_tables(
            conn, by, threshold, category, entity, jurisdiction, since, until
        )
    last = (until - timedelta(microseconds=1)).date() if until else None
    return fill_periods(
        daily,
        period=period,
        categories=[category] if category else list(CATEGORIES),
        first=since.date() if since else None,
        last=last,
    )


def _daily_from_summary(
    conn: Connection,
    by: str,
    threshold: float,
    category: str | None,
    jurisdiction: str | None,
    since: datetime | None,
    until: datetime | None,
) -> dict[tuple[date, str], int]:
    query = (
        select(counts_t.c.day, counts_t.c.category, func.sum(counts_t.c.count))
        .where(
            counts_t.c.unit == by,
            counts_t.c.jurisdiction == (jurisdiction.upper() if jurisdiction else ""),
            counts_t.c.band >= round(threshold * BANDS),
        )
        .group_by(counts_t.c.day, counts_t.c.category)
    )
    if category:
        query = query.where(counts_t.c.category == category)
    if since:
        query = query.where(counts_t.c.day >= since.date())
    if until:
        query = query.where(counts_t.c.day <= (until - timedelta(microseconds=1)).date())
    return {(as_date(d), c): int(n) for d, c, n in conn.execute(query) if n}


def _daily_from_entity_summary(
    conn: Connection,
    by: str,
    threshold: float,
    category: str | None,
    entity_id: int,
    since: datetime | None,
    until: datetime | None,
) -> dict[tuple[date, str], int]:
    t = entity_counts_t
    query = (
        select(t.c.day, t.c.category, func.sum(t.c.count))
        .where(t.c.unit == by, t.c.entity_id == entity_id, t.c.band >= round(threshold * BANDS))
        .group_by(t.c.day, t.c.category)
    )
    if category:
        query = query.where(t.c.category == category)
    if since:
        query = query.where(t.c.day >= since.date())
    if until:
        query = query.where(t.c.day <= (until - timedelta(microseconds=1)).date())
    return {(as_date(d), c): int(n) for d, c, n in conn.execute(query) if n}


def _entity_ids(conn: Connection, name: str) -> list[int]:
    return list(conn.execute(select(entities_t.c.id).where(entity_named(name))).scalars())


def _daily_from_tables(
    conn: Connection,
    by: str,
    threshold: float,
    category: str | None,
    entity: str | None,
    jurisdiction: str | None,
    since: datetime | None,
    until: datetime | None,
) -> dict[tuple[date, str], int]:
    if by == "events":
        owner, when, lab = events_t, events_t.c.first_seen, event_labels_t
        link, link_owner = event_participants_t, event_participants_t.c.event_id
        lab_owner = event_labels_t.c.event_id
    else:
        owner, when, lab = items_t, items_t.c.published_at, labels_t
        link, link_owner = item_entities_t, item_entities_t.c.item_id
        lab_owner = labels_t.c.item_id
    day = day_expression(conn, when)
    query = (
        select(day, lab.c.category, func.count())
        .select_from(owner.join(lab, lab_owner == owner.c.id))
        .where(lab.c.score >= threshold)
        .group_by(day, lab.c.category)
    )
    if category:
        query = query.where(lab.c.category == category)
    if since:
        query = query.where(when >= since)
    if until:
        query = query.where(when < until)
    if entity:
        # the entity's ids first (a small table), then its rows through the
        # entity_id index, instead of a test per item
        ids = _entity_ids(conn, entity)
        query = query.where(owner.c.id.in_(select(link_owner).where(link.c.entity_id.in_(ids))))
    if jurisdiction:
        code = jurisdiction.upper()
        if by == "events":
            query = query.where(events_t.c.jurisdiction == code)
        else:
            query = query.where(
                select(link.c.id)
                .join(entities_t, entities_t.c.id == link.c.entity_id)
                .where(
                    link_owner == owner.c.id,
                    link.c.role.in_(["regulator", "jurisdiction"]),
                    or_(entities_t.c.jurisdiction == code, entities_t.c.name == code),
                )
                .exists()
            )
    return {(as_date(d), c): int(n) for d, c, n in conn.execute(query) if n}


# ---------------------------------------------------------------- event reports


def entity_activity(
    conn: Connection,
    *,
    period: str,
    threshold: float,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = 5,
) -> list[dict[str, Any]]:
    """The companies and regulators in the most events per period, with the
    roles they had: ``{"period", "kind", "name", "events", "roles"}``."""
    query = (
        select(
            events_t.c.id,
            events_t.c.first_seen,
            entities_t.c.kind,
            entities_t.c.name,
            event_participants_t.c.role,
        )
        .join(event_participants_t, event_participants_t.c.event_id == events_t.c.id)
        .join(entities_t, entities_t.c.id == event_participants_t.c.entity_id)
        .where(entities_t.c.kind.in_(["organization", "regulator"]))
    )
    query = _event_filters(query, threshold, category, since, until)
    events: dict[tuple[date, str, str], set[int]] = defaultdict(set)
    roles: dict[tuple[date, str, str], Counter[str]] = defaultdict(Counter)
    for event_id, first_seen, kind, name, role in conn.execute(query):
        key = (period_start(first_seen.date(), period), kind, name)
        events[key].add(event_id)
        roles[key][role] += 1
    by_period: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (start, kind, name), ids in events.items():
        by_period[start].append(
            {
                "period": start,
                "kind": kind,
                "name": name,
                "events": len(ids),
                "roles": ", ".join(r for r, _ in roles[(start, kind, name)].most_common()),
            }
        )
    out = []
    for start in sorted(by_period):
        ranked = sorted(by_period[start], key=lambda r: (-r["events"], r["name"]))
        out += ranked[:top]
    return out


def deals(
    conn: Connection,
    *,
    threshold: float,
    entity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Investment events, oldest first: ``{"event_id", "date", "investor",
    "investee", "amount", "currency", "title"}``."""
    query = select(
        events_t.c.id,
        events_t.c.first_seen,
        events_t.c.title,
        events_t.c.amount_value,
        events_t.c.amount_currency,
    ).order_by(events_t.c.first_seen, events_t.c.id)
    query = _event_filters(query, threshold, "investment", since, until)
    rows = conn.execute(query).all()
    parties: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        for event_id, name, role in conn.execute(
            select(event_participants_t.c.event_id, entities_t.c.name, event_participants_t.c.role)
            .join(entities_t, entities_t.c.id == event_participants_t.c.entity_id)
            .where(
                event_participants_t.c.event_id.in_(ids[start : start + 500]),
                event_participants_t.c.role.in_(["investor", "investee"]),
            )
            .order_by(event_participants_t.c.id)
        ):
            parties[event_id][role].append(name)
    out = []
    for r in rows:
        investors, investees = parties[r.id]["investor"], parties[r.id]["investee"]
        names = {n.lower() for n in investors + investees}
        if entity and entity.lower() not in names:
            continue
        out.append(
            {
                "event_id": r.id,
                "date": r.first_seen.date(),
                "investor": ", ".join(investors),
                "investee": ", ".join(n for n in investees if n not in investors)
                or ", ".join(investees),
                "amount": r.amount_value,
                "currency": r.amount_currency,
                "title": r.title,
            }
        )
    return out


def _event_filters(
    query: Any,
    threshold: float,
    category: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    if category:
        query = query.where(event_has_label(category, threshold))
    if since:
        query = query.where(events_t.c.first_seen >= since)
    if until:
        query = query.where(events_t.c.first_seen < until)
    return query
