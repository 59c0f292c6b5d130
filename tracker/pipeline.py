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

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker import alerts, politeness
from tracker.alerts import AlertRules
from tracker.classify import analyze
from tracker.config import Config, SourceConfig
from tracker.errors import AlertError, ConfigError, SourceError, TrackerError
from tracker.feeds import decode_page, extract_article, is_teaser, parse_feed, with_full_text
from tracker.fetch import iter_files, read_file
from tracker.fetch_http import PAGE_ACCEPT, Fetcher, HttpSettings, Response
from tracker.mail import DeliveryError, Transport, open_transport
from tracker.models import Analysis, IngestReport, Item
from tracker.parse import parse_document
from tracker.politeness import CheckResult
from tracker.ruleset import Ruleset
from tracker.store import alerts as alerts_store
from tracker.store import events as events_store
from tracker.store import queries, sightings
from tracker.store import sources as sources_store
from tracker.store.db import describe_failure
from tracker.store.retry import in_transaction
from tracker.store.sources import SourceRow
from tracker.urls import is_http_url, redact

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
    alerts: bool = True,
) -> IngestReport:
    """Ingest a file or a folder (recursively) as one source.

    ``alerts=False`` (``ingest --no-alerts``) stores the events it finds as
    already known, so importing an archive does not flood the inbox.
    """
    now = clock()
    tally = _Tally()
    alerting = _Alerting(AlertRules.from_config(config), alerts)
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
                _commit(engine, source_id, batch, clock(), tally, alerting)
                batch = []
        _commit(engine, source_id, batch, clock(), tally, alerting)
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


@dataclass(frozen=True, slots=True)
class _Alerting:
    """The alert rules, and whether this run queues alerts (off for --no-alerts)."""

    rules: AlertRules
    enabled: bool = True


