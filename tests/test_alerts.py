"""Alert rules and email building: pure functions, table-driven, hostile input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from tracker.alerts import (
    AlertRules,
    EventAmount,
    EventDetails,
    EventLabel,
    Participant,
    Report,
    build_digest_message,
    build_event_message,
    build_update_message,
    claim_lease,
    digest_end,
    digest_for,
    matching_labels,
    message_id,
    next_retry,
    one_line,
    qualifies,
    recipients,
    subject_for,
)
from tracker.errors import AlertError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULES = AlertRules(recipients=("analyst@example.org",), sender="tracker@example.org")
EVIDENCE = (
    "Meanwhile, Microsoft's work with Mistral AI has prompted EU legislators to seek for an "
    "antitrust inquiry."
)


def seed_event(**changes: object) -> EventDetails:
    """The seeds' event: five reports of Microsoft's stake in Mistral AI, one with the
    EU lawmakers' call for a probe."""
    reports = tuple(
        Report(
            i,
            f"Report {i} on Microsoft and Mistral AI",
            f"https://news{i}.example/mistral",
            f"outlet {i}",
            datetime(2024, 2, 26 + i % 2, tzinfo=UTC),
        )
        for i in range(1, 6)
    )
    event = EventDetails(
        id=7,
        title="Microsoft invests in Mistral AI",
        first_seen=datetime(2024, 2, 26, tzinfo=UTC),
        last_seen=datetime(2024, 2, 27, tzinfo=UTC),
        jurisdiction="EU",
        labels=(
            EventLabel("investment", 1.0, "Microsoft announced a 15-million euro investment."),
            EventLabel("regulatory_action", 1.0, EVIDENCE),
            EventLabel("model_release", 0.4, "Mistral Large may launch."),
        ),
        participants=(
            Participant("European Parliament", "regulator", "regulator", "EU"),
            Participant("European Commission", "regulator", "mentioned", "EU"),
            Participant("Microsoft", "organization", "target"),
            Participant("Mistral AI", "organization", "target"),
            Participant("Microsoft", "organization", "investor"),
            Participant("Mistral AI", "organization", "investee"),
            Participant("OpenAI", "organization", "mentioned"),
            Participant("EU", "jurisdiction", "jurisdiction"),
        ),
        amounts=(EventAmount(Decimal("15000000"), "EUR", "15-million euro", "investment"),),
        reports=reports,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


@pytest.mark.parametrize(
    ("labels", "categories", "threshold", "expected"),
    [
        ([("regulatory_action", 0.9)], ("regulatory_action",), 0.7, True),
        ([("regulatory_action", 0.7)], ("regulatory_action",), 0.7, True),
        ([("regulatory_action", 0.69)], ("regulatory_action",), 0.7, False),
        ([("investment", 1.0), ("partnership", 1.0)], ("regulatory_action",), 0.7, False),
        ([("investment", 1.0)], ("regulatory_action", "investment"), 0.7, True),
        ([], ("regulatory_action",), 0.0, False),
    ],
)
def test_which_events_alert(
    labels: list[tuple[str, float]], categories: tuple[str, ...], threshold: float, expected: bool
) -> None:
    rules = AlertRules(categories=categories, threshold=threshold)
    assert qualifies([EventLabel(c, s, "e") for c, s in labels], rules) is expected


def test_matching_labels_follow_the_configured_order() -> None:
    labels = [EventLabel("investment", 0.9, "a"), EventLabel("regulatory_action", 0.8, "b")]
    found = matching_labels(labels, ("regulatory_action", "investment"), 0.5)
    assert [lab.category for lab in found] == ["regulatory_action", "investment"]


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ((), ("tracker@example.org",)),
        (("a@x.org", "b@x.org", "a@x.org"), ("a@x.org", "b@x.org")),
    ],
)
def test_recipients_default_to_the_sender(to: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert recipients(to, "tracker@example.org") == expected


def test_subject_names_regulator_action_and_targets() -> None:
    assert subject_for(seed_event(), RULES) == (
        "European Parliament: Microsoft's work with Mistral AI has prompted EU legislators to "
        "seek for an antitrust inquiry — Microsoft / Mistral AI"
    )


def test_event_email_says_what_who_where_when_and_links_every_source() -> None:
    msg = build_event_message(seed_event(), rules=RULES, recipient="analyst@example.org", now=NOW)
    assert msg["X-Tracker-Event"] == "7"
    assert msg["Message-ID"] == message_id("event:7", "analyst@example.org", "tracker@example.org")
    assert msg["To"] == "analyst@example.org" and msg["From"] == "tracker@example.org"
    assert msg.get_content_type() == "multipart/alternative"
    text = text_of(msg)
    for expected in (
        f'regulatory action (1.00): "{EVIDENCE}"',
        "also: investment 1.00",
        "regulator: European Parliament",
        "target: Microsoft, Mistral AI",
        "investor: Microsoft",
        "Where\n  EU",
        "first reported 2024-02-26, last 2024-02-27 (5 reports)",
        "EUR 15,000,000 (15-million euro, investment)",
        "Sources (5)",
    ):
        assert expected in text, expected
    assert "OpenAI" not in text and "model release" not in text
    for i in range(1, 6):
        assert f"https://news{i}.example/mistral" in text
        assert f'<a href="https://news{i}.example/mistral">' in html_of(msg)


def test_message_id_is_deterministic_per_alert_and_recipient() -> None:
    one = message_id("event:7", "a@example.org", "tracker@example.org")
    assert one == message_id("event:7", "A@example.org ", "tracker@example.org")
    assert one != message_id("event:7", "b@example.org", "tracker@example.org")
    assert one != message_id("event:8", "a@example.org", "tracker@example.org")
    assert one.startswith("<tracker.event.7.") and one.endswith("@example.org>")


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


def test_feed_text_is_escaped_in_html_and_cannot_forge_headers() -> None:
    event = seed_event(
        title=HOSTILE,
        labels=(
            EventLabel(
                "regulatory_action", 0.95, f"FTC opens probe\r\nBcc: victim@evil.example\n{HOSTILE}"
            ),
        ),
        participants=(Participant("FTC\r\nX-Evil: 1", "regulator", "regulator"),),
        reports=(
            Report(1, HOSTILE, "javascript:alert(1)", "<b>outlet</b>", NOW),
            Report(2, "ok", 'https://x.example/"><script>', "outlet", NOW),
        ),
    )
    msg = build_event_message(event, rules=RULES, recipient="analyst@example.org", now=NOW)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert "Bcc: victim@evil.example" in str(parsed["Subject"])  # flattened text, not a header
    page = html_of(msg)
    assert "<script" not in page and "<img" not in page and "<b>outlet" not in page
    assert "&lt;script&gt;" in page and "&amp;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://x.example/&quot;&gt;&lt;script&gt;"' in page


@pytest.mark.parametrize("bad", ["not an address", "a@b.org\r\nBcc: c@d.org", ""])
def test_a_bad_recipient_is_an_alert_error(bad: str) -> None:
    with pytest.raises(AlertError, match=r"alerts\.to"):
        build_event_message(seed_event(), rules=RULES, recipient=bad, now=NOW)


def test_update_is_threaded_under_the_event_alert_and_lists_only_new_reports() -> None:
    msg = build_update_message(
        seed_event(),
        [4, 5],
        rules=RULES,
        recipient="analyst@example.org",
        now=NOW,
        parent_subject="EU probe — Microsoft / Mistral AI",
    )
    parent = message_id("event:7", "analyst@example.org", "tracker@example.org")
    assert msg["In-Reply-To"] == parent and msg["References"] == parent
    assert msg["Subject"] == "Re: EU probe — Microsoft / Mistral AI"
    assert msg["Message-ID"] == message_id("update:7:4", "analyst@example.org", RULES.sender)
    text = text_of(msg)
    assert "2 new reports on: EU probe" in text
    assert "news4.example" in text and "news5.example" in text and "news1.example" not in text


def test_digest_has_a_section_per_category_with_counts_against_the_previous_period() -> None:
    rules = AlertRules(
        categories=("regulatory_action", "investment"),
        recipients=("analyst@example.org",),
        sender="tracker@example.org",
    )
    other = seed_event(id=8, labels=(EventLabel("investment", 0.9, "Google took a stake."),))
    start, end = NOW - timedelta(days=1), NOW
    digest = digest_for(
        rules, start=start, end=end, events=[seed_event(), other], previous={"investment": 3}
    )
    assert digest.counts == {"regulatory_action": (1, 0), "investment": (2, 3)}
    msg = build_digest_message(digest, rules=rules, recipient="analyst@example.org", now=NOW)
    text = text_of(msg)
    assert "Regulatory action\n  1 event (previous day: 0)" in text
    assert "Investment\n  2 events (previous day: 3)" in text
    assert msg["X-Tracker-Event"] is None
    assert msg["Subject"] == "tracker daily digest 2026-11-24: 2 events"
    assert text.startswith("2 events, 2026-11-23 12:00 to 2026-11-24 12:00 UTC\n")


@pytest.mark.parametrize(
    ("now", "period", "at", "expected"),
    [
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "daily", "08:00", "2026-11-24 08:00"),
        (datetime(2026, 11, 24, 7, 59, tzinfo=UTC), "daily", "08:00", "2026-11-23 08:00"),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "daily", "08:00", "2026-11-24 08:00"),
        # 2026-11-24 is a Tuesday: the week's digest went out on Monday the 23rd
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "weekly", "08:00", "2026-11-23 08:00"),
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "weekly", "08:00", "2026-11-16 08:00"),
    ],
)
def test_digest_end(now: datetime, period: str, at: str, expected: str) -> None:
    assert f"{digest_end(now, period, at):%Y-%m-%d %H:%M}" == expected


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (4, timedelta(minutes=8)),
        (12, timedelta(hours=6)),
        (20, None),
    ],
)
def test_retries_wait_longer_each_time_then_stop(attempts: int, expected: timedelta | None) -> None:
    got = next_retry(attempts, now=NOW, base=timedelta(minutes=1), max_attempts=20)
    assert got == (NOW + expected if expected is not None else None)


def test_claim_lease_covers_a_whole_delivery() -> None:
    assert claim_lease(30) == timedelta(minutes=5)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("a\r\nb\tc\x00d", None, "a b c d"),
        ("one two three four", 10, "one two…"),
        ("  spaced   out  ", None, "spaced out"),
    ],
)
def test_one_line(text: str, limit: int | None, expected: str) -> None:
    assert one_line(text, limit) == expected
