"""``tracker sources``: the feeds and folders that ``tracker run`` polls."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import State, _echo, _note, cli, pass_state, utcnow
from tracker.config import parse_interval


def _interval(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


@cli.group()
def sources() -> None:
    """Manage the feeds and folders that `tracker run` polls, and see their health."""


@sources.command("add")
@click.argument("location")
@click.option("--name", help="Name shown in lists and items [default: the URL or path].")
@click.option(
    "--interval",
    callback=_interval,
    help="How often to check it: 30s, 15m, 2h, 1d [default: ingest.default_interval].",
)
@click.option(
    "--full-text",
    is_flag=True,
    help="When the feed gives only a short summary, fetch each new article's page for its text.",
)
@pass_state
def add(
    state: State, location: str, name: str | None, interval: int | None, full_text: bool
) -> None:
    """Add a feed (an http or https URL) or a local file or folder to poll.

    It is due at once: the next `tracker run` (or `tracker run --once`) reads
    it. Sources listed in config.toml are added by `tracker run` itself.
    """
    from tracker.feeds import full_text_extractor
    from tracker.store.sources import add_source
    from tracker.urls import is_http_url, redact

    if "://" in location and not is_http_url(location):
        raise click.BadParameter(
            f"{redact(location)}: only http(s) feed URLs; give a file or folder as a path",
            param_hint="LOCATION",
        )
    if is_http_url(location):
        kind, where, shown = "feed", location.strip(), redact(location.strip())
    else:
        path = Path(location).expanduser()
        if not path.exists():
            raise click.BadParameter(f"{location}: no such file or folder", param_hint="LOCATION")
        kind, where, shown = "file", str(path.resolve()), location
    engine = state.engine()
    with engine.begin() as conn:
        add_source(
            conn,
            kind=kind,
            name=name or shown,
            location=where,
            interval=interval or state.config["ingest.default_interval"],
            full_text=full_text,
            now=utcnow(),
        )
    _echo(f"added {kind} {name or shown}: checked every {_duration(interval or 0, state)}")
    if full_text and full_text_extractor() != "trafilatura":
        _note(
            "note: full text uses the built-in page reader; "
            'pip install "tracker[fulltext]" for trafilatura\'s better article extraction'
        )


def _duration(seconds: int, state: State) -> str:
    seconds = seconds or state.config["ingest.default_interval"]
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@sources.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def list_(state: State, fmt: str) -> None:
    """Every source with its health: last check and its HTTP status, errors and
    failure score, when it is checked next, and why it is disabled if it is."""
    from tracker import report
    from tracker.store.sources import list_sources

    with state.engine().connect() as conn:
        rows = [_public(row) for row in list_sources(conn)]
    if fmt == "json":
        _echo(report.render_json(rows))
        return
    if not rows:
        _echo("no sources yet: tracker sources add URL, or [[sources]] in config.toml")
        return
    for row in rows:
        _echo(_line(row))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    from tracker.urls import redact

    keys = (
        "name",
        "kind",
        "location",
        "enabled",
        "interval_seconds",
        "full_text",
        "last_checked_at",
        "last_status",
        "last_http_status",
        "last_success_at",
        "error_count",
        "failure_score",
        "last_error",
        "next_check_at",
        "disabled_reason",
    )
    out = {k: row[k] for k in keys}
    out["location"] = redact(row["location"])
    return out


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def _line(row: dict[str, Any]) -> str:
    status = row["last_status"] or "never checked"
    if row["last_http_status"]:
        status += f" (HTTP {row['last_http_status']})"
    head = f"{row['name']} [{row['kind']}] {row['location']}"
    if not row["enabled"]:
        return f"{head}\n    disabled: {row['disabled_reason'] or 'by hand'}"
    health = f"last {_when(row['last_checked_at'])} {status}, next {_when(row['next_check_at'])}"
    if row["error_count"]:
        health += (
            f"\n    {row['error_count']} errors in a row (failure score "
            f"{row['failure_score']:g}): {row['last_error']}"
        )
    elif row["last_error"]:
        health += f"\n    note: {row['last_error']}"
    return f"{head}\n    {health}"


@sources.command("remove")
@click.argument("name")
@pass_state
def remove(state: State, name: str) -> None:
    """Remove a source by name or location, with the items first stored from it.

    A source still listed in config.toml comes back at the next `tracker run`;
    delete it there too.
    """
    from tracker.store.sources import remove_source

    with state.engine().begin() as conn:
        removed, items = remove_source(conn, name)
    _echo(f"removed {removed} and its {items} items")


@sources.command("enable")
@click.argument("name")
@pass_state
def enable(state: State, name: str) -> None:
    """Enable a source again (one disabled by hand, or by a 410 Gone), due at once,
    its failure score reset."""
    from tracker.store.sources import set_enabled

    with state.engine().begin() as conn:
        _echo(f"enabled {set_enabled(conn, name, True, utcnow())}")


@sources.command("disable")
@click.argument("name")
@pass_state
def disable(state: State, name: str) -> None:
    """Stop polling a source without removing it or its items."""
    from tracker.store.sources import set_enabled

    with state.engine().begin() as conn:
        _echo(f"disabled {set_enabled(conn, name, False, utcnow())}")
