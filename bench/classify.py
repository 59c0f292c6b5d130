"""Classification plus extraction speed on 3 KB articles, one core.

Builds 3 KB articles from the dev gold set (each item's text followed by the
next items' until 3,072 characters), warms the rules cache, then times
``analyze`` over them for a few seconds and prints items per second, by the
wall clock and by this process's CPU time (the figure that does not depend on
what else the machine is running).

    python bench/classify.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tracker.classify import analyze
from tracker.ruleset import load_ruleset
from tracker.runtime import tune_gc

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "gold" / "dev.jsonl"
SIZE = 3072


def articles() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    out = []
    for i, row in enumerate(rows):
        body, j = row["text"], i
        while len(body) < SIZE:
            j = (j + 1) % len(rows)
            body += "\n\n" + rows[j]["text"]
        out.append((row["title"], body[:SIZE]))
    return out


def main() -> None:
    tune_gc()  # as tracker's command line does
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run")
    args = parser.parse_args()
    rules = load_ruleset()
    docs = articles()
    for title, body in docs[:20]:
        analyze(title, body, rules)
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < args.seconds:
        for title, body in docs:
            analyze(title, body, rules)
        done += len(docs)
    elapsed = time.perf_counter() - started
    busy = time.process_time() - cpu
    print(
        f"{done} articles of {SIZE} bytes in {elapsed:.2f} s: {done / elapsed:,.0f} items/s"
        f" ({done / busy:,.0f} items/s of CPU time, {busy / done * 1e6:,.0f} us each)"
    )


if __name__ == "__main__":
    main()
