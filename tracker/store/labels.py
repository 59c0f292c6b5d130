"""Reading stored items back for re-classification, and replacing what the
classifier said about them: labels, entity links, amounts and rules version.

Items are read in id order, one batch at a time (keyset paging), so memory
stays bounded whatever the size of the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from tracker.models import Analysis
from tracker.store.queries import store_analyses
from tracker.store.tables import amounts_t, item_entities_t, items_t, labels_t


def items_after(
    conn: Connection, *, after_id: int, limit: int, since: datetime | None
) -> list[dict[str, Any]]:
    """The next ``limit`` items with an id above ``after_id`` (published on or after ``since``)."""
    query = (
        select(
            items_t.c.id,
            items_t.c.title,
            items_t.c.body,
            items_t.c.has_headline,
            items_t.c.event_id,
        )
        .where(items_t.c.id > after_id)
        .order_by(items_t.c.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(items_t.c.published_at >= since)
    return [dict(row._mapping) for row in conn.execute(query)]


def reported_categories(
    conn: Connection, item_ids: Sequence[int], threshold: float
) -> dict[int, set[str]]:
    """Each item's categories at or above ``threshold``."""
    out: dict[int, set[str]] = {item_id: set() for item_id in item_ids}
    if not item_ids:
        return out
    rows = conn.execute(
        select(labels_t.c.item_id, labels_t.c.category).where(
            labels_t.c.item_id.in_(list(item_ids)), labels_t.c.score >= threshold
        )
    )
    for item_id, category in rows:
        out[item_id].add(category)
    return out


def replace_analyses(
    conn: Connection, analyses: Sequence[tuple[int, Analysis]], rules_version: str
) -> None:
    """Drop the items' old labels, entity links and amounts; store the new ones."""
    ids = [item_id for item_id, _ in analyses]
    if not ids:
        return
    for table in (labels_t, item_entities_t, amounts_t):
        conn.execute(delete(table).where(table.c.item_id.in_(ids)))
    store_analyses(conn, analyses)
    conn.execute(update(items_t).where(items_t.c.id.in_(ids)).values(rules_version=rules_version))
