"""decide's fast scoring gives compare's score, and a stored sketch read
lazily is the sketch: grouping's shortcuts change no decision."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tracker import cluster
from tracker.cluster import DealAmount, EventFeatures, ItemFeatures, PackedSketch

DAY = datetime(2024, 3, 27, tzinfo=UTC)
WORDS = [f"word{i}" for i in range(900)]


def _words(rng: random.Random, start: int, count: int) -> tuple[int, ...]:
    return cluster.sketch(WORDS[start : start + count] + rng.sample(WORDS, 3))


def _pairs(seed: int) -> list[tuple[ItemFeatures, EventFeatures]]:
    """Items and events across every gate: dates inside, at and past the
    window and the span, undated sides, kinds, sums, parties, short and long
    texts that are copies, overlaps or strangers, the same URL."""
    rng = random.Random(seed)
    sketches = {
        "short": _words(rng, 0, 40),
        "short copy": _words(rng, 0, 41),
        "long": _words(rng, 0, 600),
        "long copy": _words(rng, 5, 600),
        "overlap": _words(rng, 300, 400),
        "stranger": _words(rng, 700, 150),
        "empty": (),
    }
    parties = [
        frozenset(),
        frozenset({"Amazon", "Anthropic"}),
        frozenset({"Amazon", "Cohere"}),
        frozenset({"Amazon", "Anthropic", "CMA"}),
        frozenset({"Amazon", "Anthropic", "CMA", "Cohere", "Nvidia"}),  # 3 of 5: the bar
    ]
    kinds = [
        frozenset(),
        frozenset({"investment"}),
        frozenset({"partnership"}),
        frozenset({"regulatory_action"}),
    ]
    sums = [
        (),
        (DealAmount(Decimal("2750000000"), "USD", "investment"),),
        (DealAmount(Decimal("1250000000"), "USD", "investment"),),
        (DealAmount(Decimal("2540000000"), "EUR", "round"),),
    ]
    offsets = [0, 3, 7, 8, -7, -8, 29, 40]
    pairs = []
    for _ in range(3000):
        item = ItemFeatures(
            title="t",
            published_at=DAY + timedelta(days=rng.choice(offsets), hours=rng.choice([0, 1])),
            date_source=rng.choice(["header", "modified"]),
            categories=rng.choice(kinds),
            participants=rng.choice(parties),
            amounts=rng.choice(sums),
            sketch=sketches[rng.choice(list(sketches))],
            url=rng.choice(["", "https://a.example/1", "https://b.example/2"]),
        )
        first = DAY - timedelta(days=rng.choice([0, 2, 25]))
        event = EventFeatures(
            id=rng.randrange(1, 50),
            first_seen=first,
            last_seen=first + timedelta(days=rng.choice([0, 1, 6])),
            is_dated=rng.random() < 0.8,
            categories=rng.choice(kinds) | rng.choice(kinds),
            participants=rng.choice(parties),
            amounts=rng.choice(sums),
            sketch=sketches[rng.choice(list(sketches))],
            urls=rng.choice([frozenset(), frozenset({"https://a.example/1"})]),
        )
        pairs.append((item, event))
    return pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_score_is_compares_score(seed: int) -> None:
    pairs = _pairs(seed)
    joined = 0
    for item, event in pairs:
        expected = cluster.compare(item, event)[0]
        assert cluster._score(item, event) == expected, cluster.compare(item, event)[1]
        packed = dataclasses.replace(
            event, sketch=PackedSketch(cluster.sketch_to_bytes(event.sketch))
        )
        assert cluster._score(item, packed) == expected
        joined += expected > 0
    # the grid reaches both outcomes, copies among them
    assert 0 < joined < len(pairs)
    assert any(cluster._score(i, e) >= cluster.NEAR_DUPLICATE for i, e in pairs)


@pytest.mark.parametrize(
    "left,right",
    [
        (range(10), range(5, 15)),  # union under k: exact
        (range(0, 400, 2), range(0, 400, 3)),  # union over k: bottom k of it
        (range(300), range(300)),
        (range(5), range(10, 20)),
    ],
)
def test_jaccard_of_small_and_large_unions(left: range, right: range) -> None:
    a, b = frozenset(left), frozenset(right)
    union = sorted(a | b)[: cluster.SKETCH_SIZE]
    expected = sum(1 for h in union if h in a & b) / len(union)
    assert cluster._jaccard_of(a, b, a & b) == expected


def test_packed_sketch_reads_as_the_tuple_it_packs() -> None:
    hashes = cluster.sketch(WORDS[:300])
    packed = PackedSketch(cluster.sketch_to_bytes(hashes))
    assert len(packed) == len(hashes) == cluster.SKETCH_SIZE
    assert packed == hashes and tuple(packed) == hashes and packed[-1] == hashes[-1]
    assert cluster.sketch_to_bytes(packed) == cluster.sketch_to_bytes(hashes)
    assert cluster.merge_sketches(packed, ()) == hashes
    assert cluster.estimated_size(packed) == cluster.estimated_size(hashes)
    assert PackedSketch(b"") == () and len(PackedSketch(b"")) == 0
    assert list(itertools.islice(packed, 3)) == list(hashes[:3])
