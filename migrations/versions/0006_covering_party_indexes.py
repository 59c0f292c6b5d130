"""covering party indexes: a party's events near a date read from the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00

Grouping finds a new report's candidate events as the few ``event_participants``
rows of each of its parties nearest its date (or most recently updated). The
indexes of revision 0005 held ``(entity_id, last_seen)`` and
``(entity_id, updated_at)``, so each row found cost a read of the table for its
``event_id``, a page of its own in a large database. These indexes add the row
id (the order in which rows of equal time were read before, now written out so
both databases break ties alike) and the event id, which the look-up returns,
so it reads the index alone. No rows change.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_event_participants_entity_last_seen": "last_seen",
    "ix_event_participants_entity_updated_at": "updated_at",
}


def upgrade() -> None:
    for old, column in INDEXES.items():
        op.drop_index(old, table_name="event_participants")
        op.create_index(
            f"ix_event_participants_party_{column}",
            "event_participants",
            ["entity_id", column, "id", "event_id"],
            unique=False,
        )


def downgrade() -> None:
    for old, column in INDEXES.items():
        op.drop_index(f"ix_event_participants_party_{column}", table_name="event_participants")
        op.create_index(old, "event_participants", ["entity_id", column], unique=False)
