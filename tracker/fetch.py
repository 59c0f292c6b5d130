"""Reading sources: files and folders. The inbound edge of the pipeline.

Folders are walked recursively in a stable order, following links to folders
once (a link loop is not walked twice). Every failure is a :class:`FetchError`
naming the file, so one bad file never stops the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG

from tracker.errors import FetchError
from tracker.models import RawDoc
from tracker.parse import TEXT_SUFFIXES


def iter_files(root: Path) -> Iterator[Path | FetchError]:
    """Every readable-looking file under ``root``; unsupported ones as errors."""
    if root.is_file():
        yield root
        return
    if not root.exists():
        yield FetchError(str(root), "no such file or folder")
        return
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(root, followlinks=True, onerror=None):
        stat = os.stat(folder)
        if (stat.st_dev, stat.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            if path.suffix.lower() not in TEXT_SUFFIXES:
                yield FetchError(
                    str(path),
                    f"unsupported file type {path.suffix or '(none)'}",
                    hint="tracker reads .txt, .md and .html files",
                )
                continue
            yield path


def read_file(path: Path, source: str, max_bytes: int) -> RawDoc:
    """The bytes of one file, refusing anything over ``max_bytes``."""
    try:
        stat = path.stat()
        if not S_ISREG(stat.st_mode):
            # A FIFO or device would block the read or never end.
            raise FetchError(str(path), "not a regular file (a pipe, socket or device)")
        if stat.st_size > max_bytes:
            raise FetchError(
                str(path),
                f"too large ({stat.st_size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:.0f} MB)",
                hint="raise [ingest] max_file_mb to read it",
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise FetchError(str(path), "permission denied") from None
    except IsADirectoryError:
        raise FetchError(str(path), "is a folder") from None
    except OSError as exc:
        raise FetchError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return RawDoc(
        source=source,
        location=path.resolve().as_uri(),
        data=data,
        modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
    )
