"""`tracker alerts list|send|preview` and the seeds' alert, as a user runs them."""

from __future__ import annotations

import json
import shutil
from email import message_from_bytes, policy
from pathlib import Path

from conftest import ROOT, SEEDS, tracker
from smtpserver import SmtpServer
from test_alerts_store import START, Db

from tracker.alerts import AlertRules
from tracker.store import alerts as store
from tracker.store.db import create_db_engine, ensure_schema

SECRET = "hunter2-Zq"


def queued_event(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_db_engine(url)
    ensure_schema(engine)
    _, items = Db(engine).add_event(labels={"regulatory_action": 0.9}, reports=2)
    with engine.begin() as conn:
        store.queue_alerts(
            conn, items, rules=AlertRules(recipients=("lawyer@example.org",)), now=START
        )
    engine.dispose()
    (tmp_path / "config.toml").write_text('[alerts]\nto = ["lawyer@example.org"]\n')
    return url


def test_preview_list_send_into_the_outbox(tmp_path: Path) -> None:
    db = queued_event(tmp_path)
    preview = tracker("alerts", "preview", cwd=tmp_path, db=db)
    assert preview.returncode == 0, preview.stderr
    assert "To: lawyer@example.org" in preview.stdout
    assert "Subject: European Parliament: Regulatory_action says — Microsoft / Mistral AI" in (
        preview.stdout
    )
    assert "https://outlet2.example/story" in preview.stdout
    html = tracker("alerts", "preview", "--html", cwd=tmp_path, db=db)
    assert '<a href="https://outlet1.example/story">' in html.stdout
    listed = json.loads(tracker("alerts", "list", "--format", "json", cwd=tmp_path, db=db).stdout)
    assert [(a["kind"], a["status"], a["attempts"]) for a in listed] == [("event", "pending", 0)]

    sent = tracker("alerts", "send", cwd=tmp_path, db=db)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == ("alerts: 1 sent, 0 to retry, 0 failed via outbox folder outbox")
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["X-Tracker-Event"] == "1" and msg["To"] == "lawyer@example.org"
    table = tracker("alerts", "list", cwd=tmp_path, db=db).stdout
    assert "sent" in table.splitlines()[2] and "lawyer@example.org" in table
    again = tracker("alerts", "send", cwd=tmp_path, db=db)
    assert again.stdout.startswith("alerts: 0 sent")


def test_smtp_trouble_is_one_line_and_never_shows_the_password(tmp_path: Path) -> None:
    db = queued_event(tmp_path)
    with SmtpServer() as smtp:
        port = smtp.port
    env = {
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": str(port),
        "TRACKER_SMTP_SECURITY": "none",
        "TRACKER_SMTP_USERNAME": "tracker",
        "TRACKER_SMTP_PASSWORD": SECRET,
        "TRACKER_SMTP_TIMEOUT": "5",
    }
    down = tracker("-v", "alerts", "send", cwd=tmp_path, db=db, env=env)
    assert down.returncode == 1
    assert down.stderr.strip().splitlines()[-1].startswith("error: no alert could be delivered")
    listed = json.loads(
        tracker("alerts", "list", "--format", "json", cwd=tmp_path, db=db, env=env).stdout
    )
    assert listed[0]["status"] == "pending" and f"127.0.0.1:{port}" in listed[0]["last_error"]
    dump = tracker("config", "dump", cwd=tmp_path, db=db, env=env)
    status = tracker("status", cwd=tmp_path, db=db, env=env)
    for out in (down, dump, status):
        assert SECRET not in out.stdout + out.stderr
    assert "pending alerts: 1" in status.stdout


def test_seeds_run_once_give_exactly_one_alert_in_the_outbox(tmp_path: Path) -> None:
    """The README's first run: the EU lawmakers' call for a probe (002), as part of
    the Microsoft-Mistral event, is the one alert, written to ./outbox."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    run = tracker("run", "--once", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    emls = list((tmp_path / "outbox").glob("*.eml"))
    assert len(emls) == 1, run.stdout + run.stderr
    msg = message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert "Microsoft / Mistral AI" in str(msg["Subject"])
    assert msg["To"] == "tracker@localhost"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "antitrust inquiry" in text and "002_18f4e05fb0e36907.txt" in text
    items = json.loads(tracker("items", "--format", "json", cwd=tmp_path).stdout)
    linked = [i["url"] for i in items if str(i["event_id"]) == msg["X-Tracker-Event"]]
    assert len(linked) >= 2 and all(url in text for url in linked)
    again = tracker("run", "--once", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
