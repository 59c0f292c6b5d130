"""APScheduler wiring and signal handling, nothing else.

The daemon's jobs only tick: each calls one pipeline function that asks the
database what is due (sources whose ``next_check_at`` has passed, pending
alerts whose retry time has come) and does it. ``tracker run --once`` runs the
very same job functions once each, in order, so the daemon and one-shot use
share one code path.

Signals: SIGTERM and SIGINT only set a flag. A watcher thread sees it and shuts
the scheduler down, waiting for the job in hand; jobs look at the same flag
between items, so the item in hand is finished and committed, and the process
exits 0 within seconds.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.errors import TrackerError
from tracker.models import JobRun, StopFlag

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a job's pass reports: a one-line summary, detail lines, and whether
    it failed as a whole (every source down, say) though it raised nothing."""

    summary: str
    details: tuple[str, ...] = ()
    failed: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: ``run(stop)`` does one pass over what is due."""

    name: str
    every: int  # seconds between passes
    run: Callable[[StopFlag], Outcome]


Recorder = Callable[[JobRun], None]


class Service:
    """Runs jobs once (``run_once``) or on a schedule until a signal (``serve``)."""

    def __init__(self, jobs: list[Job], *, clock: Clock, record: Recorder | None = None) -> None:
        self.jobs = jobs
        self.clock = clock
        self.record = record
        self.stop = threading.Event()
        self._stopped = threading.Event()

    def run_job(self, job: Job, next_run_at: datetime | None = None) -> tuple[JobRun, Outcome]:
        """One pass of ``job``; an exception is logged and recorded, never raised."""
        started = self.clock()
        started_mono = time.monotonic()
        try:
            outcome = job.run(self.stop)
            error = outcome.summary if outcome.failed else None
        except Exception as exc:  # one failing job must not stop the others
            # An expected failure (database down, say) is one line; a bug shows its traceback.
            expected = isinstance(exc, TrackerError)
            log.error("job=%s failed: %s", job.name, exc, exc_info=not expected)
            error = str(exc) or type(exc).__name__
            outcome = Outcome(f"failed: {error}", failed=True)
        for line in outcome.details:
            log.info("job=%s %s", job.name, line)
        result = JobRun(job.name, started, self.clock(), outcome.summary, error, next_run_at)
        log.info(
            "job=%s status=%s seconds=%.2f %s",
            job.name,
            "ok" if result.ok else "error",
            time.monotonic() - started_mono,
            outcome.summary,
        )
        if self.record is not None:
            try:
                self.record(result)
            except Exception:  # bookkeeping must not take the daemon down
                log.exception("job=%s could not record its run", job.name)
        return result, outcome

    def run_once(self) -> list[tuple[JobRun, Outcome]]:
        """Every job once, in order; stops early when the stop flag is set."""
        results = []
        for job in self.jobs:
            if self.stop.is_set():
                break
            results.append(self.run_job(job))
        return results

    def serve(self) -> None:
        """Run the jobs on their intervals until SIGTERM or SIGINT."""
        scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, len(self.jobs)))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )
        for job in self.jobs:
            trigger = IntervalTrigger(seconds=job.every, timezone="UTC")
            scheduler.add_job(
                self._tick,
                trigger,
                args=[job, scheduler],
                id=job.name,
                name=job.name,
                next_run_time=self.clock(),
            )
        scheduler.add_listener(_log_missed, EVENT_JOB_MISSED)
        previous = self._install_signal_handlers()
        watcher = threading.Thread(
            target=self._shutdown_on_stop, args=(scheduler,), name="tracker-stop", daemon=True
        )
        watcher.start()
        log.info("daemon started: %s", ", ".join(f"{j.name} every {j.every}s" for j in self.jobs))
        try:
            scheduler.start()
        finally:
            self._stopped.set()
            self.stop.set()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        log.info("daemon stopped")

    def _tick(self, job: Job, scheduler: BlockingScheduler) -> None:
        if self.stop.is_set():
            return
        scheduled = scheduler.get_job(job.name)
        upcoming = scheduled.next_run_time if scheduled is not None else None
        if upcoming is None:
            upcoming = self.clock() + timedelta(seconds=job.every)
        self.run_job(job, upcoming)

    def _install_signal_handlers(self) -> dict[int, signal.Handlers | Callable[..., object] | int]:
        def request_stop(signum: int, _frame: FrameType | None) -> None:
            # Only a flag: the watcher thread does the shutting down.
            self.stop.set()

        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.getsignal(signum)
            signal.signal(signum, request_stop)
        return previous  # type: ignore[return-value]

    def _shutdown_on_stop(self, scheduler: BlockingScheduler) -> None:
        self.stop.wait()
        if self._stopped.is_set():
            return
        log.info("stop requested: finishing the work in hand")
        while not scheduler.running:  # a signal during start-up
            if self._stopped.is_set():
                return
            time.sleep(0.05)
        scheduler.shutdown(wait=True)


def _log_missed(event: JobExecutionEvent) -> None:
    log.warning("job=%s missed its run at %s", event.job_id, event.scheduled_run_time)
