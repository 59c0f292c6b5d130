"""events: labels, participants, amounts, grouping state, trend counts, reporting views

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A label counts in the views at the default reporting threshold, 0.5 (band 10
# of trend_counts, whose bands are twentieths). docs/sql.md describes each view.
REPORTED = 0.5


def _periods(dialect: str) -> dict[str, str]:
    """SQL for the first day of the week (Monday), month and quarter of ``day``."""
    if dialect == "postgresql":
        return {
            unit: f"CAST(date_trunc('{unit}', day) AS DATE)"
            for unit in ("week", "month", "quarter")
        }
    return {
        "week": "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
        "month": "date(day, 'start of month')",
        "quarter": (
            "date(day, 'start of month', '-' || "
            "((CAST(strftime('%m', day) AS INTEGER) - 1) % 3) || ' months')"
        ),
    }


def views(dialect: str) -> dict[str, str]:
    """The reporting views, in creation order; written out here (not imported)
    so this revision stays as it was."""
    day = (
        "CAST(e.first_seen AT TIME ZONE 'UTC' AS DATE)"
        if dialect == "postgresql"
        else "date(e.first_seen)"
    )
    out = {
        "v_events": f"""
            SELECT e.id, e.title, e.first_seen, e.last_seen, {day} AS first_day,
                   e.item_count, e.jurisdiction, e.amount_value, e.amount_currency
            FROM events e
        """,
        "v_event_labels": """
            SELECT l.event_id, e.title, e.first_seen, l.category, l.score, l.evidence, l.item_id
            FROM event_labels l JOIN events e ON e.id = l.event_id
        """,
        "v_event_participants": """
            SELECT p.event_id, e.title, e.first_seen, n.kind, n.name, p.role,
                   n.jurisdiction
            FROM event_participants p
            JOIN events e ON e.id = p.event_id
            JOIN entities n ON n.id = p.entity_id
        """,
        "v_event_amounts": """
            SELECT a.event_id, e.title, e.first_seen, a.value, a.currency, a.kind, a.text,
                   a.mentions
            FROM event_amounts a JOIN events e ON e.id = a.event_id
            WHERE a.is_conversion = false
        """,
        "v_event_items": """
            SELECT i.event_id, i.id AS item_id, i.title, i.url, s.name AS source, i.published_at
            FROM items i JOIN sources s ON s.id = i.source_id
            WHERE i.event_id IS NOT NULL
        """,
        "v_deals": f"""
            SELECT e.id AS event_id, e.first_seen, {day} AS first_day, inv.name AS investor,
                   tgt.name AS investee, e.amount_value, e.amount_currency, e.title
            FROM events e
            JOIN event_labels l ON l.event_id = e.id AND l.category = 'investment'
                               AND l.score >= {REPORTED}
            JOIN event_participants pi ON pi.event_id = e.id AND pi.role = 'investor'
            JOIN entities inv ON inv.id = pi.entity_id
            JOIN event_participants pt ON pt.event_id = e.id AND pt.role = 'investee'
            JOIN entities tgt ON tgt.id = pt.entity_id
            WHERE inv.id <> tgt.id
        """,
    }
    for unit, expr in _periods(dialect).items():
        out[f"v_trends_{unit}ly"] = f"""
            SELECT unit, {expr} AS period, category, jurisdiction, SUM(count) AS count
            FROM trend_counts
            WHERE band >= {round(REPORTED * 20)}
            GROUP BY unit, {expr}, category, jurisdiction
        """
    return out


def upgrade() -> None:
    op.create_table(
        "event_amounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("is_conversion", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_amounts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_amounts")),
        sa.UniqueConstraint(
            "event_id", "value", "currency", name=op.f("uq_event_amounts_event_id_value_currency")
        ),
    )
    op.create_table(
        "event_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.id"],
            name=op.f("fk_event_participants_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_participants_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participants")),
        sa.UniqueConstraint(
            "event_id",
            "entity_id",
            "role",
            name=op.f("uq_event_participants_event_id_entity_id_role"),
        ),
    )
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.create_index("ix_event_participants_entity_id", ["entity_id"], unique=False)

    op.create_table(
        "event_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_labels_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_event_labels_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_labels")),
        sa.UniqueConstraint("event_id", "category", name=op.f("uq_event_labels_event_id_category")),
    )
    with op.batch_alter_table("event_labels", schema=None) as batch_op:
        batch_op.create_index("ix_event_labels_category_score", ["category", "score"], unique=False)

    op.add_column("events", sa.Column("sketch", sa.Text(), nullable=True))
    op.add_column(
        "events", sa.Column("dated", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_index("ix_events_last_seen", "events", ["last_seen"], unique=False)
    op.create_index(op.f("ix_events_updated_at"), "events", ["updated_at"], unique=False)
    op.create_table(
        "trend_counts",
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit", "day", "category", "jurisdiction", "band", name=op.f("pk_trend_counts")
        ),
    )
    dialect = op.get_bind().dialect.name
    for name, sql in views(dialect).items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(list(views("sqlite"))):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_table("trend_counts")
    op.drop_index(op.f("ix_events_updated_at"), table_name="events")
    op.drop_index("ix_events_last_seen", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("dated")
        batch_op.drop_column("sketch")
    op.drop_table("event_labels")
    op.drop_table("event_participants")
    op.drop_table("event_amounts")
