"""Trend, entity and deal reports: the summary table agrees with the base
tables, SQLite agrees with PostgreSQL, and the commands print what they promise."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from test_views import corpus_engine

from tracker.cli import cli
from tracker.store import events, trend_upkeep, trends


@pytest.mark.parametrize(
    ("day", "period", "start"),
    [
        (date(2024, 2, 29), "week", date(2024, 2, 26)),
        (date(2024, 2, 26), "week", date(2024, 2, 26)),
        (date(2024, 3, 3), "week", date(2024, 2, 26)),
        (date(2024, 2, 29), "month", date(2024, 2, 1)),
        (date(2024, 2, 29), "quarter", date(2024, 1, 1)),
        (date(2024, 12, 31), "quarter", date(2024, 10, 1)),
    ],
)
def test_period_start(day: date, period: str, start: date) -> None:
    assert trends.period_start(day, period) == start


def test_periods_with_nothing_count_zero() -> None:
    rows = trends.fill_periods(
        {(date(2024, 1, 5), "investment"): 2, (date(2024, 4, 2), "investment"): 1},
        period="month",
        categories=["investment"],
        first=None,
        last=None,
    )
    assert [(r["period"].isoformat(), r["count"]) for r in rows] == [
        ("2024-01-01", 2),
        ("2024-02-01", 0),
        ("2024-03-01", 0),
        ("2024-04-01", 1),
    ]


@pytest.mark.parametrize("by", ["items", "events"])
def test_summary_counts_match_the_base_tables(db_url: str, tmp_path: Path, by: str) -> None:
    engine = corpus_engine(db_url, tmp_path / "news")
    with engine.connect() as conn:
        for jurisdiction in (None, "IT", "EU"):
            args = (conn, by, 0.5, None)
            fast = trends._daily_from_summary(*args, jurisdiction, None, None)
            slow = trends._daily_from_tables(*args, None, jurisdiction, None, None)
            assert fast == slow and fast, (by, jurisdiction)
    engine.dispose()


def test_reports_agree_on_sqlite_and_postgresql(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    since, until = datetime(2023, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    results = []
    for url in (sqlite_url, postgres_url):
        engine = corpus_engine(url, tmp_path / "news")
        with engine.connect() as conn:
            results.append(
                [
                    trends.trend_rows(conn, period=p, threshold=0.5, by=b, since=since, until=until)
                    for p in trends.PERIODS
                    for b in ("items", "events")
                ]
                + [
                    trends.trend_rows(conn, period="quarter", threshold=0.5, entity="OpenAI"),
                    trends.entity_activity(conn, period="quarter", threshold=0.5),
                    trends.deals(conn, threshold=0.5),
                ]
            )
        engine.dispose()
    assert results[0] == results[1]
    quarterly_events = results[0][5]
    assert len(quarterly_events) == 8 * 4  # eight quarters of 2023-2024, four categories
    regulatory = [r["count"] for r in quarterly_events if r["category"] == "regulatory_action"]
    assert regulatory == [1, 0, 0, 0, 2, 0, 1, 1]


def invoke(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_report_commands(sqlite_url: str, tmp_path: Path) -> None:
    corpus_engine(sqlite_url, tmp_path / "news").dispose()
    rows = json.loads(
        invoke(
            sqlite_url,
            "report",
            "trends",
            "--period",
            "quarter",
            "--by",
            "events",
            "--category",
            "regulatory_action",
            "--since",
            "2023-01-01",
            "--until",
            "2025-01-01",
            "--format",
            "json",
        )
    )
    assert rows[0] == {"period": "2023-01-01", "category": "regulatory_action", "count": 1}
    assert [r["count"] for r in rows] == [1, 0, 0, 0, 2, 0, 1, 1]
    table = invoke(sqlite_url, "report", "trends", "--period", "quarter", "--jurisdiction", "IT")
    assert table.splitlines()[0].split() == ["period", *trends.CATEGORIES]
    deals = json.loads(
        invoke(sqlite_url, "report", "deals", "--entity", "Microsoft", "--format", "json")
    )
    found = [(d["investee"], d["amount"], d["currency"]) for d in deals]
    # the two stakes, oldest first (other events may name Microsoft as investor too)
    assert [f for f in found if f[1]] == [
        ("OpenAI", 10_000_000_000, "USD"),
        ("Mistral AI", 15_000_000, "EUR"),
    ]
    active = invoke(sqlite_url, "report", "entities", "--format", "csv", "--top", "1")
    assert active.splitlines()[0] == "period,kind,name,events,roles"
    events = json.loads(invoke(sqlite_url, "events", "--entity", "Mistral AI", "--format", "json"))
    assert {
        "id",
        "title",
        "categories",
        "first_seen",
        "last_seen",
        "items",
        "participants",
        "amounts",
    } <= set(events[0])
    assert len(events) == 3  # the seeds' deal and two funding rounds
    seeds = next(e for e in events if e["item_count"] == 5)
    assert all({"id", "url"} <= set(i) for i in seeds["items"])


def test_trend_chart_is_a_png(sqlite_url: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    corpus_engine(sqlite_url, tmp_path / "news").dispose()
    chart = tmp_path / "trend.png"
    invoke(sqlite_url, "report", "trends", "--period", "quarter", "--chart", str(chart))
    data = chart.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


def _summaries(engine: Any) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    with engine.connect() as conn:
        counts = {
            tuple(str(v) for v in row) for row in conn.execute(select(trend_upkeep.counts_t)).all()
        }
        entities = {
            tuple(str(v) for v in row)
            for row in conn.execute(select(trend_upkeep.entity_counts_t)).all()
        }
    return counts, entities


def test_summaries_kept_on_ingest_equal_a_recount_from_the_base_tables(
    db_url: str, tmp_path: Path
) -> None:
    engine = corpus_engine(db_url, tmp_path / "news")
    kept = _summaries(engine)
    with engine.begin() as conn:
        days = [date(2022, 1, 1) + timedelta(days=d) for d in range(5 * 366)]
        trend_upkeep.recount_item_days(conn, days)
        trend_upkeep.recount_event_days(conn, days)
    assert kept == _summaries(engine)
    assert kept[0] and kept[1]
    with engine.begin() as conn:
        ids = list(conn.execute(select(trend_upkeep.events_t.c.id)).scalars())
        events.refresh_events(conn, ids, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert _summaries(engine) == kept
    engine.dispose()


ENTITIES = ["OpenAI", "microsoft", "Garante per la protezione dei dati personali"]


def test_entity_summary_matches_the_base_tables(db_url: str, tmp_path: Path) -> None:
    engine = corpus_engine(db_url, tmp_path / "news")
    with engine.connect() as conn:
        for by in ("items", "events"):
            for entity in ENTITIES:
                [entity_id] = trends._entity_ids(conn, entity)
                for category in (None, "regulatory_action"):
                    args = (conn, by, 0.5, category)
                    fast = trends._daily_from_entity_summary(*args, entity_id, None, None)
                    slow = trends._daily_from_tables(*args, entity, None, None, None)
                    assert fast == slow and (fast or category), (by, entity, category)
    engine.dispose()


@pytest.mark.parametrize(
    ("threshold", "answered"), [(0.5, 0.5), (0.73, 0.75), (0.72, 0.7), (0.76, 0.75)]
)
def test_thresholds_are_rounded_to_the_nearest_twentieth(threshold: float, answered: float) -> None:
    assert trends.on_grid(threshold) == answered
