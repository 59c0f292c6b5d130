"""The alert outbox: claim due alerts, build each email, deliver it, mark it;
and the digests of digest mode."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker import alerts
from tracker.alerts import AlertRules
from tracker.config import Config
from tracker.errors import AlertError
from tracker.mail import DeliveryError, Transport, open_transport
from tracker.models import StopFlag
from tracker.pipeline.batch import Clock
from tracker.store import alerts as alerts_store
from tracker.store.db import describe_failure

log = logging.getLogger(__name__)


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
