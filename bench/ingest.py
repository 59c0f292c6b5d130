"""Ingest throughput, each figure against its floor measured in the same run.

    python bench/ingest.py [--articles 5000] [--feeds 20] [--items 250] [--pg URL]
                           [--only file,feed,pg,commit] [--keep FOLDER]

1. file: ``--articles`` articles of about 3 KB (bench/_corpus.py) through the
   whole pipeline (read, parse, classify, extract, store, group into events)
   into a SQLite file, in this process on one thread, against the floor:
   reading, hashing and inserting the same files with raw ``sqlite3``
   ``executemany`` in one transaction. Targets: 2,000 articles/s, 25% of floor.
2. feed: ``--feeds`` RSS feeds of ``--items`` entries from a local HTTP server
   through the whole pipeline (bench/feeds.py's feeds and server), against
   ``feedparser.parse`` alone on the same bytes. Target: 1,000 items/s.
3. pg: the same articles as 1 into PostgreSQL, against reading, hashing and
   psycopg ``COPY`` of the same rows. PostgreSQL comes from ``--pg`` or
   ``TRACKER_TEST_POSTGRES_URL`` (a server URL: a database ``bench_ingest_<pid>``
   is created there and dropped afterwards); without either it is left out.
4. commit: the database transaction alone (``commit_batch``: storing, grouping
   into events, trend counts, alerts) over the entries of 2, parsed and
   classified beforehand: CPU microseconds per item, into SQLite (and
   PostgreSQL when given). No target of its own: it shows what feed ingest
   spends outside parsing and classification.

Each figure is printed with its floor, the share of the floor, and CPU seconds
beside wall seconds (the machine may be shared: CPU time says what the work
cost, wall time what a user waits).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

import _corpus  # noqa: E402
from run import Result, print_table  # noqa: E402

from tracker.config import load_config  # noqa: E402
from tracker.pipeline import ingest_path  # noqa: E402
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER  # noqa: E402
from tracker.ruleset import Ruleset, load_ruleset  # noqa: E402
from tracker.runtime import tune_gc  # noqa: E402
from tracker.store.db import create_db_engine, ensure_schema  # noqa: E402

FILE_TARGET = 2000.0
FILE_SHARE = 0.25
FEED_TARGET = 1000.0


def rules() -> Ruleset:
    return load_ruleset(Path(DEFAULT_CLASSIFY), Path(DEFAULT_GAZETTEER))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block, in the dict it yields."""
    spent: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield spent
    spent["wall"] = time.perf_counter() - wall
    spent["cpu"] = time.process_time() - cpu


def _files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.txt"))


def sqlite_floor(folder: Path, db: Path) -> float:
    """Articles/s reading, hashing and inserting the files with raw sqlite3."""
    files = _files(folder)
    with timed() as spent:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE docs (path TEXT, hash TEXT UNIQUE, body TEXT)")
        rows = []
        for path in files:
            data = path.read_bytes()
            rows.append((str(path), hashlib.sha256(data).hexdigest(), data.decode("utf-8")))
        with conn:
            conn.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
        conn.close()
    return len(files) / spent["wall"]


def pipeline_rate(folder: Path, url: str, ruleset: Ruleset) -> tuple[int, dict[str, float]]:
    """(new items, seconds) ingesting the folder through the whole pipeline."""
    config = load_config(None, {"TRACKER_DATABASE_URL": url})
    engine = create_db_engine(url)
    ensure_schema(engine)
    with timed() as spent:
        report = ingest_path(
            engine, folder, name="bench", config=config, rules=ruleset, clock=_utcnow, alerts=False
        )
    engine.dispose()
    if report.failed:
        raise SystemExit(f"ingest skipped {report.failed} files: {report.skipped[:3]}")
    return report.new, spent


def file_ingest(folder: Path, work: Path, ruleset: Ruleset) -> list[Result]:
    floor = sqlite_floor(folder, work / "floor.db")
    new, spent = pipeline_rate(folder, f"sqlite:///{work / 'file.db'}", ruleset)
    rate = new / spent["wall"]
    return [
        Result(
            "file ingest, SQLite",
            rate,
            "articles/s",
            floor=floor,
            target=f">= {FILE_TARGET:,.0f}/s and >= {FILE_SHARE:.0%} of floor",
            passed=rate >= FILE_TARGET and rate >= FILE_SHARE * floor,
            note=f"{new} articles, {spent['wall']:.1f} s wall, {spent['cpu']:.1f} s CPU; "
            "floor: read+sha256+executemany",
        )
    ]


def feed_ingest(work: Path, n_feeds: int, n_items: int, ruleset: Ruleset) -> list[Result]:
    import feedparser
    from feeds import Clock, make_feed, setup

    from tracker.pipeline import poll_due_sources, sync_config_sources

    rng = random.Random(7)
    feeds = {f"/feed{i}.rss": make_feed(i, n_items, rng) for i in range(n_feeds)}
    with timed() as floor_spent:
        parsed = sum(len(feedparser.parse(body).entries) for body in feeds.values())
    engine, config, server = setup(work, feeds, "feeds.db")
    clock = Clock()
    sync_config_sources(engine, config, clock())  # type: ignore[attr-defined]
    with timed() as spent:
        results = poll_due_sources(engine, config=config, rules=ruleset, clock=clock)  # type: ignore[arg-type]
    server.httpd.shutdown()
    new = sum(getattr(r, "new", 0) for r in results.values())
    rate = new / spent["wall"]
    return [
        Result(
            "feed ingest, SQLite",
            rate,
            "items/s",
            floor=parsed / floor_spent["wall"],
            target=f">= {FEED_TARGET:,.0f}/s",
            passed=rate >= FEED_TARGET,
            note=f"{new} items from {n_feeds} feeds, {spent['wall']:.1f} s wall, "
            f"{spent['cpu']:.1f} s CPU; floor: feedparser.parse alone",
        )
    ]


