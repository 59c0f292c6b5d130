"""Decide what an article reports: labels with scores and evidence.

Pure: text and a compiled :class:`~tracker.ruleset.Ruleset` in, labels out.

Per sentence and category::

    score = action tier weight            (what is done: "invested", "probe")
          x actor fit                     (who does it: a named regulator, two companies)
          x hedge / background / negative (how it is said: "may", "last year", "shares")
          x headline weight               (the title counts more)

An item's score for a category is its best sentence's score plus a small share
of the second best, capped at 1; the best sentence is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.amounts import extract_amounts
from tracker.extract import Mention, assign_roles, find_mentions
from tracker.models import CATEGORIES, Analysis, Label
from tracker.ruleset import Ruleset
from tracker.text import Token, split_sentences, tokenize

_STAKE_WORDS = frozenset({"stake", "round", "series", "funding", "seed", "pre-seed"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence and the facts about it that every category's rule reads."""

    text: str
    is_title: bool
    tokens: list[Token]
    mentions: list[Mention]
    cues: frozenset[str]
    hedged: bool
    background: bool
    has_amount: bool

    def names(self, kind: str) -> set[str]:
        return {m.name for m in self.mentions if m.kind == kind}


@dataclass(frozen=True, slots=True)
class SentenceScore:
    category: str
    score: float
    index: int
    actor_from_previous: bool


def read_sentences(title: str, body: str, rules: Ruleset) -> list[Sentence]:
    """Split title and body into sentences and note what each one holds."""
    out = []
    for is_title, part in ((True, title), (False, body)):
        for text in split_sentences(part):
            tokens = tokenize(text)
            out.append(
                Sentence(
                    text=text,
                    is_title=is_title,
                    tokens=tokens,
                    mentions=find_mentions(tokens, rules),
                    cues=frozenset(m.value for m in rules.cues.find(tokens)),
                    hedged=any(True for _ in rules.hedges.find(tokens)),
                    background=any(True for _ in rules.background.find(tokens)),
                    has_amount=bool(extract_amounts(text)),
                )
            )
    return out


def _actor_fit(
    category: str, s: Sentence, own: Sentence, action_words: set[str], rules: Ruleset
) -> float:
    """How well the actors in ``s`` fit the category. ``own`` is the sentence
    itself when ``s`` also borrows the previous sentence's names: a regulatory
    target must be named in the sentence that holds the action."""
    w = rules.actor_weights
    if category == "investment":
        orgs = s.names("organization")
        if len(orgs) >= 2:
            # a named amount on top of investor and investee ranks the sentence
            # first among equals, which makes it the evidence
            return w["two_organizations"] * (1.1 if s.has_amount else 1.0)
        if s.has_amount or action_words & _STAKE_WORDS:
            return w["amount_or_stake"]
        return w["one_organization"] if orgs else w["no_actor"]
    if category == "partnership":
        orgs = s.names("organization")
        if len(orgs) >= 2:
            return w["partners_named"]
        return w["one_partner"] if orgs else w["no_partner"]
    if category == "model_release":
        if s.names("model"):
            return w["named_model"]
        if "model_noun" in s.cues:
            return w["fresh_model_noun"] if "fresh" in s.cues else w["model_noun"]
        return w["no_model"]
    # regulatory_action
    if s.names("regulator"):
        fit = w["named_regulator"]
    elif "generic_regulator" in s.cues:
        qualified = "qualifier" in s.cues or s.names("jurisdiction")
        fit = w["qualified_regulator"] if qualified else w["generic_regulator"]
    else:
        fit = w["no_regulator"]
    if not (own.names("organization") or own.names("model") or "target" in own.cues):
        fit *= w["no_target"]
    return fit


def score_sentence(
    category: str, s: Sentence, previous: Sentence | None, rules: Ruleset
) -> tuple[float, bool]:
    """Score one sentence for one category; also say if the actor came from
    the sentence before ("The FTC said on Tuesday ... It opened an inquiry").

    The raw score may exceed 1 so that ties between strong sentences are
    broken by the stronger one; labels cap it.
    """
    cat = rules.categories[category]
    # a word inside a name is not an action: "Lightspeed Venture Partners" partners no one
    named = {i for m in s.mentions for i in range(m.position, m.end)}
    matches = [
        m for m in cat.actions.find(s.tokens) if not named.intersection(range(m.start, m.end))
    ]
    action = max((m.value for m in matches), default=0.0)
    if action <= 0:
        return 0.0, False
    words = {tok.lower for m in matches for tok in s.tokens[m.start : m.end]}
    fit = _actor_fit(category, s, s, words, rules)
    from_previous = False
    if previous is not None and not previous.is_title:
        borrowed = _actor_fit(category, _with_mentions(s, previous), s, words, rules)
        borrowed *= rules.weights["previous_sentence"]
        if borrowed > fit:
            fit, from_previous = borrowed, True
    score = action * fit
    w = rules.weights
    if s.hedged or (category == "model_release" and "plan" in s.cues):
        score *= w["hedge"]
    if s.background:
        score *= w["background"]
    if any(True for _ in cat.negative.find(s.tokens)):
        score *= w["negative"]
    if s.is_title:
        score *= w["title"]
    return score, from_previous


def _with_mentions(s: Sentence, previous: Sentence) -> Sentence:
    return Sentence(
        text=s.text,
        is_title=s.is_title,
        tokens=s.tokens,
        mentions=s.mentions + previous.mentions,
        cues=s.cues | previous.cues,
        hedged=s.hedged,
        background=s.background,
        has_amount=s.has_amount or previous.has_amount,
    )


def best_sentences(sentences: list[Sentence], rules: Ruleset) -> dict[str, list[SentenceScore]]:
    """Every scoring sentence per category, best first."""
    scored: dict[str, list[SentenceScore]] = {c: [] for c in CATEGORIES}
    for i, s in enumerate(sentences):
        previous = sentences[i - 1] if i else None
        for category in CATEGORIES:
            score, from_previous = score_sentence(category, s, previous, rules)
            if score > 0:
                scored[category].append(SentenceScore(category, score, i, from_previous))
    for ranked in scored.values():
        ranked.sort(key=lambda x: (-x.score, x.index))
    return scored


def _label(
    category: str, ranked: list[SentenceScore], sentences: list[Sentence], rules: Ruleset
) -> Label:
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    score = min(1.0, best.score + rules.weights["second_sentence"] * min(second, 1.0))
    evidence = sentences[best.index].text
    if best.actor_from_previous:
        evidence = f"{sentences[best.index - 1].text} {evidence}"
    return Label(category, round(score, 3), evidence, rules.version)


def analyze(title: str, body: str, rules: Ruleset, threshold: float = 0.5) -> Analysis:
    """Labels, entities with roles, and amounts for one article."""
    sentences = read_sentences(title, body, rules)
    ranked = best_sentences(sentences, rules)
    labels = tuple(
        sorted(
            (_label(c, ranked[c], sentences, rules) for c in CATEGORIES if ranked[c]),
            key=lambda label: (-label.score, CATEGORIES.index(label.category)),
        )
    )
    evidence = {
        label.category: sentences[ranked[label.category][0].index]
        for label in labels
        if label.score >= threshold
    }
    entities = assign_roles([m for s in sentences for m in s.mentions], evidence)
    return Analysis(
        labels=labels,
        entities=entities,
        amounts=extract_amounts(f"{title}\n{body}"),
        rules_version=rules.version,
    )
