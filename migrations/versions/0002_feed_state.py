"""feed state per source; item sightings and revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_title", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_revisions_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_revisions")),
    )
    with op.batch_alter_table("item_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_revisions_item_id"), ["item_id"], unique=False)

    op.create_table(
        "item_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("guid", sa.String(length=2000), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_sightings_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_item_sightings_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_sightings")),
        sa.UniqueConstraint(
            "item_id", "source_id", name=op.f("uq_item_sightings_item_id_source_id")
        ),
    )
    with op.batch_alter_table("item_sightings", schema=None) as batch_op:
        batch_op.create_index("ix_item_sightings_source_guid", ["source_id", "guid"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_sightings_url"), ["url"], unique=False)

    # Plain ADD COLUMN, not a batch table copy: SQLite cannot rename a table that
    # views depend on, and every new column here has a constant default.
    op.add_column(
        "sources", sa.Column("failure_score", sa.Float(), server_default="0", nullable=False)
    )
    op.add_column("sources", sa.Column("disabled_reason", sa.Text(), nullable=True))
    op.add_column("sources", sa.Column("body_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "sources", sa.Column("full_text", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "sources", sa.Column("alerts", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("sources", sa.Column("last_http_status", sa.Integer(), nullable=True))
    op.add_column(
        "sources", sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("sources", sa.Column("ttl_seconds", sa.Integer(), nullable=True))
    # Items stored before sightings existed: each was seen once, by its source.
    op.execute(
        "INSERT INTO item_sightings "
        "(item_id, source_id, url, guid, content_hash, first_seen_at, last_seen_at) "
        "SELECT id, source_id, url, guid, content_hash, fetched_at, fetched_at FROM items"
    )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        for column in (
            "ttl_seconds",
            "last_http_status",
            "last_success_at",
            "alerts",
            "full_text",
            "body_hash",
            "disabled_reason",
            "failure_score",
        ):
            batch_op.drop_column(column)
    op.drop_table("item_sightings")
    op.drop_table("item_revisions")
