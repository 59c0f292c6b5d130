"""Sentences, tokens and a compiled phrase lexicon: the text primitives of
classification and extraction. Pure functions, no I/O.

Speed matters here (thousands of articles a second on one core), so a text is
tokenized by one regular expression over the whole article, and every rules
phrase (actions, hedges, cues, gazetteer names...) is compiled into one
Aho-Corasick automaton: the article is scanned once, in C, whatever the size of
the vocabulary, instead of running one regular expression per phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick

# a word ("GPT-4o", "U.S", "d'euros"), a possessive "'s" on its own, a comma
# (clause boundary: ", which", ", backed by"), an ampersand between words (in a
# name: "Procter & Gamble") or a sentence separator (newline)
_TOKEN = re.compile(
    r"[^\W_]+(?:[-.&][^\W_]+|['’](?![sS]\b)[^\W_]+)*|['’][sS]\b|[,&]|\n", re.UNICODE
)
# _TOKEN for a text written with straight apostrophes only; possessive, as
# nothing after a run ever needs part of it back
_STRAIGHT_TOKEN = re.compile(r"[^\W_]++(?:[-.&][^\W_]+|'(?![sS]\b)[^\W_]+)*+|'[sS]\b|[,&]|\n")
# _STRAIGHT_TOKEN for an ASCII text, where a letter or digit is [A-Za-z0-9]: faster still
_ASCII_TOKEN = re.compile(_STRAIGHT_TOKEN.pattern.replace("[^\\W_]", "[A-Za-z0-9]"))
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
        "wash",
        "calif",
        "d.c",
        "j.p",
        "n.y",
        "u.n",
        "u.a.e",
    ]
)
# a sentence starts with a capital, a digit, a currency or a brand such as "xAI", "eBay"
# (the closing mark is matched, not looked behind for: a search can then skip to it;
# the break is group 1)
_SENTENCE_END = re.compile(r"[.!?…]([\"'”’)\]]*\s+)(?=[\"'“‘(\[]?(?:[A-Z0-9€$£¥]|[a-z]{1,2}[A-Z]))")
SEPARATOR = "\n"
# after a company's "Inc." or "Corp.", a word that can only open a sentence:
# "... and OpenAI, Inc. The orders sought information" is two sentences (the
# longest opener has five letters: six characters after the break hold it and a space)
_COMPANY_ABBREVIATIONS = frozenset(["inc", "corp", "ltd", "co"])
_OPENERS = frozenset(
    "The It Its This That These Those They Their There He She We In But".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    lower: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Word tokens with their offsets; hyphenated names and versions stay whole."""
    out = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word == SEPARATOR:
            continue
        word = word.replace("’", "'")
        out.append(Token(word, word.lower(), match.start(), match.end()))
    return out


