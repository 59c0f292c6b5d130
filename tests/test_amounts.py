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
        ("€15 million", 15_000_000, "EUR"),
        ("$16m", 16_000_000, "USD"),
        ("EUR 15M", 15_000_000, "EUR"),
        ("15 millions d'euros", 15_000_000, "EUR"),
        ("250 millions d’euros", 250_000_000, "EUR"),
        ("$1.5bn", 1_500_000_000, "USD"),
        ("£2 billion", 2_000_000_000, "GBP"),
        ("a $10 billion deal", 10_000_000_000, "USD"),
        ("€1.7bn", 1_700_000_000, "EUR"),
        ("1.7 billion euros", 1_700_000_000, "EUR"),
        ("500 Mio. US-Dollar", 500_000_000, "USD"),
        ("460 Mio. Euro", 460_000_000, "EUR"),
        ("¥30bn", 30_000_000_000, "JPY"),
        ("380 billion yuan", 380_000_000_000, "CNY"),
        ("1 billion yuan", 1_000_000_000, "CNY"),
        ("USD 1.5 billion", 1_500_000_000, "USD"),
        ("$900 million", 900_000_000, "USD"),
        ("$14.3 billion", 14_300_000_000, "USD"),
        ("£1.1bn", 1_100_000_000, "GBP"),
        ("€30.5 million", 30_500_000, "EUR"),
        ("€5.1m", 5_100_000, "EUR"),
        ("$1,375,000,000", 1_375_000_000, "USD"),
        ("$100,000", 100_000, "USD"),
        ("$2bn seed", 2_000_000_000, "USD"),
        ("₹1,000 crore", 10_000_000_000, "INR"),
        ("Rs 1,200 crore", 12_000_000_000, "INR"),  # Indian papers' rupee sign, written out
        ("Rs. 50 lakh", 5_000_000, "INR"),
        ("RMB 500 million", 500_000_000, "CNY"),  # a symbol written as letters, like "Rs"
        ("₩1 trillion", 1_000_000_000_000, "KRW"),
        ("CHF 50 million", 50_000_000, "CHF"),
        ("C$2.4 billion", 2_400_000_000, "CAD"),
        ("A$500m", 500_000_000, "AUD"),
        ("HK$3bn", 3_000_000_000, "HKD"),
        ("S$100 million", 100_000_000, "SGD"),
        ("GBP 40m", 40_000_000, "GBP"),
        ("JPY 200 billion", 200_000_000_000, "JPY"),
        ("2 milliards d'euros", 2_000_000_000, "EUR"),
        ("1.500.000 Euro", 1_500_000, "EUR"),
        ("€ 15 Mio.", 15_000_000, "EUR"),
        ("10 million dollars", 10_000_000, "USD"),
        ("$5 thousand", 5_000, "USD"),
        ("$750k", 750_000, "USD"),
        ("1 500 000 €", 1_500_000, "EUR"),
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


def test_amounts_are_found_once_per_text() -> None:
    text = "Microsoft invested €15 million. The deal is worth €15 million ($16 million)."
    assert [a.text for a in extract_amounts(text)] == ["€15 million", "€15 million", "$16 million"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("up to $100 billion", [("up to $100 billion", 100_000_000_000)]),
        ("between $1-2 billion", [("$1", 1_000_000_000), ("$1-2 billion", 2_000_000_000)]),
        ("1-2 billion euros", [("1-", 1_000_000_000), ("2 billion euros", 2_000_000_000)]),
        ("$1m to $2m", [("$1m", 1_000_000), ("$2m", 2_000_000)]),
    ],
)
def test_ranges_and_up_to(text: str, expected: list[tuple[str, int]]) -> None:
    found = [(a.text, a.value) for a in extract_amounts(text)]
    assert [v for _, v in found] == [Decimal(v) for _, v in expected]
    assert found[-1][0].endswith(expected[-1][0])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("priced at $3 per million input tokens", "price"),
        ("buying common stock at $23.28 a share", "price"),
        ("fined OpenAI €15 million", "fine"),
        ("agreed to pay $1.375 billion to settle", "fine"),
    ],
)
def test_prices_and_fines(text: str, kind: str) -> None:
    assert extract_amounts(text)[0].kind == kind


@pytest.mark.parametrize("text", ["32,000 context tokens", "Mixtral 8x7B", "in 2024", "GPT-4"])
def test_numbers_without_currency_are_not_amounts(text: str) -> None:
    assert extract_amounts(text) == ()
