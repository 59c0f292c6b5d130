"""Who and what an article names: organisations, regulators, jurisdictions and
models from the gazetteer, and the roles the labelled sentences give them.

Pure: tokens and a compiled ruleset in, entities out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.models import Entity
from tracker.ruleset import Ruleset
from tracker.text import Token

if TYPE_CHECKING:
    from tracker.classify import Sentence


@dataclass(frozen=True, slots=True)
class Mention:
    kind: str
    name: str
    text: str
    position: int
    end: int
    jurisdiction: str | None = None
    developer: str | None = None


def find_mentions(tokens: list[Token], rules: Ruleset) -> list[Mention]:
    """Gazetteer names in a sentence's tokens, longest match first."""
    out = []
    for match in rules.entities.find(tokens):
        entry = match.value
        out.append(
            Mention(
                entry.kind,
                entry.name,
                match.text,
                match.start,
                match.end,
                entry.jurisdiction,
                entry.developer,
            )
        )
    return out


def _roles_in(category: str, sentence: Sentence) -> list[tuple[str, str, str]]:
    """(kind, name, role) triples that one evidence sentence supports."""
    mentions = sentence.mentions
    orgs = [m for m in mentions if m.kind == "organization"]
    out: list[tuple[str, str, str]] = []
    if category == "investment" and len({o.name for o in orgs}) > 1:
        # "X invested in Y": the first named is the investor; with one name the
        # sentence does not say which side it is on, so no role is given
        first = orgs[0].name
        out.append(("organization", first, "investor"))
        out += [("organization", o.name, "investee") for o in orgs if o.name != first]
    elif category == "partnership":
        out += [("organization", o.name, "partner") for o in orgs]
    elif category == "model_release":
        for m in mentions:
            if m.kind == "model":
                out.append(("model", m.name, "model"))
                if m.developer:
                    out.append(("organization", m.developer, "developer"))
        out += [("organization", o.name, "developer") for o in orgs[:1]]
    elif category == "regulatory_action":
        for m in mentions:
            if m.kind == "regulator":
                out.append(("regulator", m.name, "regulator"))
                if m.jurisdiction:
                    out.append(("jurisdiction", m.jurisdiction, "jurisdiction"))
        out += [("organization", o.name, "target") for o in orgs]
    return out


def assign_roles(
    mentions: Sequence[Mention], evidence: Mapping[str, Sentence]
) -> tuple[Entity, ...]:
    """One entity per (kind, name, role); names with no role are 'mentioned'."""
    first_text: dict[tuple[str, str], str] = {}
    jurisdictions: dict[tuple[str, str], str | None] = {}
    for m in mentions:
        first_text.setdefault((m.kind, m.name), m.text)
        jurisdictions.setdefault((m.kind, m.name), m.jurisdiction)
    roles: dict[tuple[str, str], list[str]] = {key: [] for key in first_text}
    for category, sentence in evidence.items():
        for kind, name, role in _roles_in(category, sentence):
            first_text.setdefault((kind, name), name)
            have = roles.setdefault((kind, name), [])
            if role not in have:
                have.append(role)
    entities = []
    for (kind, name), found in roles.items():
        for role in found or ["mentioned"]:
            entities.append(
                Entity(kind, name, role, first_text[(kind, name)], jurisdictions.get((kind, name)))
            )
    return tuple(entities)
