"""Which events call for an email, and the email itself. Pure: data in, data out.

The store loads an event into an :class:`EventDetails`; this module decides
whether it matches the alert rules and builds the ``EmailMessage`` (plain text
with an HTML alternative). Everything that came from a feed is escaped in the
HTML, and header values are flattened to one line, so neither markup nor a
CR/LF in a headline can reach the reader or forge a header. ``now`` is always a
parameter.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from tracker.errors import AlertError

KINDS = ("event", "update", "digest")
STATUSES = ("pending", "sent", "failed", "skipped", "digest")
MAX_RETRY_DELAY = timedelta(hours=6)
ROLE_ORDER = ("regulator", "target", "investor", "investee", "partner", "developer", "acquirer")
_CONNECTIVE = re.compile(
    r"^(meanwhile|however|separately|also|additionally|moreover|in addition|now|today),\s+",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SUBJECT_ACTION_CHARS = 110


@dataclass(frozen=True, slots=True)
class EventLabel:
    category: str
    score: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    kind: str
    role: str
    jurisdiction: str | None = None


@dataclass(frozen=True, slots=True)
class EventAmount:
    value: Decimal
    currency: str
    text: str
    kind: str = "other"


@dataclass(frozen=True, slots=True)
class Report:
    """One article about the event, as a link in the email."""

    item_id: int
    title: str
    url: str
    source: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class EventDetails:
    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    jurisdiction: str | None = None
    labels: tuple[EventLabel, ...] = ()
    participants: tuple[Participant, ...] = ()
    amounts: tuple[EventAmount, ...] = ()
    reports: tuple[Report, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertRules:
    """The [alerts] settings that decide what is sent, to whom and how."""

    categories: tuple[str, ...] = ("regulatory_action",)
    threshold: float = 0.7
    recipients: tuple[str, ...] = ("tracker@localhost",)
    sender: str = "tracker@localhost"
    mode: str = "immediate"
    updates: bool = False
    digest_period: str = "daily"
    digest_time: str = "08:00"

    @classmethod
    def from_config(cls, config: Any) -> AlertRules:
        sender = str(config["alerts.from"])
        return cls(
            categories=tuple(config["alerts.categories"]),
            threshold=float(config["alerts.threshold"]),
            recipients=recipients(config["alerts.to"], sender),
            sender=sender,
            mode=str(config["alerts.mode"]),
            updates=bool(config["alerts.updates"]),
            digest_period=str(config["alerts.digest_period"]),
            digest_time=str(config["alerts.digest_time"]),
        )


@dataclass(frozen=True, slots=True)
class Digest:
    """One period's events for one recipient, by category, with the counts of
    this period and of the one before."""

    period: str
    start: datetime
    end: datetime
    events: tuple[EventDetails, ...] = ()
    counts: Mapping[str, tuple[int, int]] = field(default_factory=dict)


def recipients(to: Sequence[str], sender: str) -> tuple[str, ...]:
    """Who gets alerts: ``alerts.to``, or the sender's own address when it is empty,
    so that a first run with no SMTP server still writes the alert to the outbox."""
    return tuple(dict.fromkeys(to)) or (sender,)


def matching_labels(
    labels: Iterable[EventLabel], categories: Sequence[str], threshold: float
) -> tuple[EventLabel, ...]:
    """The event's labels that call for an alert, in the order of ``categories``."""
    best = {label.category: label for label in labels if label.score >= threshold}
    return tuple(best[c] for c in categories if c in best)


def qualifies(labels: Iterable[EventLabel], rules: AlertRules) -> bool:
    return bool(matching_labels(labels, rules.categories, rules.threshold))


def event_key(event_id: int) -> str:
    return f"event:{event_id}"


def update_key(event_id: int, first_new_item: int) -> str:
    return f"update:{event_id}:{first_new_item}"


def digest_key(period: str, end: datetime) -> str:
    return f"digest:{period}:{end:%Y-%m-%dT%H:%M}"


