"""After `tracker reclassify`, trend reports count the new labels, for items in
events and for items in none."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import tracker
from sqlalchemy import create_engine, text

from tracker.store import trend_upkeep

NOT_NEWS = (
    "Quarterly results beat forecasts\n\n"
    "Shares of the chip designer rose 4% on Thursday after quarterly revenue beat forecasts, "
    "the company said in a statement dated 12 March 2024.\n"
)


def _trend(work: Path, db_url: str) -> int:
    out = tracker(
        "report",
        "trends",
        "--category",
        "regulatory_action",
        "--since",
        "2024-01-01",
        "--until",
        "2024-06-01",
        "--format",
        "json",
        cwd=work,
        db=db_url,
    )
    assert out.returncode == 0, out.stderr
    return sum(row["count"] for row in json.loads(out.stdout))


def test_reclassify_recounts_the_days_of_items_in_no_event(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "results.txt").write_text(NOT_NEWS, encoding="utf-8")
    assert tracker("ingest", "results.txt", cwd=tmp_path, db=db_url).returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        item_id, event_id = conn.execute(text("SELECT id, event_id FROM items")).one()
        assert event_id is None  # none of the four: no event
        # As an older, looser rules version would have left it: labelled regulatory.
        conn.execute(text("DELETE FROM item_labels WHERE category = 'regulatory_action'"))
        conn.execute(
            text(
                "INSERT INTO item_labels (item_id, category, score, evidence, rules_version) "
                "VALUES (:id, 'regulatory_action', 0.9, 'x', 'old')"
            ),
            {"id": item_id},
        )
        trend_upkeep.recount_items(conn, [item_id])
    engine.dispose()
    assert _trend(tmp_path, db_url) == 1
    out = tracker("reclassify", cwd=tmp_path, db=db_url)
    assert out.returncode == 0, out.stderr
    assert _trend(tmp_path, db_url) == 0
