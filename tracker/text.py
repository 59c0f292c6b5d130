"""Sentences, tokens and a compiled phrase vocabulary: the text primitives of
classification and extraction. Pure functions, no I/O.

Phrases are matched token by token through a dictionary keyed on the first
token, so a text is scanned once whatever the size of the vocabulary, instead
of running one regular expression per phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_TOKEN = re.compile(r"[^\W_]+(?:[-'’.&][^\W_]+)*", re.UNICODE)
_ABBREVIATIONS = frozenset(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "inc",
        "corp",
        "ltd",
        "co",
        "st",
        "vs",
        "no",
        "gen",
        "sen",
        "rep",
        "gov",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "etc",
        "jr",
        "sr",
        "dept",
    ]
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9€$£¥])")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    lower: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split into word tokens; hyphenated names and versions ("GPT-4o") stay whole."""
    out = []
    for match in _TOKEN.finditer(text):
        word, start, end = match.group().replace("’", "'"), match.start(), match.end()
        if word.endswith("'s") and len(word) > 2:
            out.append(Token(word[:-2], word[:-2].lower(), start, end - 2))
            out.append(Token("'s", "'s", end - 2, end))
            continue
        out.append(Token(word, word.lower(), start, end))
    return out


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences; lines and paragraphs always end a sentence.

    A full stop after a known abbreviation ("Feb.", "Inc.") does not end one.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip(" \t•*-–—·>#\u2022")  # noqa: B005 (a set of bullet characters)
        if not line:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            head = line[start : match.start()].rstrip(".!?…\"'”’)]")
            last_word = head.rsplit(None, 1)[-1].lower() if head.split() else ""
            if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                continue
            sentences.append(line[start : match.start()].strip())
            start = match.end()
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def inflect(word: str) -> set[str]:
    """English inflections of a base word: probe -> probes, probed, probing."""
    forms = {word, word + "s"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    elif word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    else:
        forms |= {word + "ed", word + "ing", word + "es"}
        if (
            len(word) >= 3
            and word[-1] in "bdgmnprt"
            and word[-2] in "aeiou"
            and word[-3] not in "aeiou"
        ):
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


def expand_phrase(phrase: str) -> list[tuple[str, ...]]:
    """Turn a rules phrase into token tuples; a word ending in ``~`` is inflected."""
    options: list[list[tuple[str, ...]]] = []
    for word in phrase.split():
        if word.endswith("~"):
            options.append([(form,) for form in sorted(inflect(word[:-1].lower()))])
        else:
            options.append([tuple(t.lower for t in tokenize(word))])
    combos: list[tuple[str, ...]] = [()]
    for choice in options:
        combos = [combo + part for combo in combos for part in choice]
    return combos


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    value: T
    start: int
    end: int
    text: str


class Vocabulary(Generic[T]):
    """A set of phrases compiled for one-pass, longest-match lookup over tokens.

    A phrase added with ``cased=True`` matches only when written with the same
    capitals (so "Apple" the company is not "apple" the fruit); an all-capitals
    headline matches too.
    """

    def __init__(self) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...] | None, T]]] = {}

    def add(self, phrase: str, value: T, *, cased: bool = False) -> None:
        for tokens in expand_phrase(phrase):
            if not tokens:
                continue
            original = tuple(t.text for t in tokenize(phrase)) if cased else None
            entries = self._index.setdefault(tokens[0], [])
            entries.append((tokens, original, value))
            entries.sort(key=lambda entry: -len(entry[0]))

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._index.values())

    def find(self, tokens: list[Token]) -> Iterator[Match[T]]:
        """Yield non-overlapping longest matches, left to right."""
        i, n = 0, len(tokens)
        while i < n:
            best = self._match_at(tokens, i)
            if best is None:
                i += 1
                continue
            length, value = best
            yield Match(value, i, i + length, " ".join(t.text for t in tokens[i : i + length]))
            i += length

    def _match_at(self, tokens: list[Token], i: int) -> tuple[int, T] | None:
        for phrase, original, value in self._index.get(tokens[i].lower, ()):
            size = len(phrase)
            if i + size > len(tokens):
                continue
            window = tokens[i : i + size]
            if any(tok.lower != want for tok, want in zip(window, phrase, strict=True)):
                continue
            if original is not None and not _same_case(window, original):
                continue
            return size, value
        return None


def _same_case(window: list[Token], original: tuple[str, ...]) -> bool:
    written = [t.text for t in window]
    return written == list(original) or all(w.isupper() for w in written if w.isalpha())


def contains_any(tokens: list[Token], words: Iterable[str]) -> bool:
    wanted = set(words)
    return any(t.lower in wanted for t in tokens)
