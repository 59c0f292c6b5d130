"""Feed throughput, measured against a local HTTP server and a SQLite file.

    python bench/feeds.py [--feeds 20] [--items 250] [--idle-feeds 500]

Prints two figures:

1. items per second through the whole pipeline (fetch, parse, classify,
   extract, store, group into events), polling ``--feeds`` feeds of ``--items``
   entries each, all new (target: at least 1,000 per second on one core; CPU
   time is printed beside wall time, since the poll's threads share one GIL),
   and before it the rate of each feed stage alone (parse, classify and
   extract, store without event grouping), so a slow stage is named;
2. seconds to poll ``--idle-feeds`` feeds where nothing changed: each answers
   304 to the ETag it gave last time (target: at most 10 s).

All feeds are on 127.0.0.1, so the per-host limits are lifted for the run
(feeds.per_host = feeds.workers, feeds.host_delay = 0); real feeds are on many
hosts.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.config import Config, SourceConfig, load_config
from tracker.pipeline import poll_due_sources, sync_config_sources
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
from tracker.ruleset import load_ruleset
from tracker.runtime import tune_gc
from tracker.store.db import create_db_engine, ensure_schema

COMPANIES = ["Microsoft", "Mistral AI", "Anthropic", "Amazon", "Google", "Nvidia", "Cohere"]
REGULATORS = ["the CMA", "the FTC", "the European Commission", "Italy's Garante"]
TEMPLATES = [
    "{a} invested ${n} million in {b} as part of a multi-year partnership.",
    "{r} opened an inquiry into the partnership between {a} and {b}.",
    "{a} released a new model, available today to customers of {b}'s cloud.",
    "{a} reported quarterly revenue of ${n} billion, ahead of forecasts.",
    "Analysts said {a} may face more questions from {r} about its stake in {b}.",
]


def make_feed(index: int, items: int, rng: random.Random) -> bytes:
    entries = []
    for j in range(items):
        a, b = rng.sample(COMPANIES, 2)
        words = {"a": a, "b": b, "r": rng.choice(REGULATORS), "n": rng.randint(2, 900)}
        text = " ".join(rng.choice(TEMPLATES).format(**words) for _ in range(3))
        entries.append(
            f"<item><title>Story {index}-{j}: {a} and {b}</title>"
            f"<link>https://news{index}.example.com/{j}?utm_source=rss</link>"
            f"<guid>news{index}-{j}</guid><description>&lt;p&gt;{text} Ref {index}-{j}."
            f"&lt;/p&gt;</description><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {index}</title>'
        f"<link>https://news{index}.example.com/</link>{''.join(entries)}</channel></rss>"
    ).encode()


class Server:
    def __init__(self, feeds: dict[str, bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = feeds.get(self.path)
                etag = f'"{hash(body)}"'
                if body is not None and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = body or b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def setup(folder: Path, feeds: dict[str, bytes], name: str) -> tuple[object, Config, Server]:
    server = Server(feeds)
    workers = 8
    base = load_config(
        None,
        {
            "TRACKER_FEEDS_WORKERS": str(workers),
            "TRACKER_FEEDS_PER_HOST": str(workers),
            "TRACKER_FEEDS_HOST_DELAY": "0",
        },
    )
    sources = tuple(SourceConfig(path, url=server.base + path, interval=900) for path in feeds)
    config = Config(base.values, sources, folder / "config.toml", base.origins)
    engine = create_db_engine(f"sqlite:///{folder / name}")
    ensure_schema(engine)
    return engine, config, server


def throughput(folder: Path, n_feeds: int, n_items: int, rules: object) -> None:
    rng = random.Random(7)
    feeds = {f"/feed{i}.rss": make_feed(i, n_items, rng) for i in range(n_feeds)}
    engine, config, server = setup(folder, feeds, "throughput.db")
    clock = Clock()
    sync_config_sources(engine, config, clock())  # type: ignore[arg-type]
    wall, cpu = time.perf_counter(), time.process_time()
    results = poll_due_sources(engine, config=config, rules=rules, clock=clock)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    new = sum(getattr(r, "new", 0) for r in results.values())
    failed = [str(r) for r in results.values() if not hasattr(r, "new")]
    print(f"pipeline: {new} new items from {n_feeds} feeds in {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"  {new / wall:,.0f} items/s wall, {new / cpu:,.0f} items/s per CPU second")
    if failed:
        print(f"  failed: {failed[:3]}")
    server.httpd.shutdown()


def stages(folder: Path, n_items: int, rules: object) -> None:
    """The feed stages alone, one thread: parse, classify, store (no event grouping)."""
    from tracker.feeds import parse_feed
    from tracker.pipeline import analyze_item
    from tracker.store import queries

    data = make_feed(0, n_items, random.Random(3))
    now = datetime.now(UTC)
    started = time.perf_counter()
    items = parse_feed(data, url="http://127.0.0.1/f", source="bench", now=now).entries
    parsed = time.perf_counter()
    batch = [(item, analyze_item(item, rules, 0.5)) for item in items]  # type: ignore[arg-type]
    analysed = time.perf_counter()
    engine = create_db_engine(f"sqlite:///{folder / 'stages.db'}")
    ensure_schema(engine)
    with engine.begin() as conn:
        source = queries.ensure_source(
            conn, kind="feed", name="bench", location="http://127.0.0.1/f", interval=900, now=now
        )
    stored = time.perf_counter()
    with engine.begin() as conn:
        queries.store_items(conn, source, batch, now)
    stored = time.perf_counter() - stored
    n = len(items)
    parse_s, analyse_s = parsed - started, analysed - parsed
    print(
        f"stages, {n} items: parse {n / parse_s:,.0f}/s, classify+extract {n / analyse_s:,.0f}/s,"
        f" store {n / stored:,.0f}/s; together {n / (parse_s + analyse_s + stored):,.0f}/s"
    )


def idle_poll(folder: Path, n_feeds: int, rules: object) -> None:
    rng = random.Random(11)
    feeds = {f"/idle{i}.rss": make_feed(i, 5, rng) for i in range(n_feeds)}
    engine, config, server = setup(folder, feeds, "idle.db")
    clock = Clock()
    sync_config_sources(engine, config, clock())  # type: ignore[arg-type]
    poll_due_sources(engine, config=config, rules=rules, clock=clock)  # type: ignore[arg-type]
    clock.now += timedelta(hours=2)
    started = time.perf_counter()
    results = poll_due_sources(engine, config=config, rules=rules, clock=clock)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    new = sum(getattr(r, "new", 0) for r in results.values())
    print(f"idle poll: {len(results)} unchanged feeds (304) in {elapsed:.2f} s, {new} new items")
    server.httpd.shutdown()


def main() -> None:
    tune_gc()  # as tracker's command line does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=250)
    parser.add_argument("--idle-feeds", type=int, default=500)
    args = parser.parse_args()
    rules = load_ruleset(Path(DEFAULT_CLASSIFY), Path(DEFAULT_GAZETTEER))
    with tempfile.TemporaryDirectory() as tmp:
        stages(Path(tmp), args.feeds * args.items, rules)
        throughput(Path(tmp), args.feeds, args.items, rules)
        idle_poll(Path(tmp), args.idle_feeds, rules)


if __name__ == "__main__":
    main()
