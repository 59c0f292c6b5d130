"""The alert outbox from the command line: alerts list, send, preview."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import click

from tracker.alerts import STATUSES
from tracker.cli.base import State, _echo, _note, cli, pass_state, utcnow
from tracker.errors import AlertError, TrackerError
from tracker.report import FORMATS


@cli.group()
def alerts() -> None:
    """The alert outbox: what was sent, what waits, what failed and why.

    New events matching [alerts] categories and threshold are queued when they
    are stored; `tracker run` (or `tracker alerts send`) delivers them by SMTP,
    or writes .eml files to the outbox folder when no [smtp] host is set.
    """


def _row(alert: dict[str, Any]) -> dict[str, Any]:
    about = alert["subject"] or alert["event_title"] or alert["key"]
    when = alert["sent_at"] if alert["status"] == "sent" else alert["next_attempt_at"]
    if alert["status"] in ("failed", "skipped", "digest"):
        when = None
    return {
        **alert,
        "about": about,
        "when": when,
        "error": alert["last_error"] or "",
    }


@alerts.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only alerts in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def list_(state: State, status: str | None, limit: int, fmt: str) -> None:
    """The outbox, newest first: each alert's kind, event, recipient and state.

    `when` is the time it was sent, or for a pending alert its next attempt;
    `error` says why the last attempt failed. Failed alerts are tried again with
    `tracker alerts send --retry-failed`.
    """
    from tracker import report
    from tracker.store.alerts import list_alerts

    with state.engine().connect() as conn:
        rows = [_row(a) for a in list_alerts(conn, status=status, limit=limit)]
    if fmt == "json":
        keep = (
            "id",
            "kind",
            "key",
            "event_id",
            "recipient",
            "status",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "subject",
            "message_id",
            "last_error",
            "created_at",
        )
        _echo(report.render_json([{k: r[k] for k in keep} for r in rows]))
        return
    columns = [
        "id",
        "kind",
        "event_id",
        "recipient",
        "status",
        "attempts",
        "when",
        "about",
        "error",
    ]
    if fmt == "csv":
        _echo(report.render_csv(rows, columns).rstrip("\n"))
    elif rows:
        _echo(report.render_table(rows, columns))
    else:
        _echo("no alerts" + (f" with status {status}" if status else ""))


@alerts.command()
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Put alerts that ran out of attempts back in the queue first (after fixing [smtp]).",
)
@pass_state
def send(state: State, retry_failed: bool) -> None:
    """Send the pending alerts that are due, now, and print what happened.

    Uses [smtp] when smtp.host is set, else writes .eml files to alerts.outbox.
    In digest mode, the digest of the period that last ended is queued first.
    A delivery that fails is tried again later (alerts.retry_delay, doubling,
    at most alerts.max_attempts times).
    """
    from tracker.pipeline import send_digest, send_pending_alerts
    from tracker.store.alerts import retry_failed as requeue

    engine = state.engine()
    if retry_failed:
        with engine.begin() as conn:
            count = requeue(conn, now=utcnow())
        _note(f"{count} failed alert{'s' * (count != 1)} queued again")
    config = state.config
    if config["alerts.mode"] == "digest":
        report = send_digest(engine, config=config, clock=utcnow)
    else:
        report = send_pending_alerts(engine, config=config, clock=utcnow)
    _echo(f"alerts: {report}")
    for line in report.errors:
        _note(f"  {line}")
    if report.errors and not report.sent:
        raise TrackerError(
            "no alert could be delivered",
            hint="see the lines above; `tracker alerts list` shows each alert's state",
        )


def _show(message: EmailMessage, html: bool) -> str:
    headers = ("From", "To", "Subject", "Message-ID", "In-Reply-To", "X-Tracker-Event")
    lines = [f"{h}: {message[h]}" for h in headers if message[h] is not None]
    part = message.get_body(preferencelist=("html",) if html else ("plain",))
    body = part.get_content() if isinstance(part, EmailMessage) else ""
    return "\n".join(lines) + "\n\n" + body.rstrip("\n")


@alerts.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most.")
@click.option("--html", is_flag=True, help="Print the HTML part instead of the plain text.")
@pass_state
def preview(state: State, limit: int, html: bool) -> None:
    """Print the emails that would be sent, without sending or changing anything.

    Shows each pending alert's headers and text as it would be built now; in
    digest mode also each recipient's next digest as it stands.
    """
    from tracker.pipeline import preview_alerts

    shown = preview_alerts(state.engine(), config=state.config, clock=utcnow, limit=limit)
    if not shown:
        _echo("no pending alerts")
        return
    for i, (alert, message) in enumerate(shown):
        if i:
            _echo("\n" + "=" * 72 + "\n")
        label = f"alert {alert.id}" if alert.id else "next digest"
        if isinstance(message, AlertError):
            _echo(f"# {label} ({alert.key}) cannot be built: {message}")
            continue
        _echo(f"# {label} ({alert.key}, attempts {alert.attempts})")
        _echo(_show(message, html))
