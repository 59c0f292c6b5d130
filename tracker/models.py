"""Frozen records passed between the pipeline's stages.

Nothing here touches the database: ``store/schema.py`` maps these onto tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

CATEGORIES: tuple[str, ...] = ("investment", "partnership", "model_release", "regulatory_action")


@dataclass(frozen=True, slots=True)
class RawDoc:
    """Bytes as read from a file or URL, before any interpretation."""

    source: str
    location: str
    data: bytes
    modified_at: datetime | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One article: the unit that is classified, stored and grouped into events."""

    source: str
    url: str
    title: str
    body: str
    published_at: datetime
    date_source: str
    content_hash: str
    guid: str | None = None
    has_headline: bool = True

    @property
    def headline(self) -> str:
        """The title as written, or "" when it was made up from the first sentence."""
        return self.title if self.has_headline else ""


@dataclass(frozen=True, slots=True)
class Label:
    category: str
    score: float
    evidence: str
    rules_version: str


@dataclass(frozen=True, slots=True)
class Entity:
    """A named thing in an item: organization, regulator, jurisdiction, person or model."""

    kind: str
    name: str
    role: str
    mention: str
    jurisdiction: str | None = None


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    currency: str
    text: str
    kind: str = "other"
    conversion_of: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the classifier and the extractor say about one text.

    ``labels`` holds every category that scored above zero; which of them are
    reported is the caller's threshold to decide (see :meth:`reported`).
    """

    labels: tuple[Label, ...] = ()
    entities: tuple[Entity, ...] = ()
    amounts: tuple[Amount, ...] = ()
    rules_version: str = ""

    def reported(self, threshold: float) -> tuple[Label, ...]:
        return tuple(label for label in self.labels if label.score >= threshold)


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingest run did; the CLI turns it into the summary line."""

    new: int = 0
    duplicate: int = 0
    failed: int = 0
    skipped: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class JobRun:
    """What one pass of a job did, for the log and the ``job_runs`` table."""

    name: str
    started_at: datetime
    finished_at: datetime
    summary: str
    error: str | None = None
    next_run_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class StopFlag(Protocol):
    """Set when the process is asked to stop: work in hand finishes, nothing new starts."""

    def is_set(self) -> bool: ...
