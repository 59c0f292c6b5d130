"""The store's plain reads and writes give what Core statements would, and
grouping's candidate look-ups break ties alike on both databases."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, Engine

from tracker import cluster
from tracker.store import bulk, event_candidates
from tracker.store.db import _alembic_config, create_db_engine, head_revision, upgrade
from tracker.store.event_features import NewItem
from tracker.store.tables import (
    event_amounts_t,
    event_participants_t,
    events_t,
    items_t,
    labels_t,
)

DAY = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _engine(url: str) -> Engine:
    engine = create_db_engine(url)
    upgrade(engine)
    return engine


def _fill(engine: Engine, events: int) -> None:
    rng = random.Random(3)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO entities (id, kind, name, aliases) VALUES (1, 'organization', 'A', '[]')"
        )
        conn.execute(
            events_t.insert(),
            [
                {
                    "id": i,
                    "title": f"event {i}",
                    "categories": [{"category": "investment", "score": 0.5 + i / 100}],
                    "participants": [{"kind": "organization", "name": "A", "role": "partner"}],
                    "jurisdiction": "EU" if i % 2 else None,
                    "amount_value": Decimal("15000000.25") if i % 3 else None,
                    "sums": [["15000000.25", "EUR", "investment"]] * (i % 3),
                    "first_seen": DAY - timedelta(days=i, microseconds=i),
                    "last_seen": DAY,
                    "item_count": i,
                    "created_at": DAY,
                    "updated_at": DAY + timedelta(hours=i),
                    "signature": cluster.sketch_to_bytes(cluster.sketch([f"w{i}", "x"])),
                    "dated": bool(i % 4),
                }
                for i in range(1, events + 1)
            ],
        )
        conn.execute(
            event_amounts_t.insert(),
            [
                {
                    "event_id": i,
                    "value": Decimal(rng.randint(1, 10**9)) / 100,
                    "currency": "USD",
                    "text": "x",
                    "kind": "investment",
                    "mentions": 1,
                    "is_conversion": False,
                }
                for i in range(1, events + 1)
                for _ in range(i % 3)
            ],
        )
        # participant rows whose ids run against the order they are written
        # in, all at one time: only the ids can order them
        ids = list(range(1, events + 1))
        rng.shuffle(ids)
        for row_id in ids:
            conn.execute(
                event_participants_t.insert().values(
                    id=row_id,
                    event_id=events + 1 - row_id,
                    entity_id=1,
                    role="partner",
                    last_seen=DAY,
                    updated_at=DAY,
                )
            )


def _items(conn: Connection, count: int) -> list[int]:
    """``count`` stored items (and their source)."""
    conn.exec_driver_sql(
        "INSERT INTO sources (id, kind, name, location, interval_seconds, enabled, "
        "error_count, created_at, failure_score, full_text, alerts) VALUES "
        "(1, 'file', 's', '/s', 900, true, 0, '2024-01-01 00:00:00', 0, false, true)"
    )
    conn.execute(
        items_t.insert(),
        [
            {
                "id": i,
                "source_id": 1,
                "url": f"u{i}",
                "title": "t",
                "body": "b",
                "has_headline": bool(i % 2),
                "published_at": DAY,
                "date_source": "header",
                "fetched_at": DAY,
                "content_hash": f"{i:064x}",
                "rules_version": "1",
            }
            for i in range(1, count + 1)
        ],
    )
    return list(range(1, count + 1))


def test_select_where_in_reads_what_a_core_select_reads(db_url: str) -> None:
    engine = _engine(db_url)
    _fill(engine, 40)
    wanted = [3, 1, 7, 40, 12, 99]
    with engine.begin() as conn:
        conn.execute(
            labels_t.insert(),
            [
                {
                    "item_id": item_id,
                    "category": "investment",
                    "score": 0.5 + item_id / 1000,
                    "evidence": "e",
                    "rules_version": "1",
                }
                for item_id in _items(conn, 5)
            ],
        )
        for table, key, order in (
            (labels_t, "item_id", "id"),
            (items_t, "id", None),
            (events_t, "id", None),
            (event_amounts_t, "event_id", "id"),
            (event_participants_t, "event_id", "id"),
        ):
            names = tuple(c.name for c in table.c)
            query = select(*table.c).where(table.c[key].in_(wanted))
            if order:
                query = query.order_by(table.c[order])
            expected = [tuple(row) for row in conn.execute(query)]
            got = bulk.select_where_in(conn, table, names, key, wanted, order_by=order or "")
            if not order:
                expected.sort(key=lambda r: r[0])
                got.sort(key=lambda r: r[0])
            assert got == expected and got
            assert [type(v) for v in got[0]] == [type(v) for v in expected[0]]
    engine.dispose()


@pytest.mark.parametrize(
    "stored",
    [
        "[]",
        '[{"category": "investment", "score": 0.812}]',
        '[["15000000.25", "EUR", "investment"]]',
        '{"name": "Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale", "n": [1, 2.5, true, null]}',
        " [1, 2] ",  # white space around: json.loads' own way
        "[1] x",
        "",
        "[1,",
        "NaNa",
        None,
    ],
)
def test_read_json_reads_what_json_loads_reads(stored: str | None) -> None:
    def read(convert: Any) -> Any:
        try:
            return ("ok", convert(stored))
        except json.JSONDecodeError as exc:
            return ("error", exc.msg, exc.pos)

    expected = read(json.loads) if stored is not None else ("ok", None)
    assert read(bulk.read_json) == expected
    if stored is not None:  # as psycopg gives it
        assert read(lambda _: bulk.read_json(stored.encode())) == expected
    if stored is not None and stored.startswith("["):  # another encoding: json.loads decides
        utf16 = stored.encode("utf-16-le")
        assert read(lambda _: bulk.read_json(utf16)) == read(lambda _: json.loads(utf16))


def test_rows_inserted_many_per_statement_return_their_keys(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sources (id, kind, name, location, interval_seconds, enabled, "
            "error_count, created_at, failure_score, full_text, alerts) VALUES "
            "(1, 'file', 's', '/s', 900, true, 0, '2024-01-01 00:00:00', 0, false, true)"
        )
        columns = (
            "source_id",
            "url",
            "title",
            "body",
            "has_headline",
            "published_at",
            "date_source",
            "fetched_at",
            "content_hash",
            "rules_version",
        )
        rows = [
            (1, f"u{i}", "t", "b", True, DAY, "header", DAY, f"{i:064x}", "1")
            for i in range(250)  # 2,500 values: more than one SQLite statement holds
        ]
        returned = bulk.insert_rows(
            conn,
            items_t,
            columns,
            rows,
            conflict="ON CONFLICT (content_hash) DO NOTHING",
            returning=("id", "content_hash"),
        )
        assert sorted(h for _, h in returned) == sorted(r[8] for r in rows)
        stored = dict(conn.execute(select(items_t.c.content_hash, items_t.c.id)).all())
        assert {h: i for i, h in returned} == stored
        again = bulk.insert_rows(
            conn,
            items_t,
            columns,
            rows[:3],
            conflict="ON CONFLICT (content_hash) DO NOTHING",
            returning=("id",),
        )
        assert again == []
    engine.dispose()


def test_candidates_of_one_time_are_taken_in_row_order(db_url: str) -> None:
    """More events of a party than a look-up takes, all at one time: both
    databases take the rows with the lowest ids, whatever order they were
    written in (a table's physical order differs between them)."""
    engine = _engine(db_url)
    _fill(engine, 12)
    features = cluster.ItemFeatures(
        title="t",
        published_at=DAY,
        date_source="header",
        categories=frozenset({"investment"}),
        participants=frozenset({"A"}),
        amounts=(),
        sketch=(),
    )
    new = NewItem(
        id=1, features=features, entity_ids=(1,), fingerprint="", labels=(), places=(), named=()
    )
    with engine.connect() as conn:
        # a year on: no undated event is recent enough to be a candidate too
        found = event_candidates.find_candidates(conn, [new], DAY + timedelta(days=365))
    # participant row r belongs to event 13 - r: rows 1-4 are events 12-9
    assert found.near[1] == [12, 11, 10, 9]
    engine.dispose()


def test_revision_0006_goes_down_and_up(db_url: str) -> None:
    engine = _engine(db_url)
    _fill(engine, 5)

    def indexes() -> set[str]:
        with engine.connect() as conn:
            return {i["name"] for i in inspect(conn).get_indexes("event_participants")}

    assert {"ix_event_participants_party_last_seen", "ix_event_participants_party_updated_at"} <= (
        indexes()
    )
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    old = indexes()
    assert "ix_event_participants_entity_last_seen" in old
    assert "ix_event_participants_party_last_seen" not in old
    assert upgrade(engine) == ("0005", head_revision())
    assert "ix_event_participants_party_updated_at" in indexes()
    with engine.connect() as conn:
        assert conn.execute(select(event_participants_t.c.id)).all()  # no row lost
    engine.dispose()