def message_id(key: str, recipient: str, sender: str) -> str:
    """The same (alert, recipient) always gets the same Message-ID, so a copy sent
    twice after a crash is recognisably one message."""
    digest = hashlib.sha256(recipient.strip().lower().encode("utf-8")).hexdigest()[:12]
    domain = re.sub(r"[^A-Za-z0-9.-]", "", parseaddr(sender)[1].rpartition("@")[2]) or "tracker"
    return f"<tracker.{key.replace(':', '.')}.{digest}@{domain}>"


def claim_lease(smtp_timeout: int) -> timedelta:
    """How long a claimed alert is left to its sender before another may take it.

    One delivery is at most about eight steps (connect, EHLO, STARTTLS, EHLO,
    AUTH, MAIL, RCPT, DATA) that each wait ``smtp.timeout`` at most; ten times
    the timeout covers them with room, and a sender that died is replaced after
    that long.
    """
    return timedelta(seconds=10 * smtp_timeout)


def next_retry(
    attempts: int, *, now: datetime, base: timedelta, max_attempts: int
) -> datetime | None:
    """When to try again after ``attempts`` failed tries (doubling from ``base``,
    at most six hours apart), or None when they are used up."""
    if attempts >= max_attempts:
        return None
    delay = base * (2 ** max(attempts - 1, 0))
    return now + min(delay, MAX_RETRY_DELAY)


def digest_end(now: datetime, period: str, at: str) -> datetime:
    """The latest digest time at or before ``now``: each day at ``at`` (UTC), or
    each Monday at ``at`` for weekly digests."""
    hour, minute = (int(part) for part in at.split(":"))
    end = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if end > now:
        end -= timedelta(days=1)
    if period == "weekly":
        end -= timedelta(days=end.weekday())
    return end


def period_length(period: str) -> timedelta:
    return timedelta(days=7 if period == "weekly" else 1)


