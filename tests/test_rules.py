"""Table-driven rule tests: every row in tests/data/rules/<category>.toml says
whether a text must, or must not, get that category. A new rule comes with a
row that fires and a row that must not."""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest
from conftest import DATA

from tracker.classify import analyze
from tracker.errors import ConfigError
from tracker.models import CATEGORIES
from tracker.rules import DEFAULT_CLASSIFY
from tracker.ruleset import compile_ruleset, load_ruleset
from tracker.text import expand_phrase, words

THRESHOLD = 0.5


def _cases() -> list[object]:
    out = []
    for category in CATEGORIES:
        table = tomllib.loads((DATA / "rules" / f"{category}.toml").read_text(encoding="utf-8"))
        for row in table["case"]:
            out.append(pytest.param(category, row, id=f"{category}: {row['rule']}"))
    return out


@pytest.mark.parametrize(("category", "row"), _cases())
def test_rule(category: str, row: dict[str, object]) -> None:
    analysis = analyze(str(row.get("title", "")), str(row["text"]), load_ruleset(), THRESHOLD)
    labels = {label.category: label for label in analysis.labels}
    fired = category in labels and labels[category].score >= THRESHOLD
    why = labels[category].evidence if category in labels else "no evidence"
    assert fired == row["fires"], f"{row['rule']}: score {labels.get(category)} -- {why}"


def test_every_category_has_rows_that_fire_and_rows_that_must_not() -> None:
    rows = [p.values for p in _cases()]  # type: ignore[attr-defined]
    for category in CATEGORIES:
        outcomes = {row["fires"] for cat, row in rows if cat == category}
        assert outcomes == {True, False}, category


def test_gapped_verbs_need_a_medium_weight() -> None:
    # a user's rules file that weighs its tiers otherwise gets told, not a KeyError
    rules: dict[str, object] = {"version": "x", "tiers": {"strong": 1.0}}
    rules.update({category: {} for category in CATEGORIES})
    rules["investment"] = {"gapped_verbs": ["pour~"], "gapped_ends": ["into"]}
    with pytest.raises(ConfigError, match=r"investment\.gapped_verbs"):
        compile_ruleset(rules, {}, "digest")


def _phrase_lists(table: object, path: str = "") -> list[tuple[str, list[str]]]:
    if isinstance(table, dict):
        return [found for k, v in table.items() for found in _phrase_lists(v, f"{path}.{k}")]
    if isinstance(table, list) and all(isinstance(v, str) for v in table):
        return [(path.lstrip("."), table)]
    return []


def test_no_phrase_is_written_twice_in_one_list() -> None:
    """ "cleared" beside "clear~" adds nothing: each list of the shipped rules
    says each phrase once, written out or through a stem."""
    rules = tomllib.loads(DEFAULT_CLASSIFY.read_text(encoding="utf-8"))
    twice = []
    for where, phrases in _phrase_lists(rules):
        stems = {tokens for p in phrases if "~" in p for tokens in expand_phrase(p)}
        twice += [f"{where}: {p}" for p, n in Counter(phrases).items() if n > 1]
        twice += [
            f"{where}: {p}"
            for p in phrases
            if "~" not in p and all(tokens in stems for tokens in expand_phrase(p))
        ]
    assert twice == []


def test_a_cue_written_with_capitals_matches_only_as_written() -> None:
    """ "US" qualifies an authority; the pronoun "us" does not."""
    lexicon = load_ruleset().lexicon

    def qualifiers(text: str) -> list[str]:
        tokens = words(text)
        return [
            " ".join(tokens[m.start : m.end])
            for m in lexicon.scan(tokens)
            if m.layer == "cue:qualifier"
        ]

    assert qualifiers("The US regulator wrote to us.") == ["US"]
    assert qualifiers("An EU official told us so.") == ["EU"]
    assert qualifiers("the european regulator") == ["european"]
