"""Hostile input: any text at all must classify without an exception, with
scores in [0, 1]; the amounts and dates parsers never raise and stay sane."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.amounts import extract_amounts
from tracker.classify import analyze
from tracker.dates import find_date, parse_header_date
from tracker.ruleset import load_ruleset

NEWSY = st.sampled_from(
    [
        "Microsoft", "Mistral AI", "FTC", "invests", "$16m", "€15 million", "probe", "may",
        "not", "released", "GPT-4o", "stake", "the", ",", ".", "\n", "(", "$", "1,2 Mrd.", "—",
        "'s", "İ", "ß", "Series B", "fined", "Inc.", "chief executive", "Sam Altman", "2024",
    ]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=400), st.lists(NEWSY, max_size=60).map(" ".join))
REFERENCE = datetime(2026, 11, 24, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(title=TEXT, body=TEXT)
def test_classifier_takes_any_text(title: str, body: str) -> None:
    analysis = analyze(title, body, load_ruleset())
    for label in analysis.labels:
        assert 0.0 <= label.score <= 1.0
        assert label.evidence
    for entity in analysis.entities:
        assert entity.kind in {"organization", "regulator", "jurisdiction", "person", "model"}


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_amounts_parser_takes_any_text(text: str) -> None:
    for amount in extract_amounts(text):
        assert amount.value >= 0
        assert len(amount.currency) == 3 and amount.currency.isupper()
        assert amount.text


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=200), st.from_regex(r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}")))
def test_dates_parsers_take_any_text(text: str) -> None:
    found = find_date(text, REFERENCE)
    assert found is None or found <= REFERENCE
    parsed = parse_header_date(text)
    assert parsed is None or parsed.tzinfo is not None