def commit_cost(
    n_feeds: int, n_items: int, ruleset: Ruleset, work: Path, pg: str | None
) -> list[Result]:
    """CPU per item of the database transaction alone (``commit_batch``:
    store, group into events, trend counts, alerts), over the feed entries of
    ``feed_ingest`` parsed and classified beforehand, in batches of the
    default ``ingest.batch_size``; into SQLite, and PostgreSQL when given."""
    from feeds import make_feed

    from tracker.alerts import AlertRules
    from tracker.feeds import parse_feed
    from tracker.pipeline.batch import Alerting, Tally, analyze_item, commit_batch
    from tracker.store import queries

    now = _utcnow()
    rng = random.Random(7)
    entries = [
        entry
        for i in range(n_feeds)
        for entry in parse_feed(
            make_feed(i, n_items, rng), url=f"https://news{i}.example.com/", source="bench", now=now
        ).entries
    ]
    config = load_config(None, {"TRACKER_ALERTS_TO": "analyst@example.org"})
    threshold, size = config["classify.threshold"], config["ingest.batch_size"]
    batch = [(entry, analyze_item(entry, ruleset, threshold)) for entry in entries]
    targets = [("SQLite", f"sqlite:///{work / 'commit.db'}")]
    results = []
    with contextlib.ExitStack() as stack:
        if pg:
            targets.append(
                ("PostgreSQL", stack.enter_context(pg_database(pg, f"bench_commit_{os.getpid()}")))
            )
        for backend, url in targets:
            engine = create_db_engine(url)
            ensure_schema(engine)
            with engine.begin() as conn:
                source = queries.ensure_source(
                    conn,
                    kind="feed",
                    name="bench",
                    location="https://news.example.com/",
                    interval=900,
                    now=now,
                )
            tally, alerting = Tally(), Alerting(AlertRules.from_config(config))
            with timed() as spent:
                for start in range(0, len(batch), size):
                    commit_batch(engine, source, batch[start : start + size], now, tally, alerting)
            engine.dispose()
            results.append(
                Result(
                    f"database transaction per feed item, {backend}",
                    spent["cpu"] / len(batch) * 1e6,
                    "us CPU",
                    target="(none; the rest of feed ingest is parsing and classifying)",
                    passed=None,
                    note=f"commit_batch alone: {tally.new} new items in batches of {size}, "
                    f"{spent['wall']:.1f} s wall, {spent['cpu']:.1f} s CPU in this process",
                )
            )
    return results


@contextmanager
def pg_database(server: str, name: str) -> Iterator[str]:
    """A fresh database on ``server``, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def copy_floor(folder: Path, url: str) -> float:
    """Articles/s reading, hashing and COPYing the files into PostgreSQL."""
    import psycopg

    files = _files(folder)
    with timed() as spent, psycopg.connect(_libpq(url)) as conn:
        conn.execute("CREATE TABLE docs (path text, hash text UNIQUE, body text)")
        with conn.cursor().copy("COPY docs (path, hash, body) FROM STDIN") as copy:
            for path in files:
                data = path.read_bytes()
                copy.write_row((str(path), hashlib.sha256(data).hexdigest(), data.decode("utf-8")))
        conn.commit()
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute("DROP TABLE docs")  # tracker wants the database empty
    return len(files) / spent["wall"]


def pg_ingest(folder: Path, server: str, ruleset: Ruleset) -> list[Result]:
    with pg_database(server, f"bench_ingest_{os.getpid()}") as url:
        floor = copy_floor(folder, url)
        new, spent = pipeline_rate(folder, url, ruleset)
    rate = new / spent["wall"]
    return [
        Result(
            "file ingest, PostgreSQL",
            rate,
            "articles/s",
            floor=floor,
            target="(no target; compared with COPY)",
            passed=None,
            note=f"{new} articles, {spent['wall']:.1f} s wall, {spent['cpu']:.1f} s CPU; "
            "floor: read+sha256+COPY",
        )
    ]


def measure(
    articles: int,
    *,
    feeds: int = 20,
    items: int = 250,
    pg: str | None = None,
    only: tuple[str, ...] = ("file", "feed", "pg", "commit"),
    keep: Path | None = None,
) -> list[Result]:
    ruleset = rules()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        work = Path(tmp)
        folder = _corpus.write_corpus((keep or work) / f"articles-{articles}", articles)
        if "file" in only:
            results += file_ingest(folder, work, ruleset)
        if "feed" in only:
            results += feed_ingest(work, feeds, items, ruleset)
        if "pg" in only and pg:
            results += pg_ingest(folder, pg, ruleset)
        if "commit" in only:
            results += commit_cost(feeds, items, ruleset, work, pg)
    return results


def main() -> None:
    tune_gc()  # as tracker's command line does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="3 KB articles to ingest")
    parser.add_argument("--feeds", type=int, default=20, help="feeds on the local server")
    parser.add_argument("--items", type=int, default=250, help="entries per feed")
    parser.add_argument("--pg", default=os.environ.get("TRACKER_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--only", default="file,feed,pg,commit", help="comma-separated: file,feed,pg,commit"
    )
    parser.add_argument("--keep", type=Path, help="write the articles here and keep them")
    args = parser.parse_args()
    print_table(
        measure(
            args.articles,
            feeds=args.feeds,
            items=args.items,
            pg=args.pg,
            only=tuple(args.only.split(",")),
            keep=args.keep,
        )
    )


if __name__ == "__main__":
    main()
