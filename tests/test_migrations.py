"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tracker.store.db import (
    create_db_engine,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade,
)
from tracker.store.schema import metadata


def test_upgrade_empty_database_matches_models(db_url: str) -> None:
    engine = create_db_engine(db_url)
    before, after = upgrade(engine)
    assert before is None and after == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        views = set(inspect(conn).get_view_names())
        assert {"v_items", "v_item_labels"} <= views
    engine.dispose()


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    before, after = upgrade(engine)
    assert before == after == head_revision()
    engine.dispose()


def test_ensure_schema_creates_empty_database_and_refuses_old_one(db_url: str) -> None:
    import pytest

    from tracker.errors import StoreError

    engine = create_db_engine(db_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        assert current_revision(conn) == head_revision()
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(StoreError, match="tracker init"):
        ensure_schema(engine)
    engine.dispose()
