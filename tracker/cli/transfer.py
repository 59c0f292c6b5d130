"""``tracker export`` and ``tracker import``: a database's contents as JSON
Lines, to move them to another database (SQLite to PostgreSQL, one server to
another). See docs/scaling.md."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO

import click
from sqlalchemy.exc import SQLAlchemyError

from tracker.cli.base import State, _echo, _note, cli, pass_state, utcnow
from tracker.config import mask_url
from tracker.errors import SourceError, TrackerError


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    """``-`` is stdin or stdout; a name ending in .gz is gzip-compressed."""
    if path == "-":
        yield sys.stdout if mode == "w" else sys.stdin
        return
    opener = (
        partial(gzip.open, mode=mode + "t") if path.endswith(".gz") else partial(open, mode=mode)
    )
    try:
        handle: IO[str] = opener(path, encoding="utf-8")
    except OSError as exc:
        raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
    try:
        yield handle
    except (OSError, UnicodeDecodeError) as exc:
        # a .gz name on a plain file, a file that is not UTF-8, a full disk
        raise SourceError(path, f"cannot {'write' if mode == 'w' else 'read'}: {exc}") from None
    finally:
        handle.close()


@cli.command("export")
@click.argument("file")
@pass_state
def export_(state: State, file: str) -> None:
    """Write the whole database to FILE as JSON Lines (FILE.gz compresses, - is stdout).

    One line per source, then one per item with its labels (scores and
    evidence, below the threshold too), entities, amounts and sightings. Events
    are not written: `tracker import` groups the items again. Memory use stays
    flat however large the database. To move from SQLite to PostgreSQL:
    `tracker --db sqlite:///tracker.db export all.jsonl.gz`, then
    `tracker --db postgresql+psycopg://... import all.jsonl.gz`.
    """
    from tracker.store.db import describe_failure
    from tracker.store.transfer import ExportReport, export_lines

    engine = state.engine()
    report = ExportReport()
    if file != "-" and Path(file).exists():
        raise TrackerError(f"{file} already exists", hint="remove it or name another file")
    try:
        with _open(file, "w") as out:
            for line in export_lines(engine, now=utcnow(), report=report):
                out.write(line + "\n")
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    where = mask_url(state.config["database.url"])
    message = f"{where}: exported {report.sources} sources, {report.items} items to {file}"
    (_note if file == "-" else _echo)(message)


@cli.command("import")
@click.argument("file")
@click.option(
    "--alerts",
    is_flag=True,
    help="Queue alert emails for the events found, as an ingest would "
    "(by default they are recorded as already known and never alert).",
)
@pass_state
def import_(state: State, file: str, alerts: bool) -> None:
    """Read a `tracker export` FILE (FILE.gz, or - for stdin) into the database.

    Sources are added (a source already there by location is kept), items are
    stored with their labels, entities and amounts as exported, and grouped into
    events as they come, [ingest] batch_size per transaction. Items already
    stored count as duplicates, so importing twice stores nothing twice.
    """
    from tracker.alerts import AlertRules
    from tracker.store.db import describe_failure
    from tracker.store.transfer import import_lines

    engine = state.engine()
    try:
        with _open(file, "r") as lines:
            report = import_lines(
                engine,
                lines,
                where=file,
                now=utcnow(),
                rules=AlertRules.from_config(state.config),
                alerts=alerts,
                batch_size=state.config["ingest.batch_size"],
            )
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    where = mask_url(state.config["database.url"])
    _echo(
        f"{where}: imported {report.sources} sources, {report.new} new items, "
        f"{report.duplicate} duplicate, {report.events} new events"
    )
