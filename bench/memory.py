"""Peak memory (RSS) of a file backfill, at several sizes: does it grow with N?

    python bench/memory.py [--sizes 10000,30000] [--folder DIR] [--keep]

For each size N, writes N articles of about 3 KB (bench/_corpus.py) under
``--folder`` (default: a temporary folder; articles already there are reused,
so a larger size only writes the difference), then runs
``python -m tracker ingest --no-alerts FOLDER`` into a fresh SQLite file as a
child process. Its peak RSS is the kernel's high-water mark for the process
(``VmHWM`` in /proc/PID/status, read every 0.2 s until it exits; ``wait4``'s
``ru_maxrss`` is not used, as it also counts the parent's memory at the fork);
its RSS is sampled too and printed at each quarter of the run, so growth within
one run shows. Target: at most 300 MB
for a 1,000,000-article backfill; a peak that does not grow with N meets it at
any N.

Disk: about 4 KB per article (3 GB for a million); time: N divided by the
ingest rate (bench/ingest.py), twice for two sizes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

import _corpus  # noqa: E402
from run import Result, print_table  # noqa: E402

TARGET_MB = 300.0
TARGET_N = 1_000_000


def _memory_mb(pid: int) -> tuple[float, float] | None:
    """(RSS, peak RSS so far) of a running process, in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in status.splitlines()
        if line.startswith(("VmRSS:", "VmHWM:"))
    }
    if len(found) < 2:  # exiting: its memory is gone
        return None
    return found["VmRSS"], found["VmHWM"]


def backfill(folder: Path, db: Path, count: int) -> tuple[float, list[tuple[float, float]], float]:
    """(peak RSS MB, [(seconds, RSS MB)] samples, wall seconds) of one ingest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {"PYTHONPATH": str(ROOT), "TRACKER_DATABASE_URL": f"sqlite:///{db}"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "ingest", "--no-alerts", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    samples: list[tuple[float, float]] = []
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            memory = _memory_mb(proc.pid)
            if memory is not None:
                samples.append((time.perf_counter() - started, memory[0]))
                peak[0] = max(peak[0], memory[1])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"ingest failed: {err.decode()[-500:]}")
    if f"{count} new".encode() not in out:
        raise SystemExit(f"ingest stored other than {count} new items: {out.decode()}")
    return peak[0], samples, wall


def _quarters(samples: list[tuple[float, float]]) -> str:
    if not samples:
        return "no samples"
    picks = [samples[min(len(samples) - 1, len(samples) * q // 4)] for q in (0, 1, 2, 3)]
    picks.append(samples[-1])
    return ", ".join(f"{rss:.0f}" for _, rss in picks)


def measure(sizes: tuple[int, ...], folder: Path | None = None, keep: bool = False) -> list[Result]:
    work = Path(tempfile.mkdtemp(prefix="tracker-memory-"))
    articles = folder or work / "articles"
    results: list[Result] = []
    peaks: list[tuple[int, float]] = []
    try:
        _corpus.write_corpus(articles, max(sizes))
        for count in sorted(sizes):
            subset = work / f"n{count}"  # exactly the first ``count`` articles
            _link_subset(articles, subset, count)
            peak, samples, wall = backfill(subset, work / f"n{count}.db", count)
            peaks.append((count, peak))
            results.append(
                Result(
                    f"peak RSS, backfill of {count:,} files",
                    peak,
                    "MB",
                    target=f"<= {TARGET_MB:.0f} MB",
                    passed=peak <= TARGET_MB,
                    note=f"{wall:.0f} s, {count / wall:,.0f} articles/s; RSS at start, 1/4, "
                    f"1/2, 3/4, end: {_quarters(samples)} MB",
                )
            )
            (work / f"n{count}.db").unlink()
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    if len(peaks) > 1:
        (n0, p0), (n1, p1) = peaks[0], peaks[-1]
        slope = (p1 - p0) / (n1 - n0)  # MB per article
        at_target = p1 + slope * (TARGET_N - n1)
        results.append(
            Result(
                f"peak RSS at {TARGET_N:,}, extrapolated",
                max(at_target, p1),
                "MB",
                target=f"<= {TARGET_MB:.0f} MB",
                passed=max(at_target, p1) <= TARGET_MB,
                note=f"linear from {n0:,} -> {n1:,}: {slope * 1e6:+.1f} MB per million articles",
            )
        )
    return results


def _link_subset(articles: Path, subset: Path, count: int) -> None:
    """``subset`` holds the first ``count`` articles, as hard links (no copying)."""
    for _, path in _corpus.paths(articles, count):
        target = subset / path.relative_to(articles)
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True)
        os.link(path, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000", help="comma-separated article counts")
    parser.add_argument("--folder", type=Path, help="where the articles are written and kept")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print_table(measure(sizes, args.folder, args.keep))


if __name__ == "__main__":
    main()
