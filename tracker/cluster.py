"""Which event a new report belongs to: the rules of grouping, as pure functions.

The store finds a few candidate events by cheap indexed keys (a shared
participant within the time window, the same URL, the same headline
fingerprint) and hands their features here with the new item's; :func:`decide`
returns the event to join, or none, with the reason in words. No SQL, no clock:
``now`` is not needed because every date is in the features.

Two kinds of text evidence are used. Independent reports of one happening share
names, figures and topic words but rarely whole phrases, so topical similarity
is measured on sets of content words (one-word shingles), compared through a
bottom-k MinHash sketch that an event keeps at a fixed size however many
reports it gathers. Copies of one wire story share nearly all of their words,
which the same sketch shows as a very high Jaccard similarity.

Text is the weakest of the signals: two reports on the same companies share
their names and much of their vocabulary whatever happened. Who took part,
what kind of happening it was, when, and for how much decide; the words only
confirm that the report is about the same story at all.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

SKETCH_SIZE = 256
"""Hashes kept per sketch. Texts with fewer distinct content words than this
are compared exactly; beyond it the relative error of a Jaccard estimate is
about 1/sqrt(J k): 0.2 at J = 0.1, the low end of what reports of one happening
share, for 2 KB per event (packed 64-bit hashes)."""

WINDOW = timedelta(days=7)
"""How far outside an event's span (first to last seen) a dated report may fall
and still join it. Reports of one deal or ruling come within a day or two;
analysis pieces and weekly newsletters follow within a week. Distinct
happenings of the same parties (a probe and its ruling, two funding rounds, an
investment and the inquiry into it) are months apart."""

MAX_SPAN = timedelta(days=31)
"""No event spans more than this from its first report: without a cap a steady
trickle of coverage could chain a probe to the ruling that ends it a year
later. Coverage of one happening fades within a month."""

WEAK_DATE_RECENCY = timedelta(days=30)
"""A report whose date is only a file time or fetch time ('modified',
'fetched') cannot be placed in time. It is compared with events that received
reports in the last 30 days of ingest: undated files are usually gathered and
ingested together with the rest of the coverage of their story."""

WEAK_DATE_SOURCES = frozenset({"modified", "fetched"})
"""``items.date_source`` values that say when tracker saw a report, not when it
was published."""

MIN_CATEGORY_SCORE = 0.5
"""A label counts as evidence of what kind of happening a report describes at
this score: the default reporting threshold of the classifier. It is fixed here,
not read from ``classify.threshold``, so that changing what is reported does
not reshape the events already stored."""

MIN_PARTICIPANT_SHARE = 0.6
"""Share of the report's participants (organisations and regulators given a
role) that must already take part in the event. With two parties both must
match: a report naming one party of a deal with a new counterparty describes a
different deal (Microsoft and Inflection AI is not Microsoft and OpenAI). With
three or more, one stray name is tolerated, since extraction sometimes gives a
role to a bystander."""

MIN_CONTAINMENT = 0.12
"""Share of a dated report's content words that the event's earlier reports
already used. Measured on the seeds and ``tests/data/clusters``: independent
write-ups of one happening reach 0.16 (long articles full of background) to 0.6
(short wire pieces); reports that share no party stay under 0.1. The bar only
turns away a report whose vocabulary is unrelated; the gates before it (window,
categories, sums, participants) separate the same parties' other happenings,
which share as many words (0.45 between a probe and its fine)."""

MIN_CONTAINMENT_UNDATED = 0.15
"""The same measure for a report or an event with no publication date, a little
higher because the time window cannot help; above the seeds' lowest pair
(0.16) with the estimate's error in mind."""

NEAR_DUPLICATE = 0.8
"""Jaccard similarity of content words above which two texts are copies of one
story (a syndicated wire piece, a lightly edited repost): they join whatever
their labels say, as long as the dates allow it."""

AMOUNT_TOLERANCE = Decimal("0.02")
"""Two sums in one currency are the same sum within 2%: outlets round (€15m,
€15.0 million, 15,000,000 euros), but two rounds of one company differ by far
more."""

