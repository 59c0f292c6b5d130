"""Dates written in articles: "Feb. 27", "February 27, 2024", "27 Feb 2024",
"2024-02-27". Pure: the reference time (when the file was written, or now) is
a parameter.

A date with no year takes the year that the article itself points to: the
latest year of a complete date or copyright line in the text, moved one year on
if that would put it before a complete date the text already holds, and never
after the reference time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from dateutil import parser as dateutil_parser

MONTHS = {  # month names and abbreviations, lower case, to their numbers
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.I),
    re.compile(rf"\b{_DAY}\s+{_MONTH}\b(?:,?\s+{_YEAR}\b)?", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
)
_COPYRIGHT = re.compile(r"(?:©|ⓒ|\(c\)|copyright)\s*(?P<year>(?:19|20)\d\d)\b", re.I)


def parse_header_date(value: str) -> datetime | None:
    """A date from a header line or feed field, in UTC; naive times are UTC."""
    try:
        # ISO 8601, the usual form in front matter, is read in C; the rest by dateutil
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, TypeError):
        try:
            parsed = dateutil_parser.parse(value, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _month(value: str) -> int:
    return int(value) if value.isdigit() else MONTHS[value.lower().rstrip(".")]


def _mentions(text: str) -> list[tuple[int, int, int | None]]:
    """(month, day, year or None) for every date written in the text."""
    found = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            try:
                month, day = _month(m.group("month")), int(m.group("day"))
                year = int(m.group("year")) if m.group("year") else None
                date(year or 2000, month, day)  # validates day-in-month; 2000 is a leap year
            except (ValueError, KeyError):
                continue
            found.append((month, day, year))
    return found


def find_date(text: str, reference: datetime) -> datetime | None:
    """The latest date the text states that is not after ``reference``, or None.

    The latest is taken because news reports what just happened; earlier dates
    are background. Dates after the reference are plans, not publication.
    """
    limit = reference.astimezone(UTC).date()
    mentions = _mentions(text)
    full = [date(y, m, d) for m, d, y in mentions if y is not None and date(y, m, d) <= limit]
    years = [d.year for d in full]
    years += [
        int(m.group("year"))
        for m in _COPYRIGHT.finditer(text)
        if int(m.group("year")) <= limit.year
    ]
    candidates = list(full)
    latest_full = max(full, default=None)
    for month, day, year in mentions:
        if year is None:
            guess = _infer_year(month, day, years, latest_full, limit)
            if guess is not None:
                candidates.append(guess)
    if not candidates:
        return None
    return datetime.combine(max(candidates), datetime.min.time(), tzinfo=UTC)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(
    month: int, day: int, years: list[int], latest_full: date | None, limit: date
) -> date | None:
    guess = _date(max(years, default=limit.year), month, day)
    if guess and latest_full and guess < latest_full:
        guess = _date(guess.year + 1, month, day)
    while guess and guess > limit:
        guess = _date(guess.year - 1, month, day)
    return guess
