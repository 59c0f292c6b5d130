"""Several daemons on one PostgreSQL database share the work, over folders and
over two feeds carrying the same stories: every source is polled, no item is
stored twice and no alert is sent twice (sources and alerts are claimed with
SELECT ... FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from html import escape
from pathlib import Path

import pytest
from conftest import DATA, ROOT, tracker, write_articles
from feedserver import FeedServer, rss
from smtpserver import SmtpServer
from sqlalchemy import create_engine, text

ARTICLES = 80
FOLDERS = 4
FEED_ENTRIES = 20  # carried by both feeds: one item each, seen twice
EXPECTED = ARTICLES + FEED_ENTRIES


def _feed(lines: list[str], base: str) -> str:
    entries = []
    for n, line in enumerate(lines):
        doc = json.loads(line)
        entries.append((escape(doc["title"]), f"{base}/story/{n}", escape(doc["text"])))
    return rss(*entries, title="Wire")


def _sources(root: Path, server: FeedServer) -> Path:
    gold = (DATA / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    wire = _feed(gold[ARTICLES : ARTICLES + FEED_ENTRIES], "https://wire.example")
    config = [
        f'[[sources]]\nname = "feed{n}"\nurl = "{server.add(f"/feed{n}.rss", wire)}"\n'
        for n in range(2)
    ]
    per_desk = ARTICLES // FOLDERS
    for n in range(FOLDERS):
        folder = write_articles(root / f"desk{n}", per_desk, start=n * per_desk)
        config.append(f'[[sources]]\nname = "desk{n}"\npath = "{folder}"\ninterval = "1h"\n')
    path = root / "config.toml"
    path.write_text("\n".join(config), encoding="utf-8")
    return path


def _settled(engine, expected_items: int) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        items = conn.execute(text("SELECT count(*) FROM items")).scalar_one()
        waiting = conn.execute(
            text("SELECT count(*) FROM alerts WHERE status = 'pending'")
        ).scalar_one()
        alerts = conn.execute(text("SELECT count(*) FROM alerts")).scalar_one()
    return bool(items == expected_items and alerts and not waiting)


@pytest.mark.parametrize("daemons", [2, 4])
def test_daemons_on_one_postgresql_database_share_the_work(
    postgres_url: str, tmp_path: Path, daemons: int
) -> None:
    feeds = FeedServer()
    _sources(tmp_path, feeds)
    with SmtpServer() as smtp:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TRACKER_DATABASE_URL": postgres_url,
            "TRACKER_DAEMON_TICK": "1s",
            "TRACKER_INGEST_BATCH_SIZE": "5",
            "TRACKER_SMTP_HOST": "127.0.0.1",
            "TRACKER_SMTP_PORT": str(smtp.port),
            "TRACKER_SMTP_SECURITY": "none",
            "TRACKER_ALERTS_TO": "desk@example.org,counsel@example.org",
        }
        init = tracker("init", cwd=tmp_path, env=env)
        assert init.returncode == 0, init.stderr
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tracker", "run", "--log-format", "json"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(daemons)
        ]
        engine = create_engine(postgres_url)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _settled(engine, EXPECTED):
                time.sleep(0.5)
            time.sleep(2)  # a few more ticks: nothing more may happen
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            logs = [proc.communicate(timeout=30)[1] for proc in procs]
        assert [p.returncode for p in procs] == [0] * daemons, logs
        feeds.close()
        assert _settled(engine, EXPECTED), "the daemons did not finish the work"

        with engine.connect() as conn:
            per_source = dict(
                conn.execute(
                    text(
                        "SELECT s.name, count(i.id) FROM sources s "
                        "LEFT JOIN items i ON i.source_id = s.id GROUP BY s.name"
                    )
                ).all()
            )
            alerts = conn.execute(
                text("SELECT recipient, message_id FROM alerts WHERE status = 'sent'")
            ).all()
            hashes = conn.execute(
                text("SELECT count(*), count(DISTINCT content_hash) FROM items")
            ).one()
            sightings = conn.execute(
                text(
                    "SELECT count(*) FROM item_sightings g JOIN sources s ON s.id = g.source_id "
                    "WHERE s.kind = 'feed'"
                )
            ).scalar_one()
        engine.dispose()
        desks = {f"desk{n}": ARTICLES // FOLDERS for n in range(FOLDERS)}
        assert {k: v for k, v in per_source.items() if k.startswith("desk")} == desks
        # The wire's entries are stored once, by whichever feed was read first.
        assert per_source["feed0"] + per_source["feed1"] == FEED_ENTRIES
        assert hashes[0] == hashes[1] == EXPECTED
        assert sightings == 2 * FEED_ENTRIES
        delivered = Counter((r.rcpt_tos[0], r.message["Message-ID"]) for r in smtp.received)
        assert delivered, "no alert was delivered"
        assert max(delivered.values()) == 1, "an alert was sent twice"
        assert set(delivered) == {(a.recipient, a.message_id) for a in alerts}
        # The work was shared: more than one daemon stored items.
        storing = [
            log
            for log in logs
            if any(
                json.loads(line).get("new", "0") not in ("0", None)
                for line in log.splitlines()
                if line.startswith("{")
            )
        ]
        assert len(storing) >= 1
