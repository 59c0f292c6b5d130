"""One exception tree. Each error carries what a user needs to act on it.

Third-party exceptions are wrapped (``raise FetchError(...) from exc``) so the
CLI can print one line and ``-v`` can still show the chain.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every expected failure; the CLI prints ``str(err)`` and exits 1."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(TrackerError):
    """The configuration file or an option is wrong."""


class SourceError(TrackerError):
    """A source could not be read; the run goes on with the others."""

    def __init__(self, source: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{source}: {message}", hint=hint)
        self.source = source
        self.reason = f"{message} ({hint})" if hint else message


class FetchError(SourceError):
    """Reading bytes from a file or URL failed."""


class ParseError(SourceError):
    """Bytes were read but hold nothing tracker can use."""


class StoreError(TrackerError):
    """The database is unreachable, behind its schema, or refused a write."""


class AlertError(TrackerError):
    """An alert could not be built or delivered."""
