"""When to check a source next: its interval, what the server asks for, and a
backoff that grows with failures. Pure: ``now`` is always a parameter.

A source's failure score rises by :data:`TRANSIENT_WEIGHT` for a failure that
may pass by itself (a timeout, a 5xx, a refused connection) and by
:data:`HARD_WEIGHT` for one that needs a person (a 404, a body that is not a
feed, an oversize response). The wait before the next check doubles per point
of score and is capped, so a broken feed is still tried, at least once per cap,
and never silently given up. A success resets the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

TRANSIENT_WEIGHT = 1.0
HARD_WEIGHT = 2.0
# Beyond 2**16 times the interval every realistic cap has long been reached;
# stopping here keeps the arithmetic small whatever the score.
_MAX_DOUBLINGS = 16
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:max-age|s-maxage)\s*=\s*\"?(\d+)", re.I)


def failure_weight(transient: bool) -> float:
    return TRANSIENT_WEIGHT if transient else HARD_WEIGHT


def backoff_seconds(interval: int, failure_score: float, cap: int) -> int:
    """The wait after a failure: the interval doubled per point of score, capped."""
    if failure_score <= 0:
        return interval
    doublings = min(failure_score, _MAX_DOUBLINGS)
    return int(min(cap, max(interval, interval * 2**doublings)))


def parse_retry_after(value: str | None, now: datetime) -> int | None:
    """Seconds a ``Retry-After`` header asks us to wait (delta or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, int((when - now).total_seconds()))


def parse_max_age(cache_control: str | None) -> int | None:
    """``max-age`` (or ``s-maxage``) of a ``Cache-Control`` header, in seconds."""
    if not cache_control:
        return None
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def next_check(
    now: datetime,
    interval: int,
    *,
    failure_score: float = 0.0,
    cap: int,
    asked: tuple[int | None, ...] = (),
) -> datetime:
    """When a source is next due.

    ``asked`` holds the waits the server or the feed requested (Retry-After,
    Cache-Control max-age, the feed's ttl); they lengthen the wait, never
    shorten it, and are themselves held to ``cap`` so no server can switch a
    source off for good.
    """
    wait = backoff_seconds(interval, failure_score, cap) if failure_score > 0 else interval
    requested = [min(a, cap) for a in asked if a]
    return now + timedelta(seconds=max([wait, *requested]))


def host_wait(last_request: float | None, now: float, delay: float) -> float:
    """Seconds to wait before the next request to a host last asked at ``last_request``."""
    if last_request is None or delay <= 0:
        return 0.0
    return max(0.0, last_request + delay - now)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """How one check of a source went, as its row should record it."""

    now: datetime
    next_check: datetime
    status: str  # ok, ill-formed, not_modified, unchanged, error, gone
    error: str | None = None
    detail: str | None = None  # what was odd about a check that still succeeded
    http_status: int | None = None
    failure_score: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    ttl_seconds: int | None = None
    moved_to: str | None = None
    disabled_reason: str | None = None


def succeeded(
    now: datetime,
    *,
    interval: int,
    cap: int,
    status: str,
    http_status: int | None,
    cache_control: str | None = None,
    ttl_seconds: int | None = None,
    **validators: str | None,
) -> CheckResult:
    """A check that got an answer: failures forgotten, next check at the
    interval or later if the server (max-age) or the feed (ttl) asks."""
    return CheckResult(
        now=now,
        next_check=next_check(
            now, interval, cap=cap, asked=(parse_max_age(cache_control), ttl_seconds)
        ),
        status=status,
        http_status=http_status,
        ttl_seconds=ttl_seconds,
        **validators,  # type: ignore[arg-type]
    )


def failed(
    now: datetime,
    *,
    interval: int,
    cap: int,
    failure_score: float,
    transient: bool,
    error: str,
    http_status: int | None = None,
    retry_after: str | None = None,
    gone: bool = False,
) -> CheckResult:
    """A failed check: the score rises, the wait doubles (capped), Retry-After
    is honoured, and a 410 disables the source with its reason."""
    score = failure_score + failure_weight(transient)
    asked = (parse_retry_after(retry_after, now),)
    return CheckResult(
        now=now,
        next_check=next_check(now, interval, failure_score=score, cap=cap, asked=asked),
        status="gone" if gone else "error",
        error=error,
        http_status=http_status,
        failure_score=score,
        disabled_reason=error if gone else None,
    )
