"""Each touched event's summary recomputed from its reports, for a whole batch
of events in a few set-wise statements:

    upkeep(conn, event_ids, now=..., signatures=...)
        the events' reports, labels, parties, sums      (one query each)
        title, dates, labels, parties, amounts           (per event, in Python)
        events updated, details replaced, empty events deleted
        -> the change in the trend summaries             (old rows out, new in)

The work is proportional to the size of the events touched, never to the
number stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from tracker import cluster
from tracker.store import bulk
from tracker.store.event_features import (
    Report,
    StoredEntity,
    amount_rows,
    chunks,
    item_entities,
)
from tracker.store.tables import (
    event_amounts_t,
    event_labels_t,
    event_participants_t,
    events_t,
    items_t,
    labels_t,
)
from tracker.store.trend_upkeep import Tally, event_labels_and_parties

Participant = tuple[int, str, str, str]  # entity id, kind, name, role
Labels = dict[str, tuple[float, str, int]]  # category: (best score, evidence, item id)
Amounts = dict[tuple[Any, str], dict[str, Any]]  # (value, currency): event_amounts row


def upkeep(
    conn: Connection,
    event_ids: Sequence[int],
    *,
    now: datetime,
    signatures: dict[int, bytes] | None = None,
    started: Mapping[int, Sequence[Report]] | None = None,
    summarised: Mapping[int, dict[str, Any]] | None = None,
) -> Tally:
    """Recompute the events' summaries from their items (``signatures``: new
    packed sketches to store; ``started``: events the batch has just created,
    with all their reports, summarised without reading them back;
    ``summarised``: those of them already inserted whole by
    :func:`insert_started`); returns the trend counts' change."""
    started = started or {}
    ids = sorted(set(event_ids) | set(started))
    stored = [e for e in ids if e not in started]
    tally = Tally()
    _count_stored(conn, stored, tally, -1)
    made = {e: s for e, s in (summarised or {}).items() if e in started}
    reports = _reports(conn, stored) | {e: _gather(started[e]) for e in started if e not in made}
    summaries = {
        e: made[e] if e in made else _summarise(*reports[e])
        for e in ids
        if e in made or reports[e][0]
    }
    gone = [e for e in ids if e not in summaries]
    for chunk in chunks(stored):
        for table in (event_labels_t, event_participants_t, event_amounts_t):
            conn.execute(delete(table).where(table.c.event_id.in_(chunk)))
    for chunk in chunks(gone):
        conn.execute(delete(events_t).where(events_t.c.id.in_(chunk)))
    if summaries:
        _write(conn, summaries, now, signatures or {}, inserted=made.keys())
    for summary in summaries.values():
        entity_ids = {p[0] for p in summary["_participants"]}
        labels = [(c, s) for c, (s, _, _) in summary["_labels"].items()]
        place = summary["jurisdiction"]
        tally.add_event(summary["first_seen"], labels, (place,) if place else (), entity_ids)
    return tally


def summarise_started(started: Mapping[int, Sequence[Report]]) -> dict[int, dict[str, Any]]:
    """The summaries of events a batch has just created, from their reports
    at hand (no SQL): what :func:`upkeep` would write into their rows."""
    return {e: _summarise(*_gather(reports)) for e, reports in started.items() if reports}


def insert_started(
    conn: Connection,
    summaries: Mapping[int, dict[str, Any]],
    now: datetime,
    signatures: Mapping[int, bytes],
) -> None:
    """The rows of events a batch has just created, inserted whole (in one
    statement, by id) before their reports point at them, instead of inserted
    empty and updated; :func:`upkeep` then writes their labels, parties and
    sums with the rest (``summarised=``)."""
    columns = ("id", *_COLUMNS, "sums", "created_at", "updated_at", "signature")
    value = _value_as_stored(conn)
    rows = [(e, *_row(summaries[e], value), now, now, signatures[e]) for e in sorted(summaries)]
    bulk.insert_rows(conn, events_t, columns, rows)


def _count_stored(conn: Connection, ids: list[int], tally: Tally, sign: int) -> None:
    """The events' rows in the trend summaries as they stand, times ``sign``."""
    for chunk in chunks(ids):
        rows = conn.execute(
            select(events_t.c.id, events_t.c.first_seen, events_t.c.jurisdiction).where(
                events_t.c.id.in_(chunk)
            )
        ).all()
        labels, parties = event_labels_and_parties(conn, chunk)
        for event_id, first_seen, place in rows:
            places = (place,) if place else ()
            tally.add_event(first_seen, labels[event_id], places, parties[event_id], sign)


