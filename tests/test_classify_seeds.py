"""The seed articles: what each reports, with evidence, entities and amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import FIXED_NOW, SEEDS

from tracker.classify import analyze
from tracker.models import RawDoc
from tracker.parse import parse_document
from tracker.ruleset import load_ruleset

THRESHOLD = 0.5
EXPECTED = {
    "000": {"investment", "partnership"},
    "001": {"investment", "partnership"},
    "002": {"investment", "partnership", "regulatory_action", "model_release"},
    "003": {"investment", "partnership", "model_release"},
    "004": {"investment", "partnership"},
}


def seed_analysis(prefix: str):
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    item = parse_document(RawDoc("seeds", path.name, path.read_bytes(), FIXED_NOW), FIXED_NOW)
    return analyze(item.headline, item.body, load_ruleset(), THRESHOLD)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_labels(prefix: str) -> None:
    analysis = seed_analysis(prefix)
    reported = {label.category for label in analysis.reported(THRESHOLD)}
    assert reported == EXPECTED[prefix]
    for label in analysis.labels:
        assert 0.0 <= label.score <= 1.0
        assert label.evidence.strip()
        assert label.rules_version


def test_regulatory_evidence_in_002_is_the_probe_call() -> None:
    label = next(lab for lab in seed_analysis("002").labels if lab.category == "regulatory_action")
    assert "legislators" in label.evidence.lower()
    assert "inquiry" in label.evidence.lower() or "probe" in label.evidence.lower()


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_passing_mentions_of_regulators_stay_below_threshold(prefix: str) -> None:
    scores = {lab.category: lab.score for lab in seed_analysis(prefix).labels}
    assert scores.get("regulatory_action", 0.0) < THRESHOLD


def test_model_release_evidence_in_003_names_le_chat() -> None:
    label = next(lab for lab in seed_analysis("003").labels if lab.category == "model_release")
    assert "Le Chat" in label.evidence or "Mistral Large" in label.evidence


def test_002_entities_and_amounts() -> None:
    analysis = seed_analysis("002")
    names = {(e.kind, e.name) for e in analysis.entities}
    assert {
        ("organization", "Microsoft"),
        ("organization", "Mistral AI"),
        ("jurisdiction", "EU"),
    } <= names
    assert any(kind == "regulator" for kind, _ in names)
    roles = {(e.name, e.role) for e in analysis.entities}
    assert ("European Parliament", "regulator") in roles
    amounts = {(a.currency, a.value) for a in analysis.amounts}
    assert ("EUR", Decimal(15_000_000)) in amounts
    assert ("USD", Decimal(16_000_000)) in amounts
    usd = next(a for a in analysis.amounts if a.value == 16_000_000)
    assert usd.conversion_of == "15-million euro"
