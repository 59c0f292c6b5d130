"""Nothing lost, nothing doubled: an ingest and an alert sender killed with
SIGKILL at random moments, then run again, end where one clean run ends.

Each batch of items, with the events it forms and the alerts they call for,
is one transaction; an alert is marked sent only after delivery, and the
outbox file for an alert has one name, so a repeated delivery rewrites it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, tracker, write_articles
from sqlalchemy import create_engine, text

KILLS = 5


def _env(db_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRACKER_DATABASE_URL": db_url,
        "TRACKER_INGEST_BATCH_SIZE": "7",
        "TRACKER_ALERTS_OUTBOX": str(workdir / "outbox"),
        "TRACKER_ALERTS_TO": "analyst@example.org",
    }


def _tracker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tracker(*args, cwd=cwd, env=env, timeout=300)


def _kill_at_random(env: dict[str, str], cwd: Path, rng: random.Random, *args: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(rng.uniform(0.4, 2.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _kill_mid_ingest(env: dict[str, str], cwd: Path, rng: random.Random, corpus: Path) -> int:
    """Kill an ingest soon after its first batch commits; return the items stored."""
    before = _count(env["TRACKER_DATABASE_URL"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "ingest", str(corpus)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if _count(env["TRACKER_DATABASE_URL"]) > before:
            break
        time.sleep(0.02)
    # a batch of 7 commits in a few milliseconds: kill within the next few
    time.sleep(rng.uniform(0.0, 0.02))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return _count(env["TRACKER_DATABASE_URL"])


def _expire_leases(db_url: str) -> None:
    """Let time pass: an alert claimed by a sender that was then killed is due
    again once its lease runs out."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alerts SET next_attempt_at = NULL WHERE status = 'pending'"))
    engine.dispose()


def _count(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM items")).scalar_one())
    finally:
        engine.dispose()


def _state(db_url: str) -> dict[str, object]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            items = conn.execute(
                text("SELECT content_hash, event_id FROM items ORDER BY content_hash")
            ).all()
            labels = conn.execute(
                text(
                    "SELECT i.content_hash, l.category, l.score "
                    "FROM item_labels l JOIN items i ON i.id = l.item_id ORDER BY 1, 2"
                )
            ).all()
            groups: dict[object, set[str]] = {}
            for content_hash, event_id in items:
                groups.setdefault(event_id, set()).add(content_hash)
            alerts = conn.execute(
                text(
                    "SELECT event_id, recipient, status, message_id FROM alerts "
                    "WHERE kind = 'event'"
                )
            ).all()
    finally:
        engine.dispose()
    return {
        "items": [h for h, _ in items],
        "labels": [(h, c, round(float(score), 3)) for h, c, score in labels],
        "events": sorted(sorted(g) for g in groups.values()),
        "alerts": alerts,
    }


def test_sigkill_during_ingest_and_sending_loses_and_doubles_nothing(
    db_url: str, tmp_path: Path
) -> None:
    corpus = write_articles(tmp_path / "corpus", 90)
    rng = random.Random(20261124)

    # The reference: one clean, uninterrupted run into its own database.
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    clean_url = f"sqlite:///{clean_dir / 'clean.db'}"
    clean_env = _env(clean_url, clean_dir)
    assert _tracker(clean_env, clean_dir, "ingest", str(corpus)).returncode == 0
    assert _tracker(clean_env, clean_dir, "alerts", "send").returncode == 0
    expected = _state(clean_url)
    assert len(expected["items"]) == 90 and expected["alerts"], "the corpus must alert"

    work = tmp_path / "crashy"
    work.mkdir()
    env = _env(db_url, work)
    assert _tracker(env, work, "init").returncode == 0
    stored = []
    for _ in range(KILLS):
        stored.append(_kill_mid_ingest(env, work, rng, corpus))
        _kill_at_random(env, work, rng, "alerts", "send")
    # The kills did land mid-run: some left a part of the corpus stored.
    assert any(0 < n < 90 for n in stored), stored
    finished = _tracker(env, work, "ingest", str(corpus))
    assert finished.returncode == 0, finished.stderr
    _expire_leases(db_url)
    sent = _tracker(env, work, "alerts", "send")
    assert sent.returncode == 0, sent.stderr

    state = _state(db_url)
    assert state["items"] == expected["items"]  # none lost, none twice
    assert state["labels"] == expected["labels"]  # no half-written analysis
    assert state["events"] == expected["events"]
    alerts = state["alerts"]
    assert len(alerts) == len(expected["alerts"])
    assert len({(a.event_id, a.recipient) for a in alerts}) == len(alerts)
    assert {a.status for a in alerts} == {"sent"}
    files = sorted((work / "outbox").glob("*.eml"))
    assert len(files) == len(alerts)  # one file per alert: a re-delivery rewrote it
    assert {a.message_id for a in alerts} == {
        line.split(":", 1)[1].strip()
        for f in files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.lower().startswith("message-id:")
    }


@pytest.mark.parametrize("signum", [signal.SIGKILL])
def test_a_killed_daemon_restarts_without_resending(tmp_path: Path, signum: int) -> None:
    corpus = write_articles(tmp_path / "corpus", 40)
    (tmp_path / "config.toml").write_text(
        f'[[sources]]\nname = "corpus"\npath = "{corpus}"\n', encoding="utf-8"
    )
    db_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    env = {**_env(db_url, tmp_path), "TRACKER_DAEMON_TICK": "1s"}
    first = _tracker(env, tmp_path, "run", "--once")
    assert first.returncode == 0, first.stderr
    before = _state(db_url)
    sent_before = {f.name: f.stat().st_mtime_ns for f in (tmp_path / "outbox").glob("*.eml")}
    assert sent_before
    daemon = subprocess.Popen(
        [sys.executable, "-m", "tracker", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    daemon.send_signal(signum)
    daemon.wait()
    again = _tracker(env, tmp_path, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert _state(db_url) == before
    after = {f.name: f.stat().st_mtime_ns for f in (tmp_path / "outbox").glob("*.eml")}
    assert after == sent_before  # nothing written again
