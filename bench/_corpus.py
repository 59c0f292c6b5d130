"""Realistic news articles for the benchmarks, made on demand from an index.

Each article is about 3 KB: a headline, a ``Date:`` header over three years, a
lead paragraph that reports one of the four kinds of happening (or, for most
articles, none of them: earnings, hiring, opinion), and background paragraphs.
Companies, regulators and amounts come from tracker's own gazetteer, so the
extractor finds them. One happening is reported by one to three articles in a
row, so event grouping has work to do. Article ``i`` is the same on every run.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parent.parent / "tracker" / "rules" / "gazetteer.toml"
START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 3 * 365
SIZE = 3000
PER_FOLDER = 1000  # files per sub-folder: no folder of a million entries

LEADS = {
    "investment": [
        "{a} has invested {amount} in {b}, taking a minority stake in the startup as part of "
        "a funding round that values it at several billion.",
        "{b} said on {day} it had raised {amount} in a Series C round led by {a}.",
    ],
    "partnership": [
        "{a} and {b} signed a multi-year partnership to distribute {b}'s models on {a}'s "
        "cloud and to co-develop products for enterprise customers.",
        "{b} announced a strategic alliance with {a} covering chip supply and joint research.",
    ],
    "model_release": [
        "{a} released {model} on {day}, making it available to customers through its API and "
        "its consumer app.",
        "{a} launched a new model for developers, now generally available on {b}'s platform.",
    ],
    "regulatory_action": [
        "The {r} opened an investigation into the partnership between {a} and {b}, asking "
        "both companies for information about the terms of the deal.",
        "The {r} fined {a} {amount} after finding that its agreement with {b} broke "
        "competition law.",
    ],
    None: [
        "{a} reported quarterly revenue ahead of forecasts, helped by demand for data centre "
        "capacity, and said it would keep hiring engineers through the year.",
        "Shares of {a} fell on {day} as investors weighed the cost of building data centres "
        "against slower growth in advertising.",
        "Commentators compared {a} and {b} in a long essay on how open-weight models could "
        "change the economics of software.",
        "{a} held its annual developer conference, where executives talked about plans for "
        "next year without announcing new products.",
    ],
}
BACKGROUND = [
    "Analysts said the move reflected the race among technology groups to secure computing "
    "power and talent, as the cost of training frontier systems keeps rising.",
    "The company employs several thousand people across offices in Europe, North America "
    "and Asia, and counts banks, retailers and public bodies among its customers.",
    "Industry observers noted that spending on graphics processors has grown sharply over "
    "the past two years, with supply only now catching up with demand.",
    "Executives declined to comment on future plans beyond what was announced, citing the "
    "quiet period ahead of the next quarterly results.",
    "The sector has seen a wave of similar arrangements, and lawyers expect the terms of such "
    "deals to draw attention from customers and competitors alike.",
    "Investors have poured money into the field, although some warn that valuations assume "
    "growth that few businesses have ever sustained for long.",
]
# Share of articles per kind: most news is none of the four.
KINDS = [None] * 10 + ["investment"] * 3 + ["partnership"] * 3 + ["model_release"] * 2
KINDS += ["regulatory_action"] * 2


@cache
def gazetteer() -> tuple[list[str], list[str], list[str]]:
    """Organisation names, regulator names and model names from tracker's gazetteer."""
    data = tomllib.loads(GAZETTEER.read_text(encoding="utf-8"))
    orgs = [o["name"] for o in data["organization"]]
    regulators = [r["aliases"][0] for r in data["regulator"]]
    models = [m["name"] for m in data["model"]]
    return orgs, regulators, models


def article(index: int, seed: int = 1) -> str:
    """Article ``index``: one of a run of one to three reports of one happening."""
    happening = index // 3 if index % 7 else index  # runs of three, with some singles
    rng = random.Random(happening * 7919 + seed)
    orgs, regulators, models = gazetteer()
    a, b = rng.sample(orgs, 2)
    kind = rng.choice(KINDS)
    when = START + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(24))
    words = {
        "a": a,
        "b": b,
        "r": rng.choice(regulators),
        "model": rng.choice(models),
        "amount": f"${rng.randint(2, 900)} million",
        "day": f"{when:%A}",
    }
    lead = rng.choice(LEADS[kind]).format(**words)
    mine = random.Random(index * 104729 + seed)  # this report's own wording
    when += timedelta(hours=mine.randrange(36))
    paragraphs = [lead]
    while sum(len(p) for p in paragraphs) < SIZE - 400:
        paragraphs.append(mine.choice(BACKGROUND))
    paragraphs.append(f"Reporting by the newsroom desk {mine.randrange(100)}; reference {index}.")
    title = f"{a} and {b}: {lead.split(',')[0][:70]}"
    return (
        f"Title: {title}\nDate: {when:%Y-%m-%dT%H:%M:%SZ}\n"
        f"URL: https://news.example.com/{when:%Y/%m}/{index}\n\n" + "\n\n".join(paragraphs) + "\n"
    )


def paths(folder: Path, count: int) -> Iterator[tuple[int, Path]]:
    for index in range(count):
        yield index, folder / f"{index // PER_FOLDER:05d}" / f"{index:07d}.txt"


def write_corpus(folder: Path, count: int, seed: int = 1) -> Path:
    """Write articles 0..count-1 under ``folder`` (kept when already there)."""
    made = set()
    for index, path in paths(folder, count):
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        if not path.exists():
            path.write_text(article(index, seed), encoding="utf-8")
    return folder
