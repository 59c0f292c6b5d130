"""Sources on a schedule: sync them from the config, claim the due ones, and
check each (a folder, or a feed over HTTP with conditional requests, backoff
and optional full text); one failing source never stops the others."""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker import politeness
from tracker.alerts import AlertRules
from tracker.config import Config, SourceConfig
from tracker.errors import ConfigError, SourceError, TrackerError
from tracker.feeds import decode_page, extract_article, is_teaser, parse_feed, with_full_text
from tracker.fetch_http import PAGE_ACCEPT, Fetcher, HttpSettings, Response
from tracker.models import IngestReport, Item, StopFlag
from tracker.pipeline.batch import Alerting, Clock, Tally, analyze_item, commit_batch
from tracker.pipeline.files import ingest_path
from tracker.politeness import CheckResult
from tracker.ruleset import Ruleset
from tracker.store import sightings
from tracker.store import sources as sources_store
from tracker.store.db import describe_failure
from tracker.store.sources import SourceRow
from tracker.urls import is_http_url, redact

log = logging.getLogger(__name__)


def _source_location(source: SourceConfig, config: Config) -> tuple[str, str]:
    """(kind, location) of a configured source: a feed URL or an absolute path."""
    if source.url:
        if not is_http_url(source.url):
            raise ConfigError(
                f"[[sources]] {source.name}: {redact(source.url)} is not an http(s) URL",
                hint="a local file or folder is given as path = ..., not as a file: URL",
            )
        return "feed", source.url.strip()
    path = Path(source.path or "")
    if config.path is not None and not path.is_absolute():
        path = config.path.parent / path
    return "file", str(path.resolve())


def sync_config_sources(engine: Engine, config: Config, now: datetime) -> None:
    """Make the sources table hold every ``[[sources]]`` of the configuration
    (added when new, interval and full-text choice updated); others are kept.

    Daemons started together on one database add the same new sources at once:
    the one that commits second meets the first's rows (a unique violation, or
    a name found taken between its own look-ups), and its second pass finds
    them and updates them instead.
    """
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                for source in config.sources:
                    kind, location = _source_location(source, config)
                    sources_store.upsert_source(
                        conn,
                        kind=kind,
                        name=source.name,
                        location=location,
                        interval=source.interval or config["ingest.default_interval"],
                        full_text=source.full_text,
                        now=now,
                    )
            return
        except (IntegrityError, TrackerError) as exc:
            if attempt == 2:
                if isinstance(exc, TrackerError):
                    raise
                raise describe_failure(engine, exc) from exc
            log.info("sources added meanwhile by another process; syncing again")
        except SQLAlchemyError as exc:
            raise describe_failure(engine, exc) from exc


@dataclass(frozen=True, slots=True)
class _Poll:
    """What every source's check in one poll shares."""

    engine: Engine
    config: Config
    rules: Ruleset
    clock: Clock
    fetcher: Fetcher
    db_lock: AbstractContextManager[object]
    stop: StopFlag | None = None
    alerts: bool = True

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()


def _db_lock(engine: Engine) -> AbstractContextManager[object]:
    # SQLite has one writer at a time, and a read transaction that turns into a
    # write fails at once when another has written meanwhile: the poll's threads
    # take turns at the database there (fetching and parsing still overlap).
    return threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()


