"""The daemon's job bookkeeping: last and next run of each job, for ``status``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tracker.models import JobRun
from tracker.store.tables import jobs_t


def record_job_run(conn: Connection, run: JobRun) -> None:
    """Upsert the job's row with this pass's times, outcome and next run."""
    values: dict[str, Any] = {
        "last_started_at": run.started_at,
        "last_finished_at": run.finished_at,
        "last_status": "ok" if run.ok else "error",
        "last_error": run.error,
        "next_run_at": run.next_run_at,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(jobs_t).values(name=run.name, runs=1, **values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["name"], set_={**values, "runs": jobs_t.c.runs + 1}
        )
    )


def list_job_runs(conn: Connection) -> list[dict[str, Any]]:
    """Every job that has run, by name."""
    return [dict(row._mapping) for row in conn.execute(select(jobs_t).order_by(jobs_t.c.name))]
