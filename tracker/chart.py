"""A trend as a PNG chart for a slide: one line per category, labelled axes,
a legend, readable dates. matplotlib is an optional extra, imported here only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError

LABELS = {
    "investment": "Investment",
    "partnership": "Partnership",
    "model_release": "Model release",
    "regulatory_action": "Regulatory action",
}


class ChartError(TrackerError):
    """A chart could not be drawn or written."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ChartError(
            "drawing charts needs matplotlib, which is not installed",
            hint='pip install "tracker[chart]"',
        ) from None
    return plt


def draw_trend(
    rows: Sequence[Mapping[str, Any]], path: Path, *, title: str, period: str, unit: str
) -> None:
    """Write ``rows`` ({"period", "category", "count"}) as a line chart to ``path``."""
    if not rows:
        raise ChartError(
            "nothing to draw: no items in the chosen range", hint="widen --since/--until"
        )
    plt = _pyplot()
    from matplotlib import dates as mdates

    series: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    for row in rows:
        series[row["category"]].append((row["period"], row["count"]))
    fig, ax = plt.subplots(figsize=(10, 5.6), dpi=120)
    # distinct markers and dashes keep lines that run together apart
    styles = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":")]
    for i, (category, points) in enumerate(series.items()):
        xs, ys = zip(*sorted(points), strict=True)
        marker, dash = styles[i % len(styles)]
        ax.plot(
            xs,
            ys,
            marker=marker,
            linestyle=dash,
            markersize=5,
            linewidth=2,
            label=LABELS.get(category, category),
        )
    ax.set_title(title, fontsize=14, loc="left")
    ax.set_xlabel(f"{period.capitalize()} starting")
    ax.set_ylabel(f"{unit.capitalize()} per {period}")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        raise ChartError(f"cannot write {path}: {exc.strerror}", hint="check the folder") from exc
    finally:
        plt.close(fig)
