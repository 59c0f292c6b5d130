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

    # One transaction per batch: items, their analyses, the events they join and
    # the alerts those events call for are committed together or not at all.
    # A busy or restarting database makes the whole batch run again (store.retry).
    def write(conn: Connection) -> tuple[list[int], int]:
        new_ids, duplicate = queries.store_items(conn, source_id, batch, now)
        events_store.assign_events(conn, new_ids, now=now)
        # After the new items have joined their events.
        enabled = alerting.enabled and alerts_store.source_alerts_enabled(conn, source_id)
        alerts_store.queue_alerts(conn, new_ids, rules=alerting.rules, now=now, enabled=enabled)
        return new_ids, duplicate

    new_ids, duplicate = in_transaction(engine, write)
    new = len(new_ids)
    tally.new += new
    tally.duplicate += duplicate
    log.info("stored batch new=%d duplicate=%d", new, duplicate)
