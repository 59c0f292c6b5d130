"""Reports grouped into events in a real database (SQLite and PostgreSQL): the
seeds and tests/data/clusters must form the events tests/data/clusters/expected.toml
lists, whether ingested at once or one file at a time in another order."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import DATA, FIXED_NOW, SEEDS
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from tracker.config import load_config
from tracker.pipeline import ingest_path
from tracker.ruleset import load_ruleset
from tracker.store import events as events_store
from tracker.store.db import create_db_engine, ensure_schema

CLUSTERS = DATA / "clusters"
EXPECTED = tomllib.loads((CLUSTERS / "expected.toml").read_text(encoding="utf-8"))["event"]


def _source_file(name: str) -> Path:
    return SEEDS.parent / name if name.startswith("seeds/") else CLUSTERS / "articles" / name


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def ingest(engine: Engine, root: Path, name: str = "news") -> None:
    ingest_path(
        engine,
        root,
        name=name,
        config=load_config(environ={}),
        rules=load_ruleset(),
        clock=lambda: FIXED_NOW,
    )


def _file_name(url: str) -> str:
    """The expected.toml name of a stored item: seeds by file, articles by URL header."""
    if (SEEDS / Path(url).name).exists():
        return f"seeds/{Path(url).name}"
    for path in (CLUSTERS / "articles").glob("*.txt"):
        if f"URL: {url}\n" in path.read_text(encoding="utf-8"):
            return path.name
    raise AssertionError(f"no article has the URL {url}")


def partition(engine: Engine) -> set[frozenset[str]]:
    """The events as sets of file names (an item in no event is alone)."""
    groups: dict[int, set[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(events_store.items_t.c.url, events_store.items_t.c.event_id))
        for url, event_id in rows:
            key = event_id if event_id is not None else -len(groups) - 1
            groups.setdefault(key, set()).add(_file_name(url))
    return {frozenset(g) for g in groups.values()}


def expected_partition() -> set[frozenset[str]]:
    return {frozenset(e["files"]) for e in EXPECTED}


def test_expected_file_lists_every_article_once() -> None:
    listed = [f for e in EXPECTED for f in e["files"]]
    on_disk = {p.name for p in (CLUSTERS / "articles").glob("*.txt")}
    on_disk |= {f"seeds/{p.name}" for p in SEEDS.glob("*.txt")}
    assert sorted(listed) == sorted(on_disk)


def test_articles_ingested_together_form_the_expected_events(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name in (f for e in EXPECTED for f in e["files"]):
        shutil.copy(_source_file(name), folder / Path(name).name)
    ingest(engine, folder)
    assert partition(engine) == expected_partition()


def test_one_file_at_a_time_in_reverse_order_gives_the_same_events(
    engine: Engine, tmp_path: Path
) -> None:
    names = sorted((f for e in EXPECTED for f in e["files"]), reverse=True)
    for i, name in enumerate(names):
        target = tmp_path / Path(name).name
        shutil.copy(_source_file(name), target)
        ingest(engine, target, name=f"file{i}")
    assert partition(engine) == expected_partition()


def test_seeds_are_one_event_with_four_categories_and_the_euro_amount(
    engine: Engine, tmp_path: Path
) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    ingest(engine, tmp_path / "seeds")
    with engine.connect() as conn:
        [event] = events_store.list_events(conn, threshold=0.5)
    assert event["item_count"] == 5 and len(event["items"]) == 5
    assert {c["category"] for c in event["categories"]} == {
        "investment",
        "partnership",
        "model_release",
        "regulatory_action",
    }
    assert all(c["evidence"] for c in event["categories"])
    assert (event["amount_value"], event["amount_currency"]) == (15_000_000, "EUR")
    # the dollar figure is the bracketed conversion of the euro one, not a second sum
    assert all(a["currency"] != "USD" or a["value"] != 16_000_000 for a in event["amounts"])
    names = {p["name"] for p in event["participants"]}
    assert {"Microsoft", "Mistral AI"} <= names
    # the one dated report sets the event's dates; file times do not
    assert event["first_seen"].date().isoformat() == "2024-02-27"
    assert event["last_seen"] == event["first_seen"]
    assert event["jurisdiction"] == "EU"


def test_assign_reports_created_and_joined_events_and_refresh_is_stable(
    engine: Engine, tmp_path: Path
) -> None:
    articles = CLUSTERS / "articles"
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    shutil.copy(articles / "garante_probe_wire.txt", first)
    shutil.copy(articles / "garante_probe_daily.txt", second)
    ingest(engine, first, "a")
    with engine.begin() as conn:
        # the second outlet's item, stored but not yet assigned
        conn.execute(update(events_store.items_t).values(event_id=None))
        conn.execute(events_store.events_t.delete())
        ids = list(conn.execute(select(events_store.items_t.c.id)).scalars())
        created = events_store.assign_events(conn, ids, now=FIXED_NOW)
    assert [(c.created, c.item_ids) for c in created] == [(True, tuple(ids))]
    ingest(engine, second, "b")
    with engine.begin() as conn:
        before = events_store.list_events(conn, threshold=0.0)
        events_store.refresh_events(
            conn, [e["id"] for e in before], now=FIXED_NOW + timedelta(hours=1)
        )
        after = events_store.list_events(conn, threshold=0.0)
    assert len(before) == 1 and before[0]["item_count"] == 2
    assert before == after