def one_line(text: str, limit: int | None = None) -> str:
    """Header-safe text: control characters (CR, LF, tab...) become one space."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return flat


def _action(label: EventLabel) -> str:
    sentence = one_line(label.evidence)
    sentence = _CONNECTIVE.sub("", sentence).rstrip(".")
    return one_line(sentence[:1].upper() + sentence[1:], _SUBJECT_ACTION_CHARS)


def _regulator(event: EventDetails) -> Participant | None:
    regulators = [p for p in event.participants if p.kind == "regulator"]
    acting = [p for p in regulators if p.role == "regulator"]
    return (acting or regulators or [None])[0]


def _targets(event: EventDetails) -> list[str]:
    orgs = [p for p in event.participants if p.kind == "organization" and p.role != "mentioned"]
    for roles in (("target",), ("investee", "investor", "partner", "acquirer", "developer")):
        names = [p.name for p in orgs if p.role in roles]
        if names:
            return list(dict.fromkeys(names))[:3]
    return []


def subject_for(event: EventDetails, rules: AlertRules) -> str:
    """ "European Parliament: EU legislators seek an antitrust inquiry — Microsoft / Mistral AI"."""
    labels = matching_labels(event.labels, rules.categories, rules.threshold)
    action = _action(labels[0]) if labels else one_line(event.title, _SUBJECT_ACTION_CHARS)
    regulator = _regulator(event)
    subject = f"{regulator.name}: {action}" if regulator else action
    targets = _targets(event)
    return one_line(f"{subject} — {' / '.join(targets)}" if targets else subject)


def _human(category: str) -> str:
    return category.replace("_", " ")


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _amount(amount: EventAmount) -> str:
    value = (
        f"{amount.value:,.0f}"
        if amount.value == amount.value.to_integral()
        else f"{amount.value:,}"
    )
    return f"{amount.currency} {value} ({one_line(amount.text)}, {amount.kind})"


def _who(event: EventDetails) -> list[tuple[str, list[str]]]:
    roles: dict[str, list[str]] = {}
    for p in event.participants:
        if p.kind == "jurisdiction" or p.role == "mentioned":
            continue
        names = roles.setdefault(p.role, [])
        if p.name not in names:
            names.append(p.name)
    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    return sorted(roles.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _where(event: EventDetails) -> str | None:
    if event.jurisdiction:
        return event.jurisdiction
    regulator = _regulator(event)
    return regulator.jurisdiction if regulator else None


def _is_link(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "file://"))


@dataclass(frozen=True, slots=True)
class _Section:
    heading: str
    lines: tuple[str, ...]
    links: tuple[Report, ...] = ()


def _event_sections(event: EventDetails, rules: AlertRules) -> list[_Section]:
    matched = matching_labels(event.labels, rules.categories, rules.threshold)
    others = [lab for lab in event.labels if lab not in matched and lab.score >= rules.threshold]
    happened = [
        f'{_human(lab.category)} ({lab.score:.2f}): "{one_line(lab.evidence)}"' for lab in matched
    ]
    if others:
        happened.append("also: " + ", ".join(f"{_human(o.category)} {o.score:.2f}" for o in others))
    sections = [_Section("What happened", tuple(happened))]
    who = _who(event)
    if who:
        sections.append(_Section("Who", tuple(f"{role}: {', '.join(n)}" for role, n in who)))
    where = _where(event)
    if where:
        sections.append(_Section("Where", (where,)))
    count = len(event.reports)
    when = f"first reported {_when(event.first_seen)}, last {_when(event.last_seen)}"
    sections.append(_Section("When", (f"{when} ({count} report{'s' * (count != 1)})",)))
    if event.amounts:
        sections.append(_Section("Amounts", tuple(_amount(a) for a in event.amounts)))
    sections.append(_Section(f"Sources ({count})", (), event.reports))
    return sections


def _report_line(report: Report) -> str:
    return f"{one_line(report.title)} — {one_line(report.source)}, {_when(report.published_at)}"


def _text(intro: str, sections: Sequence[_Section], footer: str) -> str:
    out = [intro, ""]
    for section in sections:
        out.append(section.heading)
        out += [f"  {line}" for line in section.lines]
        for report in section.links:
            out += [f"  - {_report_line(report)}", f"    {one_line(report.url)}"]
        out.append("")
    out += ["-- ", footer]
    return "\n".join(out) + "\n"


def _html(intro: str, sections: Sequence[_Section], footer: str) -> str:
    esc = html.escape
    out = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>',
        f"<p><strong>{esc(intro)}</strong></p>",
    ]
    for section in sections:
        out.append(f"<h3>{esc(section.heading)}</h3>")
        items = [f"<li>{esc(line)}</li>" for line in section.lines]
        for report in section.links:
            title = esc(one_line(report.title))
            link = f'<a href="{esc(report.url)}">{title}</a>' if _is_link(report.url) else title
            where = f"{esc(one_line(report.source))}, {_when(report.published_at)}"
            items.append(f"<li>{link} — {where}<br><small>{esc(one_line(report.url))}</small></li>")
        out.append("<ul>" + "".join(items) + "</ul>")
    out.append(f"<hr><p><small>{esc(footer)}</small></p></body></html>")
    return "\n".join(out) + "\n"


def _message(
    *, subject: str, key: str, recipient: str, sender: str, now: datetime, event_id: int | None
) -> EmailMessage:
    address = parseaddr(recipient)[1]
    if not address or "@" not in address or one_line(recipient) != recipient:
        raise AlertError(f"not an email address: {recipient!r}", hint="check alerts.to")
    if "@" not in parseaddr(sender)[1] or one_line(sender) != sender:
        raise AlertError(f"not an email address: {sender!r}", hint="check alerts.from")
    msg = EmailMessage()
    msg["Subject"] = one_line(subject)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(key, recipient, sender)
    if event_id is not None:
        msg["X-Tracker-Event"] = str(event_id)
    msg["X-Tracker-Alert"] = key
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _fill(msg: EmailMessage, intro: str, sections: Sequence[_Section], footer: str) -> EmailMessage:
    msg.set_content(_text(intro, sections, footer))
    msg.add_alternative(_html(intro, sections, footer), subtype="html")
    return msg


def _footer(event: EventDetails, rules: AlertRules) -> str:
    cats = ", ".join(rules.categories)
    return (
        f"tracker event {event.id}: sent because it is {cats} at or above "
        f"{rules.threshold:.2f} (alerts.categories, alerts.threshold)"
    )


def build_event_message(
    event: EventDetails, *, rules: AlertRules, recipient: str, now: datetime
) -> EmailMessage:
    """The one email about a new event: what, who, where, when, amounts, evidence, sources."""
    subject = subject_for(event, rules)
    msg = _message(
        subject=subject,
        key=event_key(event.id),
        recipient=recipient,
        sender=rules.sender,
        now=now,
        event_id=event.id,
    )
    return _fill(msg, subject, _event_sections(event, rules), _footer(event, rules))


def build_update_message(
    event: EventDetails,
    new_items: Sequence[int],
    *,
    rules: AlertRules,
    recipient: str,
    now: datetime,
    parent_subject: str | None = None,
) -> EmailMessage:
    """A short follow-up about new reports, threaded under the event's alert."""
    fresh = tuple(r for r in event.reports if r.item_id in set(new_items))
    parent = parent_subject or subject_for(event, rules)
    msg = _message(
        subject=f"Re: {one_line(parent)}",
        key=update_key(event.id, min(new_items)),
        recipient=recipient,
        sender=rules.sender,
        now=now,
        event_id=event.id,
    )
    parent_id = message_id(event_key(event.id), recipient, rules.sender)
    msg["In-Reply-To"] = parent_id
    msg["References"] = parent_id
    n = len(fresh)
    intro = f"{n} new report{'s' * (n != 1)} on: {one_line(parent)}"
    sections = [_Section("New reports", (), fresh)]
    return _fill(msg, intro, sections, _footer(event, rules))


