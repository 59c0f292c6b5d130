"""Precision, recall and F1 of the classifier on a labelled gold set. Pure."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.errors import TrackerError
from tracker.models import CATEGORIES


@dataclass(frozen=True, slots=True)
class GoldItem:
    id: str
    title: str
    text: str
    labels: frozenset[str]


def read_gold(lines: Iterable[str], name: str) -> list[GoldItem]:
    """Parse JSON Lines; a bad line is an error naming the file and line."""
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            labels = frozenset(row.get("labels", []))
            unknown = labels - set(CATEGORIES)
            if unknown:
                raise ValueError(f"unknown label(s) {sorted(unknown)}")
            out.append(
                GoldItem(str(row.get("id", number)), row.get("title", ""), row["text"], labels)
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TrackerError(
                f"{name} line {number}: {exc}",
                hint='each line is {"id", "title", "text", "labels": [...]}',
            ) from None
    if not out:
        raise TrackerError(f"{name} holds no gold items")
    return out


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]]) -> dict[str, Any]:
    """Per-category precision/recall/F1/support, micro and macro F1."""
    per: dict[str, dict[str, float]] = {}
    tp_all = fp_all = fn_all = 0
    for category in CATEGORIES:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if category in g and category in p)
        fp = sum(
            1 for g, p in zip(gold, predicted, strict=True) if category not in g and category in p
        )
        fn = sum(
            1 for g, p in zip(gold, predicted, strict=True) if category in g and category not in p
        )
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per[category] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(_f1(precision, recall), 4),
            "support": tp + fn,
        }
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    return {
        "per_category": per,
        "micro_f1": round(_f1(micro_p, micro_r), 4),
        "macro_f1": round(sum(v["f1"] for v in per.values()) / len(per), 4),
        "n": len(gold),
    }
