"""tracker export / tracker import: a SQLite database moved to PostgreSQL (and
to another SQLite file) holds the same items, labels and events."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, ROOT, SEEDS

DESK = 30  # articles from the gold set, beside the five seeds: many small events


def tracker(*args: str, cwd: Path, db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {"TRACKER_DATABASE_URL": db, "PYTHONPATH": str(ROOT), "TRACKER_INGEST_BATCH_SIZE": "7"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite database holding the seeds and a folder of gold articles."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    desk = tmp_path / "desk"
    desk.mkdir()
    lines = (DATA / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:DESK]
    for n, line in enumerate(lines):
        doc = json.loads(line)
        (desk / f"{n:03d}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'old.db'}"
    ok(tracker("ingest", "seeds", "desk", cwd=tmp_path, db=db))
    return tmp_path, db


def _items(cwd: Path, db: str) -> dict[str, dict[str, Any]]:
    items = json.loads(ok(tracker("items", "--format", "json", cwd=cwd, db=db)))
    for item in items:  # labels of equal score come in no set order
        item["labels"].sort(key=lambda label: (-label["score"], label["category"]))
    return {i["url"]: {k: v for k, v in i.items() if k not in ("id", "event_id")} for i in items}


def _events(cwd: Path, db: str) -> dict[frozenset[str], dict[str, Any]]:
    events = json.loads(ok(tracker("events", "--format", "json", cwd=cwd, db=db)))
    assert events
    return {
        frozenset(i["url"] for i in e["items"]): {
            k: v for k, v in e.items() if k not in ("id", "items")
        }
        for e in events
    }


def _all_labels(path: Path) -> list[tuple[str, str, float]]:
    """Every label in an export, below the threshold too."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("type") == "item":
                out += [(record["url"], lab["category"], lab["score"]) for lab in record["labels"]]
    return sorted(out)


@pytest.mark.parametrize("target", ["postgresql", "sqlite"])
def test_export_then_import_keeps_items_labels_and_events(
    filled: tuple[Path, str], target: str, request: pytest.FixtureRequest
) -> None:
    cwd, old = filled
    new = str(request.getfixturevalue("postgres_url" if target == "postgresql" else "sqlite_url"))
    if target == "sqlite":
        new = f"sqlite:///{cwd / 'new.db'}"

    out = ok(tracker("export", "all.jsonl.gz", cwd=cwd, db=old))
    assert f"exported 2 sources, {DESK + 5} items to all.jsonl.gz" in out
    imported = ok(tracker("import", "all.jsonl.gz", cwd=cwd, db=new))
    assert f"imported 2 sources, {DESK + 5} new items, 0 duplicate" in imported

    assert _items(cwd, new) == _items(cwd, old)
    assert _events(cwd, new) == _events(cwd, old)
    ok(tracker("export", "again.jsonl.gz", cwd=cwd, db=new))
    assert _all_labels(cwd / "again.jsonl.gz") == _all_labels(cwd / "all.jsonl.gz")

    # Imported events are known: nothing waits in the outbox, and a second
    # import stores nothing twice.
    assert "pending alerts: 0" in ok(tracker("status", cwd=cwd, db=new))
    again = ok(tracker("import", "all.jsonl.gz", cwd=cwd, db=new))
    assert f"0 new items, {DESK + 5} duplicate" in again


def test_import_with_alerts_queues_them(filled: tuple[Path, str]) -> None:
    cwd, old = filled
    ok(tracker("export", "all.jsonl", cwd=cwd, db=old))
    new = f"sqlite:///{cwd / 'new.db'}"
    ok(tracker("--config", "alerting.toml", "import", "--alerts", "all.jsonl", cwd=cwd, db=new))
    status = ok(tracker("status", cwd=cwd, db=new))
    assert "pending alerts: 0" not in status


@pytest.fixture(autouse=True)
def _alerting_config(tmp_path: Path) -> None:
    (tmp_path / "alerting.toml").write_text('[alerts]\nto = ["desk@example.org"]\n')


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ('{"title": "x"}\n', "not a tracker export"),
        ('{"format": "tracker-export", "version": 9}\n', "version 9 is not 1"),
        ('{"format": "tracker-export", "version": 1}\n{oops\n', "bad.jsonl:2: not a JSON line"),
        (
            '{"format": "tracker-export", "version": 1}\n{"type": "item", "source": "x"}\n',
            "not listed before it",
        ),
        (b"\xff\xfe not text", "bad.jsonl: cannot read"),
    ],
)
def test_a_bad_file_is_one_line_naming_what_is_wrong(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    data = content if isinstance(content, bytes) else content.encode()
    (tmp_path / "bad.jsonl").write_bytes(data)
    result = tracker("import", "bad.jsonl", cwd=tmp_path, db=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_or_misnamed_file_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    (tmp_path / "plain.jsonl.gz").write_text('{"format": "tracker-export", "version": 1}\n')
    for name, message in (("gone.jsonl", "cannot open"), ("plain.jsonl.gz", "cannot read")):
        result = tracker("import", name, cwd=tmp_path, db=db)
        assert result.returncode == 1
        assert f"{name}: {message}" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_export_refuses_to_overwrite(filled: tuple[Path, str]) -> None:
    cwd, old = filled
    (cwd / "taken.jsonl").write_text("keep me")
    result = tracker("export", "taken.jsonl", cwd=cwd, db=old)
    assert result.returncode == 1
    assert "taken.jsonl already exists" in result.stderr
    assert (cwd / "taken.jsonl").read_text() == "keep me"
