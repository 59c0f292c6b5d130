"""`tracker reclassify`: stored items get the current rules' labels again, and
the command says which categories items gained and lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import SEEDS, tracker
from sqlalchemy import create_engine, text


def _workdir(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def test_reclassify_restores_labels_and_counts_changes(tmp_path: Path, db_url: str) -> None:
    work = _workdir(tmp_path)
    assert tracker("ingest", "seeds", cwd=work, db=db_url).returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        # pretend older rules: every item regulatory, none a partnership
        conn.execute(
            text("UPDATE item_labels SET score = 0.9 WHERE category = 'regulatory_action'")
        )
        conn.execute(text("UPDATE item_labels SET score = 0.1 WHERE category = 'partnership'"))
        conn.execute(text("UPDATE items SET rules_version = 'old'"))
    out = tracker("reclassify", "--format", "json", cwd=work, db=db_url)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    per = {row["category"]: row for row in result["per_category"]}
    assert result["items"] == 5
    assert per["partnership"]["gained"] == 5
    assert per["regulatory_action"]["lost"] == 4  # only 002 reports a regulatory step
    assert per["investment"] == {"category": "investment", "gained": 0, "lost": 0}
    with engine.connect() as conn:
        versions = set(conn.execute(text("SELECT rules_version FROM items")).scalars())
        amounts = conn.execute(text("SELECT count(*) FROM amounts")).scalar_one()
    assert "old" not in versions
    assert amounts > 0
    again = json.loads(tracker("reclassify", "--format", "json", cwd=work, db=db_url).stdout)
    assert again["changed"] == 0
    engine.dispose()


def test_reclassify_since_skips_older_items(tmp_path: Path, sqlite_url: str) -> None:
    work = _workdir(tmp_path)
    assert tracker("ingest", "seeds", cwd=work, db=sqlite_url).returncode == 0
    out = tracker("reclassify", "--since", "2099-01-01", cwd=work, db=sqlite_url)
    assert out.returncode == 0, out.stderr
    assert "0 items reclassified" in out.stdout
