"""The command line's frame: the click group, shared state and helpers, and the
entry point. The commands live beside this module, one module per area.

Expected failures (a TrackerError) print one line on stderr and exit 1; usage
errors exit 2; ``-v`` shows the traceback and the log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine

from tracker import __version__
from tracker.config import Config, load_config
from tracker.errors import TrackerError
from tracker.logs import configure_logging
from tracker.runtime import tune_gc

log = logging.getLogger("tracker")


def log_level(verbose: int, quiet: int = logging.WARNING) -> int:
    """-v shows progress, -vv everything; without it, only warnings (``quiet``)."""
    return logging.DEBUG if verbose > 1 else logging.INFO if verbose else quiet


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class State:
    config_path: Path | None
    db_url: str | None
    verbose: int
    _config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(self.config_path)
            if self.db_url:
                config = config.with_value("database.url", self.db_url, "--db")
            self._config = config
        return self._config

    def engine(self, *, migrate: bool = True) -> Engine:
        """The database engine; the schema is created or checked first."""
        from tracker.store.db import create_db_engine, ensure_schema

        if self._engine is None:
            self._engine = create_db_engine(self.config["database.url"])
            if migrate:
                ensure_schema(self._engine)
        return self._engine

    def rules(self) -> Any:
        from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
        from tracker.ruleset import load_ruleset

        rules = self.config["classify.rules"] or DEFAULT_CLASSIFY
        gazetteer = self.config["classify.gazetteer"] or DEFAULT_GAZETTEER
        return load_ruleset(Path(rules), Path(gazetteer))


pass_state = click.make_pass_decorator(State)


def _parse_when(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from tracker.dates import parse_header_date

    if value is None:
        return None
    parsed = parse_header_date(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param=param)
    return parsed


def _echo(text: str) -> None:
    click.echo(text)


def _note(text: str) -> None:
    click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file [default: ./config.toml when present].",
)
@click.option(
    "--db",
    "db_url",
    envvar="TRACKER_DATABASE_URL",
    show_envvar=True,
    help="Database URL, e.g. sqlite:///tracker.db or postgresql+psycopg://user@host/db.",
)
@click.option(
    "-v", "--verbose", count=True, help="Log progress to stderr; show tracebacks on errors."
)
@click.version_option(__version__, prog_name="tracker")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_url: str | None, verbose: int) -> None:
    """tracker: the AI industry's deals and the regulators who watch them.

    Ingests news from files and feeds, labels each item as investment,
    partnership, model release or regulatory action (with a score and the
    sentence that justifies it), names the companies, regulators and amounts,
    and stores it all in SQLite or PostgreSQL for trend queries.
    """
    configure_logging(log_level(verbose))
    ctx.obj = State(config_path, db_url, verbose)


def main() -> None:
    """Entry point: run the CLI, turning expected failures into one line."""
    tune_gc()
    verbose = any(arg in ("-v", "--verbose") or arg.startswith("-vv") for arg in sys.argv[1:])
    try:
        cli.main(prog_name="tracker", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        _note("aborted")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        if verbose:
            traceback.print_exc()
        _note(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        _note("interrupted")
        sys.exit(130)
    sys.exit(0)
