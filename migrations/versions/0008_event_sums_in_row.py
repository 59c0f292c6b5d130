"""an event's sums in its own row: a candidate event is one row to read

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:00:00

Grouping compares each new report with about a dozen candidate events, read
from their rows (labels and parties are JSON there) and, for their sums, from
``event_amounts``: in a large database, a random page of each table per
candidate. ``events.sums`` keeps what grouping compares of the sums,
``[value, currency, kind]`` in the order of the event's ``event_amounts`` rows
(the value as text, as that row gives it back), so the row is enough.
``event_amounts`` stays: listings, alerts and views read its text and counts.

Existing events are filled from ``event_amounts`` in ranges of event ids, each
read and written in one or two statements, with a progress line per range on
the ``tracker.migrations`` logger (``tracker -v init`` shows it). Events with
no sums keep the column's default, ``[]``.
"""

import json
import logging
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("tracker.migrations")

EVENTS_PER_STEP = 50_000
"""Event ids per range: a range's sums are a few MB in memory at most."""

_amounts = sa.table(
    "event_amounts",
    sa.column("id", sa.Integer),
    sa.column("event_id", sa.Integer),
    sa.column("value", sa.Numeric(24, 2)),
    sa.column("currency", sa.String),
    sa.column("kind", sa.String),
)
_events = sa.table("events", sa.column("id", sa.Integer), sa.column("sums", sa.JSON))


def _sums(bind: sa.Connection, low: int, high: int) -> dict[int, list[list[str]]]:
    """The sums of events ``low`` to ``high - 1``, in the order of their rows,
    each value as the column gives it back (a Core select converts it)."""
    found: dict[int, list[list[str]]] = defaultdict(list)
    rows = bind.execute(
        sa.select(_amounts.c.event_id, _amounts.c.value, _amounts.c.currency, _amounts.c.kind)
        .where(_amounts.c.event_id >= low, _amounts.c.event_id < high)
        .order_by(_amounts.c.event_id, _amounts.c.id)
    )
    for event_id, value, currency, kind in rows:
        found[event_id].append([str(value), currency, kind])
    return found


def _write(bind: sa.Connection, sums: dict[int, list[list[str]]]) -> None:
    if not sums:
        return
    if bind.dialect.name == "postgresql":
        # one statement per range: the ids and the JSON texts as two arrays
        bind.execute(
            sa.text(
                "UPDATE events SET sums = CAST(v.sums AS JSON) "
                "FROM unnest(CAST(:ids AS INTEGER[]), CAST(:sums AS TEXT[])) AS v(id, sums) "
                "WHERE events.id = v.id"
            ),
            {"ids": list(sums), "sums": [json.dumps(s) for s in sums.values()]},
        )
        return
    update = (
        sa.update(_events)
        .where(_events.c.id == sa.bindparam("event_id"))
        .values(sums=sa.bindparam("event_sums", type_=sa.JSON))
    )
    bind.execute(update, [{"event_id": e, "event_sums": s} for e, s in sums.items()])


def _fill() -> None:
    bind = op.get_bind()
    last = bind.execute(sa.select(sa.func.max(_amounts.c.event_id))).scalar()
    if last is None:
        return
    filled = 0
    for low in range(0, last + 1, EVENTS_PER_STEP):
        sums = _sums(bind, low, low + EVENTS_PER_STEP)
        _write(bind, sums)
        filled += len(sums)
        log.info(
            "revision 0008: sums copied into %d event rows (event ids up to %d of %d)",
            filled,
            min(low + EVENTS_PER_STEP - 1, last),
            last,
        )


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("sums", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    _fill()


def downgrade() -> None:
    op.drop_column("events", "sums")
