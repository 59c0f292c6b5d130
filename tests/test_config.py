"""Configuration: defaults, the file, the environment, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from tracker.config import SETTINGS, load_config, mask_url, parse_interval
from tracker.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config["database.url"] == "sqlite:///tracker.db"
    assert config["alerts.categories"] == ("regulatory_action",)
    assert config.sources == ()


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///a.db"\n')
    config = load_config(path, environ={"TRACKER_DATABASE_URL": "sqlite:///b.db"})
    assert config["database.url"] == "sqlite:///b.db"
    assert config.origins["database.url"] == "environment TRACKER_DATABASE_URL"


def test_dump_masks_secrets(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, ""),
        environ={
            "TRACKER_SMTP_PASSWORD": "hunter2",
            "TRACKER_DATABASE_URL": "postgresql+psycopg://u:s3cret@db/tracker",
        },
    )
    dumped = str(config.dump())
    assert "hunter2" not in dumped and "s3cret" not in dumped
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[classify]\nthreshold = 2\n", "classify.threshold"),
        ("[classify]\nthreshhold = 0.5\n", "unknown setting classify.threshhold"),
        ("[nope]\nx = 1\n", "unknown section"),
        ("[smtp]\npassword = 'x'\n", "TRACKER_SMTP_PASSWORD"),
        ("[database\nurl = 1\n", "line 1"),
        ("[[sources]]\nname = 'a'\n", "exactly one of"),
        ("[[sources]]\npath = 'a'\ninterval = 'soon'\n", "interval"),
        ("[alerts]\ncategories = ['gossip']\n", "unknown categories"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path, environ={})
    assert "config.toml" in str(err.value) or "TRACKER_" in str(err.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), (60, 60)]
)
def test_intervals(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


def test_example_config_documents_every_setting() -> None:
    example = (ROOT / "config.toml").read_text(encoding="utf-8")
    config = load_config(ROOT / "config.toml", environ={})
    for setting in SETTINGS:
        if setting.env_only:
            assert setting.env in example, setting.name
        else:
            assert f"\n{setting.key} = " in example, setting.name
        assert setting.help
    assert [s.name for s in config.sources] == ["seeds"]
