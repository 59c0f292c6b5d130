"""Re-running the current rules over stored items."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.classify import analyze
from tracker.config import Config
from tracker.models import Analysis
from tracker.pipeline.batch import Clock, Progress
from tracker.ruleset import Ruleset
from tracker.store.db import describe_failure

log = logging.getLogger(__name__)


@dataclass
class ReclassifyReport:
    """What ``reclassify`` changed: per category, how many items gained or lost the label."""

    items: int = 0
    changed: int = 0
    gained: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)


def reclassify(
    engine: Engine,
    *,
    rules: Ruleset,
    config: Config,
    since: datetime | None = None,
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> ReclassifyReport:
    """Re-run the current rules over stored items, one transaction per batch.

    for each batch of items (id order):   store.labels.items_after      (SQL)
                                          classify.analyze              (pure)
        in one transaction:               store.labels.replace_analyses (SQL)
                                          store.events.refresh_events   (SQL)
                                          store.trend_upkeep.recount_items  (SQL, items in no event)
    """
    from tracker.models import CATEGORIES
    from tracker.store import events, labels, trend_upkeep

    threshold = config["classify.threshold"]
    size = config["ingest.batch_size"]
    report = ReclassifyReport(
        gained=dict.fromkeys(CATEGORIES, 0), lost=dict.fromkeys(CATEGORIES, 0)
    )
    after_id = 0
    try:
        while True:
            with engine.begin() as conn:
                rows = labels.items_after(conn, after_id=after_id, limit=size, since=since)
                if not rows:
                    break
                ids = [row["id"] for row in rows]
                before = labels.reported_categories(conn, ids, threshold)
                analyses = [(row["id"], _reanalyze(row, rules, threshold)) for row in rows]
                labels.replace_analyses(conn, analyses, rules.version)
                touched = set()
                for row, (item_id, analysis) in zip(rows, analyses, strict=True):
                    now_reported = {lab.category for lab in analysis.reported(threshold)}
                    for category in now_reported - before[item_id]:
                        report.gained[category] += 1
                    for category in before[item_id] - now_reported:
                        report.lost[category] += 1
                    if now_reported != before[item_id]:
                        report.changed += 1
                    if row["event_id"] is not None:
                        touched.add(row["event_id"])
                if touched:
                    events.refresh_events(conn, touched, now=(clock or _utcnow)())
                # Items in no event: their days' trend counts are rebuilt here.
                loose = [row["id"] for row in rows if row["event_id"] is None]
                if loose:
                    trend_upkeep.recount_items(conn, loose)
            report.items += len(rows)
            after_id = ids[-1]
            if progress:
                progress(len(rows))
            log.info("reclassified batch items=%d changed=%d", len(rows), report.changed)
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    return report


def _reanalyze(row: dict[str, object], rules: Ruleset, threshold: float) -> Analysis:
    title = str(row["title"]) if row["has_headline"] else ""
    return analyze(title, str(row["body"]), rules, threshold)


def _utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