def poll_due_sources(
    engine: Engine,
    *,
    config: Config,
    rules: Ruleset,
    clock: Clock,
    stop: StopFlag | None = None,
) -> dict[str, IngestReport | TrackerError]:
    """Claim the due sources, check them concurrently, record each one's health
    and next check; one source's failure never stops the others.

    With ``stop`` set, the sources in hand finish their batch and commit, the
    rest are given back (due again at once), and the results so far return.
    """
    workers = config["feeds.workers"]
    results: dict[str, IngestReport | TrackerError] = {}
    with Fetcher(HttpSettings.from_config(config), pool_size=workers * 2) as fetcher:
        poll = _Poll(engine, config, rules, clock, fetcher, _db_lock(engine), stop)
        with ThreadPoolExecutor(workers, thread_name_prefix="poll") as pool:
            # Claim a pool's worth at a time, so that other daemons sharing the
            # database take the rest instead of waiting for this one's lease.
            while not (stop is not None and stop.is_set()):
                due = _claim(engine, config, clock(), limit=workers)
                if not due:
                    break
                futures = {pool.submit(_check_source, poll, row): row for row in due}
                for future in as_completed(futures):
                    result = future.result()
                    if result is not None:
                        results[futures[future].name] = result
                skipped = [row.id for row in due if row.name not in results]
                if skipped:
                    with engine.begin() as conn:
                        sources_store.release(conn, skipped, clock())
    return results


def _claim(engine: Engine, config: Config, now: datetime, *, limit: int) -> list[SourceRow]:
    try:
        with engine.begin() as conn:
            return sources_store.claim_due(conn, now=now, lease=_lease(config), limit=limit)
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc


def _lease(config: Config) -> timedelta:
    # Longer than any one check should take, so no second daemon starts it too;
    # short enough that a crashed daemon's sources are soon due again.
    return timedelta(seconds=max(900.0, 2 * config["feeds.deadline"]))


def _check_source(poll: _Poll, row: SourceRow) -> IngestReport | TrackerError | None:
    if poll.stopping:
        return None
    try:
        if row.kind == "file":
            return _check_files(poll, row)
        return _check_feed(poll, row)
    except TrackerError as exc:
        log.error("source=%s failed: %s", row.name, exc)
        return exc
    except SQLAlchemyError as exc:
        return describe_failure(poll.engine, exc)


def _check_files(poll: _Poll, row: SourceRow) -> IngestReport:
    with poll.db_lock:
        report = ingest_path(
            poll.engine,
            Path(row.location),
            name=row.name,
            config=poll.config,
            rules=poll.rules,
            clock=poll.clock,
        )
        with poll.engine.begin() as conn:
            sources_store.schedule(conn, row.id, poll.clock() + timedelta(seconds=row.interval))
    return report


def ingest_feed(
    engine: Engine,
    url: str,
    *,
    config: Config,
    rules: Ruleset,
    clock: Clock,
    name: str | None = None,
    alerts: bool = True,
) -> IngestReport:
    """Fetch and ingest one feed now, whatever its validators say (``tracker
    ingest URL``); the feed becomes a source if it was not one. ``alerts=False``
    as for :func:`ingest_path`."""
    if not is_http_url(url):
        raise SourceError(
            redact(url), "not an http(s) URL", hint="give a file or folder as a path instead"
        )
    try:
        with engine.begin() as conn:
            row = sources_store.find_source(conn, url)
            if row is None:
                sources_store.add_source(
                    conn,
                    kind="feed",
                    name=name or redact(url),
                    location=url,
                    interval=config["ingest.default_interval"],
                    full_text=False,
                    now=clock(),
                )
                row = sources_store.find_source(conn, url)
        assert row is not None
        with Fetcher(HttpSettings.from_config(config)) as fetcher:
            poll = _Poll(engine, config, rules, clock, fetcher, nullcontext(), alerts=alerts)
            return _check_feed(poll, row, force=True)
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc


def _check_feed(poll: _Poll, row: SourceRow, *, force: bool = False) -> IngestReport:
    """fetch (conditional) -> parse -> full text -> classify -> store, then health.
    Raises the source's error after recording it."""
    now = poll.clock()
    try:
        resp = poll.fetcher.get(
            row.location,
            etag=None if force else row.etag,
            last_modified=None if force else row.last_modified,
        )
        body_hash = hashlib.sha256(resp.body).hexdigest() if not resp.not_modified else None
        if resp.not_modified or (body_hash == row.body_hash and not force):
            _record(poll, row, _answered(poll, row, resp, now, row.ttl_seconds, body_hash))
            log.info("source=%s unchanged (HTTP %s)", row.name, resp.status)
            return IngestReport()
        feed = parse_feed(
            resp.body, url=resp.url, source=row.name, now=now, content_type=resp.content_type
        )
    except SourceError as exc:
        _record(poll, row, _failed(poll, row, exc, now))
        raise
    report = _store_entries(poll, row, list(feed.entries))
    _record(poll, row, _answered(poll, row, resp, now, feed.ttl_seconds, body_hash, feed.problem))
    return report


