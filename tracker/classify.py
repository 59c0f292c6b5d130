"""Decide what an article reports: labels with scores and evidence.

Pure: text and a compiled :class:`~tracker.ruleset.Ruleset` in, labels out.

The article is tokenized and scanned once; then, per sentence and category::

    score = action tier weight      (what is done: "invested", "probe", "released")
          x actor fit               (who does it: a named regulator, two companies, a model)
          x hedge / negation / background, when they govern the action
                                    ("may invest", "did not acquire", "which regulators probe")
          x negative context        (capex, stock moves, benchmarks, lobbying)
          x headline weight         (the title counts more)

A deal that is the object of a regulatory step ("the CMA cleared Amazon's
investment") is the regulator's news, not a new deal. An item's score for a
category is its best sentence's score plus a small share of the second best,
capped at 1; the best sentence is the evidence.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from tracker.amounts import find_amounts
from tracker.extract import Mention, assign_roles, find_mentions
from tracker.models import CATEGORIES, Amount, Analysis, Label
from tracker.ruleset import Ruleset
from tracker.text import SEPARATOR, Match, is_title_case, split_sentences, words

_STAKE_WORDS = frozenset({"stake", "round", "series", "funding", "seed", "pre-seed", "financing"})
_DEAL_KINDS = frozenset({"round", "investment", "valuation", "other"})
_PETITION, _FILING = "petition", "filing"


@dataclass(slots=True)
class Sentence:
    """One sentence and the facts about it that every category's rule reads."""

    text: str
    is_title: bool
    start: int
    end: int
    title_case: bool
    matches: list[Match] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    # category -> (token index, first word) of the action that earned the best score
    action_at: dict[str, tuple[int, str]] = field(default_factory=dict)
    layers: frozenset[str] = frozenset()
    merged: Sentence | None = None  # with the previous sentence's names, for borrowing

    def names(self, kind: str) -> set[str]:
        return {m.name for m in self.mentions if m.kind == kind}

    def has(self, layer: str) -> bool:
        return layer in self.layers

    @property
    def has_deal_amount(self) -> bool:
        return any(a.kind in _DEAL_KINDS for a in self.amounts)


def read_sentences(title: str, body: str, rules: Ruleset) -> tuple[list[Sentence], list[str]]:
    """Split title and body into sentences, scan them once, and note what each holds."""
    parts = [(True, s) for s in split_sentences(title)] + [
        (False, s) for s in split_sentences(body)
    ]
    if not parts:
        return [], []
    joined = SEPARATOR.join(text for _, text in parts)
    tokens = words(joined)
    lowers = words(joined.lower())
    if len(lowers) != len(tokens):  # a capital whose lower case is two letters
        lowers = [t.lower() for t in tokens]
    sentences: list[Sentence] = []
    bounds = [i for i, t in enumerate(tokens) if t == SEPARATOR]
    begin = 0
    for (is_title, text), stop in zip(parts, [*bounds, len(tokens)], strict=True):
        window = tokens[begin:stop]
        sentences.append(Sentence(text, is_title, begin, stop, is_title_case(window)))
        begin = stop + 1
    for m in rules.lexicon.scan(tokens, lowers):
        sentences[bisect_right(bounds, m.start)].matches.append(m)
    offsets, position = [], 0
    for _, text in parts:
        offsets.append(position)
        position += len(text) + 1
    for char, amount in find_amounts(joined):
        sentences[bisect_right(offsets, char) - 1].amounts.append(amount)
    for s in sentences:
        s.layers = frozenset(m.layer for m in s.matches)
        if s.matches:
            s.mentions = find_mentions(tokens, s.start, s.end, s.matches, title_case=s.title_case)
    return sentences, tokens


