"""Several ``tracker run`` processes on one PostgreSQL database: throughput of
1, 2 and 4 processes, and whether they shared the work without doing any twice.

    python bench/scaleout.py [--sources 40] [--per-source 100] [--procs 1,2,4] [--pg URL]
                             [--workers N]

Writes ``--sources`` folders of ``--per-source`` articles of about 3 KB each
(bench/_corpus.py, no article in two folders), lists them as ``[[sources]]``
in a config.toml, and for each process count: creates a fresh database
``bench_scaleout_<pid>`` on the server (``--pg`` or ``TRACKER_TEST_POSTGRES_URL``),
runs ``tracker init``, then starts that many ``tracker run --once`` processes
at the same moment. Each pass claims due sources a pool at a time with
``SELECT ... FOR UPDATE SKIP LOCKED``; the processes exit when none is left.

Prints items/s for each count (all items over the wall time from the start of
the processes to the exit of the last, start-up included), the speed-up over
one process (target: two processes >= 1.6x on two cores), the CPU seconds
the processes used, how busy the machine's CPUs were meanwhile (the database
server runs on them too: at 100% more processes cannot help), how often the
processes' database sessions were waiting for an advisory lock (sampled from
``pg_stat_activity``: the share of the work done one process at a time), and
checks that every source's articles were all stored, once.
"""

from __future__ import annotations

import argparse
import os
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
from ingest import pg_database  # noqa: E402
from run import Result, print_table  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

SPEEDUP_TARGET = 1.6