DEAL_CATEGORIES = frozenset({"investment", "partnership", "model_release"})
"""Outlets covering one deal stress different sides of it (the stake, the cloud
agreement, the model now on offer), so these categories are compatible with
each other. A regulatory step is compatible only with an event that already
has one: a regulator's move about a deal is its own happening."""

DEAL_AMOUNT_KINDS = frozenset({"investment", "round"})
"""Amount kinds that identify a deal; valuations and other sums do not."""

_SPACE = float(1 << 64)
_WORD = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just like may me might more most much must my new no nor not now of off
    on once only or other our ours out over own said same says she should so some such
    than that the their theirs them then there these they this those through to too
    under until up upon us very was we were what when where which while who whom why
    will with would year years yet you your one two also according including its
    which company companies per cent percent told statement""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Participant:
    kind: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class DealAmount:
    value: Decimal
    currency: str
    kind: str


@dataclass(frozen=True, slots=True)
class ItemFeatures:
    """What grouping needs to know about one report."""

    title: str
    published_at: datetime
    date_source: str
    categories: frozenset[str]
    participants: frozenset[str]
    amounts: tuple[DealAmount, ...]
    sketch: tuple[int, ...]
    url: str = ""
    is_dated: bool = field(init=False, repr=False, compare=False)
    hashes: frozenset[int] = field(init=False, repr=False, compare=False)
    deal_amounts: tuple[DealAmount, ...] = field(init=False, repr=False, compare=False)
    when: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # derived once: every comparison of a batch reads them
        object.__setattr__(self, "is_dated", self.date_source not in WEAK_DATE_SOURCES)
        object.__setattr__(self, "hashes", frozenset(self.sketch))
        object.__setattr__(self, "deal_amounts", _deal_amounts(self.amounts))
        object.__setattr__(self, "when", _microseconds(self.published_at))


class PackedSketch(Sequence[int]):
    """A stored sketch (:func:`sketch_to_bytes`), unpacked on first use: most
    candidate events are turned away by their dates, kinds, sums or parties,
    which need only its length, before their words count."""

    __slots__ = ("_hashes", "packed")

    def __init__(self, packed: bytes) -> None:
        self.packed = packed
        self._hashes: tuple[int, ...] | None = None

    def unpacked(self) -> tuple[int, ...]:
        if self._hashes is None:
            self._hashes = sketch_from_bytes(self.packed)
        return self._hashes

    def __len__(self) -> int:
        return len(self.packed) // 8

    def __getitem__(self, index: Any) -> Any:
        return self.unpacked()[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self.unpacked())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedSketch):
            return self.packed == other.packed
        return self.unpacked() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.unpacked())

    def __repr__(self) -> str:
        return f"PackedSketch({len(self)} hashes)"


@dataclass(frozen=True, slots=True)
class EventFeatures:
    """What grouping needs to know about a stored event. ``sketch`` is a
    tuple of hashes, or as read from the store a :class:`PackedSketch`."""

    id: int
    first_seen: datetime
    last_seen: datetime
    is_dated: bool
    categories: frozenset[str]
    participants: frozenset[str]
    amounts: tuple[DealAmount, ...]
    sketch: Sequence[int]
    urls: frozenset[str] = field(default=frozenset())
    deal_amounts: tuple[DealAmount, ...] = field(init=False, repr=False, compare=False)
    _hashes: frozenset[int] | None = field(default=None, init=False, repr=False, compare=False)
    span: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "deal_amounts", _deal_amounts(self.amounts))
        span = (_microseconds(self.first_seen), _microseconds(self.last_seen))
        object.__setattr__(self, "span", span)

    @property
    def hashes(self) -> frozenset[int]:
        """The sketch as a set, made on first use: most candidates are turned
        away by their dates, kinds, sums or parties before their words count."""
        if self._hashes is None:
            object.__setattr__(self, "_hashes", frozenset(self.sketch))
        return self._hashes  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Decision:
    """Join ``event_id``, or start a new event when it is None and ``start`` is
    true; neither when the report describes no tracked kind of happening.
    ``reason`` is put into words only when read (a log line, a test): a batch
    decides thousands of times and reads none of them."""

    event_id: int | None
    start: bool
    explain: Callable[[], str] = field(repr=False, compare=False)

    @property
    def reason(self) -> str:
        return self.explain()


