"""Logging set-up for the command line and the daemon: text or JSON on stderr.

Messages use a steady vocabulary of ``key=value`` pairs (``source=… item=…
event=… job=…``); the JSON format lifts those pairs into fields, so a log
collector can filter on them without parsing text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")
_PAIR = re.compile(r"\b([a-z_]+)=(\"[^\"]*\"|\S+)")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and its pairs."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        for key, value in _PAIR.findall(message):
            document.setdefault(key, value.strip('"'))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure_logging(level: int, log_format: str = "text") -> None:
    """Send the ``tracker`` loggers' records at ``level`` or above to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party libraries speak only when something is wrong.
    for noisy in ("alembic", "apscheduler", "httpx", "httpcore", "urllib3", "mail.log"):
        logging.getLogger(noisy).setLevel(
            level if level <= logging.DEBUG else max(level, logging.WARNING)
        )
