"""The fast paths of the text primitives give what their plain definitions give:
the automaton scan what a token-by-token longest-match scan gives, ``words``
what the tokenizer gives, the amount finder what a search from each number gives.
Each plain definition is written out here, as the specification."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.amounts import (
    _AMOUNT,
    _CONTEXT_KINDS,
    _DIGITS,
    _PRICE_AFTER,
    CURRENCY_WORDS,
    _candidates,
    _kind,
)
from tracker.ruleset import CURRENCY_LAYER, load_ruleset
from tracker.text import _SENTENCE_END, _TOKEN, SEPARATOR, Lexicon, Match, split_sentences, words


def plain_scan(lexicon: Lexicon, tokens: list[str], lowers: list[str]) -> list[Match]:
    """At every token, in order: the phrases starting there, longer ones first and
    otherwise in the order they were added; one match per layer at a time."""
    by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for phrase, entries in lexicon._phrases.items():
        by_first.setdefault(phrase[0], []).extend((phrase, entry) for entry in entries)
    out: list[Match] = []
    busy: dict[str, int] = {}
    for i, word in enumerate(lowers):
        here = [
            (phrase, entry)
            for phrase, entry in by_first.get(word, [])
            if tuple(lowers[i : i + len(phrase)]) == phrase
        ]
        here.sort(key=lambda found: -len(found[0]))
        for _, (size, original, layer, value) in here:
            window = tokens[i : i + size]
            if busy.get(layer, 0) > i:
                continue
            capitals = all(w.isupper() for w in window if w.isalpha())
            if original is not None and window != original and not capitals:
                continue
            out.append(Match(layer, value, i, i + size))
            busy[layer] = i + size
    return out


def small_lexicon() -> Lexicon:
    lex = Lexicon()
    for phrase, layer, cased in [
        ("invest~", "action", False),
        ("strategic partnership", "action", False),
        ("partnership", "action", False),
        ("partnership", "target", False),
        ("in talks", "hedge", False),
        ("talks", "target", False),
        ("Apple", "entity", True),
        ("Mistral AI", "entity", True),
        ("Mistral", "entity", True),
        ("AI", "cue", False),
        ("the two companies", "pair", False),
        ("two companies", "pair", False),
    ]:
        lex.add(phrase, layer, phrase, cased=cased)
    return lex


WORD = st.sampled_from(
    [
        "invest", "invests", "strategic", "partnership", "in", "talks", "Apple", "apple",
        "APPLE", "Mistral", "MISTRAL", "AI", "ai", "the", "two", "companies", ",", "\n", "x",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(WORD, max_size=30))
def test_automaton_scan_is_the_longest_match_scan(tokens: list[str]) -> None:
    lex = small_lexicon()
    lowers = [t.lower() for t in tokens]
    assert lex.scan(tokens) == plain_scan(lex, tokens, lowers)


def test_automaton_scan_with_the_rules_on_dev_texts() -> None:
    lexicon = load_ruleset().lexicon
    rows = (DATA / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    for line in rows[:40]:
        row = json.loads(line)
        text = SEPARATOR.join(split_sentences(row["title"]) + split_sentences(row["text"]))
        tokens = words(text)
        lowers = [t.lower() for t in tokens]
        assert lexicon.scan(tokens) == plain_scan(lexicon, tokens, lowers), row["id"]


def test_a_lexicon_added_to_after_a_scan_finds_the_new_phrase() -> None:
    lex = small_lexicon()
    assert not any(m.layer == "late" for m in lex.scan(["late", "news"]))
    lex.add("late news", "late")
    assert lex.scan(["late", "news"])[0] == Match("late", True, 0, 2)


TEXT_PIECE = st.sampled_from(
    [
        "Meta", "’s", "'s", "'S", "’t", "don’t", "O’Neil", "GPT-4o", "U.S.", "AT&T", "snake_case",
        "_", "é", "İ", "ß", ",", ".", "\n", " ", "-", "&", "’", "'", "s", "2,5", "x",
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(max_codepoint=127), max_size=200),
    st.lists(TEXT_PIECE, max_size=40).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_words_are_the_tokenizer_words(text: str) -> None:
    assert words(text) == [w.replace("’", "'") for w in _TOKEN.findall(text)]


def searched_amounts(text: str) -> list[tuple[int, int]]:
    """The amounts spanning each run of digits, searched for from 6 characters before it."""
    out: list[tuple[int, int]] = []
    end = 0
    for digits in _DIGITS.finditer(text):
        if digits.start() < end:
            continue
        match = _AMOUNT.search(text, max(end, digits.start() - 6), digits.end() + 40)
        if match is not None and match.start() <= digits.start() < match.end():
            out.append(match.span())
            end = match.end()
    return out


MONEY_PIECE = st.sampled_from(
    [
        "$", "US$", "€", "£", "USD", "usd", "EUR ", "1", "15", "1.5", "1,500", "2024", " ",
        "-", "–", " to ", "million", "bn", "m", "billion euros", " dollars", "(", ")",
        "raised ", "valued at ", "per share", "de dollars", "Mrd.", "won", "in ",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(MONEY_PIECE, max_size=25))
def test_amounts_tried_at_their_starts_are_the_amounts_searched_for(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [m.span() for m in _candidates(text, None)] == searched_amounts(text)


def plain_kind(text: str, start: int, end: int) -> str:
    """The nearest cue word on either side of text[start:end], capitals ignored."""
    if _PRICE_AFTER.match(text, end):
        return "price"
    after = re.sub(r"^\s*[(\[][^)\]]*[)\]]", "", text[end:])[:30]
    window = text[:start][-80:]
    best, distance = "other", 10**6
    for kind, pattern in _CONTEXT_KINDS:
        for match in pattern.finditer(window):
            if len(window) - match.end() < distance:
                best, distance = kind, len(window) - match.end()
        match = pattern.search(after)
        if match and match.start() < distance:
            best, distance = kind, match.start()
    return best


CONTEXT_PIECE = st.sampled_from(
    [
        "Fined ", "FINES ", "penalty", "Settled", "valued at ", "WORTH ", "raised ", "Series A",
        "Invested ", "a stake", "backing", "Bought ", "(about ", ")", " ", "per ", "a share",
        "ſtake", "İnvest", "€", "$15m", "the ", "round", "x",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(before=st.lists(CONTEXT_PIECE, max_size=12), after=st.lists(CONTEXT_PIECE, max_size=8))
def test_amount_kinds_read_ascii_text_lower_cased_as_any_text(
    before: list[str], after: list[str]
) -> None:
    head, tail = "".join(before), "".join(after)
    text = f"{head}$15 million{tail}"
    start, end = len(head), len(head) + len("$15 million")
    assert _kind(text, start, end) == plain_kind(text, start, end)


def test_every_currency_word_is_one_token_so_the_lexicon_finds_each() -> None:
    for word in CURRENCY_WORDS:
        assert words(word) == [word], word
    tokens = ["Paid", "in", "EUROS", "and", "won", "x"]
    found = load_ruleset().lexicon.scan(tokens)
    assert [m.start for m in found if m.layer == CURRENCY_LAYER] == [2, 4]


LOOKBEHIND_END = re.compile(
    r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?(?:[A-Z0-9€$£¥]|[a-z]{1,2}[A-Z]))"
)
LINE_PIECE = st.sampled_from(
    [
        "Inc.", "Sept.", "U.S.", "A.", "said.", "ok?!", "…", "”", ")", "]", "'", " ", "  ",
        "The", "xAI", "eBay", "$5m", "€", "2025", "(", "“Yes", "word", ".", "\t",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(LINE_PIECE, max_size=30))
def test_sentence_breaks_are_those_after_a_closing_mark(pieces: list[str]) -> None:
    line = "".join(pieces)
    expected = [m.span() for m in LOOKBEHIND_END.finditer(line)]
    assert [m.span(1) for m in _SENTENCE_END.finditer(line)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "It sent orders to Alphabet, Inc. and OpenAI, Inc. The orders sought information.",
            ["It sent orders to Alphabet, Inc. and OpenAI, Inc.", "The orders sought information."],
        ),
        (
            "Apple Inc. Chief Executive Tim Cook spoke.",
            ["Apple Inc. Chief Executive Tim Cook spoke."],
        ),
        (
            "Sen. Warren wrote to Microsoft Corp. It replied.",
            ["Sen. Warren wrote to Microsoft Corp.", "It replied."],
        ),
        ("The deal closed in Feb. The FTC looked.", ["The deal closed in Feb. The FTC looked."]),
    ],
)
def test_a_company_abbreviation_ends_a_sentence_only_before_an_opener(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected
