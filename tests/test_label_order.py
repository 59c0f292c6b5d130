"""Labels of equal score come out in the taxonomy's order on both databases,
as `tracker classify` gives them, whatever order the rows were written in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, insert, select
from test_views import corpus_engine

from tracker.models import CATEGORIES
from tracker.store import queries
from tracker.store.tables import labels_t


def test_tied_labels_list_in_the_taxonomy_order(db_url: str, tmp_path: Path) -> None:
    engine = corpus_engine(db_url, tmp_path / "news")
    with engine.begin() as conn:
        item_id = conn.execute(select(labels_t.c.item_id).limit(1)).scalar_one()
        conn.execute(delete(labels_t).where(labels_t.c.item_id == item_id))
        for category in reversed(CATEGORIES):  # written last first
            conn.execute(
                insert(labels_t).values(
                    item_id=item_id,
                    category=category,
                    score=0.9,
                    evidence=f"{category} evidence",
                    rules_version="test",
                )
            )
    with engine.connect() as conn:
        rows = queries.list_items(conn, threshold=0.5)
    engine.dispose()
    (item,) = [row for row in rows if row["id"] == item_id]
    assert [label["category"] for label in item["labels"]] == list(CATEGORIES)
