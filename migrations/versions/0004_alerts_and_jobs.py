"""the daemon's job runs; alert kinds (event, update, digest) in the outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )
    _upgrade_alerts()


def _upgrade_alerts() -> None:
    # An alert is keyed by what it is about (event, update or digest) and its
    # recipient; rows written before this revision were all new-event alerts.
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="event", nullable=False)
        )
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("item_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("period_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE alerts SET key = 'event:' || CAST(event_id AS VARCHAR(20))")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("uq_alerts_event_id_recipient", type_="unique")
        batch_op.create_unique_constraint("uq_alerts_key_recipient", ["key", "recipient"])
        batch_op.create_index("ix_alerts_event_id", ["event_id"], unique=False)


def _downgrade_alerts() -> None:
    op.execute("DELETE FROM alerts WHERE kind <> 'event'")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_event_id")
        batch_op.drop_constraint("uq_alerts_key_recipient", type_="unique")
        batch_op.create_unique_constraint("uq_alerts_event_id_recipient", ["event_id", "recipient"])
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        for column in ("period_end", "period_start", "item_ids", "subject", "key", "kind"):
            batch_op.drop_column(column)


def downgrade() -> None:
    _downgrade_alerts()
    op.drop_table("job_runs")
