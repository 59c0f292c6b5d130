"""The daemon: jobs run once or on a schedule, signals stop it cleanly, one
daemon per SQLite database, JSON logs, and job runs recorded for ``status``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_NOW, ROOT, SEEDS, tracker
from sqlalchemy import create_engine, text

from tracker.scheduler import Job, Outcome, Service, StopFlag


def _clock():  # type: ignore[no-untyped-def]
    return FIXED_NOW


def test_run_once_runs_every_job_in_order_and_isolates_failures() -> None:
    seen: list[str] = []
    recorded = []

    def good(name: str) -> Job:
        def run(_stop: StopFlag) -> Outcome:
            seen.append(name)
            return Outcome(f"{name} done", (f"{name} detail",))

        return Job(name, 60, run)

    def broken(_stop: StopFlag) -> Outcome:
        seen.append("broken")
        raise RuntimeError("disk on fire")

    service = Service(
        [good("poll"), Job("broken", 60, broken), good("alerts")],
        clock=_clock,
        record=recorded.append,
    )
    results = service.run_once()
    assert seen == ["poll", "broken", "alerts"]
    assert [r.name for r, _ in results] == ["poll", "broken", "alerts"]
    assert [r.ok for r, _ in results] == [True, False, True]
    assert results[1][0].error == "disk on fire"
    assert [r.name for r in recorded] == ["poll", "broken", "alerts"]


def test_run_once_stops_between_jobs_when_asked() -> None:
    seen: list[str] = []
    service = Service([], clock=_clock)

    def first(_stop: StopFlag) -> Outcome:
        seen.append("first")
        service.stop.set()
        return Outcome("ok")

    def second(_stop: StopFlag) -> Outcome:
        seen.append("second")
        return Outcome("ok")

    service.jobs = [Job("first", 1, first), Job("second", 1, second)]
    service.run_once()
    assert seen == ["first"]


def test_an_outcome_marked_failed_is_recorded_as_an_error() -> None:
    service = Service(
        [Job("poll", 1, lambda _s: Outcome("every source failed", failed=True))], clock=_clock
    )
    ((run, _),) = service.run_once()
    assert not run.ok and run.error == "every source failed"


# --- the real daemon, as a process -------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(
        f'[[sources]]\nname = "seeds"\npath = "{SEEDS}"\ninterval = "1h"\n', encoding="utf-8"
    )
    return tmp_path


def _start(workdir: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TRACKER_DAEMON_TICK": "1s",
        "PYTHONPATH": str(ROOT),
        "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'tracker.db'}",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "run", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_poll(workdir: Path, timeout: float = 30.0) -> None:
    engine = create_engine(f"sqlite:///{workdir / 'tracker.db'}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    runs = conn.execute(
                        text("SELECT runs FROM job_runs WHERE name = 'poll'")
                    ).scalar()
                if runs:
                    return
            except Exception:  # the schema is still being created
                pass
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise AssertionError("the daemon never recorded a poll")


@pytest.fixture
def daemon(workdir: Path) -> Iterator[subprocess.Popen[str]]:
    proc = _start(workdir, "--log-format", "json")
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_daemon_cleanly(
    workdir: Path, daemon: subprocess.Popen[str], signum: int
) -> None:
    _wait_for_poll(workdir)
    started = time.monotonic()
    daemon.send_signal(signum)
    _out, err = daemon.communicate(timeout=15)
    assert daemon.returncode == 0, err
    assert time.monotonic() - started < 10
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert any(r.get("job") == "poll" and r["level"] == "info" for r in records)
    assert records[-1]["message"] == "daemon stopped"
    engine = create_engine(f"sqlite:///{workdir / 'tracker.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == 5
    engine.dispose()


def test_a_second_daemon_on_one_sqlite_database_refuses(
    workdir: Path, daemon: subprocess.Popen[str]
) -> None:
    _wait_for_poll(workdir)
    second = _start(workdir)
    _out, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert f"another tracker daemon (pid {daemon.pid}) is already running" in err
    assert "Traceback" not in err
    daemon.send_signal(signal.SIGTERM)
    daemon.communicate(timeout=15)
    assert daemon.returncode == 0


def test_status_shows_the_jobs_last_and_next_runs(workdir: Path) -> None:
    db = f"sqlite:///{workdir / 'tracker.db'}"
    done = tracker("run", "--once", cwd=workdir, db=db, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "poll: sources=1 new=5" in done.stdout
    status = tracker("status", cwd=workdir, db=db, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "jobs:" in status.stdout
    assert "poll: last run" in status.stdout


def test_status_counts_failed_alerts_and_says_what_to_do(workdir: Path) -> None:
    db = f"sqlite:///{workdir / 'tracker.db'}"
    done = tracker("run", "--once", cwd=workdir, db=db, timeout=60)
    assert done.returncode == 0, done.stderr
    engine = create_engine(db)
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE alerts SET status = 'failed', last_error = '550 no such user'")
        ).rowcount
    engine.dispose()
    assert changed == 1
    status = tracker("status", cwd=workdir, db=db, timeout=60)
    assert "pending alerts: 0   failed alerts: 1" in status.stdout
    assert "alerts list --status failed" in status.stdout
