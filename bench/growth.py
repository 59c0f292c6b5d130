"""Does ingest slow down as the database grows? The same new articles are
ingested into an empty database and into one already holding ``--items``.

    python bench/growth.py [--items 1000000] [--new 2000] [--sqlite PATH] [--pg URL]
                           [--keep DIR]

``--new`` 3 KB articles are written to a folder (companies, regulators and sums
from tracker's gazetteer, drawn with a Zipf-like skew so the big names are in
most stories; dates over three years; one to three reports per happening) and
ingested through the whole pipeline (parse, classify, extract, group into
events, store, trend summaries): first into an empty database, then into one
pre-filled by bulk insert with ``--items`` items of the same shape (labels,
parties, sums, sightings, events with their packed sketches, participants and
trend summaries) spread over the same three years. Prints articles/s for both,
the ratio (target: at least 0.80 at a million items), by wall time and by this
process's CPU time (steadier on a shared machine), and the CPU milliseconds per
article spent grouping into events (``assign_stored``). SQLite by default;
``--pg`` (a server URL; a database ``tracker_growth`` is created and dropped)
runs PostgreSQL too.

Filling a million items takes minutes; ``--keep DIR`` keeps the filled
database as a template (SQLite: ``DIR/growth-full-N-REV.db``; PostgreSQL: a
database ``tracker_growth_full_N_REV``, REV the schema revision) and later
runs with the same ``--items`` copy it instead of filling again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tracker import cluster
from tracker.config import load_config
from tracker.pipeline import ingest_path
from tracker.rules import DEFAULT_GAZETTEER
from tracker.ruleset import load_ruleset
from tracker.runtime import tune_gc
from tracker.store import events as events_store
from tracker.store import trend_upkeep
from tracker.store.db import create_db_engine, head_revision, upgrade

START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 3 * 365
NOW = START + timedelta(days=DAYS + 1)
CENTS = Decimal("0.01")
CATEGORIES = ("investment", "partnership", "model_release", "regulatory_action")
LEADS = {
    "investment": "{a} has invested {amount} in {b}, taking a minority stake as part of a "
    "funding round led by {a}.",
    "partnership": "{a} and {b} signed a multi-year partnership to offer {b}'s models on "
    "{a}'s cloud and to build products together for enterprise customers.",
    "model_release": "{a} released a new large language model on {day}, available to "
    "developers through its API and, from next month, on {b}'s platform.",
    "regulatory_action": "{r} opened an investigation into the agreement between {a} and "
    "{b}, saying the deal may weaken competition in artificial intelligence.",
}
FILLER = (
    "Analysts said the move reflects how quickly the market for generative models is "
    "consolidating, with a handful of large firms supplying computing power, distribution "
    "and capital to younger laboratories. Executives at {a} declined to give further "
    "details on the terms, which people familiar with the matter described as complex. "
    "Shares of listed rivals moved little in early trading on {day}. Industry observers "
    "noted that customers increasingly ask for guarantees about data handling, pricing "
    "and access to the latest systems, and that contracts now run for several years. "
)
WORDS = [
    "market",
    "model",
    "models",
    "cloud",
    "computing",
    "chips",
    "data",
    "training",
    "customers",
    "pricing",
    "access",
    "contract",
    "deal",
    "stake",
    "round",
    "funding",
    "investors",
    "valuation",
    "revenue",
    "growth",
    "research",
    "product",
    "launch",
    "developers",
    "platform",
    "enterprise",
    "agreement",
    "inquiry",
    "probe",
    "competition",
    "antitrust",
    "regulator",
    "watchdog",
    "privacy",
    "safety",
    "rules",
    "law",
    "fine",
    "ruling",
    "decision",
    "review",
]


def gazetteer() -> tuple[list[str], list[tuple[str, str | None]]]:
    gaz = tomllib.loads(DEFAULT_GAZETTEER.read_text(encoding="utf-8"))
    orgs = [o["name"] for o in gaz["organization"]]
    regs = [(r["name"], r.get("jurisdiction")) for r in gaz["regulator"]]
    return orgs, regs


def zipf(rng: random.Random, names: list[Any], s: float = 1.1) -> Any:
    weights = [1 / (i + 1) ** s for i in range(len(names))]
    return rng.choices(names, weights)[0]


# ---------------------------------------------------------------- new articles


def write_articles(folder: Path, count: int, seed: int = 11) -> None:
    """``count`` 3 KB article files: one to three reports per happening."""
    rng = random.Random(seed)
    orgs, regs = gazetteer()
    written = 0
    while written < count:
        category = rng.choice(CATEGORIES)
        a = zipf(rng, orgs)
        b = zipf(rng, [o for o in orgs if o != a])
        when = START + timedelta(days=rng.randrange(DAYS))
        amount = f"${rng.randint(2, 900)} million"
        regulator = zipf(rng, [r for r, _ in regs])
        for outlet in range(min(rng.randint(1, 3), count - written)):
            day = (when + timedelta(days=outlet)).strftime("%B %d, %Y")
            words = {"a": a, "b": b, "r": regulator, "amount": amount, "day": day}
            lead = LEADS[category].format(**words)
            body = [lead]
            while sum(len(p) for p in body) < 2800:
                extra = " ".join(rng.sample(WORDS, 12))
                body.append(FILLER.format(**words) + f"Topics: {extra}.")
            path = folder / f"{written // 1000:04d}" / f"article-{written}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(
                f"Title: {lead.split(',')[0][:90]} ({written})\n"
                f"URL: https://outlet{outlet}.example/{written}\n"
                f"Date: {(when + timedelta(days=outlet)).date().isoformat()}\n\n"
                + "\n\n".join(body)
                + "\n",
                encoding="utf-8",
            )
            written += 1


# ---------------------------------------------------------------- pre-filled database


def prefill_rows(n_items: int, seed: int = 5) -> dict[str, list[tuple[Any, ...]]]:
    """Rows as the pipeline writes them, for ``n_items`` items in events of 1-3."""
    rng = random.Random(seed)
    orgs, regs = gazetteer()
    entity_rows = [(i + 1, "organization", n, None) for i, n in enumerate(orgs)]
    entity_rows += [(len(orgs) + i + 1, "regulator", n, j) for i, (n, j) in enumerate(regs)]
    org_ids = list(range(1, len(orgs) + 1))
    reg_ids = [e[0] for e in entity_rows if e[1] == "regulator"]
    home = {e[0]: e[3] for e in entity_rows}
    vocabulary = [cluster.sketch([f"word{i}"])[0] for i in range(6000)]
    out: dict[str, list[tuple[Any, ...]]] = {k: [] for k in COLUMNS}
    out["entities"] = [(*e, "[]") for e in entity_rows]
    tally = trend_upkeep.Tally()
    item_id = event_id = 0
    while item_id < n_items:
        event_id += 1
        when = START + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86400))
        category = rng.choice(CATEGORIES)
        a = zipf(rng, org_ids)
        b = zipf(rng, [o for o in org_ids if o != a])
        regulator = zipf(rng, reg_ids) if category == "regulatory_action" else None
        roles = ("investor", "investee") if category == "investment" else ("partner", "partner")
        parties = [(a, roles[0]), (b, roles[1])] + ([(regulator, "regulator")] if regulator else [])
        amount = Decimal(rng.randint(2, 900) * 1_000_000)
        size = min(rng.randint(1, 3), n_items - item_id)
        score = round(rng.uniform(0.55, 0.95), 3)
        last = when + timedelta(days=size - 1)
        for k in range(size):
            item_id += 1
            published = when + timedelta(days=k)
            url = f"https://prefill{k}.example/{item_id}"
            out["items"].append(
                (
                    item_id,
                    1,
                    url,
                    f"Report {item_id}",
                    "…",
                    True,
                    published,
                    "header",
                    published,
                    f"{item_id:064x}",
                    f"{item_id % 999_983:064x}",
                    event_id,
                    "bench",
                )
            )
            out["item_sightings"].append((item_id, 1, url, f"{item_id:064x}", published, published))
            out["item_labels"].append((item_id, category, score, "…", "bench"))
            for entity_id, role in parties:
                out["item_entities"].append((item_id, entity_id, role, "x"))
            out["amounts"].append((item_id, amount, "USD", "$x million", "investment", None))
            places = [home[regulator]] if regulator and home[regulator] else []
            tally.add_item(published, [(category, score)], places, [e for e, _ in parties])
        sketch = tuple(sorted(set(rng.sample(vocabulary, 180)))[: cluster.SKETCH_SIZE])
        place = home[regulator] if regulator else None
        out["events"].append(
            (
                event_id,
                f"Event {event_id}",
                "[]",
                "[]",
                place,
                amount,
                "USD",
                when,
                last,
                size,
                last,
                last,
                cluster.sketch_to_bytes(sketch),
                True,
                json.dumps([[str(amount.quantize(CENTS)), "USD", "investment"]]),
            )
        )
        out["event_labels"].append((event_id, category, score, "…", item_id))
        for entity_id, role in parties:
            out["event_participants"].append((event_id, entity_id, role, last, last))
        out["event_amounts"].append(
            (event_id, amount, "USD", "$x million", "investment", size, False)
        )
        tally.add_event(
            when, [(category, score)], [place] if place else [], [e for e, _ in parties]
        )
    out["trend_counts"] = [(*k, n) for k, n in tally.counts.items()]
    out["entity_trend_counts"] = [(*k, n) for k, n in tally.entities.items()]
    return out


COLUMNS = {
    "entities": "id, kind, name, jurisdiction, aliases",
    "events": "id, title, categories, participants, jurisdiction, amount_value, "
    "amount_currency, first_seen, last_seen, item_count, created_at, updated_at, signature, dated, "
    "sums",
    "items": "id, source_id, url, title, body, has_headline, published_at, date_source, "
    "fetched_at, content_hash, fingerprint, event_id, rules_version",
    "item_sightings": "item_id, source_id, url, content_hash, first_seen_at, last_seen_at",
    "item_labels": "item_id, category, score, evidence, rules_version",
    "item_entities": "item_id, entity_id, role, mention",
    "amounts": "item_id, value, currency, text, kind, conversion_of",
    "event_labels": "event_id, category, score, evidence, item_id",
    "event_participants": "event_id, entity_id, role, last_seen, updated_at",
    "event_amounts": "event_id, value, currency, text, kind, mentions, is_conversion",
    "trend_counts": "unit, day, category, jurisdiction, band, count",
    "entity_trend_counts": "unit, entity_id, day, category, band, count",
}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load(engine: Engine, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    source = (
        1,
        "feed",
        "prefill",
        "https://prefill.example/feed",
        900,
        True,
        0,
        NOW,
        0.0,
        False,
        True,
    )
    tables = [
        (
            "sources",
            "id, kind, name, location, interval_seconds, enabled, error_count, "
            "created_at, failure_score, full_text, alerts",
            [source],
        ),
        *[(t, COLUMNS[t], rows[t]) for t in COLUMNS],
    ]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, columns, data in tables:
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
        if engine.dialect.name == "postgresql":
            for table in ("entities", "events", "items", "sources"):
                cur.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------- measuring


class GroupingTimer:
    """CPU time spent grouping into events (``assign_stored``, where the
    pipeline calls it), wrapped for the run."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original: Callable[..., Any] = events_store.assign_stored

    def __enter__(self) -> GroupingTimer:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        events_store.assign_stored = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        events_store.assign_stored = self.original  # type: ignore[assignment]


