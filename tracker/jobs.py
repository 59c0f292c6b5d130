"""The daemon's jobs, each one call into the pipeline.

    poll    sync [[sources]] from the config, then poll every due source:
            fetch, parse, classify, store, group into events and queue alerts,
            one transaction per batch (pipeline.poll_due_sources)
    alerts  send the alerts that are pending and due (pipeline.send_pending_alerts)
    digest  in digest mode, send the period's digest when it is due (pipeline.send_digest)

``tracker run`` schedules them; ``tracker run --once`` runs each once, in this order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from tracker import pipeline
from tracker.config import Config
from tracker.errors import TrackerError
from tracker.models import IngestReport
from tracker.ruleset import Ruleset
from tracker.scheduler import Job, Outcome, StopFlag

Clock = Callable[[], datetime]


def daemon_jobs(engine: Engine, *, config: Config, rules: Ruleset, clock: Clock) -> list[Job]:
    """The jobs for this configuration, ticking every ``daemon.tick`` seconds."""
    tick = config["daemon.tick"]

    def poll(stop: StopFlag) -> Outcome:
        pipeline.sync_config_sources(engine, config, clock())
        results = pipeline.poll_due_sources(
            engine, config=config, rules=rules, clock=clock, stop=stop
        )
        return poll_outcome(results)

    def alerts(stop: StopFlag) -> Outcome:
        report = pipeline.send_pending_alerts(engine, config=config, clock=clock, stop=stop)
        return send_outcome(report)

    jobs = [Job("poll", tick, poll), Job("alerts", tick, alerts)]
    if config["alerts.mode"] == "digest":

        def digest(stop: StopFlag) -> Outcome:
            return send_outcome(pipeline.send_digest(engine, config=config, clock=clock, stop=stop))

        jobs.append(Job("digest", tick, digest))
    return jobs


def poll_outcome(results: dict[str, IngestReport | TrackerError]) -> Outcome:
    """One summary line for a poll, a line per source, and whether all failed."""
    details: list[str] = []
    new = duplicate = skipped = failed = 0
    for name, result in results.items():
        if isinstance(result, TrackerError):
            failed += 1
            details.append(f"source={name} failed: {result}")
            continue
        new, duplicate, skipped = (
            new + result.new,
            duplicate + result.duplicate,
            skipped + result.failed,
        )
        details.append(
            f"source={name} new={result.new} duplicate={result.duplicate} skipped={result.failed}"
        )
        details.extend(f"source={name} skipped {where}: {why}" for where, why in result.skipped)
    if not results:
        return Outcome("no source is due")
    summary = (
        f"sources={len(results)} new={new} duplicate={duplicate} skipped={skipped} failed={failed}"
    )
    return Outcome(summary, tuple(details), failed=failed == len(results))


def send_outcome(report: pipeline.SendReport) -> Outcome:
    """The outbox pass in one line, with a line per delivery error."""
    return Outcome(str(report), tuple(f"alert {error}" for error in report.errors))
