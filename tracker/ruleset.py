"""Compile the rules files into vocabularies, once per process.

The files are data (``tracker/rules/*.toml``); this module checks their shape
and turns every phrase list into a :class:`~tracker.text.Vocabulary`. The
rules version stored with each label names the files' declared version plus a
digest of their bytes, so editing a rule is visible in the database.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.models import CATEGORIES
from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
from tracker.text import Vocabulary


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    kind: str  # organization, regulator, jurisdiction, model
    name: str
    jurisdiction: str | None = None
    regulator_kind: str | None = None
    developer: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryRules:
    name: str
    actions: Vocabulary[float]
    negative: Vocabulary[bool]


@dataclass(frozen=True, slots=True)
class Ruleset:
    version: str
    tiers: dict[str, float]
    weights: dict[str, float]
    actor_weights: dict[str, float]
    categories: dict[str, CategoryRules]
    hedges: Vocabulary[bool]
    background: Vocabulary[bool]
    cues: Vocabulary[str]
    entities: Vocabulary[GazetteerEntry]


def _read_toml(path: Path, what: str) -> tuple[dict[str, Any], bytes]:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8")), data
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{what} file not found: {path}", hint="check [classify] in config.toml"
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} file {path} is not valid TOML: {exc}") from exc


def _phrases(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"rules: {where}.{key} must be a list of strings")
    return value


def _vocabulary(phrases: list[str], value: Any) -> Vocabulary[Any]:
    vocab: Vocabulary[Any] = Vocabulary()
    for phrase in phrases:
        vocab.add(phrase, value)
    return vocab


def _compile_category(name: str, table: dict[str, Any], tiers: dict[str, float]) -> CategoryRules:
    actions: Vocabulary[float] = Vocabulary()
    for tier, weight in sorted(tiers.items(), key=lambda kv: kv[1]):
        for phrase in _phrases(table, tier, name):
            actions.add(phrase, weight)
    return CategoryRules(name, actions, _vocabulary(_phrases(table, "negative", name), True))


def _compile_cues(rules: dict[str, Any]) -> Vocabulary[str]:
    """Category-specific actor cues, each tagged with what it signals."""
    cues: Vocabulary[str] = Vocabulary()
    model = rules.get("model_release", {})
    regulatory = rules.get("regulatory_action", {})
    for table, key, tag in (
        (model, "model_nouns", "model_noun"),
        (model, "fresh_words", "fresh"),
        (model, "plans", "plan"),
        (regulatory, "generic_actors", "generic_regulator"),
        (regulatory, "qualifiers", "qualifier"),
        (regulatory, "target_nouns", "target"),
    ):
        for phrase in _phrases(table, key, tag):
            cues.add(phrase, tag)
    return cues


def _compile_gazetteer(gaz: dict[str, Any]) -> Vocabulary[GazetteerEntry]:
    vocab: Vocabulary[GazetteerEntry] = Vocabulary()
    for kind in ("organization", "regulator", "jurisdiction", "model"):
        for row in gaz.get(kind, []):
            if not isinstance(row, dict) or "name" not in row:
                raise ConfigError(f"gazetteer: every [[{kind}]] needs a name (found {row!r})")
            entry = GazetteerEntry(
                kind=kind,
                name=row["name"] if kind != "jurisdiction" else row.get("code", row["name"]),
                jurisdiction=row.get("jurisdiction")
                or (row.get("code") if kind == "jurisdiction" else None),
                regulator_kind=row.get("kind"),
                developer=row.get("developer"),
            )
            for alias in [row["name"], *row.get("aliases", [])]:
                vocab.add(alias, entry, cased=True)
    return vocab


def compile_ruleset(rules: dict[str, Any], gazetteer: dict[str, Any], digest: str) -> Ruleset:
    """Build a :class:`Ruleset` from parsed rules and gazetteer tables."""
    tiers = {k: float(v) for k, v in rules.get("tiers", {}).items()}
    if not tiers:
        raise ConfigError("rules: a [tiers] table with at least one weight is required")
    missing = [c for c in CATEGORIES if c not in rules]
    if missing:
        raise ConfigError(f"rules: missing tables for {', '.join(missing)}")
    return Ruleset(
        version=f"{rules.get('version', '0')}.{gazetteer.get('version', '0')}+{digest}",
        tiers=tiers,
        weights={k: float(v) for k, v in rules.get("weights", {}).items()},
        actor_weights={k: float(v) for k, v in rules.get("actor_weights", {}).items()},
        categories={c: _compile_category(c, rules[c], tiers) for c in CATEGORIES},
        hedges=_vocabulary(_phrases(rules.get("hedges", {}), "phrases", "hedges"), True),
        background=_vocabulary(
            _phrases(rules.get("background", {}), "phrases", "background"), True
        ),
        cues=_compile_cues(rules),
        entities=_compile_gazetteer(gazetteer),
    )


@lru_cache(maxsize=8)
def load_ruleset(
    rules_path: Path = DEFAULT_CLASSIFY, gazetteer_path: Path = DEFAULT_GAZETTEER
) -> Ruleset:
    """Read and compile the rules files; cached, so each pair is compiled once."""
    rules, rules_bytes = _read_toml(Path(rules_path), "rules")
    gazetteer, gaz_bytes = _read_toml(Path(gazetteer_path), "gazetteer")
    digest = hashlib.sha256(rules_bytes + b"\0" + gaz_bytes).hexdigest()[:8]
    return compile_ruleset(rules, gazetteer, digest)
