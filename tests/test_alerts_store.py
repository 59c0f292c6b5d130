"""The outbox on SQLite and PostgreSQL, delivered to a real SMTP server: one email
per event per recipient, retries after a server outage, failures with their
reason, updates threaded, digests, and claiming that never sends an alert twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from smtpserver import SmtpServer
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from tracker.alerts import AlertRules, message_id
from tracker.config import Config, load_config
from tracker.mail import OutboxTransport
from tracker.pipeline import preview_alerts, send_digest, send_pending_alerts
from tracker.store import alerts as store
from tracker.store.db import create_db_engine, ensure_schema
from tracker.store.schema import (
    Alert,
    Entity,
    Event,
    EventAmount,
    EventLabel,
    EventParticipant,
    Item,
    Source,
)

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TO = ("lawyer@example.org", "analyst@example.org")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Db:
    engine: Engine
    items: int = 0

    def add_event(
        self,
        *,
        labels: dict[str, float],
        reports: int = 1,
        title: str = "EU lawmakers call for antitrust probe",
    ) -> tuple[int, list[int]]:
        """An event with its labels, participants, amount and ``reports`` items."""
        with self.engine.begin() as conn:
            _source(conn)
            event = conn.execute(
                insert(Event.__table__).values(
                    title=title,
                    categories=sorted(labels),
                    participants=[],
                    jurisdiction="EU",
                    first_seen=START - timedelta(days=1),
                    last_seen=START,
                    item_count=reports,
                    created_at=START,
                    updated_at=START,
                )
            ).inserted_primary_key[0]
            for category, score in labels.items():
                conn.execute(
                    insert(EventLabel.__table__).values(
                        event_id=event, category=category, score=score, evidence=f"{category} says"
                    )
                )
            for name, kind, role in (
                ("European Parliament", "regulator", "regulator"),
                ("Microsoft", "organization", "target"),
                ("Mistral AI", "organization", "target"),
            ):
                entity = (
                    conn.execute(
                        select(Entity.__table__.c.id).where(Entity.__table__.c.name == name)
                    ).scalar()
                    or (
                        conn.execute(
                            insert(Entity.__table__).values(kind=kind, name=name, aliases=[])
                        ).inserted_primary_key[0]
                    )
                )
                conn.execute(
                    insert(EventParticipant.__table__).values(
                        event_id=event, entity_id=entity, role=role
                    )
                )
            conn.execute(
                insert(EventAmount.__table__).values(
                    event_id=event,
                    value=Decimal(15_000_000),
                    currency="EUR",
                    text="€15M",
                    kind="investment",
                )
            )
        return event, self.add_items(event, reports, queue=False)

    def add_items(self, event: int, count: int, *, queue: bool = True) -> list[int]:
        ids = []
        with self.engine.begin() as conn:
            source = _source(conn)
            for _ in range(count):
                self.items += 1
                n = self.items
                ids.append(
                    conn.execute(
                        insert(Item.__table__).values(
                            source_id=source,
                            url=f"https://outlet{n}.example/story",
                            title=f"Story {n}",
                            body="...",
                            has_headline=True,
                            published_at=START - timedelta(hours=n),
                            date_source="header",
                            fetched_at=START,
                            content_hash=f"hash{n}",
                            event_id=event,
                            rules_version="test",
                        )
                    ).inserted_primary_key[0]
                )
        return ids


def _source(conn: Connection) -> int:
    found = conn.execute(select(Source.__table__.c.id)).scalar()
    if found:
        return int(found)
    return int(
        conn.execute(
            insert(Source.__table__).values(
                kind="file",
                name="wire",
                location="/wire",
                interval_seconds=900,
                enabled=True,
                error_count=0,
                created_at=START,
            )
        ).inserted_primary_key[0]
    )


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    engine = create_db_engine(db_url)
    ensure_schema(engine)
    yield Db(engine)
    engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def config_for(smtp: SmtpServer | None, tmp_path: Path, **settings: Any) -> Config:
    env = {
        "TRACKER_ALERTS_TO": ",".join(TO),
        "TRACKER_ALERTS_FROM": "tracker@example.org",
        "TRACKER_SMTP_TIMEOUT": "5",
        "TRACKER_ALERTS_OUTBOX": str(tmp_path / "outbox"),
    }
    if smtp is not None:
        env.update(TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=str(smtp.port))
        env["TRACKER_SMTP_SECURITY"] = "none"
    env.update({f"TRACKER_{k.upper()}": str(v) for k, v in settings.items()})
    empty = tmp_path / "config.toml"
    empty.touch()
    return load_config(empty, environ=env)


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def queue(db: Db, items: list[int], config: Config, now: datetime, enabled: bool = True) -> int:
    with db.engine.begin() as conn:
        return store.queue_alerts(
            conn, items, rules=AlertRules.from_config(config), now=now, enabled=enabled
        )


def rows(db: Db) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return sorted(store.list_alerts(conn), key=lambda r: r["id"])


def test_one_email_per_event_per_recipient_listing_every_source(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path)
    probe, items = db.add_event(labels={"regulatory_action": 0.9, "investment": 1.0}, reports=5)
    _, deal_items = db.add_event(labels={"investment": 1.0}, title="A stake", reports=2)
    clock = Clock()
    assert queue(db, items + deal_items, config, clock()) == 2
    assert queue(db, items, config, clock()) == 0  # a replayed batch queues nothing twice

    report = send_pending_alerts(db.engine, config=config, clock=clock)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    got = smtp.received
    assert sorted(r.rcpt_tos[0] for r in got) == sorted(TO)
    for received in got:
        msg = received.message
        assert msg["X-Tracker-Event"] == str(probe)
        assert msg["Message-ID"] == message_id(
            f"event:{probe}", received.rcpt_tos[0], "tracker@example.org"
        )
        body = plain(msg)
        assert all(f"https://outlet{i}.example/story" in body for i in range(1, 6))
        assert "Microsoft / Mistral AI" in str(msg["Subject"])
    assert {r["status"] for r in rows(db)} == {"sent"}
    assert all(r["sent_at"] == START and r["subject"] for r in rows(db))

    # later reports of an alerted event send nothing (alerts.updates is off)
    assert queue(db, db.add_items(probe, 2), config, clock()) == 0
    assert str(send_pending_alerts(db.engine, config=config, clock=clock)).startswith("0 sent")
    assert len(smtp.received) == 2


def test_server_down_then_back_delivers_each_alert_once(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path)
    _, items = db.add_event(labels={"regulatory_action": 0.9})
    clock = Clock()
    queue(db, items, config, clock())
    smtp.stop()
    report = send_pending_alerts(db.engine, config=config, clock=clock)
    assert (report.sent, report.retrying) == (0, 2)
    assert all(f"127.0.0.1:{smtp.port}" in e for e in report.errors)
    waiting = rows(db)
    assert {r["status"] for r in waiting} == {"pending"}
    assert all(r["attempts"] == 1 and "ConnectionRefused" in r["last_error"] for r in waiting)
    assert all(r["next_attempt_at"] == START + timedelta(minutes=1) for r in waiting)

    smtp.start()
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 0  # not yet due
    clock.advance(minutes=1)
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 2
    clock.advance(hours=1)
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(TO)
    assert {(r["status"], r["attempts"], r["last_error"]) for r in rows(db)} == {("sent", 2, None)}


def test_retries_grow_then_fail_with_the_reason(db: Db, smtp: SmtpServer, tmp_path: Path) -> None:
    config = config_for(smtp, tmp_path, alerts_to="lawyer@example.org", alerts_max_attempts=3)
    _, items = db.add_event(labels={"regulatory_action": 0.9})
    clock = Clock()
    queue(db, items, config, clock())
    smtp.defer(10)
    waits = []
    for _ in range(3):
        send_pending_alerts(db.engine, config=config, clock=clock)
        (row,) = rows(db)
        if row["next_attempt_at"] is not None:
            waits.append(row["next_attempt_at"] - clock())
            clock.now = row["next_attempt_at"]
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    (row,) = rows(db)
    assert row["status"] == "failed" and row["attempts"] == 3 and "451" in row["last_error"]
    assert smtp.received == []


def test_a_refused_recipient_fails_at_once_and_others_still_get_theirs(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path)
    _, items = db.add_event(labels={"regulatory_action": 0.9})
    queue(db, items, config, START)
    smtp.refuse("lawyer@example.org")
    report = send_pending_alerts(db.engine, config=config, clock=Clock())
    assert (report.sent, report.failed) == (1, 1)
    by_recipient = {r["recipient"]: r for r in rows(db)}
    assert by_recipient["lawyer@example.org"]["status"] == "failed"
    assert "550" in by_recipient["lawyer@example.org"]["last_error"]
    assert by_recipient["analyst@example.org"]["status"] == "sent"


def test_no_alerts_marks_events_known_so_they_never_alert(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path)
    event, items = db.add_event(labels={"regulatory_action": 0.9})
    assert queue(db, items, config, START, enabled=False) == 2
    assert {r["status"] for r in rows(db)} == {"skipped"}
    assert queue(db, db.add_items(event, 1), config, START) == 0
    assert send_pending_alerts(db.engine, config=config, clock=Clock()).sent == 0
    assert smtp.received == []


def test_an_event_alerts_when_it_first_matches(db: Db, smtp: SmtpServer, tmp_path: Path) -> None:
    config = config_for(smtp, tmp_path, alerts_to="lawyer@example.org")
    event, items = db.add_event(labels={"investment": 1.0})
    assert queue(db, items, config, START) == 0
    with db.engine.begin() as conn:
        conn.execute(
            insert(EventLabel.__table__).values(
                event_id=event, category="regulatory_action", score=0.8, evidence="probe"
            )
        )
    assert queue(db, db.add_items(event, 1), config, START) == 1


def test_updates_are_threaded_and_wait_for_the_first_alert(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path, alerts_to="lawyer@example.org", alerts_updates="true")
    event, items = db.add_event(labels={"regulatory_action": 0.9})
    clock = Clock()
    queue(db, items, config, clock())
    # more reports before the alert went out: the alert will list them, no update
    assert queue(db, db.add_items(event, 1), config, clock()) == 0
    send_pending_alerts(db.engine, config=config, clock=clock)
    later = db.add_items(event, 2)
    assert queue(db, later, config, clock()) == 1
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 1
    first, update = smtp.messages
    assert "outlet2.example" in plain(first)
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["Subject"] == f"Re: {first['Subject']}"
    text = plain(update)
    assert "2 new reports" in text and "outlet4.example" in text and "outlet1.example" not in text


def test_a_sender_that_died_after_delivery_resends_once_with_the_same_message_id(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path, alerts_to="lawyer@example.org")
    event, items = db.add_event(labels={"regulatory_action": 0.9})
    clock = Clock()
    queue(db, items, config, clock())
    with db.engine.begin() as conn:  # a sender claims the alert, then dies
        (claimed,) = store.claim_pending(conn, now=clock(), lease=timedelta(minutes=5))
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 0
    clock.advance(minutes=5)
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 1
    (msg,) = smtp.messages
    assert msg["Message-ID"] == message_id(
        f"event:{event}", "lawyer@example.org", "tracker@example.org"
    )
    (row,) = rows(db)
    assert row["attempts"] == 2 and claimed.attempts == 1


def test_two_senders_at_once_send_each_alert_exactly_once(
    db: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = config_for(smtp, tmp_path)
    items = []
    for _ in range(15):
        items += db.add_event(labels={"regulatory_action": 0.9})[1]
    queue(db, items, config, START)
    go = threading.Barrier(2)
    reports = []

    def sender() -> None:
        engine = create_db_engine(db.engine.url.render_as_string(hide_password=False))
        go.wait()
        reports.append(send_pending_alerts(engine, config=config, clock=Clock()))
        engine.dispose()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.sent for r in reports) == 30
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert {r["status"] for r in rows(db)} == {"sent"}


def test_claims_on_two_connections_never_overlap(db: Db, tmp_path: Path) -> None:
    """Two transactions claim at the same moment; on PostgreSQL the second skips
    the rows the first holds locked (SKIP LOCKED) instead of waiting for them."""
    config = config_for(None, tmp_path)
    items = []
    for _ in range(5):
        items += db.add_event(labels={"regulatory_action": 0.9})[1]
    queue(db, items, config, START)
    lease = timedelta(minutes=5)
    first = db.engine.connect()
    second = db.engine.connect()
    try:
        with first.begin():
            a = store.claim_pending(first, now=START, lease=lease, limit=4)
            if db.engine.dialect.name == "postgresql":  # first still holds its locks
                with second.begin():
                    b = store.claim_pending(second, now=START, lease=lease, limit=10)
        if db.engine.dialect.name != "postgresql":
            with second.begin():
                b = store.claim_pending(second, now=START, lease=lease, limit=10)
    finally:
        first.close()
        second.close()
    assert len(a) == 4 and len(b) == 6
    assert not {x.id for x in a} & {x.id for x in b}
    with db.engine.begin() as conn:
        assert store.claim_pending(conn, now=START, lease=lease, limit=10) == []
        again = store.claim_pending(conn, now=START + lease, lease=lease, limit=10)
    assert len(again) == 10 and {x.attempts for x in again} == {2}


def test_digest_once_per_period_with_counts(db: Db, smtp: SmtpServer, tmp_path: Path) -> None:
    config = config_for(
        smtp,
        tmp_path,
        alerts_to="lawyer@example.org",
        alerts_mode="digest",
        alerts_categories="regulatory_action,investment",
    )
    clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    _, old = db.add_event(labels={"investment": 0.9})
    queue(db, old, config, clock())  # counted in the period before
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert send_digest(db.engine, config=config, clock=clock).sent == 1  # the 23rd's digest
    for labels in ({"regulatory_action": 0.9}, {"regulatory_action": 0.8, "investment": 1.0}):
        _, items = db.add_event(labels=labels)
        queue(db, items, config, clock())
    assert send_pending_alerts(db.engine, config=config, clock=clock).sent == 0  # waits
    assert send_digest(db.engine, config=config, clock=clock).sent == 0  # not 08:00 yet

    clock.now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert send_digest(db.engine, config=config, clock=clock).sent == 1
    assert send_digest(db.engine, config=config, clock=clock).sent == 0
    clock.now = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert send_digest(db.engine, config=config, clock=clock).sent == 0  # nothing new: skipped
    first, digest = smtp.messages
    assert "1 event" in str(first["Subject"])
    assert str(digest["Subject"]) == "tracker daily digest 2026-11-25: 2 events"
    text = plain(digest)
    assert "Regulatory action\n  2 events (previous day: 0)" in text
    assert "Investment\n  1 event (previous day: 1)" in text
    statuses = [(r["kind"], r["status"]) for r in rows(db)]
    assert statuses.count(("event", "sent")) == 3
    assert ("digest", "skipped") in statuses


def test_preview_builds_without_sending_or_claiming(db: Db, tmp_path: Path) -> None:
    config = config_for(None, tmp_path, alerts_to="lawyer@example.org")
    _, items = db.add_event(labels={"regulatory_action": 0.9})
    queue(db, items, config, START)
    ((_, msg),) = preview_alerts(db.engine, config=config, clock=Clock())
    assert not isinstance(msg, Exception) and msg["To"] == "lawyer@example.org"
    assert rows(db)[0]["attempts"] == 0 and not (tmp_path / "outbox").exists()


def test_outbox_folder_gets_one_eml_per_alert(db: Db, tmp_path: Path) -> None:
    config = config_for(None, tmp_path)
    _, items = db.add_event(labels={"regulatory_action": 0.9})
    queue(db, items, config, START)
    report = send_pending_alerts(db.engine, config=config, clock=Clock())
    assert report.sent == 2 and report.via.startswith("outbox folder")
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2
    assert OutboxTransport(tmp_path / "outbox").folder.is_dir()


def test_deleted_event_cascades_its_alerts(db: Db, tmp_path: Path) -> None:
    config = config_for(None, tmp_path)
    event, items = db.add_event(labels={"regulatory_action": 0.9})
    queue(db, items, config, START)
    with db.engine.begin() as conn:
        conn.execute(update(Item.__table__).values(event_id=None))
        conn.execute(Event.__table__.delete().where(Event.__table__.c.id == event))
        assert conn.execute(select(Alert.__table__.c.id)).all() == []
