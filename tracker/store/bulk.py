"""Many rows into one table without building a statement per row.

A batch writes thousands of rows (labels, entity links, sightings, trend
counts). SQLAlchemy's executemany prepares each row's parameters in Python,
and on PostgreSQL either runs one statement per row or renders one huge
statement that the driver parses again every time. Here the statement is
written once per table and the rows go in as plain values:

    PostgreSQL   INSERT INTO t (a, b) SELECT * FROM unnest(%s::type[], %s::type[]) ...
                 one statement, each column's values as one array
    SQLite       INSERT INTO t (a, b) VALUES (?, ?) ...   one executemany of tuples
                 (rows returned: VALUES (?, ?), (?, ?) ... RETURNING, per chunk)

Each value goes through its column type's own bind conversion first (UTC times,
dates, decimals, JSON), so what is stored is what a Core statement would store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import JSON, Float, Numeric, Table
from sqlalchemy.engine import Connection, Dialect, Row

from tracker.store.schema import UTCDateTime


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: str = "",
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """Insert ``rows`` (tuples in the order of ``columns``); ``conflict``: an
    ``ON CONFLICT ...`` clause; ``returning``: columns to return, of the
    rows inserted (in no particular order)."""
    if not rows:
        return []
    names = ", ".join(columns)
    convert = _converters(conn.dialect, table, tuple(columns))
    if conn.dialect.name == "postgresql":
        tail = f" RETURNING {', '.join(returning)}" if returning else ""
        unnest = _unnest(conn.dialect, table, columns)
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM {unnest} {conflict}{tail}"
        result = conn.exec_driver_sql(sql, _arrays(convert, rows))
        return list(result) if returning else []
    marks = "(" + ", ".join("?" for _ in columns) + ")"
    if returning:
        # an executemany returns no rows: one multi-row VALUES per chunk instead
        found: list[Row[Any]] = []
        values = _converted(convert, rows)
        step = max(1, SQLITE_PARAMETERS // len(columns))
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            sql = (
                f"INSERT INTO {table.name} ({names}) VALUES {', '.join([marks] * len(chunk))} "
                f"{conflict} RETURNING {', '.join(returning)}"
            )
            found += conn.exec_driver_sql(sql, tuple(v for row in chunk for v in row)).all()
        return found
    sql = f"INSERT INTO {table.name} ({names}) VALUES {marks} {conflict}"
    conn.exec_driver_sql(sql, _converted(convert, rows))
    return []


SQLITE_PARAMETERS = 999
"""Parameters per SQLite statement: the smallest limit of any SQLite build."""


def update_rows(
    conn: Connection,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Set ``columns`` of the row whose ``key`` is each row's first value (the
    rest in the order of ``columns``)."""
    if not rows:
        return
    everything = (key, *columns)
    convert = _converters(conn.dialect, table, everything)
    if conn.dialect.name == "postgresql":
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        unnest = _unnest(conn.dialect, table, everything)
        sql = (
            f"UPDATE {table.name} SET {sets} FROM {unnest} AS v({', '.join(everything)}) "
            f"WHERE {table.name}.{key} = v.{key}"
        )
        conn.exec_driver_sql(sql, _arrays(convert, rows))
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE {key} = ?"
    conn.exec_driver_sql(sql, [(*row[1:], row[0]) for row in _converted(convert, rows)])


def select_where_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[int],
    *,
    order_by: str = "",
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows whose integer ``key`` is one of ``values`` (at
    most a few hundred), each value as its column type gives it back: a Core
    select of the same, without compiling it anew for every length of the
    list or making a row object of each row."""
    if not values:
        return []
    names = ", ".join(columns)
    tail = f" ORDER BY {order_by}" if order_by else ""
    if conn.dialect.name == "postgresql":
        sql = f"SELECT {names} FROM {table.name} WHERE {key} = ANY(%s::bigint[]){tail}"
        params: tuple[Any, ...] = (_array_literal([int(v) for v in values]),)
    else:
        marks = ", ".join("?" * len(values))
        sql = f"SELECT {names} FROM {table.name} WHERE {key} IN ({marks}){tail}"
        params = tuple(int(v) for v in values)
    rows = conn.exec_driver_sql(sql, params).fetchall()
    readers = [(i, f) for i, f in enumerate(_readers(conn.dialect, table, tuple(columns))) if f]
    if not readers:
        return [tuple(row) for row in rows]
    return _apply(readers, rows)


@cache
def _readers(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[Converter, ...]:
    """Each column type's result conversion, as a Core select applies it.
    psycopg itself gives PostgreSQL's numerics as decimals and its floats as
    floats (the dialect asks the cursor's type to choose a conversion, which
    a plain read lacks)."""
    out: list[Converter] = []
    for name in columns:
        type_ = table.c[name].type
        if dialect.name == "postgresql" and isinstance(type_, Numeric | Float):
            out.append(None)
        elif dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
            out.append(_sqlite_utc)
        elif dialect.name == "sqlite" and isinstance(type_, JSON):
            out.append(read_json)
        else:
            out.append(type_.dialect_impl(dialect).result_processor(dialect, None))
    return tuple(out)


@cache
def as_stored(dialect: Dialect, table: Table, column: str) -> Callable[[Any], Any]:
    """``value`` as ``column`` gives it back once stored: its bind conversion,
    then its result conversion (a decimal through SQLite's float and back;
    unchanged on PostgreSQL), for a copy kept elsewhere that must read alike."""
    bind = _converters(dialect, table, (column,))[0]
    read = _readers(dialect, table, (column,))[0]

    def stored(value: Any) -> Any:
        value = bind(value) if bind else value
        return read(value) if read else value

    return stored


_scan_json = json.JSONDecoder().scan_once


def read_json(value: str | bytes | None) -> Any:
    """``json.loads`` without the steps around the decoder's scanner (white
    space before and after, the error's position): what tracker stores was
    written by ``json.dumps``, with none. Anything else goes through
    ``json.loads`` itself. Every JSON column is read this way (SQLite's text
    here, psycopg's bytes as the engine's ``json_deserializer``): grouping
    decodes three of every candidate event."""
    if value is None:
        return None
    try:
        text = value.decode() if isinstance(value, bytes) else value
        found, end = _scan_json(text, 0)
    except (StopIteration, ValueError):  # json.loads says what is wrong, or reads it
        return json.loads(value)
    return found if end == len(text) else json.loads(value)


def _sqlite_utc(value: str | None) -> datetime | None:
    """UTCDateTime's result conversion on SQLite, in one step: the text as
    SQLite's DATETIME reads it (``fromisoformat``), stored in UTC."""
    if value is None:
        return None
    read = datetime.fromisoformat(value)
    return read.replace(tzinfo=UTC) if read.tzinfo is None else read.astimezone(UTC)


