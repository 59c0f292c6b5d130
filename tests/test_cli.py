"""The command line as a user runs it: real processes, real databases."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, tracker


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def test_ingest_seeds_twice_then_items_json(workdir: Path, db_url: str) -> None:
    first = tracker("ingest", "seeds", cwd=workdir, db=db_url)
    assert first.returncode == 0, first.stderr
    assert "seeds: 5 new, 0 duplicate, 0 skipped" in first.stdout
    second = tracker("ingest", "seeds/", cwd=workdir, db=db_url)
    assert second.returncode == 0, second.stderr
    assert "0 new, 5 duplicate" in second.stdout

    out = tracker("items", "--format", "json", cwd=workdir, db=db_url)
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)
    assert len(items) == 5
    by_file = {Path(i["url"]).name[:3]: i for i in items}
    for item in items:
        assert {"id", "title", "url", "published_at", "source", "labels", "event_id"} <= set(item)
        assert item["url"].startswith("file://")
        cats = {lab["category"] for lab in item["labels"]}
        assert {"investment", "partnership"} <= cats
        assert all(lab["evidence"] and 0 <= lab["score"] <= 1 for lab in item["labels"])
    assert "regulatory_action" in {lab["category"] for lab in by_file["002"]["labels"]}
    assert "model_release" in {lab["category"] for lab in by_file["003"]["labels"]}
    for other in ("000", "001", "003", "004"):
        assert "regulatory_action" not in {lab["category"] for lab in by_file[other]["labels"]}
    assert by_file["002"]["published_at"].startswith("2024-02-27")

    only = json.loads(
        tracker(
            "items", "--category", "regulatory_action", "--format", "json", cwd=workdir, db=db_url
        ).stdout
    )
    assert [Path(i["url"]).name[:3] for i in only] == ["002"]
    dated = json.loads(
        tracker("items", "--until", "2024-03-01", "--format", "json", cwd=workdir, db=db_url).stdout
    )
    assert [Path(i["url"]).name[:3] for i in dated] == ["002"]

    csv_out = tracker("items", "--format", "csv", cwd=workdir, db=db_url).stdout.splitlines()
    assert csv_out[0] == "id,published,labels,title,evidence" and len(csv_out) == 6

    status = tracker("status", cwd=workdir, db=db_url)
    assert status.returncode == 0 and "items: 5" in status.stdout


def test_run_once_uses_configured_sources(workdir: Path, db_url: str) -> None:
    (workdir / "config.toml").write_text('[[sources]]\nname = "seeds"\npath = "seeds"\n')
    result = tracker("run", "--once", cwd=workdir, db=db_url)
    assert result.returncode == 0, result.stderr
    assert "source=seeds new=5 duplicate=0 skipped=0" in result.stdout
    assert "poll: sources=1 new=5" in result.stdout
    again = tracker("run", "--once", cwd=workdir, db=db_url)
    assert again.returncode == 0 and "poll: no source is due" in again.stdout


def test_init_creates_then_reports_up_to_date(workdir: Path, db_url: str) -> None:
    first = tracker("init", cwd=workdir, db=db_url)
    assert first.returncode == 0 and "created" in first.stdout, first.stderr
    second = tracker("init", cwd=workdir, db=db_url)
    assert "up to date" in second.stdout


def test_skipped_files_are_reported_and_the_rest_go_on(workdir: Path, sqlite_url: str) -> None:
    (workdir / "seeds" / "empty.txt").write_bytes(b"")
    (workdir / "seeds" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (workdir / "seeds" / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = tracker("ingest", "seeds", cwd=workdir, db=sqlite_url)
    assert result.returncode == 0
    assert "5 new, 0 duplicate, 3 skipped" in result.stdout
    assert "empty file" in result.stderr and "binary" in result.stderr
    assert "unsupported file type .pdf" in result.stderr


def test_classify_stdin_json(workdir: Path) -> None:
    text = (
        "FTC opens inquiry into Microsoft's stake in Mistral AI\n\n"
        "The Federal Trade Commission opened an inquiry into Microsoft's €15 million "
        "investment in Mistral AI on Tuesday."
    )
    result = tracker("classify", "-", "--format", "json", cwd=workdir, stdin=text)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"labels", "entities", "amounts"} <= set(doc)
    cats = {lab["category"] for lab in doc["labels"]}
    # An inquiry into an earlier stake is the regulator's news, not a new investment.
    assert cats == {"regulatory_action"}
    assert {"kind": "regulator", "name": "Federal Trade Commission", "role": "regulator"} in doc[
        "entities"
    ]
    assert doc["amounts"][0]["currency"] == "EUR" and doc["amounts"][0]["value"] == 15_000_000


def test_eval_json(workdir: Path) -> None:
    gold = workdir / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "1",
                "title": "Nvidia invests in Mistral AI",
                "text": "Nvidia invested $100 million in Mistral AI.",
                "labels": ["investment"],
            }
        )
        + "\n"
        + json.dumps({"id": "2", "title": "Weather", "text": "It rained.", "labels": []})
        + "\n"
    )
    result = tracker("eval", str(gold), "--format", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["n"] == 2 and doc["per_category"]["investment"]["recall"] == 1.0
    assert set(doc) == {"per_category", "micro_f1", "macro_f1", "n"}


def test_eval_verbose_lists_misclassified_items(workdir: Path) -> None:
    gold = workdir / "gold.jsonl"
    lines = [
        {"id": "a", "title": "Nvidia invests in Mistral AI", "text": "Nvidia invested "
         "$100 million in Mistral AI.", "labels": []},
        {"id": "b", "title": "Weather", "text": "It rained.", "labels": ["partnership"]},
    ]  # fmt: skip
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = tracker("eval", "-v", str(gold), cwd=workdir)
    assert table.returncode == 0, table.stderr
    assert "false  investment" in table.stdout and "dev" not in table.stdout
    assert "missed partnership" in table.stdout and "no evidence" in table.stdout
    result = tracker("eval", str(gold), "--verbose", "--format", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    misses = json.loads(result.stdout)["misclassified"]
    assert [(m["id"], m["category"], m["kind"]) for m in misses] == [
        ("a", "investment", "false"),
        ("b", "partnership", "missed"),
    ]
    assert "Nvidia invest" in misses[0]["evidence"] and misses[1]["evidence"] == ""


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("items",), {"TRACKER_DATABASE_URL": "sqlite:////nonexistent/dir/x.db"}, "does not exist"),
        (
            ("items",),
            {"TRACKER_DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/x"},
            "check --db",
        ),
        (("items",), {"TRACKER_DATABASE_URL": "nonsense"}, "not a database URL"),
        (("--config", "missing.toml", "items"), {}, "config file not found"),
        (("classify", "nope.txt"), {}, "nope.txt"),
        (("eval", "/dev/null"), {}, "no gold items"),
    ],
)
def test_expected_failures_are_one_line_exit_1(
    workdir: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = tracker(*args, cwd=workdir, env=env)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "pw@" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_verbose_shows_the_traceback(workdir: Path) -> None:
    result = tracker("-v", "items", cwd=workdir, env={"TRACKER_DATABASE_URL": "nonsense"})
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_usage_errors_exit_2(workdir: Path) -> None:
    assert tracker("items", "--since", "yesterday-ish", cwd=workdir).returncode == 2
    assert tracker("items", "--category", "gossip", cwd=workdir).returncode == 2
    assert tracker("frobnicate", cwd=workdir).returncode == 2


def test_config_dump_masks_password(workdir: Path) -> None:
    result = tracker(
        "config",
        "dump",
        cwd=workdir,
        env={
            "TRACKER_SMTP_PASSWORD": "hunter2",
            "TRACKER_DATABASE_URL": "postgresql+psycopg://u:s3cret@h/db",
        },
    )
    assert result.returncode == 0
    assert "hunter2" not in result.stdout and "s3cret" not in result.stdout
    assert "********" in result.stdout


def test_python_dash_m_and_console_script_agree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and result.stdout.startswith("tracker, version")
