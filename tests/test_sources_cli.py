"""`tracker sources` and `tracker ingest URL` as a user runs them: real
processes, a real SQLite file, a real local feed server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import tracker
from feedserver import FeedServer, rss, serve_feeds

STORY = ("Regulator opens probe", "https://news.example.com/probe", "The CMA opened a probe.")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    yield from serve_feeds()


def test_sources_add_list_remove_and_ingest_url(feed_server: FeedServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    url = feed_server.add("/f.rss", rss(STORY))
    secret = url.replace("http://", "http://me:hunter2@")
    env = {"TRACKER_FEEDS_HOST_DELAY": "0"}

    added = tracker(
        "sources",
        "add",
        secret,
        "--name",
        "wire",
        "--interval",
        "30m",
        cwd=tmp_path,
        db=db,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert "added feed wire: checked every 30m" in added.stdout
    again = tracker(
        "sources",
        "add",
        url.replace("f.rss", "g.rss"),
        "--name",
        "wire",
        cwd=tmp_path,
        db=db,
        env=env,
    )
    assert again.returncode == 1 and "already exists" in again.stderr

    run = tracker("ingest", secret, cwd=tmp_path, db=db, env=env)
    assert run.returncode == 0, run.stderr
    assert "1 new, 0 duplicate" in run.stdout and "hunter2" not in run.stdout + run.stderr

    listed = tracker("sources", "list", "--format", "json", cwd=tmp_path, db=db, env=env)
    (row,) = json.loads(listed.stdout)
    assert row["name"] == "wire" and row["last_status"] == "ok" and row["interval_seconds"] == 1800
    assert row["location"] == secret.replace(":hunter2@", ":***@")
    table = tracker("sources", "list", cwd=tmp_path, db=db, env=env)
    assert "wire [feed]" in table.stdout and "hunter2" not in table.stdout

    removed = tracker("sources", "remove", "wire", cwd=tmp_path, db=db, env=env)
    assert removed.returncode == 0 and "removed wire and its 1 items" in removed.stdout
    assert (
        json.loads(tracker("sources", "list", "--format", "json", cwd=tmp_path, db=db).stdout) == []
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ingest", "file:///etc/passwd"), 2, "not a file: URL"),
        (("ingest", "ftp://u:pw@x.example/f"), 2, "only http and https"),
        (("sources", "add", "gopher://x.example/f"), 2, "only http(s) feed URLs"),
        (("sources", "add", "no/such/folder"), 2, "no such file or folder"),
        (("sources", "remove", "nothing"), 1, "no source named 'nothing'"),
        (("ingest", "http://127.0.0.1:9/feed.rss"), 1, "cannot connect"),
    ],
)
def test_bad_sources_are_one_line_errors(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    out = tracker(*args, cwd=tmp_path, db=f"sqlite:///{tmp_path / 't.db'}")
    assert out.returncode == code, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr and "pw@" not in out.stderr