def digest_for(
    rules: AlertRules,
    *,
    start: datetime,
    end: datetime,
    events: Sequence[EventDetails],
    previous: Mapping[str, int],
) -> Digest:
    """A digest of ``events``, counted per alert category against ``previous``."""
    ordered = tuple(sorted(events, key=lambda e: (e.first_seen, e.id)))
    counts = {
        category: (
            sum(1 for e in ordered if matching_labels(e.labels, (category,), rules.threshold)),
            int(previous.get(category, 0)),
        )
        for category in rules.categories
    }
    return Digest(rules.digest_period, start, end, ordered, counts)


def _digest_sections(digest: Digest, rules: AlertRules) -> list[_Section]:
    word = "week" if digest.period == "weekly" else "day"
    sections = []
    for category in rules.categories:
        now_count, before = digest.counts.get(category, (0, 0))
        events = [
            e for e in digest.events if matching_labels(e.labels, (category,), rules.threshold)
        ]
        lines = [f"{now_count} event{'s' * (now_count != 1)} (previous {word}: {before})"]
        for event in events:
            first = event.reports[0].url if event.reports else ""
            lines.append(
                f"{subject_for(event, rules)} [{_when(event.first_seen)}] {one_line(first)}"
            )
        sections.append(_Section(_human(category).capitalize(), tuple(lines)))
    return sections


def build_digest_message(
    digest: Digest, *, rules: AlertRules, recipient: str, now: datetime
) -> EmailMessage:
    """One email for a period: a section per category with its counts and its events."""
    total = len(digest.events)
    span = f"{digest.start:%Y-%m-%d %H:%M} to {digest.end:%Y-%m-%d %H:%M} UTC"
    events = f"{total} event{'s' * (total != 1)}"
    subject = f"tracker {digest.period} digest {digest.end:%Y-%m-%d}: {events}"
    msg = _message(
        subject=subject,
        key=digest_key(digest.period, digest.end),
        recipient=recipient,
        sender=rules.sender,
        now=now,
        event_id=None,
    )
    footer = f"tracker {digest.period} digest (alerts.mode = digest, alerts.digest_period)"
    return _fill(msg, f"{events}, {span}", _digest_sections(digest, rules), footer)
