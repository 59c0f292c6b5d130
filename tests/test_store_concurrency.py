"""Batches written at the same moment by several writers on one PostgreSQL
database (threads here, each with its own connection and transaction, started
together by a barrier): the same article is stored once, and reports of one
happening form one event, as if they had been written one after the other.

Items are stored under per-key advisory locks (their words, URL, GUID) and
only grouping them into events takes the one lock all writers share
(``store.queries.store_batch``, ``store.events.lock_grouping``). Each test
fails when its lock is taken out. Grouping depends on the order reports come
in (a report may join an event only once others have widened its words), so
the reports of one happening here are copies, which join in any order."""

from __future__ import annotations

import hashlib
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA, FIXED_NOW, SEEDS
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tracker.alerts import AlertRules
from tracker.config import load_config
from tracker.fetch import read_file
from tracker.models import Analysis, Item
from tracker.parse import parse_document
from tracker.pipeline.batch import Alerting, Tally, analyze_item, commit_batch
from tracker.ruleset import load_ruleset
from tracker.store import queries
from tracker.store.db import create_db_engine, ensure_schema

CLUSTERS = DATA / "clusters"
EXPECTED = tomllib.loads((CLUSTERS / "expected.toml").read_text(encoding="utf-8"))["event"]
ROUNDS = 3


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def _path(name: str) -> Path:
    return SEEDS.parent / name if name.startswith("seeds/") else CLUSTERS / "articles" / name


def _analysed(path: Path) -> tuple[Item, Analysis]:
    item = parse_document(read_file(path, "desk", 10_000_000), FIXED_NOW)
    return item, analyze_item(item, load_ruleset(), 0.5)


def _sources(engine: Engine, count: int) -> list[int]:
    with engine.begin() as conn:
        return [
            queries.ensure_source(
                conn,
                kind="file",
                name=f"desk{n}",
                location=f"/desk{n}",
                interval=900,
                now=FIXED_NOW,
            )
            for n in range(count)
        ]


def _together(engine: Engine, batches: list[list[tuple[Item, Analysis]]]) -> None:
    """Each batch committed by its own thread, all released at once."""
    sources = _sources(engine, len(batches))
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []
    alerting = Alerting(AlertRules.from_config(load_config(environ={})))

    def write(source_id: int, batch: list[tuple[Item, Analysis]]) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait(timeout=30)
                commit_batch(engine, source_id, batch, FIXED_NOW, Tally(), alerting)
            except BaseException as exc:  # reported by the test
                errors.append(exc)

        return run

    threads = [threading.Thread(target=write(s, b)) for s, b in zip(sources, batches, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _reworded(item: Item, analysis: Analysis, n: int) -> tuple[Item, Analysis]:
    """The same article (same URL) as another outlet's copy words it: new text."""
    body = f"{item.body}\n\nUpdated {n}."
    digest = hashlib.sha256(f"{item.title}\n{body}".encode()).hexdigest()
    return replace(item, body=body, content_hash=digest), analysis


def test_one_article_written_by_many_at_once_is_stored_once(engine: Engine) -> None:
    articles = [_analysed(p) for p in sorted((CLUSTERS / "articles").glob("*.txt"))[:6]]
    writers = 4
    for round_ in range(ROUNDS):
        # every writer carries the same URLs, each with its own wording: only
        # the URL says they are one article, and no unique index holds URLs
        batches = [
            [_reworded(item, analysis, round_ * writers + w) for item, analysis in articles]
            for w in range(writers)
        ]
        _together(engine, batches)
    with engine.connect() as conn:
        per_url = conn.execute(text("SELECT url, count(*) FROM items GROUP BY url")).all()
        sightings = conn.execute(text("SELECT count(*) FROM item_sightings")).scalar_one()
    assert len(per_url) == len(articles)
    assert all(count == 1 for _, count in per_url), per_url
    # each writer (the same sources every round) saw each article
    assert sightings == len(articles) * writers


def test_reports_of_one_happening_written_at_once_form_one_event(engine: Engine) -> None:
    """Six outlets' copies of each of three stories (each copy under its own
    URL, nearly the same words: copies join whatever the order), eighteen
    writers at once: three events of six reports each, as written one by one."""
    stories = [_analysed(_path(event["files"][0])) for event in EXPECTED[:3]]
    copies = 6
    batches = []
    for item, analysis in stories:
        for n in range(copies):
            reworded, _ = _reworded(item, analysis, n)
            batches.append([(replace(reworded, url=f"{item.url}?outlet={n}"), analysis)])
    _together(engine, batches)
    with engine.connect() as conn:
        per_event = conn.execute(
            text("SELECT event_id, count(*) FROM items GROUP BY event_id")
        ).all()
        events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    assert sorted(count for _, count in per_event) == [copies] * len(stories), per_event
    assert all(event_id is not None for event_id, _ in per_event)
    assert events == len(stories)