def delete_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    where: str = "",
) -> None:
    """Delete the rows whose ``columns`` hold each row's values (and that
    meet the extra condition ``where``, SQL on the table's own columns)."""
    if not rows:
        return
    convert = _converters(conn.dialect, table, tuple(columns))
    extra = f" AND {where}" if where else ""
    if conn.dialect.name == "postgresql":
        match = " AND ".join(f"{table.name}.{c} = v.{c}" for c in columns)
        unnest = _unnest(conn.dialect, table, columns)
        sql = (
            f"DELETE FROM {table.name} USING {unnest} AS v({', '.join(columns)}) "
            f"WHERE {match}{extra}"
        )
        conn.exec_driver_sql(sql, _arrays(convert, rows))
        return
    match = " AND ".join(f"{c} = ?" for c in columns)
    conn.exec_driver_sql(
        f"DELETE FROM {table.name} WHERE {match}{extra}", _converted(convert, rows)
    )


def _arrays(convert: tuple[Converter, ...], rows: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
    """The rows' values column by column, converted: each column as a
    PostgreSQL array literal when its values are plain (numbers, text, times),
    else as a list for the driver to adapt."""
    columns = []
    for f, column in zip(convert, zip(*rows, strict=True), strict=True):
        values = [f(v) for v in column] if f else list(column)
        columns.append(_array_literal(values))
    return tuple(columns)


def _array_literal(values: list[Any]) -> Any:
    """``{1,2,NULL}``, ``{"a","b \\"c\\""}``: what ``CAST(%s AS type[])`` reads,
    written by joining strings (the driver adapts a list element by element,
    which costs more than the statement); the list itself when a value is
    of another kind."""
    out = []
    for v in values:
        if v is None:
            out.append("NULL")
        elif isinstance(v, str):
            out.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(v, bool):
            out.append("t" if v else "f")
        elif isinstance(v, int | float | Decimal):
            out.append(str(v))
        elif isinstance(v, datetime | date):
            out.append(f'"{v.isoformat()}"')
        else:
            return values
    return "{" + ",".join(out) + "}"


def _converted(
    convert: tuple[Converter, ...], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    return _apply([(i, _remembered(f)) for i, f in enumerate(convert) if f], rows)


def _apply(
    converters: list[tuple[int, Callable[[Any], Any]]], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Each row with the given columns converted."""
    out = []
    for row in rows:
        values = list(row)
        for i, f in converters:
            values[i] = f(values[i])
        out.append(tuple(values))
    return out


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` that converts each distinct value once: a batch's rows
    repeat the same few times, days and sums (an event's time on each of its
    parties' rows, the batch's clock on every row). Values that cannot be
    dictionary keys (JSON lists) are converted every time. Keyed by type as
    well, since equal values of two types may convert differently (JSON's
    ``true`` and ``1``)."""
    done: dict[tuple[type, Any], Any] = {}

    def converted(value: Any) -> Any:
        key = (type(value), value)
        try:
            return done[key]
        except KeyError:
            done[key] = result = convert(value)
            return result
        except TypeError:
            return convert(value)

    return converted


Converter = Callable[[Any], Any] | None


@cache
def _converters(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[Converter, ...]:
    return tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


@cache
def _unnest(dialect: Dialect, table: Table, columns: Sequence[str]) -> str:
    """``unnest(%s::type[], ...)``: one array parameter per column, typed as the column."""
    arrays = ", ".join(f"%s::{_array_type(dialect, table, c)}[]" for c in columns)
    return f"unnest({arrays})"


def _array_type(dialect: Dialect, table: Table, column: str) -> str:
    return str(table.c[column].type.compile(dialect=dialect))
