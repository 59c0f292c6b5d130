"""The one orchestrator: it calls, it never decides.

    for each source:            fetch.iter_files / fetch.read_file   (I/O in)
        for each document:      parse.parse_document                 (pure)
                                classify.analyze                     (pure)
        per batch:              store.queries.store_items            (SQL, one transaction)
                                store.events.assign_events           (cluster.decide, pure)
        source health:          store.queries.record_check           (SQL)

The CLI's ``ingest`` and ``run --once`` and the daemon all call these functions.
A failing document or source is recorded and skipped; the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.classify import analyze
from tracker.config import Config, SourceConfig
from tracker.errors import SourceError, TrackerError
from tracker.fetch import iter_files, read_file
from tracker.models import Analysis, IngestReport, Item
from tracker.parse import parse_document
from tracker.ruleset import Ruleset
from tracker.store import events as events_store
from tracker.store import queries
from tracker.store.db import describe_failure

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Progress = Callable[[int], None]


@dataclass
class _Tally:
    new: int = 0
    duplicate: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> IngestReport:
        return IngestReport(self.new, self.duplicate, len(self.skipped), tuple(self.skipped))


def analyze_item(item: Item, rules: Ruleset, threshold: float) -> Analysis:
    return analyze(item.headline, item.body, rules, threshold)


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
) -> IngestReport:
    """Ingest a file or a folder (recursively) as one source."""
    now = clock()
    tally = _Tally()
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
                _commit(engine, source_id, batch, clock(), tally)
                batch = []
        _commit(engine, source_id, batch, clock(), tally)
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


def _commit(
    engine: Engine, source_id: int, batch: list[tuple[Item, Analysis]], now: datetime, tally: _Tally
) -> None:
    if not batch:
        return
    # One transaction per batch: items, their analyses, the events they join and
    # the alerts those events call for are committed together or not at all.
    with engine.begin() as conn:
        new_ids, duplicate = queries.store_items(conn, source_id, batch, now)
        new = len(new_ids)
        events_store.assign_events(conn, new_ids, now=now)
    tally.new += new
    tally.duplicate += duplicate
    log.info("stored batch new=%d duplicate=%d", new, duplicate)


def ingest_sources(
    engine: Engine,
    sources: Iterable[SourceConfig],
    *,
    config: Config,
    rules: Ruleset,
    clock: Clock,
    progress: Progress | None = None,
) -> dict[str, IngestReport | TrackerError]:
    """One pass over configured sources; a failing source is reported, not fatal."""
    results: dict[str, IngestReport | TrackerError] = {}
    for source in sources:
        if source.url:
            results[source.name] = SourceError(
                source.name,
                "feed URLs are not read by this version of tracker yet; only files and folders are",
            )
            continue
        path = Path(source.path or "")
        if config.path is not None and not path.is_absolute():
            path = config.path.parent / path
        try:
            results[source.name] = ingest_path(
                engine,
                path,
                name=source.name,
                config=config,
                rules=rules,
                clock=clock,
                progress=progress,
            )
        except TrackerError as exc:
            log.error("source=%s failed: %s", source.name, exc)
            results[source.name] = exc
    return results