def words(text: str) -> list[str]:
    """The tokens of ``text`` as strings, fast; a newline is a token of its own."""
    # _TOKEN treats both apostrophes alike: with one of them replaced by the other
    # first, the same tokens come from _STRAIGHT_TOKEN, which is faster
    if "’" in text:
        text = text.replace("’", "'")
    return (_ASCII_TOKEN if text.isascii() else _STRAIGHT_TOKEN).findall(text)


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
            stop = match.start(1)
            head = line[start:stop].rstrip(".!?…\"'”’)]")
            last = head.rsplit(None, 1)
            last_word = last[-1].lower() if last else ""
            if (
                last_word in _ABBREVIATIONS
                and not (
                    last_word in _COMPANY_ABBREVIATIONS
                    and line[match.end() : match.end() + 6].split(None, 1)[0] in _OPENERS
                )
            ) or (len(last_word) == 1 and last_word.isalpha()):
                continue
            sentences.append(line[start:stop].strip())
            start = match.end()
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def inflect(word: str) -> set[str]:
    """English inflections of a base word: probe -> probes, probed, probing.

    A stem that is not a word by itself ("investigat", "authorit") gets the
    endings that make one: investigate, investigation, authority, authorities.
    """
    forms = {word, word + "s"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing", word[:-1] + "ion", word[:-1] + "ions"}
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
    if word.endswith(("t", "at", "it", "in", "iv", "ov", "ut", "ns")) and not word.endswith("e"):
        # stems: investigat~, authorit~, examin~, approv~, penalt~
        forms |= {word + e for e in ("e", "es", "ed", "ion", "ions", "y", "ies", "ing", "al")}
    return forms


def expand_phrase(phrase: str) -> list[tuple[str, ...]]:
    """Turn a rules phrase into token tuples; a word ending in ``~`` is inflected."""
    options: list[list[tuple[str, ...]]] = []
    for word in phrase.split():
        if word.endswith("~"):
            options.append([(form,) for form in sorted(inflect(word[:-1].lower()))])
        else:
            options.append([tuple(w.lower() for w in words(word))])
    combos: list[tuple[str, ...]] = [()]
    for choice in options:
        combos = [combo + part for combo in combos for part in choice]
    return combos


class Match(NamedTuple):
    """A phrase of one layer found at tokens[start:end] (a tuple: made by the
    hundred per article, so cheap to create)."""

    layer: str
    value: Any
    start: int
    end: int


# (token count, cased original, layer, value)
_Entry = tuple[int, list[str] | None, str, Any]
_new_match = tuple.__new__


class Lexicon:
    """Phrases of several layers ("action:investment", "hedge", "entity"...)
    compiled for one-pass, longest-match lookup over a token list.

    Within one layer matches do not overlap (longest first, left to right);
    layers are independent, so "deal" can be both a partnership word and a
    regulatory target. A phrase added with ``cased=True`` matches only when
    written with the same capitals (so "Apple" the company is not "apple" the
    fruit); an all-capitals headline matches too.

    The phrases are compiled (once, when first used) into an Aho-Corasick
    automaton over the lower-cased tokens joined by spaces, each phrase as
    " its tokens ": an article is read once, in C, whatever the size of the
    vocabulary, and only the phrases found in it are looked at in Python.
    """

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], list[_Entry]] = {}
        self._automaton: Any = None

    def add(self, phrase: str, layer: str, value: Any = True, *, cased: bool = False) -> None:
        original = words(phrase) if cased else None
        for tokens in expand_phrase(phrase):
            if tokens:
                self._phrases.setdefault(tokens, []).append((len(tokens), original, layer, value))
                self._automaton = None

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._phrases.values())

    def _compiled(self) -> Any:
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for tokens, entries in self._phrases.items():
                automaton.add_word(f" {' '.join(tokens)} ", (len(tokens) - 1, tuple(entries)))
            automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def scan(self, tokens: list[str]) -> list[Match]:
        """Every layer's non-overlapping longest matches, in text order."""
        # one lower() of the joined text, not one per token: a token holds no space,
        # so each is lower-cased as it would be alone
        text = f" {' '.join(tokens).lower()} "
        count = text.count
        found = []
        append_found = found.append
        last, before = 0, -1
        # phrases come out by where they end (on the space after their last token):
        # that token's index is the number of spaces before it, less one
        for end, (back, entries) in self._compiled().iter(text):
            before += count(" ", last, end)
            last = end
            # by first token, then longer phrases first
            append_found((before - back, -back, entries))
        found.sort()
        out: list[Match] = []
        append = out.append
        busy: dict[str, int] = {}
        busy_at = busy.get
        for i, _, entries in found:
            for size, original, layer, value in entries:
                if busy_at(layer, 0) > i:
                    continue
                end = i + size
                if (
                    original is not None
                    and tokens[i:end] != original
                    and not all(w.isupper() for w in tokens[i:end] if w.isalpha())
                ):
                    continue  # a cased phrase written otherwise, and not in an all-capitals text
                append(_new_match(Match, (layer, value, i, end)))
                busy[layer] = end
        return out


# the longer words a headline in title case may leave in lower case
_SMALL_WORDS = frozenset(
    "with from into over than that upon onto about after amid also when while "  # noqa: SIM905
    "and the for but its nor via per off out yet are was has".split()
)


def is_title_case(tokens: Sequence[str]) -> bool:
    """A Headline Written Like This, where capitals say nothing about names."""
    initials = [w[0] for w in tokens if len(w) > 3 and w[0].isalpha()]
    if len(initials) < 5 or sum(map(str.isupper, initials)) / len(initials) <= 0.6:
        return False
    # a sentence dense with names still has its verbs in lower case: "Goldman Sachs
    # advised ServiceNow, while Qatalyst Partners advised Moveworks", "Halvard
    # Ventures led Quillo's $15 million Series A"
    lower = [w for w in tokens if len(w) > 2 and w[0].islower() and w not in _SMALL_WORDS]
    return len(lower) < 2
