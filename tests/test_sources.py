"""Polling sources end to end against a real local HTTP server and a real
database (SQLite file and PostgreSQL): health, conditional GET, backoff,
redirects, 410, dedup across feeds, revisions, full text, leases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, SEEDS
from feedserver import FeedServer, rss, serve_feeds
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tracker.config import Config, SourceConfig, load_config
from tracker.errors import ConfigError
from tracker.pipeline import ingest_feed, poll_due_sources, sync_config_sources
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
from tracker.ruleset import Ruleset, load_ruleset
from tracker.store.db import create_db_engine, ensure_schema
from tracker.store.schema import Item, ItemRevision, ItemSighting, Source
from tracker.store.sources import claim_due, list_sources

STORY = (
    "Regulator opens inquiry into AI partnership",
    "https://news.example.com/inquiry",
    "The Competition and Markets Authority opened an inquiry into the partnership.",
)
ROUND = (
    "Startup raises $50 million",
    "https://news.example.com/round?utm_source=rss",
    "The startup raised $50 million in a Series B round.",
)


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    yield from serve_feeds()


@pytest.fixture(scope="module")
def rules() -> Ruleset:
    return load_ruleset(Path(DEFAULT_CLASSIFY), Path(DEFAULT_GAZETTEER))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def make_config(tmp_path: Path, *sources: SourceConfig, **feeds: object) -> Config:
    env = {"TRACKER_FEEDS_HOST_DELAY": "0", "TRACKER_FEEDS_TIMEOUT": "1"}
    env.update({f"TRACKER_FEEDS_{k.upper()}": str(v) for k, v in feeds.items()})
    config = load_config(None, env)
    return Config(config.values, tuple(sources), tmp_path / "config.toml", config.origins)


def poll(engine: Engine, config: Config, rules: Ruleset, clock: Clock) -> dict[str, object]:
    sync_config_sources(engine, config, clock())
    return dict(poll_due_sources(engine, config=config, rules=rules, clock=clock))


def health(engine: Engine) -> dict[str, dict[str, object]]:
    with engine.connect() as conn:
        return {row["name"]: row for row in list_sources(conn)}


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar_one())


def test_poll_conditional_get_and_failure_isolation(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    good = feed_server.add("/good.rss", rss(STORY, ROUND), etag='"v1"')
    broken = feed_server.add("/broken.rss", b"oops", status=500)
    config = make_config(
        tmp_path,
        SourceConfig("good", url=good, interval=600),
        SourceConfig("broken", url=broken, interval=600),
        SourceConfig("seeds", path=str(SEEDS)),
    )
    clock = Clock()
    results = poll(engine, config, rules, clock)
    assert results["good"].new == 2  # type: ignore[union-attr]
    assert results["seeds"].new == 5  # type: ignore[union-attr]
    assert "HTTP 500" in str(results["broken"])
    rows = health(engine)
    assert rows["good"]["last_status"] == "ok" and rows["good"]["etag"] == '"v1"'
    assert rows["good"]["next_check_at"] == FIXED_NOW + timedelta(seconds=600)
    assert rows["broken"]["error_count"] == 1 and rows["broken"]["failure_score"] == 1.0
    assert rows["broken"]["next_check_at"] == FIXED_NOW + timedelta(seconds=1200)
    assert rows["seeds"]["kind"] == "file" and rows["seeds"]["location"] == str(SEEDS.resolve())

    assert poll(engine, config, rules, clock) == {}  # nothing is due yet
    clock.advance(seconds=601)
    results = poll(engine, config, rules, clock)
    assert set(results) == {"good"}
    assert results["good"].new == 0  # type: ignore[union-attr]
    assert health(engine)["good"]["last_status"] == "not_modified"
    assert feed_server.hits("/good.rss")[-1].headers["if-none-match"] == '"v1"'
    assert count(engine, Item) == 7

    clock.advance(seconds=600)
    feed_server.add("/broken.rss", rss(STORY))  # recovers
    results = poll(engine, config, rules, clock)
    assert results["broken"].duplicate == 1  # type: ignore[union-attr]
    rows = health(engine)["broken"]
    assert (rows["error_count"], rows["failure_score"], rows["last_error"]) == (0, 0.0, None)


def test_unchanged_body_without_validators_is_not_parsed_again(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.add("/plain", rss(STORY), content_type="text/plain")
    config = make_config(tmp_path, SourceConfig("plain", url=url, interval=60))
    clock = Clock()
    assert poll(engine, config, rules, clock)["plain"].new == 1  # type: ignore[union-attr]
    clock.advance(seconds=61)
    poll(engine, config, rules, clock)
    assert health(engine)["plain"]["last_status"] == "unchanged"


@pytest.mark.parametrize(
    ("route", "score", "wait"),
    [
        ({"status": 404}, 2.0, 3600),
        ({"status": 503, "headers": {"Retry-After": "7200"}}, 1.0, 7200),
        ({"body": b"<html><body>a page</body></html>", "content_type": "text/html"}, 2.0, 3600),
    ],
    ids=["404", "503 retry-after", "not a feed"],
)
def test_failures_back_off_by_kind(
    engine: Engine,
    rules: Ruleset,
    feed_server: FeedServer,
    tmp_path: Path,
    route: dict[str, object],
    score: float,
    wait: int,
) -> None:
    url = feed_server.add("/f", **route)  # type: ignore[arg-type]
    config = make_config(tmp_path, SourceConfig("f", url=url, interval=900))
    clock = Clock()
    poll(engine, config, rules, clock)
    row = health(engine)["f"]
    assert row["failure_score"] == score and row["enabled"]
    assert row["next_check_at"] == FIXED_NOW + timedelta(seconds=wait)
    clock.now = row["next_check_at"]  # type: ignore[assignment]
    poll(engine, config, rules, clock)
    again = health(engine)["f"]
    assert again["failure_score"] == 2 * score and again["error_count"] == 2


def test_backoff_is_capped(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.add("/f", status=404)
    config = make_config(tmp_path, SourceConfig("f", url=url, interval=900), max_backoff="2h")
    clock = Clock()
    for _ in range(4):
        poll(engine, config, rules, clock)
        row = health(engine)["f"]
        clock.now = row["next_check_at"]  # type: ignore[assignment]
    assert row["failure_score"] == 8.0
    assert row["next_check_at"] - row["last_checked_at"] == timedelta(hours=2)  # type: ignore[operator]


def test_server_and_feed_can_ask_for_a_longer_interval(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    ttl = feed_server.add("/ttl", rss(STORY, extra="<ttl>120</ttl>"))
    cached = feed_server.add("/cached", rss(ROUND), headers={"Cache-Control": "max-age=10800"})
    config = make_config(
        tmp_path,
        SourceConfig("ttl", url=ttl, interval=600),
        SourceConfig("cached", url=cached, interval=600),
    )
    poll(engine, config, rules, Clock())
    rows = health(engine)
    assert rows["ttl"]["next_check_at"] == FIXED_NOW + timedelta(hours=2)
    assert rows["cached"]["next_check_at"] == FIXED_NOW + timedelta(hours=3)


def test_410_disables_and_301_moves(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    gone = feed_server.add("/gone", b"", status=410)
    new = feed_server.add("/new.rss", rss(STORY))
    old = feed_server.redirect("/old.rss", "/new.rss", 301)
    config = make_config(
        tmp_path, SourceConfig("gone", url=gone), SourceConfig("moved", url=old, interval=60)
    )
    clock = Clock()
    poll(engine, config, rules, clock)
    rows = health(engine)
    assert not rows["gone"]["enabled"] and "410" in str(rows["gone"]["disabled_reason"])
    assert rows["moved"]["location"] == new
    clock.advance(days=3)
    with engine.connect() as conn:
        assert {r.name for r in claim_due(conn, now=clock(), lease=timedelta(minutes=5))} == {
            "moved"
        }


def test_same_article_in_two_feeds_is_one_item_with_two_sightings(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    first = feed_server.add("/a.rss", rss(STORY, ROUND))
    other_wording = (STORY[0], STORY[1] + "?utm_medium=social#top", "A shorter version.")
    same_text = ("Copied", "https://mirror.example.org/copy", ROUND[2])
    second = feed_server.add("/b.rss", rss(other_wording, (ROUND[0], same_text[1], ROUND[2])))
    config = make_config(tmp_path, SourceConfig("a", url=first), SourceConfig("b", url=second))
    results = poll(engine, config, rules, Clock())  # the two are polled at once
    assert sum(r.new for r in results.values()) == 2  # type: ignore[attr-defined]
    assert sum(r.duplicate for r in results.values()) == 2  # type: ignore[attr-defined]
    assert count(engine, Item) == 2 and count(engine, ItemSighting) == 4
    assert count(engine, ItemRevision) == 0
    with engine.connect() as conn:
        urls = set(conn.execute(select(ItemSighting.__table__.c.url)).scalars())
    assert "https://mirror.example.org/copy" in urls
    assert "https://news.example.com/round" in urls


def test_changed_entry_is_revised_not_duplicated(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.add("/f.rss", rss(STORY))
    config = make_config(tmp_path, SourceConfig("f", url=url, interval=60))
    clock = Clock()
    poll(engine, config, rules, clock)
    corrected = (STORY[0] + " (updated)", STORY[1], STORY[2] + " It has 30 days to reply.")
    feed_server.add("/f.rss", rss(corrected))
    clock.advance(seconds=61)
    results = poll(engine, config, rules, clock)
    assert results["f"].new == 0  # type: ignore[union-attr]
    with engine.connect() as conn:
        items = conn.execute(select(Item.__table__.c.title)).scalars().all()
        revisions = conn.execute(select(ItemRevision.__table__.c.previous_title)).scalars().all()
    assert items == [corrected[0]] and revisions == [STORY[0]]


def test_full_text_fetches_teasers_and_falls_back_to_the_summary(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    article = "The authority said the partnership may harm competition. " * 40
    page = f"<html><nav>Menu Home</nav><article><p>{article}</p></article></html>"
    feed_server.add("/articles/1.html", page, content_type="text/html; charset=utf-8")
    feed = rss(
        ("Probe opened", feed_server.url("/articles/1.html"), "Short teaser."),
        ("Page missing", feed_server.url("/articles/404.html"), "Only the teaser."),
    )
    url = feed_server.add("/teasers.rss", feed)
    config = make_config(tmp_path, SourceConfig("t", url=url, interval=60, full_text=True))
    clock = Clock()
    assert poll(engine, config, rules, clock)["t"].new == 2  # type: ignore[union-attr]
    with engine.connect() as conn:
        bodies = dict(conn.execute(select(Item.__table__.c.title, Item.__table__.c.body)).all())
    assert "harm competition" in bodies["Probe opened"] and "Menu" not in bodies["Probe opened"]
    assert bodies["Page missing"] == "Only the teaser."
    clock.advance(seconds=61)
    feed_server.add("/teasers.rss", feed + " ")  # a new body, the same entries
    assert poll(engine, config, rules, clock)["t"].duplicate == 2  # type: ignore[union-attr]
    assert len(feed_server.hits("/articles/1.html")) == 1
    assert count(engine, ItemRevision) == 0


def test_ingest_feed_once_and_redacts_credentials(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.add("/f.rss", rss(STORY), etag='"x"')
    secret = url.replace("http://", "http://me:pw@")
    config = make_config(tmp_path)
    assert ingest_feed(engine, secret, config=config, rules=rules, clock=Clock()).new == 1
    report = ingest_feed(engine, secret, config=config, rules=rules, clock=Clock())
    assert report.duplicate == 1  # fetched again in full: no conditional headers
    assert "if-none-match" not in feed_server.hits("/f.rss")[-1].headers
    (row,) = health(engine).values()
    assert row["name"] == secret.replace(":pw@", ":***@") and row["location"] == secret


def test_sync_rejects_non_http_feed_urls(engine: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, SourceConfig("x", url="file:///etc/passwd"))
    with pytest.raises(ConfigError, match="not an http"):
        sync_config_sources(engine, config, FIXED_NOW)


def test_sync_updates_interval_and_keeps_state(engine: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, SourceConfig("f", url="https://x.example/f", interval=60))
    sync_config_sources(engine, config, FIXED_NOW)
    config = make_config(tmp_path, SourceConfig("f", url="https://x.example/f", interval=120))
    sync_config_sources(engine, config, FIXED_NOW)
    rows = health(engine)
    assert list(rows) == ["f"] and rows["f"]["interval_seconds"] == 120


def test_a_stop_request_polls_nothing_more_and_gives_sources_back(
    engine: Engine, rules: Ruleset, feed_server: FeedServer, tmp_path: Path
) -> None:
    class Stopped:
        def is_set(self) -> bool:
            return True

    url = feed_server.add("/f.rss", rss(STORY))
    config = make_config(tmp_path, SourceConfig("f", url=url))
    sync_config_sources(engine, config, FIXED_NOW)
    clock = Clock()
    assert poll_due_sources(engine, config=config, rules=rules, clock=clock, stop=Stopped()) == {}
    due_at = health(engine)["f"]["next_check_at"]
    assert due_at is None or due_at <= FIXED_NOW  # still due: nothing kept leased
    assert feed_server.hits("/f.rss") == []


def test_claims_take_a_lease_and_skip_locked_rows(engine: Engine, tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        SourceConfig("a", url="https://a.example/f"),
        SourceConfig("b", url="https://b.example/f"),
    )
    sync_config_sources(engine, config, FIXED_NOW)
    lease = timedelta(minutes=15)
    if engine.dialect.name == "postgresql":
        with engine.connect() as first, engine.connect() as second:
            tx = first.begin()
            claimed = claim_due(first, now=FIXED_NOW, lease=lease, limit=1)
            # The first claim is not committed yet: its row is locked and skipped.
            with second.begin():
                others = claim_due(second, now=FIXED_NOW, lease=lease)
            tx.commit()
        assert len(claimed) == 1 and len(others) == 1
        assert claimed[0].name != others[0].name
    else:
        with engine.begin() as conn:
            assert len(claim_due(conn, now=FIXED_NOW, lease=lease)) == 2
    with engine.begin() as conn:
        assert claim_due(conn, now=FIXED_NOW + timedelta(minutes=14), lease=lease) == []
        due_again = claim_due(conn, now=FIXED_NOW + lease, lease=lease)
        assert len(due_again) == 2
        conn.execute(text("SELECT 1"))
    with engine.connect() as conn:
        names = conn.execute(select(Source.__table__.c.name)).scalars().all()
    assert sorted(names) == ["a", "b"]