def content_words(text: str) -> frozenset[str]:
    """Lower-cased words of three letters or more that are not function words;
    figures are kept (they name the deal)."""
    # each distinct spelling lower-cased once (words repeat)
    words = {w.lower() for w in set(_WORD.findall(text))}
    return frozenset(w for w in words if (len(w) >= 3 or w.isdigit()) and w not in _STOPWORDS)


@lru_cache(maxsize=1 << 16)
def _hash(word: str) -> int:
    """A word's 64-bit hash; the vocabulary of news repeats, so the most
    recent 65,536 words are remembered."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


def sketch(words: Iterable[str]) -> tuple[int, ...]:
    """A bottom-k MinHash sketch: the SKETCH_SIZE smallest 64-bit hashes of the
    words. One hash per word, and the sketch of a union is the bottom k of the
    two sketches, so an event's sketch is kept up to date without its texts."""
    return tuple(sorted({_hash(w) for w in words})[:SKETCH_SIZE])


def merge_sketches(left: Sequence[int], right: Sequence[int]) -> tuple[int, ...]:
    """The sketch of the union of two sets."""
    return tuple(sorted(set(left) | set(right))[:SKETCH_SIZE])


def estimated_size(sketch_: Sequence[int]) -> float:
    """How many distinct words a sketch stands for (exact below SKETCH_SIZE)."""
    if len(sketch_) < SKETCH_SIZE:
        return float(len(sketch_))
    return (SKETCH_SIZE - 1) / ((sketch_[-1] + 1) / _SPACE)


