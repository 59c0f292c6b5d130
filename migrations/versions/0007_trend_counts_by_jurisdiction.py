"""trend_counts keyed in query order: one b-tree on SQLite instead of three

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:00:00

Trend queries read ``trend_counts`` by (unit, jurisdiction, day), which a
covering index of revision 0005 served beside the primary key (unit, day,
category, jurisdiction, band). On SQLite the table was a rowid table, so every
row lived in three b-trees (the table, its primary key's index, the covering
index) and an ingest that touched rows on random days wrote a page in each
for most of them. The primary key now lists the same columns in the order the
queries read them (unit, jurisdiction, day, category, band), and on SQLite the
table is ``WITHOUT ROWID``: the table is its key, and it covers the queries
itself. No index on the day is kept: recounting a whole day deletes its rows
through the key, one range per jurisdiction
(``tracker.store.trend_upkeep._delete_count_day``). PostgreSQL keeps its
covering index (its index-only scans need ``count`` in an index) and gets the
same key order. No row changes.

SQLite cannot change a table's key in place: the table is copied into a new
one, and the views that read it (``v_trends_*``) are dropped and made again
from their own stored definitions.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = "unit, day, category, jurisdiction, band"
NEW_KEY = "unit, jurisdiction, day, category, band"
COVERING = "ix_trend_counts_unit_jurisdiction_day"
COVERING_COLUMNS = ["unit", "jurisdiction", "day", "category", "band", "count"]

_TABLE = """CREATE TABLE {name} (
    unit VARCHAR(8) NOT NULL,
    day DATE NOT NULL,
    category VARCHAR(32) NOT NULL,
    jurisdiction VARCHAR(16) NOT NULL,
    band INTEGER NOT NULL,
    count INTEGER NOT NULL,
    CONSTRAINT pk_trend_counts PRIMARY KEY ({key})
){tail}"""


def _rebuild_sqlite(key: str, without_rowid: bool) -> None:
    """Copy trend_counts into a table with primary key ``key``; the views
    reading it are dropped first and made again from their stored SQL."""
    bind = op.get_bind()
    views = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql LIKE '%trend_counts%' "
        "ORDER BY name"
    ).all()
    for name, _ in views:
        op.execute(f"DROP VIEW {name}")
    tail = " WITHOUT ROWID" if without_rowid else ""
    op.execute(_TABLE.format(name="trend_counts_rekeyed", key=key, tail=tail))
    op.execute(
        "INSERT INTO trend_counts_rekeyed (unit, day, category, jurisdiction, band, count) "
        "SELECT unit, day, category, jurisdiction, band, count FROM trend_counts"
    )
    op.execute("DROP TABLE trend_counts")  # and its indexes
    op.execute("ALTER TABLE trend_counts_rekeyed RENAME TO trend_counts")
    for _, sql in views:
        op.execute(sql)


def _rekey_postgresql(key: str) -> None:
    op.execute("ALTER TABLE trend_counts DROP CONSTRAINT pk_trend_counts")
    op.execute(f"ALTER TABLE trend_counts ADD CONSTRAINT pk_trend_counts PRIMARY KEY ({key})")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(NEW_KEY, without_rowid=True)
    else:
        _rekey_postgresql(NEW_KEY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(OLD_KEY, without_rowid=False)
        op.create_index(COVERING, "trend_counts", COVERING_COLUMNS, unique=False)
    else:
        _rekey_postgresql(OLD_KEY)
