"""Money amounts in text: "€15 million", "15-million euro", "$2bn", "USD 1.5 billion",
"15 millions d'euros", "1,2 Mrd. Euro", "up to $100 billion", "$1m-$2m".

One compiled expression finds them in one pass over the text; each becomes an
:class:`Amount` with its value in units, an ISO 4217 currency and the text it
came from. An amount in brackets right after another ("385 million euros ($414
million)") is a conversion of it, not a second sum. A price ("$3 per million
tokens", "$23.28 a share") is kind ``price``, never a deal's value.
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
    "rs": "INR",  # "Rs 1,200 crore", "Rs. 50 lakh", as Indian papers write it
    "₩": "KRW",
    "chf": "CHF",
    "rmb": "CNY",
    "s$": "SGD",
    "r$": "BRL",
    "nt$": "TWD",
    "cn¥": "CNY",
    "₪": "ILS",
    "₽": "RUB",
}
_CODES = {
    "USD", "EUR", "GBP", "JPY", "CNY", "INR", "KRW", "CHF", "CAD", "AUD", "HKD", "SEK", "SGD",
    "AED", "SAR", "BRL", "TWD", "ILS", "NOK", "DKK", "PLN", "RUB",
}  # fmt: skip
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
    "franc": "CHF",
    "d'euros": "EUR",
    "d'euro": "EUR",
    "de dollars": "USD",
    "us-dollar": "USD",
    "dollar us": "USD",
    "us dollars": "USD",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
    "hong kong dollars": "HKD",
    "singapore dollars": "SGD",
    "swiss francs": "CHF",
    "kronor": "SEK",
    "krona": "SEK",
    "riyals": "SAR",
    "dirhams": "AED",
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
    "milliard": 10**9,
    "milliards": 10**9,
    "md": 10**9,
    "mds": 10**9,
    "mio.": 10**6,
    "billions": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "mrd": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
    "crore": 10**7,
    "lakh": 10**5,
}

_NUM = (
    r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?"  # 1,500,000  1 500 000
    r"|\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)"  # 1.500.000,50
    r"|\d+(?:[.,]\d+)?"
)
_SCALE = (
    r"thousand|millions?|billions?|milliards?|trillion|mln|mn|bn|tn|mrd|mds?|mio|crore|lakh|[kmb]"
)
_SYM = r"US\$|HK\$|NT\$|C\$|A\$|S\$|R\$|CN¥|[$€£¥₹₩₪₽]"
# symbols written as letters ("RMB 5 billion", "Rs 1,200 crore"), matched as words like the codes
_LETTER_SYMBOLS = sorted(key for key in _SYMBOLS if key.isalpha())
_CODE = "|".join(sorted(_CODES) + _LETTER_SYMBOLS)
_WORD = "|".join(re.escape(w).replace("'", "['’]") for w in sorted(_WORDS, key=len, reverse=True))
_SCALED = rf"(?P<numI>{_NUM})(?:\s?-?\s?(?P<scaleI>{_SCALE})\.?(?![\w'’]))?"

_AMOUNT = re.compile(
    rf"""
    (?:
        (?P<sym>{_SYM}|\b(?:{_CODE})\b\.?)\s?
        (?:(?P<lo>\d+(?:\.\d+)?)\s?[-–]\s?)?  # "$1-2 billion"
        {_SCALED.replace("I", "1")}
      |
        \b{_SCALED.replace("I", "2")}[\s-]?(?:de\s)?
        (?P<cur2>(?<![\w])(?:{_WORD}|{_CODE})(?![\w'’])|[€$£¥](?!\d))
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_amount_at = _AMOUNT.match
_CONTEXT_KINDS = (
    ("fine", re.compile(r"fine[ds]?\b|penalt|pay\b|settle", re.I)),
    ("valuation", re.compile(r"valu(?:ation|ed|ing|es)|worth", re.I)),
    ("round", re.compile(r"round|rais(?:e|ed|es|ing)|funding|series|seed", re.I)),
    ("investment", re.compile(r"invest|stake|back(?:ed|ing)|pledg|acqui|buy|bought|commit", re.I)),
)
# the same, for a lower-cased ASCII text (where they find the same words, faster)
_LOWER_KINDS = tuple((kind, re.compile(pattern.pattern)) for kind, pattern in _CONTEXT_KINDS)
_PRICE_AFTER = re.compile(
    r"\s*(?:[(\[][^)\]]*[)\]]\s*)?(?:per\b|a\s(?:share|month|year|user|seat)\b|/|-a-)", re.I
)
_BRACKET = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")
_OPEN_BRACKET = re.compile(r"\s*[(\[][^()\[\]]{0,40}")
_RANGE_HEAD = re.compile(r"(?P<lo>\d+(?:\.\d+)?)\s?(?:-|–|to)\s?$")
_UP_TO = re.compile(r"\b(?:up\sto|as\smuch\sas|at\smost)\s*$", re.I)


def _number(text: str) -> Decimal | None:
    text = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if _THOUSANDS_COMMA.fullmatch(text):
        text = text.replace(",", "")
    elif _THOUSANDS_DOT.fullmatch(text):  # "1.500.000,50"
        text = text.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(text):  # European decimal comma: "1,2 Mrd."
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
        key = " ".join(word.lower().replace("’", "'").split())
        found = _WORDS.get(key) or _SYMBOLS.get(key)
        return found or (word.upper() if word.upper() in _CODES else None)
    return None


def _kind(text: str, start: int, end: int) -> str:
    """What the amount at text[start:end] is, from the nearest cue word on either
    side: "valued at $2bn", "raised $40m", "a $16 million investment", "fined €15
    million"."""
    if _PRICE_AFTER.match(text, end):
        return "price"
    bracket = _BRACKET.match(text, end)
    after = text[bracket.end() if bracket else end :][:30]
    window = text[max(0, start - 80) : start]
    kinds = _CONTEXT_KINDS
    if window.isascii() and after.isascii():
        window, after, kinds = window.lower(), after.lower(), _LOWER_KINDS
    best, distance = "other", 10**6
    for kind, pattern in kinds:
        for match in pattern.finditer(window):
            if len(window) - match.end() < distance:
                best, distance = kind, len(window) - match.end()
        match = pattern.search(after)
        if match and match.start() < distance:
            best, distance = kind, match.start()
    return best


def _scale(match: re.Match[str], group: str) -> int:
    raw = match.group(group)
    if not raw:
        return 1
    return _SCALES.get(raw.lower().rstrip("."), 1)


_DIGITS = re.compile(r"\d+")
# an amount names its currency with one of these characters or words: a caller
# that has tokenized the text can skip the parts without any
CURRENCY_CHARS = "$€£¥₹₩₪₽"
CURRENCY_WORDS = frozenset(
    {code.lower() for code in _CODES}
    | {part.replace("’", "'") for word in _WORDS for part in word.split()}
    | set(_LETTER_SYMBOLS)
)


def _candidates(text: str, within: list[tuple[int, int]] | None) -> list[re.Match[str]]:
    """The expression's matches, tried only around digits (in the ``within``
    character spans, when given): a text is mostly words, and running the full
    expression at every character is what costs."""
    out: list[re.Match[str]] = []
    end = 0
    span = 0
    for digits in _DIGITS.finditer(text):
        if digits.start() < end:
            continue
        if within is not None:
            while span < len(within) and within[span][1] <= digits.start():
                span += 1
            if span == len(within):
                break
            if digits.start() < within[span][0]:
                continue
        # the leftmost amount that starts at most 6 characters before the digits
        # (a currency) and spans them: tried at those starts only, not searched for
        at, stop = digits.start(), digits.end() + 40
        match = None
        for begin in range(max(end, at - 6), at + 1):
            match = _amount_at(text, begin, stop)
            if match is not None:
                break
        if match is not None and at < match.end():
            out.append(match)
            end = match.end()
    return out


def find_amounts(
    text: str, within: list[tuple[int, int]] | None = None
) -> list[tuple[int, Amount]]:
    """Every money amount in ``text`` with its character offset, in order; with
    ``within``, only those whose digits lie in those (sorted) character spans.

    A bracketed amount right after another is linked to it as its conversion.
    In a range ("$1m to $2m", "$1-2 billion") each end is an amount; the lower
    end of "$1-2 billion" takes the scale of the upper. "up to $10bn" is
    marked ``up to`` in its text.
    """
    found: list[tuple[int, Amount]] = []
    last_end = -10
    for match in _candidates(text, within):
        number = _number(match.group("num1") or match.group("num2"))
        currency = _currency(match.group("sym"), match.group("cur2"))
        if number is None or currency is None:
            continue
        scale = _scale(match, "scale1") if match.group("num1") else _scale(match, "scale2")
        start, end = match.start(), match.end()
        body = match.group().strip()
        if body.endswith(".") and len(match.group("scale1") or match.group("scale2") or "") > 3:
            body = body[:-1]  # the sentence's full stop, not an abbreviation's
        between = text[last_end:start]
        is_conversion = bool(found) and _OPEN_BRACKET.fullmatch(between) is not None
        up_to = _UP_TO.search(text[max(0, start - 20) : start])
        kind = found[-1][1].kind if is_conversion else _kind(text, start, end)
        amount = Amount(
            value=_value(number, scale),
            currency=currency,
            text=f"{up_to.group().strip()} {body}" if up_to else body,
            kind=kind,
            conversion_of=found[-1][1].text if is_conversion else None,
        )
        found.append((start, amount))
        last_end = end
        lower = _range_lower(text, match, scale, amount)
        if lower is not None:
            found.insert(len(found) - 1, (start, lower))
    return found


def _range_lower(text: str, match: re.Match[str], scale: int, upper: Amount) -> Amount | None:
    """The lower end of "$1-2 billion" / "$1 to 2 billion", written without a currency."""
    if match.group("lo"):
        low = _number(match.group("lo"))
        text_low = f"{match.group('sym')}{match.group('lo')}"
        return (
            None
            if low is None
            else Amount(_value(low, scale), upper.currency, text_low, upper.kind)
        )
    head = _RANGE_HEAD.match(text[max(0, match.start() - 12) : match.start()])
    if match.group("num1") or head is None:
        return None
    low = _number(head.group("lo"))
    return (
        None
        if low is None
        else Amount(_value(low, scale), upper.currency, head.group(), upper.kind)
    )


def _value(number: Decimal, scale: int) -> Decimal:
    return (number * scale).quantize(Decimal(1)) if scale > 1 else number


def extract_amounts(text: str) -> tuple[Amount, ...]:
    """Every money amount in ``text``, in order, bracketed conversions linked."""
    return tuple(amount for _, amount in find_amounts(text))