def _commit(
    engine: Engine,
    source_id: int,
    batch: list[tuple[Item, Analysis]],
    now: datetime,
    tally: _Tally,
    alerting: _Alerting,
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
            try:
                results[source.name] = ingest_feed(
                    engine, source.url, config=config, rules=rules, clock=clock, name=source.name
                )
            except TrackerError as exc:
                log.error("source=%s failed: %s", source.name, exc)
                results[source.name] = exc
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
    tally = _Tally()
    if row.full_text and entries:
        with poll.db_lock, poll.engine.connect() as conn:
            known = sightings.known_entries(conn, row.id, entries)
        tally.duplicate += len(known)
        entries = [e for e in entries if e.url not in known]
    alerting = _Alerting(AlertRules.from_config(poll.config), poll.alerts)
    threshold = poll.config["classify.threshold"]
    size = poll.config["ingest.batch_size"]
    for start in range(0, len(entries), size):
        chunk = entries[start : start + size]
        if row.full_text:
            chunk = [_full_text(poll, row, item) for item in chunk]
        batch = [(item, analyze_item(item, poll.rules, threshold)) for item in chunk]
        with poll.db_lock:
            _commit(poll.engine, row.id, batch, poll.clock(), tally, alerting)
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


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one pass over the alert outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()
    via: str = ""

    def __str__(self) -> str:
        via = f" via {self.via}" if self.via else ""
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed{via}"


def compose_alert(
    conn: Connection, alert: alerts_store.ClaimedAlert, rules: AlertRules, now: datetime
) -> EmailMessage:
    """Load what an alert is about and build its email."""
    if alert.kind == "digest":
        end = alert.period_end or now
        start = alert.period_start or end - alerts.period_length(rules.digest_period)
        events = alerts_store.load_events(
            conn, alerts_store.digest_event_ids(conn, alert.recipient, end)
        )
        previous = alerts_store.category_counts(
            conn, alert.recipient, start=start - (end - start), end=start, rules=rules
        )
        digest = alerts.digest_for(
            rules, start=start, end=end, events=list(events.values()), previous=previous
        )
        return alerts.build_digest_message(digest, rules=rules, recipient=alert.recipient, now=now)
    event = alerts_store.load_events(conn, [alert.event_id] if alert.event_id else []).get(
        alert.event_id or 0
    )
    if event is None:
        raise AlertError(f"alert {alert.id}: its event {alert.event_id} no longer exists")
    if alert.kind == "update":
        return alerts.build_update_message(
            event,
            alert.item_ids,
            rules=rules,
            recipient=alert.recipient,
            now=now,
            parent_subject=alerts_store.parent_subject(conn, event.id, alert.recipient),
        )
    return alerts.build_event_message(event, rules=rules, recipient=alert.recipient, now=now)


def send_pending_alerts(
    engine: Engine,
    *,
    config: Config,
    clock: Clock,
    stop: StopFlag | None = None,
    transport: Transport | None = None,
) -> SendReport:
    """Send every due alert once: claim, compose, deliver, mark; failures wait and retry.

    Safe to run in several processes at once: each alert is claimed by one.
    """
    rules = AlertRules.from_config(config)
    lease = alerts.claim_lease(config["smtp.timeout"])
    base = timedelta(seconds=config["alerts.retry_delay"])
    transport = transport or open_transport(config)
    sent = retrying = failed = 0
    errors: list[str] = []
    try:
        while not (stop and stop.is_set()):
            now = clock()
            with engine.begin() as conn:
                claimed = alerts_store.claim_pending(conn, now=now, lease=lease)
            if not claimed:
                break
            alert = claimed[0]
            try:
                with engine.connect() as conn:
                    message = compose_alert(conn, alert, rules, now)
                transport.send(message, alert.recipient)
            except AlertError as exc:
                permanent = getattr(exc, "permanent", not isinstance(exc, DeliveryError))
                retry_at = None
                if not permanent:
                    retry_at = alerts.next_retry(
                        alert.attempts,
                        now=clock(),
                        base=base,
                        max_attempts=config["alerts.max_attempts"],
                    )
                with engine.begin() as conn:
                    alerts_store.mark_failed(conn, alert, error=str(exc), retry_at=retry_at)
                log.warning(
                    "alert=%s to=%s attempt=%d %s: %s",
                    alert.key,
                    alert.recipient,
                    alert.attempts,
                    "retry at " + f"{retry_at:%Y-%m-%d %H:%M:%S}" if retry_at else "failed",
                    exc,
                )
                errors.append(f"{alert.key} to {alert.recipient}: {exc}")
                retrying, failed = retrying + bool(retry_at), failed + (retry_at is None)
                continue
            with engine.begin() as conn:
                alerts_store.mark_sent(
                    conn,
                    alert,
                    now=clock(),
                    message_id=str(message["Message-ID"]),
                    subject=str(message["Subject"]),
                )
            sent += 1
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    finally:
        transport.close()
    return SendReport(sent, retrying, failed, tuple(errors), transport.describe())


def queue_digests(engine: Engine, *, config: Config, clock: Clock) -> int:
    """Queue each recipient's digest for the period that ended last, once."""
    rules = AlertRules.from_config(config)
    if rules.mode != "digest":
        return 0
    now = clock()
    end = alerts.digest_end(now, rules.digest_period, rules.digest_time)
    key = alerts.digest_key(rules.digest_period, end)
    queued = 0
    try:
        with engine.begin() as conn:
            for recipient in rules.recipients:
                last = alerts_store.last_digest_end(conn, recipient)
                if last is not None and last >= end:
                    continue
                start = last or end - alerts.period_length(rules.digest_period)
                queued += alerts_store.queue_digest(
                    conn, key=key, recipient=recipient, start=start, end=end, now=now
                )
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    return queued


def send_digest(
    engine: Engine,
    *,
    config: Config,
    clock: Clock,
    stop: StopFlag | None = None,
    transport: Transport | None = None,
) -> SendReport:
    """Digest mode: queue the digest of the period just ended (once), then send."""
    if config["alerts.mode"] != "digest":
        return SendReport()
    queue_digests(engine, config=config, clock=clock)
    return send_pending_alerts(engine, config=config, clock=clock, stop=stop, transport=transport)


def preview_alerts(
    engine: Engine, *, config: Config, clock: Clock, limit: int | None = None
) -> list[tuple[alerts_store.ClaimedAlert, EmailMessage | AlertError]]:
    """The emails pending alerts would be, without sending or claiming anything;
    in digest mode also each recipient's next digest as it stands."""
    rules = AlertRules.from_config(config)
    now = clock()
    out: list[tuple[alerts_store.ClaimedAlert, EmailMessage | AlertError]] = []
    try:
        with engine.connect() as conn:
            pending = alerts_store.pending_alerts(conn, limit=limit)
            if rules.mode == "digest":
                length = alerts.period_length(rules.digest_period)
                end = alerts.digest_end(now, rules.digest_period, rules.digest_time) + length
                for recipient in rules.recipients:
                    start = alerts_store.last_digest_end(conn, recipient) or end - length
                    key = alerts.digest_key(rules.digest_period, end)
                    pending.append(
                        alerts_store.ClaimedAlert(
                            0, "digest", key, None, recipient, 0, (), start, end
                        )
                    )
            for alert in pending:
                try:
                    out.append((alert, compose_alert(conn, alert, rules, now)))
                except AlertError as exc:
                    out.append((alert, exc))
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    return out


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
