"""Files that strangers wrote: each bad one gets a one-line reason, the rest of
the run goes on, and nothing from a file reaches the terminal as a control
sequence."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import tracker

ARTICLE = (
    "EU opens antitrust probe into chip deal\n\n"
    "The European Commission opened an in-depth investigation on Monday into Nvidia's "
    "planned acquisition of a stake in Run:ai, the regulator said.\n"
)


def _tracker(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tracker(
        *args,
        cwd=tmp_path,
        db=f"sqlite:///{tmp_path / 'tracker.db'}",
        env={"TRACKER_INGEST_MAX_FILE_MB": "20"},
    )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.txt").write_bytes(b"")
    with (folder / "huge.txt").open("wb") as handle:  # 30 MB of text, over the 20 MB cap
        line = b"The regulator said it would look at the deal again next year.\n"
        handle.write(line * (30_000_000 // len(line) + 1))
    (folder / "bad utf-8.txt").write_bytes(
        b"Autorit\xe9 de la concurrence fines Google \xff\xfe over AI training data\n\n"
        b"The French competition authority fined Google 250 million euros.\n"
    )
    (folder / "cp1252 ümlaut.txt").write_bytes(
        "Bundeskartellamt prüft Microsofts Beteiligung – „eine Fusionskontrolle“\n\n"
        "Das Bundeskartellamt hat eine Prüfung eingeleitet.\n".encode("cp1252")
    )
    (folder / "日本語 title.txt").write_text(
        "JFTC opens market study into generative AI\n\nJapan's Fair Trade Commission opened "
        "a market study into generative AI on Thursday.\n",
        encoding="utf-8",
    )
    (folder / "script.html").write_text(
        "<html><head><title>FTC sues \x1b[31mAcme AI\x1b[0m<script>alert(1)</script>"
        "</title></head><body><p>The FTC sued Acme AI on Monday.</p>"
        "<script>document.write('x')</script></body></html>",
        encoding="utf-8",
    )
    (folder / "control.txt").write_text(
        "CMA clears \x1b]0;pwned\x07 deal \x1b[2J\n\nThe CMA cleared the deal.\n", "utf-8"
    )
    (folder / "archive.zip").write_bytes(b"PK\x03\x04")
    (folder / "loop").symlink_to(folder)  # a folder that contains itself
    (folder / "self.txt").symlink_to(folder / "self.txt")  # a file link loop
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    os.mkfifo(folder / "pipe.txt")  # would block a naive read forever
    return folder


def test_every_hostile_file_is_skipped_with_a_reason_and_the_rest_ingested(
    tmp_path: Path, inbox: Path
) -> None:
    done = _tracker(tmp_path, "ingest", str(inbox))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    reasons = {
        line.split("skipped ", 1)[1].split(": ", 1)[0].rsplit("/", 1)[-1]: line
        for line in done.stderr.splitlines()
        if "skipped " in line
    }
    assert set(reasons) == {
        "binary.txt",
        "empty.txt",
        "huge.txt",
        "archive.zip",
        "self.txt",
        "dangling.txt",
        "pipe.txt",
    }, done.stderr
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "too large" in reasons["huge.txt"] and "max_file_mb" in reasons["huge.txt"]
    assert "unsupported file type .zip" in reasons["archive.zip"]
    assert "not a regular file" in reasons["pipe.txt"]
    # good, bad utf-8, cp1252, non-ASCII name, html, control: ingested once each
    # (the folder link loop is walked once)
    assert "6 new" in done.stdout, done.stdout

    listed = _tracker(tmp_path, "items", "--format", "json")
    titles = {item["title"] for item in json.loads(listed.stdout)}
    assert any(t.startswith("Autorité de la concurrence fines Google") for t in titles)
    assert any("Bundeskartellamt prüft Microsofts Beteiligung" in t for t in titles)
    assert "JFTC opens market study into generative AI" in titles


def test_control_sequences_never_reach_the_terminal(tmp_path: Path, inbox: Path) -> None:
    assert _tracker(tmp_path, "ingest", str(inbox)).returncode == 0
    for args in (("items",), ("items", "--format", "csv"), ("events",)):
        shown = _tracker(tmp_path, *args)
        assert shown.returncode == 0, shown.stderr
        assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout, args
        assert "<script>" not in shown.stdout
    as_json = _tracker(tmp_path, "items", "--format", "json").stdout
    assert "\x1b" not in as_json  # JSON escapes it as \u001b


def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    locked = folder / "locked.txt"
    locked.write_text(ARTICLE.replace("Monday", "Tuesday"), encoding="utf-8")
    locked.chmod(0)
    done = _tracker(tmp_path, "ingest", str(folder))
    assert done.returncode == 0
    assert "locked.txt: permission denied" in done.stderr
    assert "1 new" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("report", "trends", "--entity", "x' OR '1'='1"),
        ("report", "trends", "--jurisdiction", "EU'; DROP TABLE items; --"),
        ("report", "entities", "--since", "2024-01-01"),
        ("events", "--since", "2024-01-01"),
    ],
)
def test_filters_are_bound_parameters_not_sql(tmp_path: Path, inbox: Path, args: tuple) -> None:
    assert _tracker(tmp_path, "ingest", str(inbox)).returncode == 0
    shown = _tracker(tmp_path, *args, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    if "--entity" in args or "--jurisdiction" in args:
        assert all(row["count"] == 0 for row in json.loads(shown.stdout))
    items = json.loads(_tracker(tmp_path, "items", "--format", "json").stdout)
    assert len(items) == 6  # nothing dropped, nothing widened


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("items", "--since", "yesterday-ish"), "'yesterday-ish'"),
        (("items", "--limit", "-3"), "-3"),
        (("report", "trends", "--period", "fortnight"), "'fortnight'"),
        (("items", "--category", "mergers"), "'mergers'"),
    ],
)
def test_bad_arguments_are_named_in_one_line(tmp_path: Path, args: tuple, named: str) -> None:
    shown = _tracker(tmp_path, *args)
    assert shown.returncode == 2
    assert named in shown.stderr and "Traceback" not in shown.stderr


@pytest.mark.parametrize("pattern", ["%", "_%", "%Commission%"])
def test_an_entity_filter_is_a_name_not_a_pattern(
    tmp_path: Path, inbox: Path, pattern: str
) -> None:
    assert _tracker(tmp_path, "ingest", str(inbox)).returncode == 0
    assert json.loads(_tracker(tmp_path, "events", "--format", "json").stdout)
    shown = _tracker(tmp_path, "events", "--entity", pattern, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == []
