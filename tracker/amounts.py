"""Money amounts in text: "€15 million", "15-million euro", "$2bn", "USD 1.5 billion".

One compiled expression finds them; each becomes an :class:`Amount` with its
value in units, an ISO 4217 currency and the text it came from. An amount in
brackets right after another ("385 million euros ($414 million)") is a
conversion of it, not a second sum.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from tracker.models import Amount

_SYMBOLS = {
    "us$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "c$": "CAD",
    "a$": "AUD",
    "hk$": "HKD",
    "₹": "INR",
    "₩": "KRW",
    "chf": "CHF",
    "rmb": "CNY",
}
_CODES = {"USD", "EUR", "GBP", "JPY", "CNY", "INR", "KRW", "CHF", "CAD", "AUD", "HKD", "SEK", "SGD"}
_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupee": "INR",
    "rupees": "INR",
    "won": "KRW",
    "francs": "CHF",
}
_SCALES = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "mio": 10**6,
    "billion": 10**9,
    "billions": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "mrd": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
    "crore": 10**7,
    "lakh": 10**5,
}

_NUM = r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_SCALE = (
    r"thousand|million|millions|billion|billions|trillion|mln|mn|bn|tn|mrd|mio|crore|lakh|[kmb]"
)
_SYM = r"US\$|HK\$|C\$|A\$|[$€£¥₹₩]"
_CODE = "|".join(sorted(_CODES))
_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))

_AMOUNT = re.compile(
    rf"""
    (?:
        (?P<sym>{_SYM}|\b(?:{_CODE})\b\.?)\s?(?P<num1>{_NUM})(?:\s?-?\s?(?P<scale1>{_SCALE})\.?\b)?
      |
        \b(?P<num2>{_NUM})(?:\s?-?\s?(?P<scale2>{_SCALE})\.?)?[\s-]?(?P<cur2>\b(?:{_WORD}|{_CODE})\b)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CONTEXT_KINDS = (
    ("valuation", re.compile(r"valu(?:ation|ed|ing)|worth", re.I)),
    ("round", re.compile(r"round|rais(?:e|ed|es|ing)|funding|series", re.I)),
    ("investment", re.compile(r"invest|stake|back(?:ed|ing)|pledg|acqui|buy|bought|commit", re.I)),
)


def _number(text: str) -> Decimal | None:
    text = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", text):  # European decimal comma: "1,2 Mrd."
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _currency(symbol: str | None, word: str | None) -> str | None:
    if symbol:
        key = symbol.rstrip(".").lower()
        return _SYMBOLS.get(key) or (key.upper() if key.upper() in _CODES else None)
    if word:
        return _WORDS.get(word.lower()) or (word.upper() if word.upper() in _CODES else None)
    return None


def _kind(before: str, after: str) -> str:
    """What the amount is, from the nearest cue word on either side: "valued
    at $2bn", "raised $40m", "a $16 million investment"."""
    after = re.sub(r"^\s*[(\[][^)\]]*[)\]]", "", after)[:30]
    window = before[-80:]
    best, distance = "other", 10**6
    for kind, pattern in _CONTEXT_KINDS:
        for match in pattern.finditer(window):
            if len(window) - match.end() < distance:
                best, distance = kind, len(window) - match.end()
        match = pattern.search(after)
        if match and match.start() < distance:
            best, distance = kind, match.start()
    return best


def extract_amounts(text: str) -> tuple[Amount, ...]:
    """Every money amount in ``text``, in order, bracketed conversions linked."""
    found: list[Amount] = []
    last_end = -10
    for match in _AMOUNT.finditer(text):
        raw_scale = match.group("scale1") or match.group("scale2")
        scale = _SCALES.get(raw_scale.lower().rstrip("."), 1) if raw_scale else 1
        if raw_scale and raw_scale.lower() == "m" and not match.group("sym"):
            scale = 10**6
        number = _number(match.group("num1") or match.group("num2"))
        currency = _currency(match.group("sym"), match.group("cur2"))
        if number is None or currency is None:
            continue
        between = text[last_end : match.start()]
        is_conversion = (
            bool(found) and re.fullmatch(r"\s*[(\[][^()\[\]]{0,40}", between) is not None
        )
        kind = (
            found[-1].kind if is_conversion else _kind(text[: match.start()], text[match.end() :])
        )
        found.append(
            Amount(
                value=(number * scale).quantize(Decimal(1)) if scale > 1 else number,
                currency=currency,
                text=match.group().strip(),
                kind=kind,
                conversion_of=found[-1].text if is_conversion else None,
            )
        )
        last_end = match.end()
    return tuple(found)
