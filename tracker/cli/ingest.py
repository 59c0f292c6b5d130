"""Commands that fill and inspect the database: init, ingest, run, status, config."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import State, _echo, _note, cli, pass_state, utcnow
from tracker.config import SETTINGS, mask_url
from tracker.errors import TrackerError
from tracker.models import CATEGORIES


@cli.command()
@pass_state
def init(state: State) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from tracker.store.db import upgrade

    before, after = upgrade(state.engine(migrate=False))
    where = mask_url(state.config["database.url"])
    if before == after:
        _echo(f"{where}: schema is up to date (revision {after})")
    else:
        _echo(
            f"{where}: schema {'created' if before is None else 'upgraded from ' + before} "
            f"at revision {after}"
        )


def _progress_for(paths: list[Path]) -> tuple[Callable[[int], None] | None, Any]:
    if not sys.stderr.isatty():
        return None, None
    from tracker.fetch import iter_files

    total = sum(1 for p in paths for _ in iter_files(p))
    if total < 20:
        return None, None
    bar = click.progressbar(length=total, label="ingesting", file=sys.stderr)
    bar.__enter__()
    return bar.update, bar


def _summary(name: str, report: Any) -> str:
    return f"{name}: {report.new} new, {report.duplicate} duplicate, {report.failed} skipped"


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--no-alerts",
    is_flag=True,
    help="Queue no alert emails for the events found (importing an archive of old news).",
)
@pass_state
def ingest(state: State, paths: tuple[str, ...], no_alerts: bool) -> None:
    """Ingest files, folders (recursively) and feed URLs once.

    Reads .txt, .md and .html files, and RSS, Atom or RDF feeds at http(s) URLs
    (fetched now, whatever their cache headers say; a new feed URL becomes a
    source, see `tracker sources`). The same content twice is stored once.
    Prints how many items were new, duplicates or skipped, and why. New events
    that match [alerts] are queued for `tracker alerts send` unless --no-alerts
    is given; events seen with --no-alerts never alert later.
    """
    from tracker.errors import SourceError
    from tracker.pipeline import ingest_feed, ingest_path
    from tracker.urls import redact

    engine, rules = state.engine(), state.rules()
    targets = [_target(given) for given in paths]
    progress, bar = _progress_for([t for t in targets if isinstance(t, Path)])
    totals = [0, 0, 0]
    failed: list[str] = []
    try:
        for given, path in zip(paths, targets, strict=True):
            if isinstance(path, str):
                try:
                    report = ingest_feed(
                        engine,
                        path,
                        config=state.config,
                        rules=rules,
                        clock=utcnow,
                        alerts=not no_alerts,
                    )
                except SourceError as exc:
                    _note(f"{redact(given)}: failed: {exc}")
                    failed.append(redact(given))
                    continue
                _echo(_summary(redact(given), report))
                totals = [a + b for a, b in zip(totals, _counts(report), strict=True)]
                continue
            report = ingest_path(
                engine,
                path,
                name=given,
                config=state.config,
                rules=rules,
                clock=utcnow,
                progress=progress,
                alerts=not no_alerts,
            )
            if bar is not None:
                bar.render_finish()
            _echo(_summary(given, report))
            for where, reason in report.skipped:
                _note(f"  skipped {where}: {reason}")
            totals = [
                totals[0] + report.new,
                totals[1] + report.duplicate,
                totals[2] + report.failed,
            ]
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if len(paths) > 1:
        _echo(f"total: {totals[0]} new, {totals[1]} duplicate, {totals[2]} skipped")
    if failed:
        raise TrackerError(
            f"{len(failed)} of {len(paths)} could not be read: {', '.join(failed)}",
            hint="see the lines above",
        )


def _target(given: str) -> Path | str:
    """A feed URL as a string, anything else as a path."""
    from tracker.urls import is_http_url, redact

    scheme = given.split(":", 1)[0].lower() if "://" in given else ""
    if scheme in ("http", "https") and is_http_url(given):
        return given
    if scheme == "file":
        raise click.BadParameter(f"{given}: give a local file or folder as a path, not a file: URL")
    if scheme:
        raise click.BadParameter(f"{redact(given)}: only http and https feed URLs are read")
    return Path(given)


def _counts(report: Any) -> list[int]:
    return [report.new, report.duplicate, report.failed]


@cli.command()
@pass_state
def status(state: State) -> None:
    """The database, its sources' health, and what it holds."""
    from tracker.store.db import current_revision, head_revision
    from tracker.store.jobs import list_job_runs
    from tracker.store.queries import source_health, totals

    engine = state.engine()
    with engine.connect() as conn:
        revision = current_revision(conn)
        counts = totals(conn, state.config["classify.threshold"])
        sources = source_health(conn)
        jobs = list_job_runs(conn)
    _echo(
        f"database: {mask_url(state.config['database.url'])} (schema {revision}, "
        f"newest {head_revision()})"
    )
    _echo(
        f"items: {counts['items']}   events: {counts['events']}   "
        f"pending alerts: {counts['alerts_pending']}"
        + (f"   failed alerts: {counts['alerts_failed']}" if counts["alerts_failed"] else "")
    )
    if counts["alerts_failed"]:
        _echo("  (tracker alerts list --status failed says why; alerts send --retry-failed)")
    labels = counts["labels"]
    _echo("labels: " + ", ".join(f"{c} {labels.get(c, 0)}" for c in CATEGORIES))
    if counts["latest_item"]:
        _echo(f"last item stored: {counts['latest_item']:%Y-%m-%d %H:%M} UTC")
    _echo_jobs(jobs)
    if not sources:
        _echo("sources: none yet (tracker ingest PATH, or [[sources]] in config.toml)")
        return
    _echo("sources:")
    for s in sources:
        health = s["last_status"] or "never checked"
        if s["error_count"]:
            health += (
                f" ({s['error_count']} errors, failure score {s['failure_score']:g}: "
                f"{s['last_error']})"
            )
        if not s["enabled"]:
            health = f"disabled: {s['disabled_reason'] or 'by hand'}"
        last = f"{s['last_checked_at']:%Y-%m-%d %H:%M}" if s["last_checked_at"] else "-"
        nxt = f"{s['next_check_at']:%Y-%m-%d %H:%M}" if s["next_check_at"] else "-"
        _echo(f"  {s['name']} [{s['kind']}] {s['items']} items, last {last}, next {nxt}, {health}")