def jaccard(left: Sequence[int], right: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the sets behind two sketches."""
    return _jaccard(frozenset(left), frozenset(right))


def _jaccard(left: frozenset[int], right: frozenset[int]) -> float:
    return _jaccard_of(left, right, left & right)


def _jaccard_of(left: frozenset[int], right: frozenset[int], both: frozenset[int]) -> float:
    """:func:`_jaccard` given the shared hashes ``both``: the shared share of
    the union's bottom k, which is the whole union when it has at most k."""
    if not both:
        return 0.0  # the common case among candidates, without sorting the union
    size = len(left) + len(right) - len(both)
    if size <= SKETCH_SIZE:
        return len(both) / size
    union = sorted(left | right)[:SKETCH_SIZE]
    return len(both.intersection(union)) / SKETCH_SIZE


def containment(item: Sequence[int], event: Sequence[int]) -> float:
    """Estimated share of the item's words found among the event's words."""
    return _containment(jaccard(item, event), item, event)


def _containment(j: float, item: Sequence[int], event: Sequence[int]) -> float:
    """From J = |A and B| / |A or B| and |A or B| = |A| + |B| - |A and B| follows
    |A and B| = J (|A| + |B|) / (1 + J)."""
    size_a, size_b = estimated_size(item), estimated_size(event)
    if size_a == 0:
        return 0.0
    return min(1.0, j * (size_a + size_b) / (1 + j) / size_a)


def sketch_to_bytes(sketch_: Sequence[int]) -> bytes:
    """A sketch packed as big-endian unsigned 64-bit integers, 8 bytes a hash."""
    if isinstance(sketch_, PackedSketch):
        return sketch_.packed
    return struct.pack(f">{len(sketch_)}Q", *sketch_)


def sketch_from_bytes(packed: bytes | None) -> tuple[int, ...]:
    if not packed:
        return ()
    return struct.unpack(f">{len(packed) // 8}Q", packed)


def headline_fingerprint(title: str) -> str:
    """A key shared by copies of one story: the hash of the headline's words."""
    words = " ".join(w.lower() for w in _WORD.findall(title))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def categories_compatible(item: frozenset[str], event: frozenset[str]) -> bool:
    if item & event:
        return True
    return bool(item) and item <= DEAL_CATEGORIES and bool(event & DEAL_CATEGORIES)


def same_amount(a: DealAmount, b: DealAmount) -> bool:
    if a.currency != b.currency:
        return False
    larger = max(a.value, b.value)
    return larger == 0 or abs(a.value - b.value) / larger <= AMOUNT_TOLERANCE


def _deal_amounts(amounts: Sequence[DealAmount]) -> tuple[DealAmount, ...]:
    return tuple(a for a in amounts if a.kind in DEAL_AMOUNT_KINDS)


def amounts_conflict(item: Sequence[DealAmount], event: Sequence[DealAmount]) -> bool:
    """Both name deal sums in a common currency and none of them agree.

    Bracketed conversions belong on both sides: "€15M ($16M)" agrees with a
    report that gives only "$16M"."""
    return _deal_sums_conflict(_deal_amounts(item), _deal_amounts(event))


def _deal_sums_conflict(mine: Sequence[DealAmount], theirs: Sequence[DealAmount]) -> bool:
    if not (mine and theirs):
        return False
    shared = {a.currency for a in mine} & {a.currency for a in theirs}
    if not shared:
        return False
    return not any(same_amount(a, b) for a in mine for b in theirs)


def participant_share(item: frozenset[str], event: frozenset[str]) -> float:
    if not item:
        return 0.0
    return len(item & event) / len(item)


def _time_gap(item: ItemFeatures, event: EventFeatures) -> timedelta | None:
    """How far the item falls outside the event's span; None when either side
    has no real date."""
    if not (item.is_dated and event.is_dated):
        return None
    if item.published_at < event.first_seen:
        return event.first_seen - item.published_at
    if item.published_at > event.last_seen:
        return item.published_at - event.last_seen
    return timedelta(0)


def _outside_time(item: ItemFeatures, event: EventFeatures) -> str | None:
    gap = _time_gap(item, event)
    if gap is None:
        return None
    if gap > WINDOW:
        return f"{gap.days} days from event {event.id}'s reports"
    start = min(event.first_seen, item.published_at)
    end = max(event.last_seen, item.published_at)
    if end - start > MAX_SPAN:
        return f"event {event.id} would span {(end - start).days} days"
    return None


def compare(item: ItemFeatures, event: EventFeatures) -> tuple[float, str]:
    """A score in (0, 1] when the item belongs to the event, else 0; and why."""
    return _judge(item, event, explain=True)


def _judge(item: ItemFeatures, event: EventFeatures, *, explain: bool) -> tuple[float, str]:
    """:func:`compare`, with the reason put into words only when ``explain``
    is set (else it is empty): the score is the same either way."""
    if item.url and item.url in event.urls:
        return 1.0, f"same URL as a report of event {event.id}" if explain else ""
    late = _outside_time(item, event)
    if late:
        return 0.0, late
    refused = _refused(item, event)
    # a copy joins whatever the other gates say; the bound spares the full
    # estimate for the many candidates that fail a gate and are no copy
    similarity = 0.0
    if refused is None or _may_be_copy(item, event):
        similarity = _jaccard(item.hashes, event.hashes)
        if similarity >= NEAR_DUPLICATE:
            why = f"copy of event {event.id}'s text (Jaccard {similarity:.2f})" if explain else ""
            return similarity, why
    if refused is not None:
        return 0.0, _refusal(refused, item, event) if explain else ""
    dated = item.is_dated and event.is_dated
    words = _containment(similarity, item.sketch, event.sketch)
    bar = MIN_CONTAINMENT if dated else MIN_CONTAINMENT_UNDATED
    if words < bar:
        why = f"{words:.0%} of the report's words in event {event.id} (needs {bar:.0%})"
        return 0.0, why if explain else ""
    if not explain:
        return words, ""
    share = participant_share(item.participants, event.participants)
    return words, (
        f"{share:.0%} of participants and {words:.0%} of words shared with event {event.id}"
    )


def _refused(item: ItemFeatures, event: EventFeatures) -> str | None:
    """Which gate keeps the item out of the event unless it is a copy of its
    text (the kind of happening, the sums or the parties differ), or None."""
    if not categories_compatible(item.categories, event.categories):
        return "categories"
    if _deal_sums_conflict(item.deal_amounts, event.deal_amounts):
        return "sums"
    if participant_share(item.participants, event.participants) < MIN_PARTICIPANT_SHARE:
        return "participants"
    if (
        not (item.is_dated and event.is_dated)
        and participant_share(event.participants, item.participants) < MIN_PARTICIPANT_SHARE
    ):
        # without dates, the parties must match both ways: a report on five
        # companies is not a story about two of them
        return "event participants"
    return None


def _refusal(gate: str, item: ItemFeatures, event: EventFeatures) -> str:
    """A refusing gate in words."""
    if gate == "categories":
        return (
            f"event {event.id} is {', '.join(sorted(event.categories)) or 'unlabelled'}, "
            f"the report is {', '.join(sorted(item.categories)) or 'unlabelled'}"
        )
    if gate == "sums":
        return f"different sums from event {event.id}"
    if gate == "participants":
        share = participant_share(item.participants, event.participants)
        return f"{share:.0%} of the report's participants in event {event.id}"
    return f"event {event.id}'s participants are not the report's"


def _may_be_copy(item: ItemFeatures, event: EventFeatures) -> bool:
    """Whether the Jaccard estimate can reach NEAR_DUPLICATE: it counts shared
    hashes among the union's bottom k, so it is at most the shared hashes over
    the smaller of k and the union's size."""
    if not _copy_sizes(len(item.sketch), len(event.sketch)):
        return False  # even sharing all of the smaller set, the bound is not met
    left, right = item.hashes, event.hashes
    return _copy_bound(len(left & right), len(left), len(right))


def _copy_sizes(mine: int, theirs: int) -> bool:
    """Whether sketches of these sizes could be copies, if one held the other."""
    small, large = (mine, theirs) if mine <= theirs else (theirs, mine)
    return large > 0 and small / min(SKETCH_SIZE, large) >= NEAR_DUPLICATE


def _copy_bound(shared: int, mine: int, theirs: int) -> bool:
    """Whether ``shared`` hashes of sets of these sizes can reach NEAR_DUPLICATE."""
    union = mine + theirs - shared
    return union > 0 and shared / min(SKETCH_SIZE, union) >= NEAR_DUPLICATE


def _score(item: ItemFeatures, event: EventFeatures) -> float:
    """:func:`compare`'s score without its reason, for :func:`decide`, which
    scores every candidate of every report: the same gates, tried in the
    order that turns most candidates away soonest, and no words built."""
    if item.url and item.url in event.urls:
        return 1.0
    dated = item.is_dated and event.is_dated
    if dated:  # _outside_time, in whole microseconds
        when, (first, last) = item.when, event.span
        gap = first - when if when < first else when - last if when > last else 0
        if gap > WINDOW_MICROSECONDS:
            return 0.0
        if max(last, when) - min(first, when) > _MAX_SPAN_US:
            return 0.0
    passes = _passes(item, event, dated)
    similarity = 0.0
    if passes or _copy_sizes(len(item.sketch), len(event.sketch)):
        left, right = item.hashes, event.hashes
        both = left & right
        if passes or _copy_bound(len(both), len(left), len(right)):
            similarity = _jaccard_of(left, right, both)
            if similarity >= NEAR_DUPLICATE:
                return similarity
    if not passes:
        return 0.0
    words = _containment(similarity, item.sketch, event.sketch)
    return words if words >= (MIN_CONTAINMENT if dated else MIN_CONTAINMENT_UNDATED) else 0.0


def _microseconds(when: datetime) -> int:
    """A time as whole microseconds since 1970 (UTC): exact, as datetime
    arithmetic is, and cheaper to compare."""
    return (when - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
WINDOW_MICROSECONDS = WINDOW // _MICROSECOND
"""WINDOW in the units of ``ItemFeatures.when`` and ``EventFeatures.span``."""
_MAX_SPAN_US = MAX_SPAN // _MICROSECOND


def _passes(item: ItemFeatures, event: EventFeatures, dated: bool) -> bool:
    """Whether :func:`_refused` lets the item in (None), cheapest gate first."""
    mine, theirs = item.participants, event.participants
    if not mine:
        return False
    shared = len(mine & theirs)
    if shared / len(mine) < MIN_PARTICIPANT_SHARE:
        return False
    if not dated and (not theirs or shared / len(theirs) < MIN_PARTICIPANT_SHARE):
        return False
    if not categories_compatible(item.categories, event.categories):
        return False
    return not _deal_sums_conflict(item.deal_amounts, event.deal_amounts)


def decide(item: ItemFeatures, candidates: Sequence[EventFeatures]) -> Decision:
    """Join the best-matching candidate, else start an event if the report
    describes a tracked kind of happening."""
    best: tuple[float, EventFeatures] | None = None
    for event in candidates:
        score = _score(item, event)
        if score > 0 and (best is None or score > best[0]):
            best = (score, event)
    if best is not None:
        chosen = best[1]
        return Decision(chosen.id, False, lambda: compare(item, chosen)[1])
    if not item.categories:
        return Decision(None, False, lambda: "reports none of the tracked categories")

    def why() -> str:
        reasons = [compare(item, event)[1] for event in candidates]
        return f"new event ({'; '.join(reasons) if reasons else 'no candidate event'})"

    return Decision(None, True, why)


def start_event(event_id: int, item: ItemFeatures) -> EventFeatures:
    """The features of a new event whose only report is ``item``."""
    empty = EventFeatures(
        id=event_id,
        first_seen=item.published_at,
        last_seen=item.published_at,
        is_dated=item.is_dated,
        categories=frozenset(),
        participants=frozenset(),
        amounts=(),
        sketch=(),
    )
    return absorb(empty, item)


def absorb(event: EventFeatures, item: ItemFeatures) -> EventFeatures:
    """The event's features once ``item`` has joined it: what the store's
    upkeep computes from all its reports, so later reports of one batch are
    compared with the event as it now stands. Real dates outrank file times;
    a sum keeps the kind its first report gave it."""
    first, last, dated = event.first_seen, event.last_seen, event.is_dated
    if item.is_dated and not dated:
        first = last = item.published_at
        dated = True
    elif item.is_dated == dated:
        first, last = min(first, item.published_at), max(last, item.published_at)
    amounts = list(event.amounts)
    known = {(a.value, a.currency) for a in amounts}
    for amount in item.amounts:
        if (amount.value, amount.currency) not in known:
            known.add((amount.value, amount.currency))
            amounts.append(amount)
    return replace(
        event,
        first_seen=first,
        last_seen=last,
        is_dated=dated,
        categories=event.categories | item.categories,
        participants=event.participants | item.participants,
        amounts=tuple(amounts),
        sketch=merge_sketches(event.sketch, item.sketch),
        urls=event.urls | {item.url} if item.url else event.urls,
    )


def title_quality(title: str, has_headline: bool, participants: Iterable[str]) -> float:
    """How well a headline names the event: a real headline of newspaper length
    that names its parties beats a made-up first sentence or a teaser."""
    return _title_quality(title, has_headline, [name.lower() for name in participants])


def _title_quality(title: str, has_headline: bool, lowered_names: Sequence[str]) -> float:
    if not title.strip():
        return 0.0
    score = 1.0 if has_headline else 0.3
    length = len(title)
    score += 1.0 - min(abs(length - 75), 75) / 75
    lowered = title.lower()
    score += 0.5 * sum(1 for name in lowered_names if name in lowered)
    if ":" in title[:20]:
        score -= 0.3  # a column's name before the headline ("AInsights: ...")
    return score


PARTICIPANT_KINDS = frozenset({"organization", "regulator"})


CORE_ROLES = frozenset({"investor", "investee", "partner", "regulator", "target"})
"""Roles that make a party of the happening itself. 'developer' comes from a
model named in passing as often as from the model released ("OpenAI, the maker
of ChatGPT"), so it counts only when a report has no core role at all."""


def key_participants(entities: Iterable[Participant]) -> frozenset[str]:
    """The organisations and regulators a report gives a core role; else those
    with any role; else every one it names (a report needs parties to compare)."""
    named = [p for p in entities if p.kind in PARTICIPANT_KINDS]
    core = frozenset(p.name for p in named if p.role in CORE_ROLES)
    given = frozenset(p.name for p in named if p.role != "mentioned")
    return core or given or frozenset(p.name for p in named)


def best_title(candidates: Iterable[tuple[str, bool]], participants: Iterable[str]) -> str:
    """The clearest of an event's headlines ((title, is a real headline) pairs)."""
    names = [name.lower() for name in participants]
    ranked = sorted(candidates, key=lambda c: -_title_quality(c[0], c[1], names))
    return ranked[0][0] if ranked else ""
