"""feedparser's own test suite of ~2,100 odd feeds (well-formed, ill-formed,
every encoding, entity tricks): tracker survives every one. Each is parsed
and classified; one in five is also served over HTTP and polled through the
whole pipeline into SQLite. A feed may be refused (ParseError); nothing may
raise anything else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_NOW, ROOT
from feedserver import FeedServer, serve_feeds

from tracker.config import Config, SourceConfig, load_config
from tracker.errors import ParseError, TrackerError
from tracker.feeds import parse_feed
from tracker.models import IngestReport
from tracker.pipeline import analyze_item, poll_due_sources, sync_config_sources
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
from tracker.ruleset import load_ruleset
from tracker.store.db import create_db_engine, ensure_schema

SUITE = ROOT.parent / "shared" / "fixtures" / "feedparser-suite"
FILES = sorted(SUITE.rglob("*.xml")) if SUITE.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f"{SUITE} is not there")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    yield from serve_feeds()


def test_every_suite_feed_parses_or_is_refused() -> None:
    rules = load_ruleset(Path(DEFAULT_CLASSIFY), Path(DEFAULT_GAZETTEER))
    parsed = refused = entries = 0
    for path in FILES:
        try:
            feed = parse_feed(
                path.read_bytes(), url=f"http://suite.test/{path.name}", source="s", now=FIXED_NOW
            )
        except ParseError:
            refused += 1
            continue
        parsed += 1
        for item in feed.entries:
            assert item.url and item.content_hash and item.published_at.tzinfo
            analyze_item(item, rules, 0.5)
            entries += 1
    assert len(FILES) > 2000
    assert parsed > 0.95 * len(FILES) and entries > 400, (parsed, refused, entries)


def test_a_sample_of_the_suite_through_the_whole_pipeline(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    sample = FILES[::5]
    sources = []
    for i, path in enumerate(sample):
        url = feed_server.add(f"/{i}/{path.name}", path.read_bytes(), content_type=None)
        sources.append(SourceConfig(f"{i}-{path.name}", url=url))
    base = load_config(None, {"TRACKER_FEEDS_HOST_DELAY": "0", "TRACKER_FEEDS_PER_HOST": "8"})
    config = Config(base.values, tuple(sources), tmp_path / "config.toml", base.origins)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'suite.db'}")
    ensure_schema(engine)
    rules = load_ruleset(Path(DEFAULT_CLASSIFY), Path(DEFAULT_GAZETTEER))
    sync_config_sources(engine, config, FIXED_NOW)
    results = poll_due_sources(engine, config=config, rules=rules, clock=lambda: FIXED_NOW)
    engine.dispose()
    assert len(results) == len(sample)
    assert all(isinstance(r, IngestReport | TrackerError) for r in results.values())
    reports = [r for r in results.values() if isinstance(r, IngestReport)]
    assert len(reports) > 0.9 * len(sample) and sum(r.new for r in reports) > 20
