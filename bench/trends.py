"""How long trend queries take at a million items, on SQLite and PostgreSQL.

    python bench/trends.py [--items 1000000] [--sqlite PATH] [--pg URL]

Generates ``--items`` items across three years (with labels, parties, events
of one to five reports each) by bulk insert (executemany on SQLite, COPY on
PostgreSQL), builds the trend summary with tracker's own upkeep code, then runs
each trend query five times and prints the median in milliseconds. PostgreSQL
comes from ``--pg`` or ``TRACKER_TEST_POSTGRES_URL`` (a server URL: a database
``tracker_bench`` is created there and dropped afterwards); without either, only
SQLite runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tracker.store import trend_upkeep, trends
from tracker.store.db import create_db_engine, upgrade

START = datetime(2022, 1, 1, tzinfo=UTC)
DAYS = 3 * 365
CATEGORIES = ("investment", "partnership", "model_release", "regulatory_action")
COMPANIES = [f"Company {i}" for i in range(60)] + ["Microsoft", "OpenAI", "Mistral AI"]
REGULATORS = [
    ("Federal Trade Commission", "US"),
    ("European Commission", "EU"),
    ("Competition and Markets Authority", "UK"),
    ("Bundeskartellamt", "DE"),
]


def entities() -> list[tuple[int, str, str, str | None]]:
    rows = [(i + 1, "organization", name, None) for i, name in enumerate(COMPANIES)]
    rows += [(len(rows) + i + 1, "regulator", n, j) for i, (n, j) in enumerate(REGULATORS)]
    return rows


def generate(n_items: int, seed: int = 5) -> dict[str, list[tuple[Any, ...]]]:
    """Rows for every table, as Python values, events of 1-5 reports each."""
    rng = random.Random(seed)
    ents = entities()
    orgs = [e[0] for e in ents if e[1] == "organization"]
    heavy = orgs[-3:]  # the big names appear in many events
    regs = [e[0] for e in ents if e[1] == "regulator"]
    out: dict[str, list[tuple[Any, ...]]] = {
        k: []
        for k in (
            "events",
            "items",
            "item_labels",
            "item_entities",
            "event_labels",
            "event_participants",
        )
    }
    item_id = event_id = 0
    while item_id < n_items:
        event_id += 1
        when = START + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86400))
        cats = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
        lead = rng.choice(heavy if rng.random() < 0.3 else orgs)
        parties = [lead, rng.choice([o for o in orgs if o != lead])]
        roles = ["investor", "investee"] if "investment" in cats else ["partner", "partner"]
        regulator = rng.choice(regs) if "regulatory_action" in cats else None
        size = min(rng.randint(1, 5), n_items - item_id)
        first = item_id + 1
        for k in range(size):
            item_id += 1
            published = when + timedelta(hours=rng.randrange(48) * k)
            out["items"].append(
                (
                    item_id,
                    1,
                    f"https://news.example/{item_id}",
                    f"Report {item_id}",
                    "text",
                    True,
                    published,
                    "header",
                    published,
                    f"{item_id:064x}",
                    event_id,
                    "bench",
                )
            )
            for c in cats:
                out["item_labels"].append((item_id, c, round(rng.uniform(0.5, 1), 3), "…", "bench"))
            if rng.random() < 0.3:
                other = rng.choice([c for c in CATEGORIES if c not in cats])
                out["item_labels"].append(
                    (item_id, other, round(rng.uniform(0, 0.49), 3), "…", "bench")
                )
            for entity, role in zip(parties, roles, strict=True):
                out["item_entities"].append((item_id, entity, role, "x"))
            if regulator:
                out["item_entities"].append((item_id, regulator, "regulator", "x"))
        last = when + timedelta(hours=48 * (size - 1))
        out["events"].append(
            (
                event_id,
                f"Event {event_id}",
                "[]",
                "[]",
                dict(REGULATORS)[ents[regulator - 1][2]] if regulator else None,
                when,
                last,
                size,
                when,
                when,
                True,
            )
        )
        for c in cats:
            out["event_labels"].append((event_id, c, 0.9, "…", first))
        for entity, role in zip(parties, roles, strict=True):
            out["event_participants"].append((event_id, entity, role, last, when))
        if regulator:
            out["event_participants"].append((event_id, regulator, "regulator", last, when))
    return out


COLUMNS = {
    "events": "id, title, categories, participants, jurisdiction, first_seen, last_seen, "
    "item_count, created_at, updated_at, dated",
    "items": "id, source_id, url, title, body, has_headline, published_at, date_source, "
    "fetched_at, content_hash, event_id, rules_version",
    "item_labels": "item_id, category, score, evidence, rules_version",
    "item_entities": "item_id, entity_id, role, mention",
    "event_labels": "event_id, category, score, evidence, item_id",
    "event_participants": "event_id, entity_id, role, last_seen, updated_at",
}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def load(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        now = datetime.now(UTC)
        base = [
            (
                "sources",
                "id, kind, name, location, interval_seconds, enabled, error_count, "
                "created_at, failure_score, full_text, alerts",
                [
                    (
                        1,
                        "feed",
                        "bench",
                        "https://news.example/feed",
                        900,
                        True,
                        0,
                        now,
                        0.0,
                        False,
                        True,
                    )
                ],
            ),
            ("entities", "id, kind, name, jurisdiction, aliases", [(*e, "[]") for e in entities()]),
        ]
        for table, columns, data in base + [(t, COLUMNS[t], rows[t]) for t in COLUMNS]:
            if engine.dialect.name == "postgresql":
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns.split(",")))
                cur.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    ([_sqlite_value(v) for v in row] for row in data),
                )
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        days = [START.date() + timedelta(days=d) for d in range(DAYS + 3)]
        trend_upkeep.recount_item_days(conn, days)
        trend_upkeep.recount_event_days(conn, days)
        conn.execute(text("ANALYZE"))


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("items per week, all categories", {"period": "week"}),
    ("items per month, regulatory_action", {"period": "month", "category": "regulatory_action"}),
    ("items per quarter, jurisdiction EU", {"period": "quarter", "jurisdiction": "EU"}),
    (
        "items per week, one year",
        {
            "period": "week",
            "since": datetime(2023, 1, 1, tzinfo=UTC),
            "until": datetime(2024, 1, 1, tzinfo=UTC),
        },
    ),
    ("events per month", {"period": "month", "by": "events"}),
    (
        "events per quarter, regulatory, US",
        {
            "period": "quarter",
            "by": "events",
            "category": "regulatory_action",
            "jurisdiction": "US",
        },
    ),
    ("items per month, entity Mistral AI", {"period": "month", "entity": "Mistral AI"}),
    (
        "events per quarter, entity Microsoft",
        {"period": "quarter", "by": "events", "entity": "Microsoft"},
    ),
    ("items per month, threshold 0.73", {"period": "month", "threshold": 0.73}),
    (
        "events per month, entity Mistral AI, 2023",
        {
            "period": "month",
            "by": "events",
            "entity": "Mistral AI",
            "since": datetime(2023, 1, 1, tzinfo=UTC),
            "until": datetime(2024, 1, 1, tzinfo=UTC),
        },
    ),
]


def timed(func: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(engine: Engine) -> dict[str, float]:
    out = {}
    with engine.connect() as conn:
        for name, kwargs in QUERIES:
            args = {"threshold": 0.5, **kwargs}
            out[name] = timed(lambda a=args: trends.trend_rows(conn, **a))
        out["SELECT * FROM v_trends_monthly"] = timed(
            lambda: conn.execute(text("SELECT * FROM v_trends_monthly")).all()
        )
    return out


def run(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, float]:
    engine = create_db_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    load(engine, rows)
    print(f"  {engine.dialect.name}: loaded in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        return measure(engine)
    finally:
        engine.dispose()


def pg_database(server: str) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "tracker_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "tracker_bench"'))
    try:
        yield make_url(server).set(database="tracker_bench").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "tracker_bench" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=Path, help="SQLite file to build (default: a temp file)")
    parser.add_argument("--pg", default=os.environ.get("TRACKER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    started = time.perf_counter()
    rows = generate(args.items)
    counts = ", ".join(f"{len(v):,} {k}" for k, v in rows.items())
    print(f"generated {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.sqlite or Path(tmp) / "bench.db"
        results["SQLite"] = run(f"sqlite:///{path}", rows)
    if args.pg:
        for url in pg_database(args.pg):
            results["PostgreSQL"] = run(url, rows)
    names = list(next(iter(results.values())))
    width = max(len(n) for n in names)
    print(f"\n{'query (median of 5, ms)':<{width}}  " + "  ".join(f"{b:>10}" for b in results))
    for name in names:
        print(f"{name:<{width}}  " + "  ".join(f"{r[name]:>10.1f}" for r in results.values()))


if __name__ == "__main__":
    main()