def ingest_rate(engine: Engine, folder: Path, count: int) -> tuple[float, float, float]:
    """(articles/s by wall time, articles/s by this process's CPU time, ms of
    CPU per article grouping into events) for one ingest of the folder. On a
    shared machine the CPU figure is the steadier; on PostgreSQL it leaves out
    the server's work."""
    config = load_config(environ={})
    rules = load_ruleset()
    with GroupingTimer() as timer:
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_path(
            engine,
            folder,
            name="growth",
            config=config,
            rules=rules,
            clock=lambda: NOW,
            alerts=False,
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if report.new != count:
        raise SystemExit(f"expected {count} new articles, stored {report.new}")
    return count / elapsed, count / cpu, timer.seconds * 1000 / count


def run(
    url: str, folder: Path, count: int, stored: int, template: Template | None = None
) -> dict[str, tuple[float, float, float]]:
    out = {}
    for label, size in (("empty", 0), (f"{stored:,} stored", stored)):
        target = url if size == 0 else url.replace("empty", "full")
        if target.startswith("sqlite"):  # a file left by an earlier run is not empty
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(target).database}{suffix}").unlink(missing_ok=True)
        if size and template is not None and template.exists():
            template.copy_to(target)
            print(f"  copied {size:,} items from {template.name}", flush=True)
        elif size:
            fill(target, size)
            if template is not None:
                template.save_from(target)
        engine = create_db_engine(target)
        upgrade(engine)
        out[label] = ingest_rate(engine, folder, count)
        engine.dispose()
    return out


