"""Money amounts in the formats news uses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tracker.amounts import extract_amounts


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("Microsoft pledged €15 million", 15_000_000, "EUR"),
        ("a 15-million euro investment", 15_000_000, "EUR"),
        ("invested $16 million", 16_000_000, "USD"),
        ("raised $2bn", 2_000_000_000, "USD"),
        ("USD 1.5 billion round", 1_500_000_000, "USD"),
        ("a £100m deal", 100_000_000, "GBP"),
        ("385 million euros", 385_000_000, "EUR"),
        ("US$750m facility", 750_000_000, "USD"),
        ("$1,500,000 seed", 1_500_000, "USD"),
        ("1,2 Mrd. Euro", 1_200_000_000, "EUR"),
        ("¥10 billion", 10_000_000_000, "JPY"),
        ("EUR 500,000 grant", 500_000, "EUR"),
        ("$6.6 billion round", 6_600_000_000, "USD"),
        ("$300M Series B", 300_000_000, "USD"),
    ],
)
def test_formats(text: str, value: int, currency: str) -> None:
    amounts = extract_amounts(text)
    assert amounts, text
    assert (amounts[0].value, amounts[0].currency) == (Decimal(value), currency)


def test_bracketed_conversion_is_linked_not_a_second_deal() -> None:
    first, second = extract_amounts("385 million euros ($414 million) for the stake")
    assert second.conversion_of == first.text
    assert first.conversion_of is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("valued at $2bn", "valuation"),
        ("raised $40m in a round", "round"),
        ("a $16 million investment", "investment"),
    ],
)
def test_kind_from_context(text: str, kind: str) -> None:
    assert extract_amounts(text)[0].kind == kind


@pytest.mark.parametrize("text", ["32,000 context tokens", "Mixtral 8x7B", "in 2024", "GPT-4"])
def test_numbers_without_currency_are_not_amounts(text: str) -> None:
    assert extract_amounts(text) == ()
