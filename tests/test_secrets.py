"""Secrets stay secret: the SMTP password and a database password never appear
in logs (even with -vv and tracebacks), `config dump`, `status` or errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SEEDS, tracker
from sqlalchemy.engine import make_url

DB_SECRET = "db-s3cret-Pw"
SMTP_SECRET = "smtp-hunter22"


def _run(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": "1",  # nothing listens: delivery fails, and is logged
        "TRACKER_SMTP_USERNAME": "alerts",
        "TRACKER_SMTP_PASSWORD": SMTP_SECRET,
        "TRACKER_DAEMON_TICK": "1s",
    }
    return tracker(*args, cwd=tmp_path, db=db_url, env=env)


def _with_password(url: str) -> str:
    return make_url(url).set(password=DB_SECRET).render_as_string(hide_password=False)


def _assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    for stream in (done.stdout, done.stderr):
        assert DB_SECRET not in stream
        assert SMTP_SECRET not in stream


def test_an_unreachable_database_hides_its_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bob:{DB_SECRET}@127.0.0.1:1/tracker"
    for args in (("status",), ("-vv", "status"), ("-vv", "run", "--once")):
        done = _run(tmp_path, url, *args)
        assert done.returncode == 1
        _assert_clean(done)
    assert "bob:***@127.0.0.1:1" in done.stderr


def test_a_working_run_logs_no_secret(tmp_path: Path, postgres_url: str) -> None:
    # The test server trusts local connections, so the password is carried but unused.
    url = _with_password(postgres_url)
    (tmp_path / "config.toml").write_text(
        f'[[sources]]\nname = "seeds"\npath = "{SEEDS}"\n', encoding="utf-8"
    )
    for args in (
        ("-vv", "run", "--once", "--log-format", "json"),
        ("-vv", "alerts", "send"),
        ("status",),
        ("config", "dump"),
        ("config", "dump", "--format", "json"),
        ("alerts", "list"),
    ):
        done = _run(tmp_path, url, *args)
        _assert_clean(done)
    dump = _run(tmp_path, url, "config", "dump").stdout
    assert "***" in dump


@pytest.mark.parametrize(
    "args", [("-vv", "ingest", "https://alice:pw-in-feed-url@127.0.0.1:1/feed")]
)
def test_a_feed_url_password_is_never_shown(tmp_path: Path, sqlite_url: str, args: tuple) -> None:
    done = _run(tmp_path, sqlite_url, *args)
    assert "pw-in-feed-url" not in done.stdout + done.stderr
