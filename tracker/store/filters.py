"""WHERE clauses shared by the event listings and the reports."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from tracker.store.tables import entities_t, event_labels_t, events_t


def event_has_label(category: str, threshold: float) -> ColumnElement[bool]:
    """The event carries ``category`` at or above ``threshold``."""
    return (
        select(event_labels_t.c.id)
        .where(
            event_labels_t.c.event_id == events_t.c.id,
            event_labels_t.c.category == category,
            event_labels_t.c.score >= threshold,
        )
        .exists()
    )


def entity_named(name: str) -> ColumnElement[bool]:
    """The entity is called ``name``, whatever the case; the name is matched as
    written, never as a pattern."""
    return or_(entities_t.c.name == name, func.lower(entities_t.c.name) == name.lower())