def _reports(
    conn: Connection, ids: list[int]
) -> dict[int, tuple[list[Any], Labels, list[Any], Amounts]]:
    """Per event: its items (id order), best labels, key parties, merged sums."""
    items: dict[int, list[Any]] = defaultdict(list)
    for chunk in chunks(ids):
        for values in bulk.select_where_in(
            conn, items_t, _ItemRow._fields, "event_id", chunk, order_by="id"
        ):
            row = _ItemRow(*values)
            items[row.event_id].append(row)
    owner = {row.id: event_id for event_id, rows in items.items() for row in rows}
    item_ids = sorted(owner)
    labels = _best_labels(conn, item_ids, owner)
    parties = _participants(conn, item_ids, owner)
    amounts = _merge_amounts(conn, item_ids, owner)
    return {e: (items.get(e, []), labels[e], parties[e], amounts[e]) for e in ids}


class _ItemRow(NamedTuple):
    """An event's report as its summary reads it."""

    id: int
    event_id: int
    title: str
    has_headline: bool
    published_at: datetime
    date_source: str


def _gather(reports: Sequence[Report]) -> tuple[list[Any], Labels, list[Any], Amounts]:
    """:func:`_reports` for one new event whose reports are at hand: the same
    rows, in the same order, as the database would give."""
    items = sorted(reports, key=lambda r: r.id)
    owner = {r.id: 0 for r in items}
    labels = _pick_labels(((r.id, *label) for r in items for label in sorted(r.labels)), owner)
    parties = _pick_participants({r.id: list(r.entities) for r in items}, owner)
    amounts = _add_amounts(((r.id, *amount) for r in items for amount in r.amounts), owner)
    return items, labels[0], parties[0], amounts[0]


def _summarise(
    items: list[Any], labels: Labels, participants: list[Participant], amounts: Amounts
) -> dict[str, Any]:
    dated = [i.published_at for i in items if i.date_source not in cluster.WEAK_DATE_SOURCES]
    seen = dated or [i.published_at for i in items]
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


def _best_labels(conn: Connection, item_ids: list[int], owner: dict[int, int]) -> dict[int, Labels]:
    rows: list[Any] = []
    for chunk in chunks(item_ids):
        rows += bulk.select_where_in(
            conn,
            labels_t,
            ("item_id", "category", "score", "evidence"),
            "item_id",
            chunk,
            order_by="item_id, category",
        )
    return _pick_labels(rows, owner)


def _pick_labels(rows: Iterable[Any], owner: dict[int, int]) -> dict[int, Labels]:
    """Per event, each category's best score (the first report's on a tie)."""
    best: dict[int, Labels] = defaultdict(dict)
    for item_id, category, score, evidence in rows:
        mine = best[owner[item_id]]
        if category not in mine or score > mine[category][0]:
            mine[category] = (float(score), evidence, item_id)
    return best


def _participants(
    conn: Connection, item_ids: list[int], owner: dict[int, int]
) -> dict[int, list[Participant]]:
    return _pick_participants(item_entities(conn, item_ids), owner)


def _pick_participants(
    entities_by_item: Mapping[int, list[StoredEntity]], owner: dict[int, int]
) -> dict[int, list[Participant]]:
    """Per event, every item's key participants and the models and
    jurisdictions they give a role, in order of first report."""
    found: dict[int, dict[tuple[int, str], Participant]] = defaultdict(dict)
    for item_id, entities in entities_by_item.items():
        out = found[owner[item_id]]
        keys = cluster.key_participants(p for _, p, _ in entities)
        for entity_id, p, _ in entities:
            wanted = (
                p.name in keys if p.kind in cluster.PARTICIPANT_KINDS else p.role != "mentioned"
            )
            if wanted and (p.role != "mentioned" or not any(k[0] == entity_id for k in out)):
                out.setdefault((entity_id, p.role), (entity_id, p.kind, p.name, p.role))
    result: dict[int, list[Participant]] = defaultdict(list)
    for event_id, out in found.items():
        # a role found elsewhere makes a bare mention redundant
        roled = {eid for (eid, role) in out if role != "mentioned"}
        result[event_id] = [
            v for (eid, role), v in out.items() if role != "mentioned" or eid not in roled
        ]
    return result