def _inside_name(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A word inside a name is not an action: "Lightspeed Venture Partners" partners
    no one, "Qatar Investment Authority" invests nothing."""
    if any(n.position < m.end and m.start < n.end for n in s.mentions):
        return True
    if s.title_case or m.start == s.start or not tokens[m.start][:1].isupper():
        return False
    before = tokens[m.start - 1][:1].isupper()
    after = m.end < s.end and tokens[m.end][:1].isupper()
    return before or after


def _governed(m: Match, s: Sentence, layer: str, reach: int) -> bool:
    """A cue of ``layer`` within ``reach`` tokens before the action (and not neutralised)."""
    return any(
        c.layer == layer and c.value and c.start < m.start and m.start - c.end <= reach
        for c in s.matches
    )


def _year_before(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "a 2023 partnership", "its 2019 investment": a dated deal is a past one."""
    for i in range(max(s.start, m.start - 2), m.start):
        word = tokens[i]
        if len(word) == 4 and word.isdigit() and word[:2] in ("19", "20"):
            return True
    return False


def _modifier(m: Match, category: str, s: Sentence, tokens: list[str], rules: Ruleset) -> float:
    w, scope = rules.weights, rules.scope
    factor = 1.0
    if (
        _governed(m, s, "hedge", scope["before"])
        or s.has("hedge_anywhere")
        or (category == "model_release" and _governed(m, s, "cue:plan", scope["plan"]))
    ):
        factor *= w["hedge"]
    if _governed(m, s, "negation", scope["negation"]):
        factor *= w["negation"]
    if (
        _governed(m, s, "background", scope["before"])
        or s.has("background_anywhere")
        or _year_before(m, s, tokens)
    ):
        factor *= w["background"]
    if s.has(f"negative:{category}"):
        factor *= w["negative"]
    return factor


def _orgs(s: Sentence) -> set[str]:
    return s.names("organization")


def _fit_investment(s: Sentence, word: str, rules: Ruleset) -> float:
    w = rules.actor_weights
    orgs = _orgs(s)
    if len(orgs) >= 2:
        return w["two_organizations"] * (1.1 if s.has_deal_amount else 1.0)
    if s.has_deal_amount or word in _STAKE_WORDS:
        return w["amount_or_stake"]
    return w["one_organization"] if orgs else w["no_actor"]


def _fit_partnership(s: Sentence, rules: Ruleset) -> float:
    w = rules.actor_weights
    parties = len(_orgs(s)) + (1 if s.has("cue:pair") else 0)
    if parties >= 2:
        return w["partners_named"]
    return w["one_partner"] if parties else w["no_partner"]


def _names_product(m: Match, s: Sentence, tokens: list[str], rules: Ruleset) -> bool:
    """A release verb followed by a name: "released FLUX.1 Kontext", "unveiled EXAONE 4.0"."""
    j, skipped = m.end, 0
    while j < s.end and skipped < 3 and tokens[j].lower() in rules.not_products:
        j, skipped = j + 1, skipped + 1
    if j >= s.end:
        return False
    word = tokens[j]
    if any(n.position == j and n.kind != "model" for n in s.mentions):
        return False
    has_digit = any(ch.isdigit() for ch in word)
    if s.title_case:
        return has_digit or (len(word) > 1 and word.isupper()) or word[1:] != word[1:].lower()
    return word[:1].isupper() or (has_digit and word[:1].isalpha())


_DETERMINERS = frozenset(
    ["a", "an", "the", "its", "their", "his", "her", "our", "two", "three", "four", "several"]
)


def _object_is_not_a_model(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "launches an inquiry", "announced a partnership", "unveiling Mistral AI": the
    thing released is named right after the verb, and it is not a model."""
    j = m.end
    while j < s.end and tokens[j].lower() in _DETERMINERS:
        j += 1
    if j >= s.end:
        return False
    if any(n.position == j and n.kind in ("organization", "regulator") for n in s.mentions):
        return j + 1 >= s.end or tokens[j + 1] != "'s"
    word = tokens[j]
    if not word[:1].islower() or any(ch.isdigit() for ch in word):
        return False
    describes_model = ("cue:model_noun", "cue:fresh")
    return not any(c.start == j and c.layer in describes_model for c in s.matches) and (
        j + 1 >= s.end
        or not any(c.start == j + 1 and c.layer == "cue:model_noun" for c in s.matches)
    )


def _fit_model(m: Match, s: Sentence, tokens: list[str], rules: Ruleset) -> float:
    w = rules.actor_weights
    if _object_is_not_a_model(m, s, tokens):
        return w["no_model"]
    if s.names("model"):
        return w["named_model"]
    if not s.has_deal_amount and _names_product(m, s, tokens, rules):
        return w["product_named"]
    if s.has("cue:model_noun"):
        if _orgs(s):
            return w["developer_model_noun"]
        return w["fresh_model_noun"] if s.has("cue:fresh") else w["model_noun"]
    return w["no_model"]


def _fit_regulatory(m: Match, kind: str, s: Sentence, own: Sentence, rules: Ruleset) -> float:
    w = rules.actor_weights
    regulators = [n for n in s.mentions if n.kind == "regulator"]
    agencies = [n for n in regulators if n.regulator_kind != "court"]
    generic = [c for c in s.matches if c.layer == "cue:generic_regulator"]
    courts = [c for c in s.matches if c.layer == "cue:court"]
    if kind == _FILING and not (agencies or generic):
        return 0.0  # a private lawsuit, filed in a court
    if kind == _PETITION:
        positions = [n.position for n in regulators] + [c.start for c in generic]
        if not any(p < m.start for p in positions):
            return 0.0  # a company or a group asking: lobbying, not a formal step
    if agencies:
        fit = w["named_regulator"]
    elif generic or courts or regulators or s.has("cue:law"):
        qualified = (
            s.has("cue:qualifier") or s.names("jurisdiction") or courts or regulators
            or s.has("cue:law")
        )  # fmt: skip
        fit = w["qualified_regulator"] if qualified else w["generic_regulator"]
    else:
        fit = w["no_regulator"]
    if not (_orgs(own) or own.names("model") or own.has("cue:target")):
        fit *= w["no_target"]
    return fit


def _merged(s: Sentence, previous: Sentence) -> Sentence:
    return Sentence(
        text=s.text,
        is_title=s.is_title,
        start=s.start,
        end=s.end,
        title_case=s.title_case,
        matches=s.matches + [c for c in previous.matches if c.layer.startswith("cue:")],
        mentions=s.mentions + previous.mentions,
        amounts=s.amounts + previous.amounts,
        layers=s.layers | {layer for layer in previous.layers if layer.startswith("cue:")},
    )


def _fit(
    category: str, m: Match, s: Sentence, own: Sentence, tokens: list[str], rules: Ruleset
) -> float:
    weight_kind = m.value[1]
    if category == "investment":
        return _fit_investment(s, tokens[m.start].lower(), rules)
    if category == "partnership":
        return _fit_partnership(s, rules)
    if category == "model_release":
        return _fit_model(m, s, tokens, rules)
    return _fit_regulatory(m, weight_kind, s, own, rules)


def score_sentence(
    category: str,
    s: Sentence,
    previous: Sentence | None,
    tokens: list[str],
    rules: Ruleset,
) -> tuple[float, bool]:
    """Score one sentence for one category; also say if the actor came from
    the sentence before ("The FTC said on Tuesday ... It opened an inquiry").

    The raw score may exceed 1 so that ties between strong sentences are
    broken by the stronger one; labels cap it.
    """
    layer = f"action:{category}"
    best, from_previous = 0.0, False
    borrow = previous is not None and not previous.is_title
    merged = s.merged if borrow else None
    if category == "regulatory_action" and _lobbying(s):
        return 0.0, False
    for m in s.matches:
        if m.layer != layer or _inside_name(m, s, tokens):
            continue
        weight, kind = m.value
        modifier = _modifier(m, category, s, tokens, rules)
        if weight * modifier <= best:
            continue
        fit = _fit(category, m, s, s, tokens, rules)
        borrowed = False
        if merged is not None and kind != _PETITION:
            other = _fit(category, m, merged, s, tokens, rules) * rules.weights["previous_sentence"]
            if other > fit:
                fit, borrowed = other, True
        if kind != "strong" and category == "partnership" and _names_other_deal(s):
            fit *= rules.weights["generic_deal_word"]
        score = weight * fit * modifier
        if score > best:
            best, from_previous = score, borrowed
            s.action_at[category] = (m.start, tokens[m.start].lower())
    if s.is_title:
        best *= rules.weights["title"]
    return best, from_previous


def _regulator_positions(s: Sentence) -> list[int]:
    return [n.position for n in s.mentions if n.kind == "regulator"] + [
        c.start for c in s.matches if c.layer in ("cue:generic_regulator", "cue:court")
    ]


def _lobbying(s: Sentence) -> bool:
    """A request made by someone who is not an authority: what it asks for is not news."""
    for m in s.matches:
        is_petition = m.layer == "action:regulatory_action" and m.value[1] == _PETITION
        if is_petition and not any(p < m.start for p in _regulator_positions(s)):
            return True
    return False


def is_regulatory_step(s: Sentence) -> bool:
    """An authority and one of its actions in the sentence, whatever the verdict:
    "the CMA cleared the deal", "did not qualify for investigation"."""
    if not _regulator_positions(s) or _lobbying(s):
        return False
    return any(m.layer == "action:regulatory_action" and m.value[1] != _FILING for m in s.matches)


def _names_other_deal(s: Sentence) -> bool:
    return any(
        m.layer in ("action:investment", "action:regulatory_action") and m.value[1] == "strong"
        for m in s.matches
    )


@dataclass(frozen=True, slots=True)
class SentenceScore:
    category: str
    score: float
    index: int
    actor_from_previous: bool


def best_sentences(
    sentences: list[Sentence], tokens: list[str], rules: Ruleset
) -> dict[str, list[SentenceScore]]:
    """Every scoring sentence per category, best first."""
    scored: dict[str, list[SentenceScore]] = {c: [] for c in CATEGORIES}
    w = rules.weights
    focus = False
    for i, s in enumerate(sentences):
        if not any(m.layer.startswith("action:") for m in s.matches):
            continue
        previous = sentences[i - 1] if i else None
        if previous is not None and not previous.is_title:
            s.merged = _merged(s, previous)
        raw = {c: score_sentence(c, s, previous, tokens, rules) for c in CATEGORIES}
        regulatory = is_regulatory_step(s)
        done = s.has("cue:completion")
        if s.is_title and regulatory and not done:
            focus = True
        for category, (score, from_previous) in raw.items():
            if category in ("investment", "partnership") and not done:
                if regulatory:
                    score *= w["regulated_deal"]
                elif focus and not s.is_title:
                    score *= w["regulatory_focus"]
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
    sentences, tokens = read_sentences(title, body, rules)
    ranked = best_sentences(sentences, tokens, rules)
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
        amounts=tuple(a for s in sentences for a in s.amounts),
        rules_version=rules.version,
    )