def write_sources(folder: Path, sources: int, per_source: int, workers: int | None = None) -> Path:
    """``sources`` folders of distinct articles, and a config.toml listing them
    (with ``[feeds] workers``, the poll threads per daemon, when given)."""
    config = [f"[feeds]\nworkers = {workers}\n"] if workers else []
    for n in range(sources):
        desk = folder / f"desk{n:03d}"
        desk.mkdir(parents=True, exist_ok=True)
        for k in range(per_source):
            index = n * per_source + k
            path = desk / f"{index:07d}.txt"
            if not path.exists():
                path.write_text(_corpus.article(index, seed=3), encoding="utf-8")
        config.append(f'[[sources]]\nname = "desk{n:03d}"\npath = "{desk}"\ninterval = "1h"\n')
    path = folder / "config.toml"
    path.write_text("\n".join(config), encoding="utf-8")
    return path


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return env | {"PYTHONPATH": str(ROOT), "TRACKER_DATABASE_URL": url}


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def _process_cpu(pid: int) -> float:
    """CPU seconds a process (here: a database server process on this machine)
    has used so far; 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LockWaits:
    """Samples, every 20 ms while the processes run, what their database
    sessions are doing: the share of sessions waiting for an advisory lock
    (the grouping lock, or an item key another batch holds) says how much
    the processes wait for each other rather than work."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.active = 0
        self.waiting = 0
        self.server_cpu: dict[int, float] = {}  # per server process, as last seen
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        query = text(
            "SELECT pid, state, wait_event FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        with self.engine.connect() as conn:
            while not self.stop.wait(0.02):
                sessions = conn.execute(query).all()
                conn.rollback()
                busy = [wait for _, state, wait in sessions if state != "idle"]
                self.active += len(busy)
                self.waiting += sum(1 for wait in busy if wait == "advisory")
                for pid, _, _ in sessions:
                    self.server_cpu[pid] = max(self.server_cpu.get(pid, 0.0), _process_cpu(pid))

    def __enter__(self) -> LockWaits:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    @property
    def share(self) -> float:
        return self.waiting / max(1, self.active)


def one_run(config: Path, url: str, procs: int) -> tuple[float, float, float, LockWaits]:
    """(wall seconds, CPU seconds of all processes, share of the machine's CPU
    busy meanwhile: the PostgreSQL server's and anyone else's work included,
    what their database sessions did) of ``procs`` passes at once."""
    env = _env(url)
    tracker = [sys.executable, "-m", "tracker", "--config", str(config)]
    init = subprocess.run([*tracker, "init"], env=env, capture_output=True, text=True)
    if init.returncode:
        raise SystemExit(f"tracker init failed: {init.stderr}")
    with LockWaits(url) as waits:
        wall, cpu, busy = _passes(tracker, env, procs)
    return wall, cpu, busy, waits


def _passes(tracker: list[str], env: dict[str, str], procs: int) -> tuple[float, float, float]:
    started, (busy0, total0) = time.perf_counter(), _cpu_ticks()
    running = [
        subprocess.Popen(
            [*tracker, "run", "--once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(procs)
    ]
    cpu = 0.0
    for proc in running:
        err = proc.stderr.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        if proc.returncode:
            raise SystemExit(f"tracker run --once failed: {err.decode()[-800:]}")
    busy1, total1 = _cpu_ticks()
    return time.perf_counter() - started, cpu, (busy1 - busy0) / max(1, total1 - total0)


def check(url: str, sources: int, per_source: int) -> str:
    """An empty string when every source's articles were stored once, else what is wrong."""
    engine = create_engine(url)
    with engine.connect() as conn:
        per = dict(
            conn.execute(
                text(
                    "SELECT s.name, count(i.id) FROM sources s "
                    "LEFT JOIN items i ON i.source_id = s.id GROUP BY s.name"
                )
            ).all()
        )
        total, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT content_hash) FROM items")
        ).one()
        unpolled = conn.execute(
            text("SELECT count(*) FROM sources WHERE last_checked_at IS NULL")
        ).scalar_one()
    engine.dispose()
    problems = []
    short = {name: n for name, n in per.items() if n != per_source}
    if len(per) != sources or short:
        problems.append(f"sources with other than {per_source} items: {short}")
    if total != distinct:
        problems.append(f"{total - distinct} items stored twice")
    if unpolled:
        problems.append(f"{unpolled} sources never polled")
    return "; ".join(problems)


def measure(
    server: str,
    *,
    sources: int = 40,
    per_source: int = 100,
    procs: tuple[int, ...] = (1, 2, 4),
    workers: int | None = None,
) -> list[Result]:
    results: list[Result] = []
    base: float | None = None
    total = sources * per_source
    with tempfile.TemporaryDirectory(prefix="tracker-scaleout-") as tmp:
        config = write_sources(Path(tmp), sources, per_source, workers)
        for count in procs:
            with pg_database(server, f"bench_scaleout_{os.getpid()}") as url:
                wall, cpu, busy, waits = one_run(config, url, count)
                problem = check(url, sources, per_source)
            rate = total / wall
            base = base or rate
            speedup = rate / base
            target, passed = "-", None
            if count == 2:
                target, passed = f">= {SPEEDUP_TARGET}x one process", speedup >= SPEEDUP_TARGET
            if problem:
                passed = False
            results.append(
                Result(
                    f"scale-out, {count} process{'es' if count > 1 else ''}, PostgreSQL"
                    + (
                        f", {workers} poll thread{'s' if workers > 1 else ''} each"
                        if workers
                        else ""
                    ),
                    rate,
                    "items/s",
                    target=target,
                    passed=passed,
                    note=f"{total} items from {sources} folders in {wall:.1f} s wall, "
                    f"{cpu:.1f} s CPU in tracker, {sum(waits.server_cpu.values()):.1f} s in "
                    f"their database sessions, machine CPU {busy:.0%} busy, {waits.share:.0%} "
                    "of busy database sessions waiting for a lock; "
                    f"{speedup:.2f}x one process; "
                    + (problem or "every source polled, no item stored twice"),
                )
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=40, help="folder sources")
    parser.add_argument("--per-source", type=int, default=100, help="articles per folder")
    parser.add_argument("--procs", default="1,2,4", help="process counts to compare")
    parser.add_argument("--pg", default=os.environ.get("TRACKER_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--workers", type=int, help="poll threads per daemon ([feeds] workers; default 8)"
    )
    args = parser.parse_args()
    if not args.pg:
        raise SystemExit("give --pg URL or set TRACKER_TEST_POSTGRES_URL (a PostgreSQL server)")
    procs = tuple(int(n) for n in args.procs.split(","))
    print_table(
        measure(
            args.pg,
            sources=args.sources,
            per_source=args.per_source,
            procs=procs,
            workers=args.workers,
        )
    )


if __name__ == "__main__":
    main()
