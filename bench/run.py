"""Every benchmark, one table: benchmark, figure, floor, share of floor, target,
pass or miss.

    python bench/run.py            # quick sizes: a few minutes
    python bench/run.py --full     # the issue's sizes (a million items): an hour or more
    python bench/run.py --only ingest,memory

Parts (each also runs alone; see its docstring):

    classify   bench/classify.py    classification + extraction, one core
    ingest     bench/ingest.py      file, feed and PostgreSQL ingest vs their floors
    growth     bench/growth.py      ingest rate with a full database vs an empty one
    queries    bench/trends.py      trend queries at 1M items, SQLite and PostgreSQL
    memory     bench/memory.py      peak RSS of a file backfill, at two sizes
    scaleout   bench/scaleout.py    1, 2 and 4 daemons on one PostgreSQL database

PostgreSQL parts use ``--pg`` or ``TRACKER_TEST_POSTGRES_URL`` (a server URL;
each part makes its own database there and drops it); without either they are
left out. The scripts not written for this table (classify, growth, trends)
run as they are, and their printed figures are read from their output.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracker.runtime import tune_gc

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PARTS = ("classify", "ingest", "growth", "queries", "memory", "scaleout")


@dataclass(frozen=True)
class Result:
    """One figure: what was measured, its floor if it has one, and its target."""

    name: str
    value: float
    unit: str
    floor: float | None = None
    target: str = ""
    passed: bool | None = None  # None: no target, a figure to read
    note: str = ""

    @property
    def verdict(self) -> str:
        return "-" if self.passed is None else "pass" if self.passed else "MISS"


def _figure(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def print_table(results: list[Result], *, notes: bool = True) -> None:
    """The results as a Markdown table (it reads in a terminal and in docs/)."""
    header = ("benchmark", "figure", "floor", "% of floor", "target", "result")
    rows = [
        (
            r.name,
            _figure(r.value, r.unit),
            _figure(r.floor, r.unit),
            f"{r.value / r.floor:.0%}" if r.floor else "-",
            r.target or "-",
            r.verdict,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    if notes:
        print()
        for r in results:
            if r.note:
                print(f"- {r.name}: {r.note}")
    sys.stdout.flush()


def _script(name: str, *args: str, timeout: float = 7200) -> str:
    """Run bench/NAME.py as it is and return what it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"bench/{name}.py failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def classify_part(full: bool) -> list[Result]:
    out = _script("classify", "--seconds", "10" if full else "4")
    rate = float(re.search(r"([\d,]+) items/s", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    return [
        Result(
            "classify + extract, one core",
            rate,
            "items/s",
            target=">= 5,000/s",
            passed=rate >= 5000,
            note="3 KB articles from the dev gold set (bench/classify.py)",
        )
    ]


def growth_part(size: int, pg: str | None) -> list[Result]:
    """bench/growth.py's ratio per database: the rate with it full over empty."""
    out = _script("growth", "--items", str(size), *(["--pg", pg] if pg else []))
    results, backend, rows = [], "", []
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in ("SQLite", "PostgreSQL") and "articles/s" in line:
            backend, rows = words[0], []
        elif backend and len(words) >= 4 and words[-3].replace(",", "").isdigit():
            label = " ".join(words[:-3])
            rows.append(
                f"{label} {words[-3]}/s, {words[-2]} per CPU second "
                f"(grouping {words[-1]} CPU ms/article)"
            )
        elif line.startswith("ratio (full / empty):"):
            ratio = float(words[4])
            rows.append(f"ratio by CPU time {float(words[8]):.2f}")
            results.append(
                Result(
                    f"growth: ingest rate at {size // 1000:,}k stored / empty, {backend}",
                    ratio * 100,
                    "%",
                    target=">= 80%",
                    passed=ratio >= 0.8,
                    note="bench/growth.py: " + "; ".join(rows),
                )
            )
    return results


def queries_part(items: int, pg: str | None) -> list[Result]:
    args = ["--items", str(items)] + (["--pg", pg] if pg else [])
    env_pg = os.environ.pop("TRACKER_TEST_POSTGRES_URL", None)
    try:
        out = _script("trends", *args)
    finally:
        if env_pg is not None:
            os.environ["TRACKER_TEST_POSTGRES_URL"] = env_pg
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("query (median"))
    backends = lines[start].split()[-2:] if pg else lines[start].split()[-1:]
    times: dict[str, list[tuple[float, str]]] = {b: [] for b in backends}
    for line in lines[start + 1 :]:
        values = re.findall(r"\s(\d+\.\d)(?=\s|$)", line)[-len(backends) :]
        name = line[: line.rfind(values[0])].strip() if values else ""
        for backend, value in zip(backends, values, strict=True):
            times[backend].append((float(value), name))
    size = f"{items // 1000:,}k"
    return [
        Result(
            f"slowest trend query at {size}, {backend}",
            max(found)[0],
            "ms",
            target="<= 100 ms",
            passed=max(found)[0] <= 100,
            note=f"slowest of {len(found)}: {max(found)[1]} (bench/trends.py, median of 5)",
        )
        for backend, found in times.items()
    ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import sqlite3

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem} GB RAM; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def main() -> None:
    tune_gc()  # as tracker's command line does (ingest runs in this process)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes (1M items)")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--pg", default=os.environ.get("TRACKER_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--items", type=int, help="items stored for growth and queries [1M full, 50k quick]"
    )
    parser.add_argument(
        "--memory-sizes", help="backfill sizes for memory [100000,300000 full, 10000,30000 quick]"
    )
    args = parser.parse_args()
    parts = args.only.split(",")
    items = args.items or (1_000_000 if args.full else 50_000)
    memory_sizes = tuple(
        int(n)
        for n in (args.memory_sizes or ("100000,300000" if args.full else "10000,30000")).split(",")
    )
    sys.path[:0] = [str(BENCH), str(ROOT)]
    print(f"machine: {machine()}", flush=True)
    results: list[Result] = []
    started = time.perf_counter()
    for part in parts:
        began = time.perf_counter()
        print(f"running {part} ...", flush=True)
        if part == "classify":
            results += classify_part(args.full)
        elif part == "ingest":
            import ingest

            results += ingest.measure(20_000 if args.full else 5_000, pg=args.pg)
        elif part == "growth":
            results += growth_part(items, args.pg)
        elif part == "queries":
            results += queries_part(items, args.pg)
        elif part == "memory":
            import memory

            results += memory.measure(memory_sizes)
        elif part == "scaleout":
            import scaleout

            if args.pg:
                # one poll thread per daemon: on two cores the daemons, not a
                # daemon's threads (which share one interpreter), run side by side
                results += scaleout.measure(
                    args.pg, sources=40, per_source=500 if args.full else 100, workers=1
                )
        else:
            raise SystemExit(f"unknown part {part!r}; parts: {', '.join(PARTS)}")
        print(f"  {part} done in {time.perf_counter() - began:.0f} s", flush=True)
    print(f"\nall parts in {time.perf_counter() - started:.0f} s\n")
    print_table(results)


if __name__ == "__main__":
    main()
