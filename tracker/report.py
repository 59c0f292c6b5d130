"""Rows to text: table, CSV or JSON. Pure: data in, a string out."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "json", "csv")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def render_json(document: Any) -> str:
    return json.dumps(to_jsonable(document), indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return _printable(str(to_jsonable(value)))


def _printable(text: str) -> str:
    """No control characters reach the terminal (a title could carry escapes)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def render_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def render_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int | None = None
) -> str:
    """A plain-text table fitted to ``width``; the widest column is cut first."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def fit(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    lines = ["  ".join(fit(c, w).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(fit(c, w).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def item_rows(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per item for table and CSV: labels as 'category score' pairs."""
    return [
        {
            "id": item["id"],
            "published": item["published_at"].date() if item.get("published_at") else None,
            "labels": ", ".join(f"{lab['category']} {lab['score']:.2f}" for lab in item["labels"]),
            "title": item["title"],
            "evidence": " | ".join(lab["evidence"] for lab in item["labels"][:1]),
        }
        for item in items
    ]


def item_documents(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The JSON shape of ``tracker items`` (see the CLI contract)."""
    keys = ("id", "title", "url", "published_at", "source", "labels", "event_id", "date_source")
    return [{k: item.get(k) for k in keys} for item in items]