def _echo_jobs(jobs: list[dict[str, Any]]) -> None:
    if not jobs:
        _echo("jobs: the daemon has not run yet (tracker run, or tracker run --once)")
        return
    _echo("jobs:")
    for job in jobs:
        last = f"{job['last_started_at']:%Y-%m-%d %H:%M:%S}" if job["last_started_at"] else "-"
        nxt = f"{job['next_run_at']:%Y-%m-%d %H:%M:%S}" if job["next_run_at"] else "-"
        outcome = job["last_status"] or "-"
        if job["last_error"]:
            outcome += f": {job['last_error']}"
        _echo(f"  {job['name']}: last run {last} UTC ({outcome}), next {nxt}, {job['runs']} runs")


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command()
@click.option(
    "--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True
)
@pass_state
def dump(state: State, fmt: str) -> None:
    """Print the effective configuration, secrets masked, with where each value came from."""
    from tracker import report

    cfg = state.config
    dumped = cfg.dump()
    if fmt == "json":
        sources = [{k: v for k, v in vars_(s).items() if v is not None} for s in cfg.sources]
        _echo(report.render_json({**dumped, "sources": sources}))
        return
    _echo(f"# configuration file: {cfg.path or 'none (defaults)'}")
    for section in dict.fromkeys(s.section for s in SETTINGS):
        _echo(f"\n[{section}]")
        for setting in (s for s in SETTINGS if s.section == section):
            value = dumped[section][setting.key]
            _echo(
                f"{setting.key} = {_toml_value(value)}  # {cfg.origins.get(setting.name)}: "
                f"{setting.help}"
            )
    for source in cfg.sources:
        _echo("\n[[sources]]")
        for key, value in vars_(source).items():
            if value is not None:
                _echo(f"{key} = {_toml_value(value)}")


def vars_(source: Any) -> dict[str, Any]:
    return {k: getattr(source, k) for k in ("name", "path", "url", "interval")}


def _toml_value(value: Any) -> str:
    import json

    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(str(value))
