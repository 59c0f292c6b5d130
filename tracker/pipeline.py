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
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker import alerts
from tracker.alerts import AlertRules
from tracker.classify import analyze
from tracker.config import Config, SourceConfig
from tracker.errors import AlertError, SourceError, TrackerError
from tracker.fetch import iter_files, read_file
from tracker.mail import DeliveryError, Transport, open_transport
from tracker.models import Analysis, IngestReport, Item
from tracker.parse import parse_document
from tracker.ruleset import Ruleset
from tracker.store import alerts as alerts_store
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
    with engine.begin() as conn:
        new_ids, duplicate = queries.store_items(conn, source_id, batch, now)
        new = len(new_ids)
        events_store.assign_events(conn, new_ids, now=now)
        # After the new items have joined their events.
        enabled = alerting.enabled and alerts_store.source_alerts_enabled(conn, source_id)
        alerts_store.queue_alerts(conn, new_ids, rules=alerting.rules, now=now, enabled=enabled)
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
    """
    from tracker.models import CATEGORIES
    from tracker.store import events, labels

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
    """
    from tracker.models import CATEGORIES
    from tracker.store import events, labels

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
