"""Daemons started together on one PostgreSQL database each add the
configuration's sources: the second to commit finds the first's rows and goes
on, instead of failing its poll on a unique violation."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import FIXED_NOW
from sqlalchemy import func, select

from tracker.config import load_config
from tracker.pipeline import sync_config_sources
from tracker.store import sources as sources_store
from tracker.store.db import create_db_engine, ensure_schema
from tracker.store.schema import Source


def test_a_daemon_syncing_sources_another_is_adding_waits_and_goes_on(
    postgres_url: str, tmp_path: Path
) -> None:
    desks = [tmp_path / f"desk{n}" for n in range(3)]
    (tmp_path / "config.toml").write_text(
        "".join(f'[[sources]]\nname = "{d.name}"\npath = "{d}"\n\n' for d in desks)
    )
    config = load_config(tmp_path / "config.toml", {})
    engine = create_db_engine(postgres_url)
    ensure_schema(engine)
    errors: list[BaseException] = []

    def second_daemon() -> None:
        try:
            sync_config_sources(engine, config, FIXED_NOW)
        except BaseException as exc:
            errors.append(exc)

    with engine.connect() as first:
        # The first daemon has added the sources and not yet committed.
        with first.begin():
            for desk in desks:
                sources_store.upsert_source(
                    first,
                    kind="file",
                    name=desk.name,
                    location=str(desk.resolve()),
                    interval=900,
                    full_text=False,
                    now=FIXED_NOW,
                )
            thread = threading.Thread(target=second_daemon)
            thread.start()
            thread.join(1.0)
            assert thread.is_alive(), "the second insert should wait for the first commit"
        thread.join(30)
    assert not errors, errors
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Source.__table__)).scalar_one() == 3
    engine.dispose()