def _answered(
    poll: _Poll,
    row: SourceRow,
    resp: Response,
    now: datetime,
    ttl: int | None,
    body_hash: str | None,
    problem: str | None = None,
) -> CheckResult:
    if resp.not_modified:
        status = "not_modified"
    elif body_hash == row.body_hash:
        status = "unchanged"
    else:
        status = "ill-formed" if problem else "ok"
    return politeness.succeeded(
        now,
        interval=row.interval,
        cap=poll.config["feeds.max_backoff"],
        status=status,
        http_status=resp.status,
        cache_control=resp.cache_control,
        ttl_seconds=ttl,
        etag=resp.etag or (row.etag if resp.not_modified else None),
        last_modified=resp.last_modified or (row.last_modified if resp.not_modified else None),
        body_hash=body_hash or row.body_hash,
        moved_to=resp.moved_to,
        detail=problem[:500] if problem else None,
    )


def _failed(poll: _Poll, row: SourceRow, exc: SourceError, now: datetime) -> CheckResult:
    return politeness.failed(
        now,
        interval=row.interval,
        cap=poll.config["feeds.max_backoff"],
        failure_score=row.failure_score,
        transient=getattr(exc, "transient", False),
        error=str(exc),
        http_status=getattr(exc, "status", None),
        retry_after=getattr(exc, "retry_after", None),
        gone=getattr(exc, "gone", False),
    )


def _record(poll: _Poll, row: SourceRow, result: CheckResult) -> None:
    with poll.db_lock, poll.engine.begin() as conn:
        note = sources_store.record_result(conn, row.id, result)
    if note:
        log.warning("source=%s %s", row.name, note)
    if result.disabled_reason:
        log.warning("source=%s disabled: %s", row.name, result.disabled_reason)


def _store_entries(poll: _Poll, row: SourceRow, entries: list[Item]) -> IngestReport:
    tally = Tally()
    if row.full_text and entries:
        with poll.db_lock, poll.engine.connect() as conn:
            known = sightings.known_entries(conn, row.id, entries)
        tally.duplicate += len(known)
        entries = [e for e in entries if e.url not in known]
    alerting = Alerting(AlertRules.from_config(poll.config), poll.alerts)
    threshold = poll.config["classify.threshold"]
    size = poll.config["ingest.batch_size"]
    for start in range(0, len(entries), size):
        chunk = entries[start : start + size]
        if row.full_text:
            chunk = [_full_text(poll, row, item) for item in chunk]
        batch = [(item, analyze_item(item, poll.rules, threshold)) for item in chunk]
        with poll.db_lock:
            commit_batch(poll.engine, row.id, batch, poll.clock(), tally, alerting)
        if poll.stopping:
            break
    log.info("source=%s new=%d duplicate=%d", row.name, tally.new, tally.duplicate)
    return tally.report()


def _full_text(poll: _Poll, row: SourceRow, item: Item) -> Item:
    """The item with its article's text when the feed gave a teaser; the
    teaser when the page cannot be had."""
    if not is_teaser(item) or "#" in item.url or poll.stopping:
        return item
    try:
        page = poll.fetcher.get(item.url, accept=PAGE_ACCEPT)
    except SourceError as exc:
        log.info("source=%s item=%s full text unavailable: %s", row.name, item.url, exc)
        return item
    return with_full_text(item, extract_article(decode_page(page.body, page.content_type)))
