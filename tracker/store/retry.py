"""Transactions that survive a busy or restarting database.

A batch is written in one transaction; when the database says it is busy
(SQLite's "database is locked" once its busy timeout has passed, a PostgreSQL
serialization failure or deadlock) or the connection drops (a server restart),
the whole transaction is rolled back and run again after a growing delay. No
partial batch is ever committed; after the last attempt the error goes up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 6
"""Tries per transaction. With FIRST_DELAY doubling, the last try comes about six
seconds after the first failure (plus SQLite's own busy timeout per try): long
enough for a PostgreSQL restart, short enough that a stuck writer is reported."""

FIRST_DELAY = 0.2
MAX_DELAY = 5.0

_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "could not serialize",
    "deadlock detected",
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "connection timed out",
    "the database system is starting up",
    "the database system is shutting down",
    "consuming input failed",
    "ssl connection has been closed",
)


def is_transient(exc: DBAPIError) -> bool:
    """Would the same transaction succeed if run again a little later?"""
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    return any(marker in message for marker in _TRANSIENT)


def in_transaction(
    engine: Engine,
    work: Callable[[Connection], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` in one transaction, again from the start on a transient error."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1))
            log.warning(
                "database busy or unreachable (%s); retry %d of %d in %.1fs",
                str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else exc,
                attempt,
                attempts - 1,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises
