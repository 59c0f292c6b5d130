"""Compile the rules files into one lexicon, once per process.

The files are data (``tracker/rules/*.toml``); this module checks their shape
and puts every phrase list into a single :class:`~tracker.text.Lexicon`, each
list as a layer ("action:investment", "hedge", "cue", "entity"...), so an
article is scanned once. The rules version stored with each label names the
files' declared versions plus a digest of their bytes, so editing a rule is
visible in the database.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.amounts import CURRENCY_WORDS
from tracker.errors import ConfigError
from tracker.models import CATEGORIES
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
from tracker.text import Lexicon

# (table, key) -> cue tag; a cue says who acts or how, not what is done
_CUES = (
    ("model_release", "model_nouns", "model_noun"),
    ("model_release", "product_nouns", "product_noun"),
    ("model_release", "ai_words", "ai"),
    ("model_release", "fresh_words", "fresh"),
    ("model_release", "plans", "plan"),
    ("model_release", "plans_after", "plan_after"),
    ("model_release", "hardware_nouns", "hardware"),
    ("regulatory_action", "generic_actors", "generic_regulator"),
    ("regulatory_action", "courts", "court"),
    ("regulatory_action", "abilities", "ability"),
    ("regulatory_action", "laws", "law"),
    ("regulatory_action", "law_words", "law_word"),
    ("regulatory_action", "qualifiers", "qualifier"),
    ("regulatory_action", "target_nouns", "target"),
    ("investment", "completion", "completion"),
    ("actors", "pair", "pair"),
    ("genre", "title", "genre"),
    ("genre", "superlatives", "superlative"),
    ("genre", "openers", "opener"),
    ("organizations", "cues_before", "org_before"),
    ("organizations", "suffixes", "org_suffix"),
    ("people", "titles", "person_title"),
)
# (table, key, layer, value): modifiers of an action
_MODIFIERS = (
    ("hedges", "phrases", "hedge", True),
    ("hedges", "neutral", "hedge", False),
    ("hedges", "anywhere", "hedge_anywhere", True),
    ("hedges", "anywhere_neutral", "hedge_anywhere", False),
    ("negation", "phrases", "negation", True),
    ("negation", "neutral", "negation", False),
    ("background", "before", "background", True),
    ("background", "neutral", "background", False),
    ("background", "anywhere", "background_anywhere", True),
    ("background", "clause", "background_clause", True),
    ("background", "rest", "background_rest", True),
)
_SCOPES = {"before": 8, "negation": 6, "plan": 40}
# the layer of the words that name a currency ("euros", "USD")
CURRENCY_LAYER = "currency"
# the layer of a gazetteer entry's ambiguous aliases
AMBIGUOUS_LAYER = "entity?"
# the layer of a verb that makes a law when what it signs is a bill
SIGNING_LAYER = "signing?"
# the layer of a verb that is a category's action when one of its ends follows,
# with a sum between: "pours $5 billion into Intel"
GAPPED_LAYER = "gapped?"


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    kind: str  # organization, regulator, jurisdiction, model
    name: str
    jurisdiction: str | None = None
    regulator_kind: str | None = None
    developer: str | None = None


@dataclass(frozen=True, slots=True)
class Ruleset:
    version: str
    tiers: dict[str, float]
    weights: dict[str, float]
    actor_weights: dict[str, float]
    scope: dict[str, int]
    lexicon: Lexicon
    not_products: frozenset[str]
    # the labels before a headline's colon that set its genre ("speech", "book review")
    kickers: frozenset[str] = frozenset()
    # words that name the same kind of step or deal ("probe", "inquiry",
    # "investigation"), each mapped to the first word of its group
    synonyms: dict[str, str] = field(default_factory=dict)
    # the most an actor found in the sentence before can give: a fit at least this
    # high need not look there (see classify.score_sentence)
    borrow_ceiling: float = float("inf")


def _read_toml(path: Path, what: str) -> tuple[dict[str, Any], bytes]:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8")), data
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{what} file not found: {path}", hint="check [classify] in config.toml"
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{what} file {path} is not valid TOML: {exc}",
            hint="fix the file, or remove the setting",
        ) from exc


def _phrases(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"rules: {where}.{key} must be a list of strings",
            hint="write it as a TOML array of quoted phrases",
        )
    return value


def _add_category(lex: Lexicon, name: str, table: dict[str, Any], tiers: dict[str, float]) -> None:
    for tier, weight in tiers.items():
        for phrase in _phrases(table, tier, name):
            lex.add(phrase, f"action:{name}", (weight, tier))
    # petitions and filings are actions of their own kind, scored as strong
    strongest = max(tiers.values())
    # a signature on a text that makes it law, however the text is named:
    # "signs AI safety bill" (classify.read_sentences looks ahead for the text)
    texts = frozenset(p.lower() for p in _phrases(table, "signed_texts", name))
    if texts:
        for phrase in _phrases(table, "signing_verbs", name):
            lex.add(phrase, SIGNING_LAYER, ((strongest, "strong"), texts))
    # "pours $5 billion into Intel": the verb, a sum, then one of its ends
    ends = frozenset(p.lower() for p in _phrases(table, "gapped_ends", name))
    if ends:
        if "medium" not in tiers:
            raise ConfigError(
                f"rules: {name}.gapped_verbs are weighted as 'medium', which [tiers] does not set",
                hint="add medium = ... to [tiers], or remove gapped_ends",
            )
        for phrase in _phrases(table, "gapped_verbs", name):
            lex.add(phrase, GAPPED_LAYER, ((tiers["medium"], "medium"), ends, f"action:{name}"))
    for kind in ("petition", "filing"):
        for phrase in _phrases(table, kind, name):
            lex.add(phrase, f"action:{name}", (strongest, kind))
    # a longer phrase that holds an action's word without its sense: "press secretary"
    for phrase in _phrases(table, "not_actions", name):
        lex.add(phrase, f"action:{name}", None)
    for phrase in _phrases(table, "negative", name):
        lex.add(phrase, f"negative:{name}")
    for phrase in _phrases(table, "not_negative", name):  # the longer phrase wins, and says no
        lex.add(phrase, f"negative:{name}", False)


def _add_gazetteer(lex: Lexicon, gaz: dict[str, Any]) -> None:
    for kind in ("organization", "regulator", "jurisdiction", "model"):
        for row in gaz.get(kind, []):
            if not isinstance(row, dict) or "name" not in row:
                raise ConfigError(
                    f"gazetteer: every [[{kind}]] needs a name (found {row!r})",
                    hint='add name = "..." to the entry',
                )
            entry = GazetteerEntry(
                kind=kind,
                name=row["name"] if kind != "jurisdiction" else row.get("code", row["name"]),
                jurisdiction=row.get("jurisdiction")
                or (row.get("code") if kind == "jurisdiction" else None),
                regulator_kind=row.get("kind"),
                developer=row.get("developer"),
            )
            for alias in [row["name"], *row.get("aliases", [])]:
                lex.add(alias, "entity", entry, cased=True)
            # "BIS", "ICO", "Senate": this entry only where the article also names
            # it by another alias (classify.read_sentences decides)
            for alias in row.get("ambiguous", []):
                lex.add(alias, AMBIGUOUS_LAYER, entry, cased=True)
    for table, key, tag in _CUES:
        if table in ("organizations", "people"):
            for phrase in _phrases(gaz.get(table, {}), key, table):
                lex.add(phrase, f"cue:{tag}", tag, cased=tag == "org_suffix")


def compile_ruleset(rules: dict[str, Any], gazetteer: dict[str, Any], digest: str) -> Ruleset:
    """Build a :class:`Ruleset` from parsed rules and gazetteer tables."""
    tiers = {k: float(v) for k, v in rules.get("tiers", {}).items()}
    if not tiers:
        raise ConfigError(
            "rules: a [tiers] table with at least one weight is required",
            hint="start from tracker/rules/classify.toml",
        )
    missing = [c for c in CATEGORIES if c not in rules]
    if missing:
        raise ConfigError(
            f"rules: missing tables for {', '.join(missing)}",
            hint="every category needs a table, even an empty one",
        )
    lex = Lexicon()
    for category in CATEGORIES:
        _add_category(lex, category, rules[category], tiers)
    for table, key, tag in _CUES:
        if table not in ("organizations", "people"):
            for phrase in _phrases(rules.get(table, {}), key, table):
                # written with capitals, matched only so: "US" the place, not "us"
                lex.add(phrase, f"cue:{tag}", tag, cased=phrase != phrase.lower())
    # the longer name wins and says no actor: "news agency" over "agency" (a match
    # with no value is dropped when read, as not_actions are)
    for phrase in _phrases(rules["regulatory_action"], "not_actors", "regulatory_action"):
        lex.add(phrase, "cue:generic_regulator", None)
    for table, key, layer, value in _MODIFIERS:
        for phrase in _phrases(rules.get(table, {}), key, table):
            lex.add(phrase, layer, value)
    for word in sorted(CURRENCY_WORDS):  # where amounts may be: found in the same pass
        lex.add(word, CURRENCY_LAYER)
    _add_gazetteer(lex, gazetteer)
    actor_weights = {k: float(v) for k, v in rules.get("actor_weights", {}).items()}
    weights = {k: float(v) for k, v in rules.get("weights", {}).items()}
    return Ruleset(
        version=f"{rules.get('version', '0')}.{gazetteer.get('version', '0')}+{digest}",
        tiers=tiers,
        weights=weights,
        actor_weights=actor_weights,
        scope={**_SCOPES, **{k: int(v) for k, v in rules.get("scope", {}).items()}},
        lexicon=lex,
        not_products=frozenset(
            p.lower() for p in _phrases(rules["model_release"], "not_products", "model_release")
        ),
        borrow_ceiling=_borrow_ceiling(actor_weights, weights.get("previous_sentence", 1.0)),
        kickers=frozenset(
            " ".join(p.lower().split())
            for p in _phrases(rules.get("genre", {}), "kickers", "genre")
        ),
        synonyms=_synonyms(rules.get("synonyms", {})),
    )


def _synonyms(table: dict[str, Any]) -> dict[str, str]:
    """``[synonyms] groups``: lists of words for one thing; each word maps to its
    group's first."""
    groups = table.get("groups", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(isinstance(w, str) for w in g) for g in groups
    ):
        raise ConfigError(
            "rules: synonyms.groups must be a list of lists of words",
            hint='write it as groups = [["probe", "inquiry", "investigation"], ...]',
        )
    return {w.lower(): g[0].lower() for g in groups for w in g}


def _borrow_ceiling(actor_weights: dict[str, float], previous: float) -> float:
    """An actor fit is at most two actor weights and the 1.1 of an investment with
    an amount; one borrowed from the sentence before is that times ``previous``."""
    if previous < 0 or min(actor_weights.values(), default=0.0) < 0:
        return float("inf")
    top = max(actor_weights.values(), default=1.0)
    return top * max(1.0, top) * 1.1 * previous


@lru_cache(maxsize=8)
def load_ruleset(
    rules_path: Path = DEFAULT_CLASSIFY, gazetteer_path: Path = DEFAULT_GAZETTEER
) -> Ruleset:
    """Read and compile the rules files; cached, so each pair is compiled once."""
    rules, rules_bytes = _read_toml(Path(rules_path), "rules")
    gazetteer, gaz_bytes = _read_toml(Path(gazetteer_path), "gazetteer")
    digest = hashlib.sha256(rules_bytes + b"\0" + gaz_bytes).hexdigest()[:8]
    return compile_ruleset(rules, gazetteer, digest)
