"""Configuration: ``config.toml`` plus environment overrides, into frozen dataclasses.

Every setting is declared once in :data:`SETTINGS`, with its default, type and
help; the example ``config.toml``, ``tracker config dump`` and validation all
come from that table. Any setting can be overridden by an environment variable
named ``TRACKER_<SECTION>_<KEY>`` (``TRACKER_DATABASE_URL``,
``TRACKER_SMTP_PASSWORD``); the SMTP password is read only from there.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("config.toml")
CATEGORY_NAMES = ("investment", "partnership", "model_release", "regulatory_action")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str | int | float) -> int:
    """ "15m" -> 900 seconds; a bare number is seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _INTERVAL.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not an interval such as 30s, 15m, 2h or 1d")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 1:
        raise ValueError(f"{value!r} is shorter than one second")
    return int(seconds)


def _fraction(value: Any) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{value!r} is not between 0 and 1")
    return number


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"{value!r} is not a positive whole number")
    return number


def _positive_float(value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"{value!r} is not a positive number")
    return number


def _seconds(value: Any) -> float:
    """A duration in seconds that may be fractional or zero (0.5, 2, "1.5")."""
    number = float(value)
    if not 0.0 <= number < 86400 * 365:
        raise ValueError(f"{value!r} is not a number of seconds")
    return number


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if str(value) not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return str(value)

    return check


def _string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{value!r} is not a list of strings")
    return tuple(value)


def _categories(value: Any) -> tuple[str, ...]:
    names = _string_list(value)
    unknown = [n for n in names if n not in CATEGORY_NAMES]
    if unknown:
        raise ValueError(f"unknown categories {unknown}; choose from {', '.join(CATEGORY_NAMES)}")
    return names


def _optional_path(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _clock_time(value: Any) -> str:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time of day such as 08:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


@dataclass(frozen=True, slots=True)
class Setting:
    section: str
    key: str
    default: Any
    help: str
    convert: Callable[[Any], Any] = str
    secret: bool = False
    env_only: bool = False

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env(self) -> str:
        return f"TRACKER_{self.section}_{self.key}".upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database",
        "url",
        "sqlite:///tracker.db",
        "SQLAlchemy URL: sqlite:///path.db, or postgresql+psycopg://user@host/db",
        secret=False,
    ),
    Setting(
        "classify",
        "threshold",
        0.5,
        "score at or above which a label is reported (every score is stored)",
        _fraction,
    ),
    Setting(
        "classify", "rules", None, "path to your own classification rules (TOML)", _optional_path
    ),
    Setting(
        "classify", "gazetteer", None, "path to your own gazetteer of names (TOML)", _optional_path
    ),
    Setting(
        "ingest",
        "max_file_mb",
        20,
        "files larger than this many megabytes are skipped",
        _positive_int,
    ),
    Setting("ingest", "batch_size", 200, "items written per database transaction", _positive_int),
    Setting(
        "ingest",
        "default_interval",
        "15m",
        "how often sources are checked by default",
        parse_interval,
    ),
    Setting("feeds", "timeout", 20.0, "seconds to wait to connect, and for each read", _seconds),
    Setting(
        "feeds",
        "deadline",
        120.0,
        "seconds one download may take in all before it is cut off",
        _seconds,
    ),
    Setting(
        "feeds",
        "max_response_mb",
        20.0,
        "larger feed or page responses (after decompression) are cut off and refused",
        _positive_float,
    ),
    Setting("feeds", "workers", 8, "feeds polled at the same time", _positive_int),
    Setting("feeds", "per_host", 2, "requests at the same time to one host", _positive_int),
    Setting(
        "feeds",
        "host_delay",
        1.0,
        "seconds between the starts of two requests to one host",
        _seconds,
    ),
    Setting(
        "feeds",
        "max_backoff",
        "24h",
        "longest wait before retrying a failing feed (failures double the wait up to this)",
        parse_interval,
    ),
    Setting(
        "feeds",
        "allow_private",
        True,
        "read feeds on private and loopback addresses; false refuses them, after redirects too",
        _boolean,
    ),
    Setting(
        "daemon",
        "tick",
        "30s",
        "how often the daemon looks for due sources and pending alerts",
        parse_interval,
    ),
    Setting(
        "alerts",
        "categories",
        ["regulatory_action"],
        "categories that trigger an alert email",
        _categories,
    ),
    Setting(
        "alerts", "threshold", 0.7, "score at or above which a label triggers an alert", _fraction
    ),
    Setting("alerts", "to", [], "recipients of alert emails", _string_list),
    Setting("alerts", "from", "tracker@localhost", "sender address of alert emails"),
    Setting(
        "alerts",
        "mode",
        "immediate",
        "immediate (one email per event) or digest",
        _choice("immediate", "digest"),
    ),
    Setting("alerts", "outbox", "outbox", "folder for .eml files when no SMTP host is set"),
    Setting(
        "alerts",
        "updates",
        False,
        "send a short follow-up, in the same thread, when an alerted event gets new reports",
        _boolean,
    ),
    Setting(
        "alerts",
        "digest_period",
        "daily",
        "digest mode: one email per day or per week (weeks start on Monday)",
        _choice("daily", "weekly"),
    ),
    Setting(
        "alerts", "digest_time", "08:00", "digest mode: time of day (UTC) it is sent", _clock_time
    ),
    Setting(
        "alerts",
        "max_attempts",
        8,
        "delivery attempts before an alert is marked failed",
        _positive_int,
    ),
    Setting(
        "alerts",
        "retry_delay",
        "1m",
        "wait before the first retry of a failed delivery; it doubles each time, up to 6h",
        parse_interval,
    ),
    Setting("smtp", "host", "", "SMTP server; empty writes alerts to the outbox folder"),
    Setting("smtp", "port", 587, "SMTP port", _positive_int),
    Setting(
        "smtp", "security", "starttls", "none, starttls or ssl", _choice("none", "starttls", "ssl")
    ),
    Setting("smtp", "username", "", "SMTP user name"),
    Setting(
        "smtp", "timeout", 30, "seconds to wait for the SMTP server at each step", _positive_int
    ),
    Setting(
        "smtp",
        "password",
        "",
        "SMTP password: only from the environment",
        secret=True,
        env_only=True,
    ),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    path: str | None = None
    url: str | None = None
    interval: int | None = None
    full_text: bool = False

    @property
    def location(self) -> str:
        return self.url or self.path or ""


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration: settings by dotted name, and sources."""

    values: Mapping[str, Any]
    sources: tuple[SourceConfig, ...] = ()
    path: Path | None = None
    origins: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def with_value(self, name: str, value: Any, origin: str) -> Config:
        setting = SETTINGS_BY_NAME[name]
        values = {**self.values, name: _convert(setting, value, origin)}
        return Config(values, self.sources, self.path, {**self.origins, name: origin})

    def dump(self) -> dict[str, dict[str, Any]]:
        """Every setting by section, secrets masked, for ``config dump``."""
        out: dict[str, dict[str, Any]] = {}
        for setting in SETTINGS:
            value = self.values[setting.name]
            if setting.secret and value:
                value = "********"
            elif setting.name == "database.url":
                value = mask_url(str(value))
            out.setdefault(setting.section, {})[setting.key] = value
        return out


def mask_url(url: str) -> str:
    """Hide the password in a database URL: postgresql://u:secret@h -> u:***@h."""
    return re.sub(r"(://[^:/@]+:)[^@]*(@)", r"\1***\2", url)


