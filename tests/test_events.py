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
from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from tracker import cluster
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


def test_revision_0005_packs_sketches_and_fills_the_new_keys(db_url: str) -> None:
    from alembic import command

    from tracker.store.db import _alembic_config, upgrade

    engine = create_db_engine(db_url)
    sketch = cluster.sketch(["garante", "chatgpt", "openai", "privacy"])
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        for sql in OLD_ROWS:
            conn.execute(text(sql), {"sketch": cluster.sketch_to_bytes(sketch).hex()})
    upgrade(engine)
    with engine.connect() as conn:
        signature = conn.execute(select(events_store.events_t.c.signature)).scalar_one()
        parties = conn.execute(text("SELECT last_seen, updated_at FROM event_participants")).all()
        counts = conn.execute(
            text("SELECT unit, entity_id, category, band, count FROM entity_trend_counts")
        ).all()
    engine.dispose()
    assert cluster.sketch_from_bytes(signature) == sketch
    assert len(parties) == 1 and all(parties[0])
    assert sorted(tuple(r) for r in counts) == [
        ("events", 1, "regulatory_action", 18, 1),
        ("items", 1, "regulatory_action", 18, 1),
    ]


OLD_ROWS = [
    "INSERT INTO sources (id, kind, name, location, interval_seconds, enabled, error_count, "
    "created_at) VALUES (1, 'file', 'news', '/news', 900, true, 0, '2024-01-02 00:00:00')",
    "INSERT INTO entities (id, kind, name, aliases) VALUES (1, 'organization', 'OpenAI', '[]')",
    "INSERT INTO events (id, title, categories, participants, first_seen, last_seen, "
    "item_count, created_at, updated_at, sketch, dated) VALUES (1, 'Probe', '[]', '[]', "
    "'2024-01-01 10:00:00', '2024-01-01 10:00:00', 1, '2024-01-02 00:00:00', "
    "'2024-01-02 00:00:00', :sketch, true)",
    "INSERT INTO items (id, source_id, url, title, body, has_headline, published_at, "
    "date_source, fetched_at, content_hash, event_id, rules_version) VALUES (1, 1, 'u', 't', "
    "'b', true, '2024-01-01 10:00:00', 'header', '2024-01-02 00:00:00', 'h', 1, 'r')",
    "INSERT INTO item_labels (item_id, category, score, evidence, rules_version) "
    "VALUES (1, 'regulatory_action', 0.9, 'e', 'r')",
    "INSERT INTO item_entities (item_id, entity_id, role, mention) "
    "VALUES (1, 1, 'target', 'OpenAI')",
    "INSERT INTO event_labels (event_id, category, score, evidence, item_id) "
    "VALUES (1, 'regulatory_action', 0.9, 'e', 1)",
    "INSERT INTO event_participants (event_id, entity_id, role) VALUES (1, 1, 'target')",
]
