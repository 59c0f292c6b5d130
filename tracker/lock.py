"""One daemon per SQLite database: an advisory lock on a file beside it.

The operating system drops the lock when the process dies, even by SIGKILL, so
a crashed daemon never leaves a stale lock behind. PostgreSQL needs none: its
daemons share the work by claiming rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tracker.errors import TrackerError


def lock_path(db_url: str) -> Path | None:
    """The lock file for a SQLite database file, or None when no lock is needed."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database).expanduser().resolve()
    return database.with_name(database.name + ".daemon.lock")


@contextmanager
def daemon_lock(db_url: str) -> Iterator[None]:
    """Hold the database's daemon lock for the duration, or fail saying who holds it."""
    path = lock_path(db_url)
    if path is None:
        yield
        return
    try:
        handle = path.open("a+")
    except OSError as exc:
        raise TrackerError(
            f"cannot create the daemon lock {path}: {exc.strerror}",
            hint="check that the database's folder is writable",
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            database = path.name.removesuffix(".daemon.lock")
            raise TrackerError(
                f"another tracker daemon (pid {holder}) is already running on {database}",
                hint="stop it first; to run several daemons, use PostgreSQL",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
