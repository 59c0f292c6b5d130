"""Core handles on the schema's tables, for the SQL in ``tracker.store``."""

from __future__ import annotations

from sqlalchemy import Table

from tracker.store import schema

sources_t: Table = schema.Source.__table__  # type: ignore[assignment]
events_t: Table = schema.Event.__table__  # type: ignore[assignment]
items_t: Table = schema.Item.__table__  # type: ignore[assignment]
sightings_t: Table = schema.ItemSighting.__table__  # type: ignore[assignment]
revisions_t: Table = schema.ItemRevision.__table__  # type: ignore[assignment]
labels_t: Table = schema.ItemLabel.__table__  # type: ignore[assignment]
entities_t: Table = schema.Entity.__table__  # type: ignore[assignment]
item_entities_t: Table = schema.ItemEntity.__table__  # type: ignore[assignment]
amounts_t: Table = schema.Amount.__table__  # type: ignore[assignment]
alerts_t: Table = schema.Alert.__table__  # type: ignore[assignment]
event_labels_t: Table = schema.EventLabel.__table__  # type: ignore[assignment]
event_participants_t: Table = schema.EventParticipant.__table__  # type: ignore[assignment]
event_amounts_t: Table = schema.EventAmount.__table__  # type: ignore[assignment]
jobs_t: Table = schema.JobRun.__table__  # type: ignore[assignment]
counts_t: Table = schema.TrendCount.__table__  # type: ignore[assignment]
entity_counts_t: Table = schema.EntityTrendCount.__table__  # type: ignore[assignment]
