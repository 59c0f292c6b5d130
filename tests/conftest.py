"""Shared fixtures: a real SQLite file per test, and a fresh PostgreSQL database
per test when ``TRACKER_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts
one). Under CI a missing server is a failure, not a skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def tracker(
    *args: str,
    cwd: Path,
    db: str | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m tracker ARGS`` as a user runs it, with no TRACKER_* setting
    from the test's own environment but those given in ``env`` (and ``db``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    if db:
        full_env["TRACKER_DATABASE_URL"] = db
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_articles(folder: Path, count: int, start: int = 0) -> Path:
    """The dev gold set's articles ``start`` to ``start + count``, one .txt file each."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (DATA / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines[start : start + count], start):
        doc = json.loads(line)
        (folder / f"{n:03d}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n", "utf-8")
    return folder


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail(
                "CI is set but TRACKER_TEST_POSTGRES_URL is not: PostgreSQL tests cannot run"
            )
        pytest.skip("TRACKER_TEST_POSTGRES_URL not set (.ci/run sets it)")
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))
