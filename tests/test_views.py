"""The reporting views answer docs/sql.md's ten questions, with the same rows on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from test_events import EXPECTED, _source_file, ingest

from tracker.store.db import create_db_engine, ensure_schema

DOC = (ROOT / "docs" / "sql.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"### (\d+\. [^\n]+)\n\n```sql\n(.*?)```", DOC, re.S)
VIEWS = {
    "v_items",
    "v_item_labels",
    "v_events",
    "v_event_labels",
    "v_event_participants",
    "v_event_amounts",
    "v_event_items",
    "v_deals",
    "v_trends_weekly",
    "v_trends_monthly",
    "v_trends_quarterly",
}


def corpus_engine(url: str, folder: Path) -> Engine:
    """A database holding the seeds and the cluster articles."""
    if not folder.exists():
        folder.mkdir()
        for name in (f for e in EXPECTED for f in e["files"]):
            shutil.copy(_source_file(name), folder / Path(name).name)
    engine = create_db_engine(url)
    ensure_schema(engine)
    ingest(engine, folder)
    return engine


def normal(value: Any) -> Any:
    """One spelling per value: SQLite gives dates as text, PostgreSQL as dates."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
        return value[:19]
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return round(float(value), 4)
    return value


def run(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(normal(v) for v in row) for row in conn.execute(text(sql))]


def test_the_doc_has_ten_questions() -> None:
    assert len(QUERIES) == 10


@pytest.mark.parametrize(("question", "sql"), QUERIES, ids=[q for q, _ in QUERIES])
def test_question_has_the_same_answer_on_both_databases(
    question: str, sql: str, sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    lite = corpus_engine(sqlite_url, tmp_path / "news")
    pg = corpus_engine(postgres_url, tmp_path / "news")
    rows = run(lite, sql)
    assert rows, f"{question}: no rows"
    assert rows == run(pg, sql), question
    lite.dispose(), pg.dispose()


def test_views_exist_and_answer_the_seed_deal(sqlite_url: str, tmp_path: Path) -> None:
    engine = corpus_engine(sqlite_url, tmp_path / "news")
    with engine.connect() as conn:
        assert set(inspect(conn).get_view_names()) >= VIEWS
    deal = run(
        engine,
        "SELECT investor, investee, amount_value, amount_currency, first_day FROM v_deals "
        "WHERE investee = 'Mistral AI' AND investor = 'Microsoft'",
    )
    assert deal == [("Microsoft", "Mistral AI", 15_000_000.0, "EUR", "2024-02-27")]
    weekly = run(
        engine,
        "SELECT period, count FROM v_trends_weekly WHERE unit = 'events' AND "
        "category = 'regulatory_action' AND jurisdiction = 'IT' ORDER BY period",
    )
    assert weekly == [("2023-03-27", 1.0), ("2024-12-16", 1.0)]
    engine.dispose()
