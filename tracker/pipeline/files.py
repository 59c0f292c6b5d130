"""Files and folders: walk, read, parse, analyse, and store in batches."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.alerts import AlertRules
from tracker.config import Config
from tracker.errors import SourceError
from tracker.fetch import iter_files, read_file
from tracker.models import Analysis, IngestReport, Item
from tracker.parse import parse_document
from tracker.pipeline.batch import Alerting, Clock, Progress, Tally, analyze_item, commit_batch
from tracker.ruleset import Ruleset
from tracker.store import queries
from tracker.store.db import describe_failure

log = logging.getLogger(__name__)


def _documents(
    root: Path, source: str, max_bytes: int, now: datetime
) -> Iterator[Item | SourceError]:
    for entry in iter_files(root):
        if isinstance(entry, SourceError):
            yield entry
            continue
        try:
            yield parse_document(read_file(entry, source, max_bytes), now)
        except SourceError as exc:
            yield exc


def ingest_path(
    engine: Engine,
    root: Path,
    *,
    name: str,
    config: Config,
    rules: Ruleset,
    clock: Clock,
    progress: Progress | None = None,
    alerts: bool = True,
) -> IngestReport:
    """Ingest a file or a folder (recursively) as one source.

    ``alerts=False`` (``ingest --no-alerts``) stores the events it finds as
    already known, so importing an archive does not flood the inbox.
    """
    now = clock()
    tally = Tally()
    alerting = Alerting(AlertRules.from_config(config), alerts)
    location = str(root.resolve())
    interval = config["ingest.default_interval"]
    try:
        with engine.begin() as conn:
            source_id = queries.ensure_source(
                conn, kind="file", name=name, location=location, interval=interval, now=now
            )
        batch: list[tuple[Item, Analysis]] = []
        threshold = config["classify.threshold"]
        max_bytes = config["ingest.max_file_mb"] * 1_000_000
        for doc in _documents(root, name, max_bytes, now):
            if progress:
                progress(1)
            if isinstance(doc, SourceError):
                log.info("source=%s skipped: %s", name, doc)
                tally.skipped.append((doc.source, doc.reason))
                continue
            item = replace(doc, source=name) if doc.source != name else doc
            batch.append((item, analyze_item(item, rules, threshold)))
            if len(batch) >= config["ingest.batch_size"]:
                commit_batch(engine, source_id, batch, clock(), tally, alerting)
                batch = []
        commit_batch(engine, source_id, batch, clock(), tally, alerting)
        with engine.begin() as conn:
            queries.record_check(
                conn,
                source_id,
                now=now,
                next_check=now + timedelta(seconds=interval),
                error=_missing_root(root),
            )
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    return tally.report()


def _missing_root(root: Path) -> str | None:
    if not root.exists():
        return f"{root}: no such file or folder"
    return None
