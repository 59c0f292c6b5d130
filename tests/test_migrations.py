"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tracker.store.db import (
    _alembic_config,
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
        opts = {"compare_type": True, "include_object": _on_this_dialect(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        views = set(inspect(conn).get_view_names())
        assert {"v_items", "v_item_labels"} <= views
    engine.dispose()


def _on_this_dialect(dialect: str) -> Any:
    """Alembic compares every index of the models; one made for another
    database only (``Index.ddl_if``) is left out."""

    def include(obj: Any, _name: str, type_: str, reflected: bool, _other: Any) -> bool:
        wanted = getattr(obj, "_ddl_if", None)
        return reflected or type_ != "index" or wanted is None or wanted.dialect == dialect

    return include


def test_trend_counts_key_order_and_covering_index_per_database(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        found = inspect(conn)
        key = found.get_pk_constraint("trend_counts")["constrained_columns"]
        indexes = {i["name"] for i in found.get_indexes("trend_counts")}
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'trend_counts'"
            ).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID")
    assert key == ["unit", "jurisdiction", "day", "category", "band"]
    covering = "ix_trend_counts_unit_jurisdiction_day"
    assert (covering in indexes) == (engine.dialect.name == "postgresql")
    engine.dispose()


TREND_ROWS = [
    ("items", date(2024, 2, 26), "investment", "", 17, 3),
    ("items", date(2024, 2, 26), "investment", "EU", 17, 1),
    ("events", date(2024, 2, 27), "regulatory_action", "EU", 12, 2),
    ("items", date(2023, 5, 1), "partnership", "US", 0, 5),
]


def test_revision_0007_keeps_every_trend_row_and_view_down_and_up(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    insert = (
        "INSERT INTO trend_counts (unit, day, category, jurisdiction, band, count) "
        "VALUES (:unit, :day, :category, :jurisdiction, :band, :count)"
    )
    names = ("unit", "day", "category", "jurisdiction", "band", "count")
    with engine.begin() as conn:
        conn.execute(text(insert), [dict(zip(names, row, strict=True)) for row in TREND_ROWS])

    def state() -> tuple[list[Any], list[Any]]:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    f"SELECT {', '.join(names)} FROM trend_counts ORDER BY unit, day, category, "
                    "jurisdiction"
                )
            ).all()
            monthly = conn.execute(
                text("SELECT * FROM v_trends_monthly ORDER BY unit, period, category, jurisdiction")
            ).all()
        return [tuple(str(v) for v in r) for r in rows], [tuple(map(str, r)) for r in monthly]

    before = state()
    assert len(before[0]) == len(TREND_ROWS) and before[1]
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    assert state() == before
    with engine.connect() as conn:
        key = inspect(conn).get_pk_constraint("trend_counts")["constrained_columns"]
        indexes = {i["name"] for i in inspect(conn).get_indexes("trend_counts")}
    assert key == ["unit", "day", "category", "jurisdiction", "band"]
    assert "ix_trend_counts_unit_jurisdiction_day" in indexes
    assert upgrade(engine) == ("0006", head_revision())
    assert state() == before
    with engine.begin() as conn:  # the new key still takes the upsert trend upkeep writes
        conn.execute(
            text(
                insert + " ON CONFLICT (unit, day, category, jurisdiction, band) "
                "DO UPDATE SET count = trend_counts.count + excluded.count"
            ),
            dict(zip(names, TREND_ROWS[0], strict=True)),
        )
        assert conn.execute(text("SELECT max(count) FROM trend_counts")).scalar() == 6
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
