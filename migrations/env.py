"""Alembic environment: runs with tracker's own connection when called by
``tracker init``, or builds one from the configured URL when run by ``alembic``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from tracker.store.schema import metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # views are created by hand in migrations; autogenerate must not drop them
    return not (type_ == "table" and reflected and compare_to is None and name.startswith("v_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from tracker.config import load_config

    engine = create_engine(load_config()["database.url"])
    with engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `tracker init`")
run_migrations_online()