def _merge_amounts(
    conn: Connection, item_ids: list[int], owner: dict[int, int]
) -> dict[int, Amounts]:
    """Sums across each event's items, once each in their original currency. A
    bracketed conversion in one report marks the same figure given bare in
    another as a conversion too, so "$16M" is not counted beside "€15M"."""
    return _add_amounts(amount_rows(conn, item_ids), owner)


def _add_amounts(rows: Iterable[Any], owner: dict[int, int]) -> dict[int, Amounts]:
    merged: dict[int, Amounts] = defaultdict(dict)
    counted: set[tuple[int, Any, str]] = set()
    for item_id, value, currency, text, kind, conversion_of in rows:
        row = merged[owner[item_id]].setdefault(
            (value, currency),
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


def _primary_amount(amounts: Amounts) -> tuple[Any, str] | None:
    """The deal's sum: named by the most reports, deal kinds first."""
    ranked = sorted(
        (a for a in amounts.values() if not a["is_conversion"]),
        key=lambda a: (a["kind"] not in cluster.DEAL_AMOUNT_KINDS, -a["mentions"]),
    )
    return (ranked[0]["value"], ranked[0]["currency"]) if ranked else None


def _jurisdiction(participants: list[Participant]) -> str | None:
    codes = [name for (_, kind, name, _) in participants if kind == "jurisdiction"]
    return Counter(codes).most_common(1)[0][0] if codes else None


_COLUMNS = (
    "title",
    "first_seen",
    "last_seen",
    "dated",
    "item_count",
    "categories",
    "participants",
    "jurisdiction",
    "amount_value",
    "amount_currency",
)


def _row(summary: dict[str, Any], value: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The event row's summary columns (``_COLUMNS``), then ``sums``: what
    grouping compares of its sums, in the order their ``event_amounts`` rows
    are written, each value as that row gives it back (``value``)."""
    sums = [
        [str(value(a["value"])), a["currency"], a["kind"]] for a in summary["_amounts"].values()
    ]
    return (*(summary[c] for c in _COLUMNS), sums)


def _value_as_stored(conn: Connection) -> Callable[[Any], Any]:
    return bulk.as_stored(conn.dialect, event_amounts_t, "value")


def _write(
    conn: Connection,
    summaries: dict[int, dict[str, Any]],
    now: datetime,
    signatures: dict[int, bytes],
    inserted: Collection[int] = (),
) -> None:
    """The events' rows updated (but those ``inserted`` whole already), and
    their labels, parties and sums inserted (the old ones are gone), each
    kind in one executemany."""
    changed = {e: s for e, s in summaries.items() if e not in inserted}
    # new sketches with the rest when every event has one (an ingest's batch)
    signed = signatures if all(e in signatures for e in changed) else {}
    columns = (*_COLUMNS, "sums", "updated_at", *(("signature",) if signed else ()))
    value = _value_as_stored(conn)
    rows = [
        (e, *_row(s, value), now, *((signed[e],) if signed else ())) for e, s in changed.items()
    ]
    bulk.update_rows(conn, events_t, "id", columns, rows)
    if not signed:
        rows = [(e, b) for e, b in signatures.items() if e in changed]
        bulk.update_rows(conn, events_t, "id", ("signature",), rows)
    labels, parties, amounts = [], [], []
    for event_id, s in summaries.items():
        labels += [(event_id, c, sc, ev, i) for c, (sc, ev, i) in s["_labels"].items()]
        parties += [
            (event_id, eid, role, s["last_seen"], now) for (eid, _, _, role) in s["_participants"]
        ]
        amounts += [(event_id, *(a[c] for c in _AMOUNT_COLUMNS)) for a in s["_amounts"].values()]
    bulk.insert_rows(
        conn, event_labels_t, ("event_id", "category", "score", "evidence", "item_id"), labels
    )
    bulk.insert_rows(
        conn,
        event_participants_t,
        ("event_id", "entity_id", "role", "last_seen", "updated_at"),
        parties,
    )
    bulk.insert_rows(conn, event_amounts_t, ("event_id", *_AMOUNT_COLUMNS), amounts)


_AMOUNT_COLUMNS = ("value", "currency", "text", "kind", "mentions", "is_conversion")
