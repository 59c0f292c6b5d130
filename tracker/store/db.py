"""Opening the database: engine, SQLite pragmas, and the schema's migration state.

An empty database is created at the newest revision on first use; a database
behind it is refused with the command that upgrades it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from tracker.config import mask_url
from tracker.errors import StoreError
from tracker.store.bulk import read_json


def _migrations_dir() -> Path:
    """Installed, migrations/ ships as tracker.migrations; in a source checkout
    (``python -m tracker`` run from the repository) it is the top-level folder."""
    try:
        import tracker.migrations

        return Path(tracker.migrations.__file__).parent
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "migrations/ holds no revision"
    return head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder must exist."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"not a database URL: {mask_url(url)}",
            hint="use sqlite:///tracker.db or postgresql+psycopg://user@host/db",
        ) from None
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")  # file:...?mode=ro
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not uri
    ):
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(
                f"cannot create the database {parsed.database}: folder {folder} does not exist"
            )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(parsed, pool_pre_ping=True, json_deserializer=read_json)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StoreError(
            f"no driver for {parsed.drivername}: {exc}", hint="for PostgreSQL install tracker[pg]"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            cfg = _alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            return before, head_revision()
    except DBAPIError as exc:
        raise describe_failure(engine, exc) from exc


def ensure_schema(engine: Engine) -> None:
    """Create an empty database; refuse one whose schema is behind or unknown."""
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            has_tables = bool(inspect(connection).get_table_names())
    except SQLAlchemyError as exc:
        raise describe_failure(engine, exc) from exc
    if revision is None and not has_tables:
        upgrade(engine)
        return
    if revision is None:
        raise StoreError(
            f"{mask_url(str(engine.url))} holds tables but no tracker schema version",
            hint="point --db at a tracker database or an empty one",
        )
    if revision != head_revision():
        raise StoreError(
            f"the database schema is at revision {revision}, this tracker needs {head_revision()}",
            hint="run `tracker init` to upgrade it",
        )


def describe_failure(engine: Engine, exc: Exception) -> StoreError:
    """One line for a database that cannot be reached or written."""
    detail = (
        str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    )
    return StoreError(
        f"database {mask_url(engine.url.render_as_string(hide_password=False))} failed: {detail}",
        hint="check --db / TRACKER_DATABASE_URL and that the server is running and writable",
    )
