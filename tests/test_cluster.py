"""The grouping rules on their own: features in, decision and reason out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tracker import cluster
from tracker.cluster import DealAmount, EventFeatures, ItemFeatures

DAY = datetime(2024, 3, 27, tzinfo=UTC)
DEAL_TEXT = (
    "Amazon invested a further $2.75 billion in Anthropic, completing its $4 billion "
    "investment; Anthropic uses Amazon Web Services and offers Claude through Bedrock"
)


def item(**changes: object) -> ItemFeatures:
    base = ItemFeatures(
        title="Amazon completes Anthropic investment",
        published_at=DAY,
        date_source="header",
        categories=frozenset({"investment"}),
        participants=frozenset({"Amazon", "Anthropic"}),
        amounts=(DealAmount(Decimal("2750000000"), "USD", "investment"),),
        sketch=cluster.sketch(cluster.content_words(DEAL_TEXT)),
        url="https://daily.example/amazon-anthropic",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def event(**changes: object) -> EventFeatures:
    text = DEAL_TEXT + " minority stake largest venture investment chips"
    base = EventFeatures(
        id=7,
        first_seen=DAY - timedelta(days=1),
        last_seen=DAY - timedelta(days=1),
        is_dated=True,
        categories=frozenset({"investment", "partnership"}),
        participants=frozenset({"Amazon", "Anthropic"}),
        amounts=(DealAmount(Decimal("2750000000"), "USD", "investment"),),
        sketch=cluster.sketch(cluster.content_words(text)),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


OTHER_TEXT = cluster.sketch(
    cluster.content_words("Microsoft hires Inflection founders to run a consumer unit")
)

CASES = [
    # (case, item changes, event changes, joins, words in the reason)
    ("second outlet, same deal", {}, {}, True, "participants"),
    ("a partnership report of the deal", {"categories": frozenset({"partnership"})}, {}, True, ""),
    (
        "undated report of the deal",
        {"date_source": "modified", "published_at": DAY.replace(year=2026)},
        {},
        True,
        "",
    ),
    (
        "same URL, rewritten",
        {"sketch": OTHER_TEXT},
        {"urls": frozenset({"https://daily.example/amazon-anthropic"})},
        True,
        "URL",
    ),
    (
        "same parties a year later",
        {"published_at": DAY + timedelta(days=365)},
        {},
        False,
        "days from",
    ),
    (
        "a chain of coverage past a month",
        {"published_at": DAY + timedelta(days=5)},
        {"first_seen": DAY - timedelta(days=30)},
        False,
        "span",
    ),
    (
        "another round, same week",
        {"amounts": (DealAmount(Decimal("1250000000"), "USD", "investment"),)},
        {},
        False,
        "sums",
    ),
    (
        "one party with a new counterparty",
        {"participants": frozenset({"Amazon", "Cohere"})},
        {},
        False,
        "participants",
    ),
    (
        "the regulator's step about the deal",
        {"categories": frozenset({"regulatory_action"})},
        {},
        False,
        "regulatory_action",
    ),
    ("same parties, unrelated words", {"sketch": OTHER_TEXT}, {}, False, "words"),
    (
        "a bracketed conversion matches",
        {
            "amounts": (
                DealAmount(Decimal("2540000000"), "EUR", "investment"),
                DealAmount(Decimal("2750000000"), "USD", "investment"),
            )
        },
        {},
        True,
        "",
    ),
]


@pytest.mark.parametrize(
    ("case", "item_changes", "event_changes", "joins", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_decide(
    case: str, item_changes: dict, event_changes: dict, joins: bool, reason: str
) -> None:
    decision = cluster.decide(item(**item_changes), [event(**event_changes)])
    assert (decision.event_id == 7) is joins, decision.reason
    assert reason in decision.reason
    if not joins:
        assert decision.start and decision.event_id is None


def test_a_report_of_no_tracked_kind_starts_no_event() -> None:
    decision = cluster.decide(item(categories=frozenset()), [])
    assert (decision.event_id, decision.start) == (None, False)


def test_the_best_candidate_wins() -> None:
    weaker = event(
        id=8,
        sketch=cluster.sketch(
            cluster.content_words(DEAL_TEXT + " quarterly earnings guidance revenue outlook")
        ),
    )
    best = event(id=9, sketch=item().sketch)
    assert cluster.decide(item(), [weaker, best]).event_id == 9


def test_sketch_estimates_jaccard_and_containment() -> None:
    words = [f"w{i}" for i in range(2000)]
    left, right = cluster.sketch(words[:1200]), cluster.sketch(words[800:])
    assert cluster.jaccard(left, right) == pytest.approx(400 / 2000, abs=0.06)
    assert cluster.containment(left, right) == pytest.approx(400 / 1200, abs=0.08)
    assert cluster.jaccard(left, left) == 1.0
    assert cluster.jaccard(cluster.sketch(["a"]), cluster.sketch(["b"])) == 0.0
    merged = cluster.merge_sketches(left, right)
    assert merged == cluster.sketch(words)
    assert cluster.estimated_size(merged) == pytest.approx(2000, rel=0.15)
    assert cluster.sketch_from_bytes(cluster.sketch_to_bytes(merged)) == merged


@pytest.mark.parametrize(
    ("titles", "best"),
    [
        (
            [
                ("AInsights: Microsoft Diversifies Its AI Portfolio", True),
                ("Microsoft Invests in Mistral AI", True),
            ],
            "Microsoft Invests in Mistral AI",
        ),
        (
            [
                ("Microsoft is doubling down on its commitment.", False),
                ("Microsoft Teams Up with Mistral AI", True),
            ],
            "Microsoft Teams Up with Mistral AI",
        ),
    ],
)
def test_best_title(titles: list[tuple[str, bool]], best: str) -> None:
    assert cluster.best_title(titles, ["Microsoft", "Mistral AI"]) == best


def test_key_participants_fall_back_to_every_name() -> None:
    given = [
        cluster.Participant("organization", "Amazon", "investor"),
        cluster.Participant("organization", "Google", "mentioned"),
    ]
    assert cluster.key_participants(given) == {"Amazon"}
    bare = [
        cluster.Participant("organization", "Google", "mentioned"),
        cluster.Participant("model", "Gemini", "mentioned"),
    ]
    assert cluster.key_participants(bare) == {"Google"}