def fill(url: str, size: int) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    load(engine, prefill_rows(size))
    print(f"  filled {size:,} items in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


class Template:
    """A filled database kept between runs (``--keep``): a SQLite file in a
    folder, or a PostgreSQL database on the server, named by size and schema."""

    def __init__(self, keep: Path | None, server: str | None, size: int) -> None:
        self.name = f"growth-full-{size}-{head_revision()}"
        self.path = keep / f"{self.name}.db" if keep else None
        self.server = server
        self.database = self.name.replace("-", "_").replace("growth", "tracker_growth")

    def exists(self) -> bool:
        if self.path is not None:
            return self.path.exists()
        with _admin(self.server) as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.database}
            )
            return found.first() is not None

    def copy_to(self, url: str) -> None:
        if self.path is not None:
            target = Path(make_url(url).database or "")
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.path, target)
            # on disk before the run: else the first checkpoint's fsync writes the
            # whole copy, which a database that grew to this size never pays
            with open(target, "rb+") as copied:
                os.fsync(copied.fileno())
            return
        name = make_url(url).database
        with _admin(self.server) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.database}"'))

    def save_from(self, url: str) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_db_engine(url)
            with engine.connect() as conn:  # everything in the main file
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            shutil.copyfile(make_url(url).database or "", self.path)
            return
        name = make_url(url).database
        with _admin(self.server) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{self.database}" TEMPLATE "{name}"'))


