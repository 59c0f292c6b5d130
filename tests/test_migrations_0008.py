"""Revision 0008: an event's sums kept in its row (``events.sums``) say what
its ``event_amounts`` rows say, in their order, after an ingest and after an
upgrade of existing data; grouping reads them from the row alone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from alembic import command
from conftest import DATA, FIXED_NOW, SEEDS, write_articles
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Engine

from tracker.config import load_config
from tracker.pipeline import ingest_path
from tracker.ruleset import load_ruleset
from tracker.store.db import _alembic_config, create_db_engine, head_revision, upgrade
from tracker.store.event_features import load_events
from tracker.store.tables import event_amounts_t

Sums = dict[int, list[tuple[Decimal, str, str]]]


def _ingest(engine: Engine, root: Path) -> None:
    ingest_path(
        engine,
        root,
        name=root.name,
        config=load_config(environ={}),
        rules=load_ruleset(),
        clock=lambda: FIXED_NOW,
    )


def _from_amount_rows(engine: Engine) -> Sums:
    """Each event's sums as grouping read them before revision 0008 (from
    ``event_amounts``, in row order)."""
    out: Sums = {}
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM events ORDER BY id")).scalars().all()
        out = {event_id: [] for event_id in ids}
        t = event_amounts_t
        rows = conn.execute(
            select(t.c.event_id, t.c.value, t.c.currency, t.c.kind).order_by(t.c.id)
        )
        for event_id, value, currency, kind in rows:  # as the column type gives them
            out[event_id].append((value, currency, kind))
    return out


def _as_grouping_reads(engine: Engine) -> Sums:
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM events")).scalars().all()
        features = load_events(conn, ids)
    return {e: [(a.value, a.currency, a.kind) for a in f.amounts] for e, f in features.items()}


def _migrate(engine: Engine, how: str, revision: str) -> None:
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, how)(cfg, revision)


def _texts(sums: Sums) -> dict[int, list[tuple[str, str, str]]]:
    """Values as text too: the same figures with the same scale."""
    return {e: [(str(v), c, k) for v, c, k in rows] for e, rows in sums.items()}


def test_ingest_keeps_each_events_sums_in_its_row_as_its_amount_rows_say(
    db_url: str, tmp_path: Path
) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    _ingest(engine, SEEDS)
    _ingest(engine, DATA / "clusters" / "articles")
    _ingest(engine, write_articles(tmp_path / "dev", 120))
    expected = _from_amount_rows(engine)
    found = _as_grouping_reads(engine)
    engine.dispose()
    assert sum(len(rows) > 1 for rows in expected.values()) >= 2  # several sums, in order
    assert _texts(found) == _texts(expected)


# events of an older database, by id: their amount rows in the order inserted
OLD_EVENTS = {
    100_001: [("15000000", "EUR", "investment"), ("16000000", "USD", "investment")],
    100_002: [],
    # inserted largest first, in another range of ids than the upgrade's first
    220_001: [
        ("900000000.5", "USD", "valuation"),
        ("2000000", "GBP", "investment"),
        ("7", "USD", "other"),
    ],
}


def _insert_old_events(engine: Engine) -> None:
    with engine.begin() as conn:
        for event_id, amounts in OLD_EVENTS.items():
            conn.execute(
                text(
                    "INSERT INTO events (id, title, categories, participants, first_seen, "
                    "last_seen, item_count, created_at, updated_at, dated) VALUES (:id, 'E', "
                    "'[]', '[]', '2024-01-01 10:00:00', '2024-01-01 10:00:00', 1, "
                    "'2024-01-02 00:00:00', '2024-01-02 00:00:00', true)"
                ),
                {"id": event_id},
            )
            rows = [
                {"event_id": event_id, "value": Decimal(value), "currency": currency}
                | {"text": "x", "kind": kind, "mentions": 1, "is_conversion": False}
                for value, currency, kind in amounts
            ]
            if rows:  # the table is as revision 0007 left it
                conn.execute(insert(event_amounts_t), rows)


def _columns(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in inspect(conn).get_columns("events")}


def test_revision_0008_fills_existing_events_sums_and_downgrades_cleanly(
    db_url: str,
) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    _ingest(engine, SEEDS)
    _ingest(engine, DATA / "clusters" / "articles")
    before = _as_grouping_reads(engine)
    _migrate(engine, "downgrade", "0007")
    assert "sums" not in _columns(engine)
    _insert_old_events(engine)
    amount_rows = _from_amount_rows(engine)

    assert upgrade(engine) == ("0007", head_revision())
    found = _as_grouping_reads(engine)
    assert _texts(found) == _texts(amount_rows)
    assert {e: found[e] for e in before} == before  # the ingested events read as before
    assert [str(v) for v, _, _ in found[220_001]] == ["900000000.50", "2000000.00", "7.00"]
    assert found[100_002] == []

    _migrate(engine, "downgrade", "0007")
    assert "sums" not in _columns(engine)
    assert _from_amount_rows(engine) == amount_rows  # event_amounts untouched
    engine.dispose()
