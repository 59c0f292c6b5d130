"""One batch of analysed items into the database: items, the events they
join and the alerts those events call for, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from tracker.alerts import AlertRules
from tracker.classify import analyze
from tracker.models import Analysis, IngestReport, Item
from tracker.ruleset import Ruleset
from tracker.store import alerts as alerts_store
from tracker.store import events as events_store
from tracker.store import queries
from tracker.store.event_features import item_sketch
from tracker.store.retry import in_transaction

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Progress = Callable[[int], None]


@dataclass
class Tally:
    """What an ingest has done so far, turned into its report at the end."""

    new: int = 0
    duplicate: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> IngestReport:
        return IngestReport(self.new, self.duplicate, len(self.skipped), tuple(self.skipped))


def analyze_item(item: Item, rules: Ruleset, threshold: float) -> Analysis:
    return analyze(item.headline, item.body, rules, threshold)


@dataclass(frozen=True, slots=True)
class Alerting:
    """The alert rules, and whether this run queues alerts (off for --no-alerts)."""

    rules: AlertRules
    enabled: bool = True


def commit_batch(
    engine: Engine,
    source_id: int,
    batch: list[tuple[Item, Analysis]],
    now: datetime,
    tally: Tally,
    alerting: Alerting,
) -> None:
    if not batch:
        return

    # What grouping compares of each item's words, made before the transaction:
    # other daemons' batches are not kept waiting for it.
    sketches = {item.content_hash: item_sketch(item.title, item.body) for item, _ in batch}

    # One transaction per batch: items, their analyses, the events they join and
    # the alerts those events call for are committed together or not at all.
    # A busy or restarting database makes the whole batch run again (store.retry).
    def write(conn: Connection) -> tuple[list[int], int]:
        # read before grouping, which other daemons wait for on PostgreSQL
        enabled = alerting.enabled and alerts_store.source_alerts_enabled(conn, source_id)
        stored = queries.store_batch(conn, source_id, batch, now)
        new_ids = stored.new_ids
        changes = events_store.assign_stored(conn, stored.new, now=now, sketches=sketches)
        # After the new items have joined their events.
        alerts_store.queue_alerts(
            conn, new_ids, rules=alerting.rules, now=now, enabled=enabled, changes=changes
        )
        return new_ids, stored.duplicate

    new_ids, duplicate = in_transaction(engine, write)
    new = len(new_ids)
    tally.new += new
    tally.duplicate += duplicate
    log.info("stored batch new=%d duplicate=%d", new, duplicate)