class _admin:
    """An autocommit connection to the server's maintenance database."""

    def __init__(self, server: str | None) -> None:
        assert server is not None
        self.engine = create_engine(server, isolation_level="AUTOCOMMIT")

    def __enter__(self) -> Any:
        self.conn = self.engine.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.engine.dispose()


def pg_databases(server: str) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = ("tracker_growth_empty", "tracker_growth_full")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=names[0]).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    tune_gc()  # as tracker's command line does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="items pre-filled")
    parser.add_argument("--new", type=int, default=2000, help="new articles ingested")
    parser.add_argument("--sqlite", type=Path, help="folder for the two SQLite files")
    parser.add_argument("--pg", help="PostgreSQL server URL (also run there)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the filled database as a template (SQLite: a file in DIR; PostgreSQL: a "
        "database on the server) and reuse it in later runs of the same --items",
    )
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        write_articles(folder, args.new)
        base = args.sqlite or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        print(f"SQLite, {args.new:,} new 3 KB articles", flush=True)
        template = Template(args.keep, None, args.items) if args.keep else None
        results["SQLite"] = run(
            f"sqlite:///{base}/growth-empty.db", folder, args.new, args.items, template
        )
        if args.pg:
            print(f"PostgreSQL, {args.new:,} new 3 KB articles", flush=True)
            template = Template(None, args.pg, args.items) if args.keep else None
            for url in pg_databases(args.pg):
                results["PostgreSQL"] = run(url, folder, args.new, args.items, template)
    for backend, rows in results.items():
        print(
            f"\n{backend:<12} {'articles/s':>12} {'per CPU s':>10} {'grouping CPU ms/article':>24}"
        )
        for label, (rate, cpu_rate, grouping) in rows.items():
            print(f"{label:<12} {rate:>12,.0f} {cpu_rate:>10,.0f} {grouping:>24.2f}")
        (empty, empty_cpu, _), (full, full_cpu, _) = rows.values()
        print(
            f"ratio (full / empty): {full / empty:.2f} by wall time, "
            f"{full_cpu / empty_cpu:.2f} by CPU time  (target >= 0.80)"
        )


if __name__ == "__main__":
    main()
