"""A busy or restarting database: a batch is retried from the start with
growing delays, never half-written, and a database that stays unavailable
ends in one clear line."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from subprocess import Popen

import pytest
from conftest import ROOT, tracker, write_articles
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from tracker.store.db import create_db_engine, ensure_schema
from tracker.store.retry import in_transaction


def _short_busy_timeout(engine) -> None:  # type: ignore[no-untyped-def]
    """Make SQLite give up waiting for a lock after 50 ms, so retries show quickly."""

    @event.listens_for(engine, "connect")
    def _set(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    engine.dispose()  # pooled connections opened before keep the long timeout


def _insert_two(conn) -> int:  # type: ignore[no-untyped-def]
    conn.execute(text("INSERT INTO job_runs (name, runs) VALUES ('a', 1)"))
    conn.execute(text("INSERT INTO job_runs (name, runs) VALUES ('b', 1)"))
    return 2


def test_a_locked_sqlite_database_is_retried_until_the_writer_lets_go(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_db_engine(sqlite_url)
    ensure_schema(engine)
    _short_busy_timeout(engine)
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    releaser = threading.Timer(0.5, other.execute, args=("COMMIT",))
    releaser.start()
    with caplog.at_level(logging.WARNING, logger="tracker.store.retry"):
        assert in_transaction(engine, _insert_two) == 2
    releaser.join()
    assert any("database is locked" in r.getMessage() for r in caplog.records)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job_runs")).scalar() == 2
    other.close()
    engine.dispose()


def test_a_database_that_stays_locked_fails_with_nothing_half_written(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    ensure_schema(engine)
    _short_busy_timeout(engine)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    slept: list[float] = []
    with pytest.raises(OperationalError, match="database is locked"):
        in_transaction(engine, _insert_two, sleep=slept.append)
    assert slept == [0.2, 0.4, 0.8, 1.6, 3.2]  # growing delays between the six tries
    other.execute("ROLLBACK")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job_runs")).scalar() == 0
    other.close()
    engine.dispose()


def test_a_locked_database_in_the_cli_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    url = f"sqlite:///{db}"
    init = tracker("init", cwd=tmp_path, db=url, timeout=60)
    assert init.returncode == 0, init.stderr
    article = tmp_path / "a.txt"
    article.write_text("The FTC opened an inquiry into Microsoft's stake in OpenAI.\n", "utf-8")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        # Each try waits out SQLite's 10 s busy timeout: keep the file locked throughout.
        done = tracker("ingest", str(article), cwd=tmp_path, db=url, timeout=300)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "database is locked" in lines[-1]
    assert "Traceback" not in done.stderr


# --- PostgreSQL cut off in the middle of an ingest ---------------------------------

ARTICLES = 60


def _start_ingest(tmp_path: Path, postgres_url: str) -> tuple[Path, dict[str, str], Popen[str]]:
    """A fresh database and an ingest of ARTICLES articles in batches of three, running."""
    corpus = write_articles(tmp_path / "corpus", ARTICLES)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRACKER_DATABASE_URL": postgres_url,
        "TRACKER_INGEST_BATCH_SIZE": "3",
    }
    assert tracker("init", cwd=tmp_path, env=env, timeout=60).returncode == 0
    proc = Popen(
        [sys.executable, "-m", "tracker", "ingest", str(corpus)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return corpus, env, proc


def _finish(proc: Popen[str], corpus: Path, env: dict[str, str], tmp_path: Path) -> str:
    """Wait for the ingest; when it was cut off outside a retried batch it must
    have said so in one line, and a second run completes. Returns its stderr."""
    _out, err = proc.communicate(timeout=300)
    if proc.returncode != 0:
        assert err.strip().splitlines()[-1].startswith("error: "), err
        assert "Traceback" not in err
        again = tracker("ingest", str(corpus), cwd=tmp_path, env=env, timeout=300)
        assert again.returncode == 0, again.stderr
    return err


def _analysed(url: str) -> tuple[int, int, set[tuple[str, str]]]:
    """Items stored, distinct contents, and every (content, category) analysed."""
    engine = create_engine(url)
    with engine.connect() as conn:
        stored, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT content_hash) FROM items")
        ).one()
        labels = conn.execute(
            text(
                "SELECT i.content_hash, l.category FROM item_labels l "
                "JOIN items i ON i.id = l.item_id"
            )
        ).all()
    engine.dispose()
    return stored, distinct, {(h, c) for h, c in labels}


def test_postgresql_connections_dropped_mid_ingest_are_retried(
    postgres_url: str, tmp_path: Path
) -> None:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
    corpus, env, proc = _start_ingest(tmp_path, postgres_url)
    killed = 0
    with admin.connect() as conn:
        while proc.poll() is None:
            # As a server restart does: every session of that database is cut off.
            killed += conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar_one()
            time.sleep(0.3)
    admin.dispose()
    err = _finish(proc, corpus, env, tmp_path)
    assert killed, "no connection was cut: the test proved nothing"
    stored, distinct, _ = _analysed(postgres_url)
    assert stored == distinct == ARTICLES, err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:////no/such/folder/tracker.db", "folder /no/such/folder does not exist"),
        ("sqlite:////dev/full", "database or disk is full"),
        ("sqlite:///file:{db}?mode=ro&uri=true", "attempt to write a readonly database"),
    ],
    ids=["bad path", "disk full", "read-only"],
)
def test_a_database_that_cannot_be_written_is_one_line(tmp_path: Path, url: str, says: str) -> None:
    db = tmp_path / "tracker.db"
    assert tracker("init", cwd=tmp_path, db=f"sqlite:///{db}", timeout=60).returncode == 0
    article = tmp_path / "a.txt"
    article.write_text(
        "The CMA opened a merger inquiry into Microsoft's hiring of Inflection.\n", "utf-8"
    )
    done = tracker("ingest", str(article), cwd=tmp_path, db=url.format(db=db))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert says in done.stderr


def test_a_postgresql_restart_during_an_ingest_loses_and_doubles_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    restart = os.environ.get("TRACKER_TEST_POSTGRES_RESTART")
    if not restart:
        if os.environ.get("CI"):
            pytest.fail("CI is set but TRACKER_TEST_POSTGRES_RESTART is not (.ci/run sets it)")
        pytest.skip("TRACKER_TEST_POSTGRES_RESTART names no script that restarts the server")
    corpus, env, proc = _start_ingest(tmp_path, postgres_url)
    engine = create_engine(postgres_url)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM items")).scalar_one():
                break
        time.sleep(0.05)
    engine.dispose()
    subprocess.run([restart], check=True, timeout=120)  # mid-ingest: every session is cut
    err = _finish(proc, corpus, env, tmp_path)
    stored, distinct, analysed = _analysed(postgres_url)
    assert stored == distinct == ARTICLES, err
    # Every item with its whole analysis, as one uninterrupted run stores it.
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    clean = tracker("ingest", str(corpus), cwd=tmp_path, db=reference, timeout=300)
    assert clean.returncode == 0, clean.stderr
    assert analysed == _analysed(reference)[2]
