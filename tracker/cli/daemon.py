"""``tracker run``: the daemon, or one pass of it with ``--once``."""

from __future__ import annotations

import logging

import click

from tracker.cli.base import State, _echo, _note, cli, log_level, pass_state, utcnow
from tracker.errors import TrackerError
from tracker.logs import LOG_FORMATS, configure_logging
from tracker.models import JobRun


@cli.command()
@click.option("--once", is_flag=True, help="Run each job once (poll, then alerts) and exit.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    help="json writes one object per line, for log collectors.",
)
@pass_state
def run(state: State, once: bool, log_format: str) -> None:
    """Run the daemon: poll due sources, group new items into events, send alerts.

    The jobs tick every [daemon] tick; the database says what is due (each
    source's next check, each alert's next attempt). SIGTERM or Ctrl-C finishes
    the item in hand, commits and exits 0. On SQLite one daemon runs per
    database; on PostgreSQL several may share the work.

    With --once, each job runs once and the command prints what it did: the
    same code the daemon runs, for cron or a first look.
    """
    from tracker.jobs import daemon_jobs
    from tracker.lock import daemon_lock
    from tracker.scheduler import Service
    from tracker.store.jobs import record_job_run

    configure_logging(
        log_level(state.verbose, logging.WARNING if once else logging.INFO), log_format
    )
    engine, config = state.engine(), state.config
    jobs = daemon_jobs(engine, config=config, rules=state.rules(), clock=utcnow)

    def record(job_run: JobRun) -> None:
        with engine.begin() as conn:
            record_job_run(conn, job_run)

    service = Service(jobs, clock=utcnow, record=record)
    with daemon_lock(config["database.url"]):
        if not once:
            service.serve()
            return
        results = service.run_once()
    for job_run, outcome in results:
        for line in outcome.details:
            (_note if " failed: " in line or " skipped " in line else _echo)(line)
        _echo(f"{job_run.name}: {outcome.summary}")
    failed = [job_run for job_run, _ in results if not job_run.ok]
    if failed:
        raise TrackerError(
            "; ".join(f"{r.name} failed: {r.error}" for r in failed),
            hint="see the lines above; tracker status shows each source's last error",
        )