def _convert(setting: Setting, value: Any, origin: str) -> Any:
    if value is None:
        return None
    try:
        return setting.convert(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: {setting.name} = {value!r} is invalid: {exc}") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}", hint="check --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _sources(raw: Any, path: Path) -> tuple[SourceConfig, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    out = []
    names: set[str] = set()
    for i, row in enumerate(raw, 1):
        where = f"{path}: [[sources]] #{i}"
        if not isinstance(row, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(row) - {"name", "path", "url", "interval", "full_text"}
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                hint="use name, path or url, interval, full_text",
            )
        if bool(row.get("path")) == bool(row.get("url")):
            raise ConfigError(
                f"{where} needs exactly one of 'path' (file or folder) or 'url' (feed)"
            )
        try:
            interval = parse_interval(row["interval"]) if "interval" in row else None
        except ValueError as exc:
            raise ConfigError(f"{where}: interval: {exc}") from None
        location = row.get("url") or row.get("path")
        name = str(row.get("name") or location)
        if name in names:
            raise ConfigError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        out.append(
            SourceConfig(
                name, row.get("path"), row.get("url"), interval, bool(row.get("full_text", False))
            )
        )
    return tuple(out)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (or ``./config.toml`` when present), then the environment."""
    environ = os.environ if environ is None else environ
    explicit = path is not None
    path = Path(path) if explicit else DEFAULT_CONFIG_FILE
    raw: dict[str, Any] = {}
    if explicit or path.is_file():
        raw = _read_file(path)
    else:
        path = None
    origin = str(path) if path else "defaults"
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    known_sections = {s.section for s in SETTINGS} | {"sources"}
    for section in raw:
        if section not in known_sections:
            raise ConfigError(
                f"{origin}: unknown section [{section}]",
                hint=f"known: {', '.join(sorted(known_sections))}",
            )
    for section, table in raw.items():
        if section == "sources":
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: [{section}] must be a table")
        for key in table:
            setting = SETTINGS_BY_NAME.get(f"{section}.{key}")
            if setting is None:
                known = [s.key for s in SETTINGS if s.section == section]
                raise ConfigError(
                    f"{origin}: unknown setting {section}.{key}",
                    hint=f"[{section}] takes {', '.join(known)}",
                )
            if setting.env_only:
                raise ConfigError(
                    f"{origin}: {setting.name} may not be written in a file",
                    hint=f"set the environment variable {setting.env}",
                )
    for setting in SETTINGS:
        value, where = setting.default, "default"
        if not setting.env_only and setting.key in raw.get(setting.section, {}):
            value, where = raw[setting.section][setting.key], origin
        if setting.env in environ:
            value, where = environ[setting.env], f"environment {setting.env}"
        values[setting.name] = _convert(setting, value, where)
        origins[setting.name] = where
    return Config(values, _sources(raw.get("sources"), path or Path("config.toml")), path, origins)
