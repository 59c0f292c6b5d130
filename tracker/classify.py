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

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, pairwise, repeat
from operator import attrgetter
from typing import NamedTuple

from tracker.amounts import CURRENCY_CHARS, find_amounts
from tracker.boilerplate import strip_boilerplate
from tracker.dates import MONTHS
from tracker.extract import Mention, assign_roles, find_mentions, names_found, repeated_names
from tracker.models import CATEGORIES, Amount, Analysis, Label
from tracker.ruleset import AMBIGUOUS_LAYER as _AMBIGUOUS
from tracker.ruleset import CURRENCY_LAYER as _CURRENCY
from tracker.ruleset import GAPPED_LAYER as _GAPPED
from tracker.ruleset import SIGNING_LAYER as _SIGNING
from tracker.ruleset import Ruleset
from tracker.text import SEPARATOR, Match, is_title_case, split_sentences, words

_GENERIC = "cue:generic_regulator"

_STAKE_WORDS = frozenset({"stake", "round", "series", "funding", "seed", "pre-seed", "financing"})
# "raised $40 million", "raised a Series B": money; "raised prices", "raised concerns": not
_RAISE = frozenset({"raise", "raises", "raised", "raising", "secure", "secures", "secured"}) | {
    *("securing", "bag", "bags", "bagged", "closes", "closed", "pull", "pulls", "pulled")
}
_MONEY_WORDS = _STAKE_WORDS | {"capital", "money", "cash", "equity"}
# "bought a stake", "buys Neon", "bought the start-up": a company; "buys capacity": not
_BUY = frozenset({"buy", "buys", "bought", "buying", "acquire", "acquires", "acquired"}) | {
    *("acquiring", "backs", "backed")
}
_COMPANY_WORDS = frozenset(
    [
        "stake",
        "company",
        "start-up",
        "startup",
        "firm",
        "business",
        "maker",
        "developer",
        "rival",
        "unit",
        "shares",
        "stock",
        "control",
        "majority",
        "minority",
        "remaining",
        "out",
        # a part of a company bought from its owner: "ZT Systems' manufacturing arm"
        "arm",
        "division",
        "subsidiary",
    ]
)
# the end of a sum bought: "$5 billion of Intel common stock"
_SUM_ENDS = frozenset(["million", "billion", "trillion", "bn", "mn", "m", "worth"])
_PHRASE_ENDS = frozenset([",", "than", "and", "or", "that", "which", "after", "before"])
_DEAL_KINDS = frozenset({"round", "investment", "valuation", "other"})
_PETITION, _FILING = "petition", "filing"
_REGULATORY = "action:regulatory_action"
# the layers a name can come from (with the "...AI" words): a sentence with none has no names
_NAME_LAYERS = frozenset(["entity", "cue:org_before", "cue:org_suffix", "cue:person_title"])
# words after which a verb has no direct object: "is now available to customers",
# "launches in the EU" (the thing released comes before the verb)
_PREPOSITIONS = frozenset(
    [
        "to",
        "in",
        "on",
        "through",
        "via",
        "for",
        "from",
        "at",
        "as",
        "with",
        "across",
        "into",
        "today",
    ]
)
# between a name and its predicate: "Command A is now available", "Kimi K2 drops"
_COPULAS = frozenset(["is", "are", "was", "were", "has", "have", "been", "now", "officially"])
_MAKE = frozenset(["made", "make", "makes", "making"])
_NUMBER_WORDS = frozenset(
    [
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "fifty",
        "hundred",
    ]
)


@dataclass(slots=True)
class Sentence:
    """One sentence and the facts about it that every category's rule reads."""

    text: str
    is_title: bool
    start: int
    end: int
    tokens: list[str] = field(default_factory=list, repr=False)  # the whole article's
    matches: list[Match] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    # category -> (token index, first word) of the action that earned the best score
    action_at: dict[str, tuple[int, str]] = field(default_factory=dict)
    layers: frozenset[str] = frozenset()
    by_layer: dict[str, list[Match]] = field(default_factory=dict, repr=False)
    previous: Sentence | None = field(default=None, repr=False)  # a body sentence before
    cased: bool | None = None  # title case, worked out when first asked
    combined: Sentence | None = field(default=None, repr=False)
    states: list[int] | None = field(default=None, repr=False)  # see acting_states
    named: dict[str, set[str]] = field(default_factory=dict, repr=False)  # kind -> names
    dates: bool | None = field(default=None, repr=False)  # see has_date_words
    week: bool | None = field(default=None, repr=False)  # see _this_week

    @property
    def title_case(self) -> bool:
        if self.cased is None:
            self.cased = is_title_case(self.tokens[self.start : self.end])
        return self.cased

    @property
    def merged(self) -> Sentence | None:
        """This sentence with the previous one's names, for borrowing an actor."""
        if self.combined is None and self.previous is not None:
            self.combined = _merged(self, self.previous)
        return self.combined

    @property
    def acting_states(self) -> list[int]:
        """Where a country acts as its government (worked out when first asked)."""
        if self.states is None:
            self.states = _acting_states(self)
        return self.states

    @property
    def has_date_words(self) -> bool:
        """Whether any word could date an action (a year, a month, a season,
        "last", "ago"...): worked out when first asked; without one, no action
        in the sentence is dated."""
        if self.dates is None:
            self.dates = _YEAR_IN_TEXT.search(self.text) is not None or not _DATE_WORDS.isdisjoint(
                map(str.lower, self.tokens[self.start : self.end])
            )
        return self.dates

    def names(self, kind: str) -> set[str]:
        found = self.named.get(kind)
        if found is None:
            found = self.named[kind] = {m.name for m in self.mentions if m.kind == kind}
        return found

    def has(self, layer: str) -> bool:
        return layer in self.layers

    def of_layer(self, layer: str) -> list[Match]:
        return self.by_layer.get(layer, [])

    @property
    def has_deal_amount(self) -> bool:
        return any(a.kind in _DEAL_KINDS for a in self.amounts)


def read_sentences(title: str, body: str, rules: Ruleset) -> tuple[list[Sentence], list[str]]:
    """Split title and body into sentences, scan them once, and note what each holds."""
    # a headline's semicolon joins two headlines: "CMA clears stake; companies sign deal"
    parts = [(True, p) for s in split_sentences(title) for p in s.split("; ") if p] + [
        (False, s) for s in split_sentences(body)
    ]
    if not parts:
        return [], []
    joined = SEPARATOR.join(text for _, text in parts)
    tokens = words(joined)
    sentences: list[Sentence] = []
    bounds = _separators(tokens, len(parts) - 1)
    begin = 0
    for (is_title, text), stop in zip(parts, [*bounds, len(tokens)], strict=True):
        sentences.append(Sentence(text, is_title, begin, stop, tokens))
        begin = stop + 1
    dateline = _dateline(parts, sentences, tokens)
    about_ai, money, ambiguous = _route(
        rules.lexicon.scan(tokens), sentences, bounds, dateline, tokens
    )
    if ambiguous:
        _confirm(ambiguous, sentences)
    offsets = list(accumulate((len(text) + 1 for _, text in parts[:-1]), initial=0))
    spans = _money_spans(joined, offsets, len(sentences), money)
    for char, amount in find_amounts(joined, spans) if spans else ():
        sentences[bisect_right(offsets, char) - 1].amounts.append(amount)
    camel = list(compress(count(), map(str.endswith, tokens, repeat("AI"))))
    based = list(compress(count(), map(str.endswith, tokens, repeat("-based"))))
    for s in sentences:
        by_layer = s.by_layer
        if about_ai:  # in an article about AI, a product noun ("app", "browser") is a model noun
            products = by_layer.get("cue:product_noun")
            if products:
                by_layer["cue:model_noun"] = by_layer.get("cue:model_noun", []) + products
        s.layers = frozenset(by_layer)
        if not s.matches:
            continue
        names = camel[bisect_left(camel, s.start) : bisect_left(camel, s.end)]
        placed = based[bisect_left(based, s.start) : bisect_left(based, s.end)] if based else ()
        if names or placed or not s.layers.isdisjoint(_NAME_LAYERS):
            # title case matters only to a suffix cue ("... Labs"): not worked out otherwise
            cased = s.title_case if "cue:org_suffix" in s.layers else False
            # a wire story's dateline is no part of a name: "ZURICH--(BUSINESS WIRE)--Kontur AI"
            begin = dateline[1] if s.start <= dateline[0] < s.end else s.start
            s.mentions = find_mentions(
                tokens, begin, s.end, s.matches, title_case=cased, candidates=names, based=placed
            )
    _spread_names(sentences, tokens)
    return sentences, tokens


_position = attrgetter("position")


def _spread_names(sentences: list[Sentence], tokens: list[str]) -> None:
    """A company named once with a cue ("start-up Farmlingo") is the same company
    where the article names it bare ("Farmlingo has closed a seed round")."""
    known = names_found(n for s in sentences for n in s.mentions)
    if not known:
        return
    has = known.__contains__
    for s in sentences:
        if s.layers.isdisjoint(_ACTION_LAYER_SET):
            continue  # only where a name could be an actor
        here = list(compress(range(s.start, s.end), map(has, tokens[s.start : s.end])))
        if here:
            found = repeated_names(tokens, here, known, s.mentions)
            if found:
                s.mentions = sorted([*s.mentions, *found], key=_position)


_CURRENCY_CHAR = re.compile(f"[{re.escape(CURRENCY_CHARS)}]")


def _money_spans(
    joined: str, offsets: list[int], count: int, worded: set[int]
) -> list[tuple[int, int]]:
    """Character spans of the sentences that may hold an amount: those naming a
    currency by a sign or by a word (``worded``, by index), and their neighbours
    (an amount may straddle a line break)."""
    named = {bisect_right(offsets, m.start()) - 1 for m in _CURRENCY_CHAR.finditer(joined)}
    named |= worded
    near = sorted({k + d for k in named for d in (-1, 0, 1) if 0 <= k + d < count})
    ends = [*offsets[1:], len(joined) + 1]
    return [(offsets[k], ends[k]) for k in near]


def _route(
    matches: list[Match],
    sentences: list[Sentence],
    bounds: list[int],
    dateline: tuple[int, int],
    tokens: list[str],
) -> tuple[bool, set[int], list[tuple[int, Match]]]:
    """Give each sentence its matches, in text order, also indexed by layer; say
    whether the article speaks of AI ("AI-powered", "a new AI app", "generative":
    not the AI of a name such as "Mistral AI"), which sentences name a currency
    by a word ("euros", "USD"), and which ambiguous aliases wait for confirmation
    (with their sentences' indexes)."""
    about_ai, money, ambiguous = False, set(), []
    k, limit = 0, bounds[0] if bounds else len(tokens)
    s = sentences[0]
    found, by_layer = s.matches, s.by_layer
    for m in matches:
        start = m.start
        if start > limit:  # matches come in text order: walk the sentences along
            while start > limit:
                k += 1
                limit = bounds[k] if k < len(bounds) else len(tokens)
            s = sentences[k]
            found, by_layer = s.matches, s.by_layer
        layer = m.layer
        if layer == _CURRENCY:
            money.add(k)
            continue
        if dateline[0] <= start < dateline[1]:
            continue  # "BRUSSELS - ...": where the story was filed, not who acts
        if layer == _AMBIGUOUS:
            ambiguous.append((k, m))
            continue
        if layer == _COURT and tokens[start] in _VERSUS and not _case_name(start, s, tokens):
            continue
        if layer == "cue:law_word":
            if start == s.start or not tokens[start - 1][:1].isupper():
                continue
            layer, m = "cue:law", Match("cue:law", "law", start - 1, m.end)
        elif layer == _SIGNING:
            m = _signed_text(m, s, tokens)
            if m is None:
                continue
            layer = m.layer
        elif layer == _GAPPED:
            m = _gapped_action(m, s, tokens)
            if m is None:
                continue
            layer = m.layer
        elif m.value is None:
            # a longer phrase that is no authority ("news agency", rules: not_actors)
            # or no action ("press secretary", rules: not_actions)
            continue
        elif layer == "cue:ai" and not about_ai:
            about_ai = start == s.start or not tokens[start - 1][:1].isupper()
        found.append(m)
        same = by_layer.get(layer)
        if same is None:
            by_layer[layer] = [m]
        else:
            same.append(m)
    return about_ai, money, ambiguous


_COURT = "cue:court"
_VERSUS = frozenset(["v", "V"])
_PARTY_REACH = 3  # the words of a party named before "v."


def _case_name(at: int, s: Sentence, tokens: list[str]) -> bool:
    """ "Kadrey v. Meta Platforms": a case's name says a court acts, as its
    caption does ("Bartz v. Anthropic: order granting ..."); not an upper-case
    "V" in a name, nor a ruling named by its case ("the Google v. Oracle ruling",
    one told of)."""
    if tokens[at] != "v" or at == s.start or at + 1 >= s.end:
        return False
    if not (tokens[at - 1][:1].isupper() and tokens[at + 1][:1].isupper()):
        return False
    i = at - 1
    while i > max(s.start, at - 1 - _PARTY_REACH) and tokens[i - 1][:1].isupper():
        i -= 1
    return i == s.start or tokens[i - 1] not in _ARTICLES  # "The New York Times v." is a name


_SIGNED_REACH = 5
# "signed with law firm Latham": a text's word naming something else
_NOT_A_TEXT = frozenset(["firm", "firms", "school", "schools", "enforcement", "professor"])
# "signed a letter opposing the bill", "signed on to the bill": the signature is
# on something else, or a lawmaker's support
_NOT_SIGNING_IT = frozenset(
    "letter letters petition petitions pledge pledges statement statements on onto to "  # noqa: SIM905
    "against opposing backing supporting endorsing urging demanding calling with".split()
)


def _signed_text(m: Match, s: Sentence, tokens: list[str]) -> Match | None:
    """ "Newsom signs AI safety bill", "signed the measure on Monday", "signs an
    executive order": a signature on a bill, law or order, within five words
    and no punctuation, is a law made (a regulatory action from the verb to the
    text); else the verb is left to its other layers ("signed a deal")."""
    value, texts = m.value
    for j in range(m.end, min(s.end, m.end + _SIGNED_REACH)):
        word = tokens[j]
        lower = word.lower()
        if not word[:1].isalnum() or lower in _NOT_SIGNING_IT:
            return None
        if (lower in texts or f"{tokens[j - 1].lower()} {lower}" in texts) and not (
            j + 1 < s.end and tokens[j + 1].lower() in _NOT_A_TEXT
        ):
            if any(a.start == m.start for a in s.by_layer.get(_REGULATORY, ())):
                return None  # already a phrase of the vocabulary: "signs the bill"
            return Match(_REGULATORY, value, m.start, j + 1)
    return None


_GAP_REACH = 6
# what a sum is made of, once its currency sign is gone: "5 billion", "1.3bn", "fresh capital"
_SUM_WORDS = frozenset(["million", "billion", "money", "cash", "capital", "funds", "funding"])


def _gapped_action(m: Match, s: Sentence, tokens: list[str]) -> Match | None:
    """ "pours $5 billion into Intel", "pumped another €300m into Mistral": the
    verb is its category's action when one of its ends follows within six words
    and no punctuation, with a sum between (not "put effort into")."""
    value, ends, layer = m.value
    sum_seen = False
    for j in range(m.end, min(s.end, m.end + _GAP_REACH)):
        word = tokens[j]
        lower = word.lower()
        if lower in ends:
            return Match(layer, value, m.start, j + 1) if sum_seen else None
        if not word[:1].isalnum():
            return None
        sum_seen = sum_seen or word[0].isdigit() or lower in _SUM_WORDS
    return None


# the words of an invitation to comment: "opened a consultation", "asked for written feedback"
_INVITATION_WORDS = frozenset(
    "consultation comment comments feedback views opinions evidence submissions input".split()  # noqa: SIM905
)
_INDEFINITE_ARTICLES = frozenset(["a", "an"])
# what a consultation is held on: "proposals put out for consultation"
_CONSULTED_ON = ("proposal", "draft")


def _invites(m: Match, tokens: list[str]) -> bool:
    """Whether a step is an invitation to comment, which asks everyone and names
    no company: "opened a public call for information and opinions", "opened a
    10-week consultation" (not "the consultation closes", one told before)."""
    if not any(w.lower() in _INVITATION_WORDS for w in tokens[m.start : m.end]):
        return False
    return m.end - m.start > 1 or any(
        w.lower() in _INDEFINITE_ARTICLES for w in tokens[max(0, m.start - 3) : m.start]
    )


def _signature(m: Match, tokens: list[str]) -> bool:
    """Whether a step is a text signed (see _signed_text): "signs AI safety bill"."""
    return m.end - m.start > 1 and tokens[m.start].lower().startswith("sign")


# a legislature's vote on a text: "passed the bill", "adopted the country's AI law"
_ENACTING = ("pass", "adopt", "approv", "enact")
_ENACTED_TEXTS = frozenset(["bill", "bills", "law", "laws", "act", "legislation"])
_ENACTED_REACH = 7


def _enactment(m: Match, tokens: list[str]) -> bool:
    """Whether a step is a text voted into law ("The Senate passed the bill"):
    what follows it describes the law ("gave final approval to a national law
    ..., a comprehensive framework of its own"), not a company's own policy."""
    return tokens[m.start].lower().startswith(_ENACTING) and not _ENACTED_TEXTS.isdisjoint(
        w.lower() for w in tokens[m.start + 1 : m.start + 1 + _ENACTED_REACH]
    )


def _signer(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Newsom signs AI safety bill": a law signed by someone named, who can
    only be the one whose signature makes law (a governor, a president)."""
    return (
        m.start > s.start
        and _signature(m, tokens)
        and tokens[m.start - 1][:1].isupper()
        and tokens[m.start - 1].isalpha()
    )


def _confirm(ambiguous: list[tuple[int, Match]], sentences: list[Sentence]) -> None:
    """An ambiguous alias names its entry where the article also names that entry
    by another alias ("the Bureau of Industry and Security ... BIS said"); else it
    is someone else ("the BIS", the central banks' bank) and is left out."""
    named = {m.value for s in sentences for m in s.by_layer.get("entity", ())}
    for k, m in ambiguous:
        if m.value in named:
            s = sentences[k]
            entity = Match("entity", m.value, m.start, m.end)
            s.matches.insert(bisect_left([x.start for x in s.matches], m.start), entity)
            s.by_layer.setdefault("entity", []).append(entity)
            s.by_layer["entity"].sort(key=_start)


def _start(m: Match) -> int:
    return m.start


def _separators(tokens: list[str], count: int) -> list[int]:
    """Where the sentence separators are (found by list.index, not a Python loop)."""
    out, at = [], -1
    for _ in range(count):
        at = tokens.index(SEPARATOR, at + 1)
        out.append(at)
    return out


# a press-release wire's mark in the opening line: "--(BUSINESS WIRE)--", "/PRNewswire/"
_WIRE = re.compile(
    r"[(/](?:BUSINESS WIRE|PRNewswire|PR Newswire|GLOBE NEWSWIRE|GlobeNewswire|ACCESSWIRE"
    r"|ACCESS Newswire|Newsfile Corp\.?|CNW|EQS Newswire|PRESS RELEASE)[)/]"
)


def _dateline(
    parts: list[tuple[bool, str]], sentences: list[Sentence], tokens: list[str]
) -> tuple[int, int]:
    """The capitalised place that opens a wire story ("SAN FRANCISCO - ..."), as a
    token range: in the first body sentence, or after a byline ("By Jane Doe",
    then "WASHINGTON - ..."); empty when there is none."""
    body = [i for i, (is_title, _) in enumerate(parts) if not is_title][:_DATELINE_REACH]
    for i in body:
        s = sentences[i]
        found = _dateline_in(s, tokens)
        if found[1] > found[0] or s.end - s.start > _BYLINE_LENGTH:
            return found
    return 0, 0


# how many short lines a dateline may come after (a byline, a "Published" line)
_DATELINE_REACH = 3
_BYLINE_LENGTH = 12


def _dateline_in(s: Sentence, tokens: list[str]) -> tuple[int, int]:
    head = s.text[:80]
    wire = _WIRE.search(s.text[:160])
    if wire is not None:
        # "ZURICH, Switzerland--(BUSINESS WIRE)--Kontur AI, a developer of ...":
        # the place and the wire's name, up to the company that speaks
        return s.start, min(s.end, s.start + len(words(s.text[: wire.end()])))
    # "SEOUL - ...", "NEW DELHI: ..." (as Indian papers write it)
    marks = [at for at in map(head.find, (" - ", " -- ", " – ", " — ", ": ")) if at >= 0]
    if not marks:
        return 0, 0
    # the capitals before the mark: "AMSTERDAM - DPG Media, ..." keeps DPG
    stop = min(s.end, s.start + len(words(head[: min(marks)])))
    i = s.start
    while i < stop and len(tokens[i]) > 1 and tokens[i].isupper() and tokens[i].isalpha():
        i += 1
    return s.start, i


# nouns an action word can qualify, a part of an organisation or of its work:
# "head of its investigation bureau", "the enforcement division", "the ventures
# team", "enforcement priorities", "the merger control regime", "a formal merger
# review" (no merger), "foreign investment rules" (no investment), "the sovereign
# investment company Nysno" (a kind of firm) act on no one
_HEADS = frozenset(
    "bureau unit division department directorate team office staff chief head director arm "  # noqa: SIM905
    "branch priorities priority agenda powers toolkit regime expertise budget review reviews "
    "guidelines rules thresholds filing filings system systems advice rights record records "
    "booth booths company companies firm firms fund funds vehicle vehicles manager managers "
    "house group phase phases cycle cycles period thesis strategy strategies mode".split()
)
# people and bodies an action noun describes: "overseas enforcement agencies",
# "investigation officers" (a verb before them is a step: "ordered agencies to")
_ACTOR_HEADS = frozenset(
    ["agency", "agencies", "agent", "agents", "official", "officials", "officer", "officers"]
)
_NOUN_ENDINGS = ("ment", "tion", "sion")
# a step word as the head of another thing's name: "law enforcement" is the police
_COMPOUNDS = frozenset([("law", "enforcement")])
# a power named before a step is not its use ("can be reviewed by CFIUS"): how
# close the cue must be
_ABILITY_REACH = 3


def _names_a_part(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """The action noun qualifies a department or a line of work, alone or with
    one more word: "the enforcement division", "its digital enforcement and
    intelligence branch"; or heads a compound that names something else ("law
    enforcement agencies")."""
    if m.start > s.start and (tokens[m.start - 1].lower(), tokens[m.start].lower()) in _COMPOUNDS:
        return True
    j = m.end
    if j < s.end and tokens[j].lower() == "and" and j + 2 < s.end and tokens[j + 1].islower():
        j += 2
    if j >= s.end:
        return False
    head = tokens[j].lower()
    return head in _HEADS or (
        head in _ACTOR_HEADS and tokens[m.end - 1].lower().endswith(_NOUN_ENDINGS)
    )


def _inside_name(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A word inside a name is not an action: "Lightspeed Venture Partners" partners
    no one, "Qatar Investment Authority" invests nothing; nor is one naming a
    department ("its investigation bureau"). A phrase that holds a whole name
    after its own first word is no part of it ("posted ... on Hugging Face")."""
    if any(
        n.position < m.end and m.start < n.end and not m.start < n.position < n.end <= m.end
        for n in s.mentions
    ):
        return True
    if _names_a_part(m, s, tokens):
        return True
    if m.start == s.start or not tokens[m.start][:1].isupper() or s.title_case:
        return False
    before = tokens[m.start - 1][:1].isupper()
    after = m.end < s.end and tokens[m.end][:1].isupper()
    return before or after


def _governed(m: Match, s: Sentence, layer: str, reach: int) -> bool:
    """A cue of ``layer`` within ``reach`` tokens before the action (and not neutralised)."""
    cues = s.by_layer.get(layer)
    return cues is not None and any(
        c.value
        and (c.start < m.start or (c.start == m.start and c.end > m.end))  # "backed by"
        and m.start - c.end <= reach
        and not (
            layer == "background"
            and (
                _reported_past(c, s)
                or _clause_closed(c, m, s)
                or _had_this_week(c, s)
                or _former_title(c, s)
            )
        )
        and not (layer == "hedge" and (_hedge_closed(c, m, s.tokens) or _reported_would(c, s)))
        for c in cues
    )


def _reported_would(c: Match, s: Sentence) -> bool:
    """ "Mistral AI said ASML would invest €1.3 billion": what a company says
    another will do is reported speech, like "said it would" (rules:
    hedges.neutral), not speculation."""
    tokens = s.tokens
    if c.end - c.start != 1 or tokens[c.start].lower() != "would":
        return False
    if _counterfactual(c.end, s.end, tokens):
        return False
    return any(
        n.end == c.start
        and n.kind == "organization"
        and n.position > s.start
        and tokens[n.position - 1].lower() in _SAID
        for n in s.mentions
    )


_COUNTERFACTUAL_ADVERBS = frozenset(["probably", "likely", "almost", "certainly", "surely"])


def _counterfactual(j: int, end: int, tokens: list[str]) -> bool:
    """ "Meta would probably have faced a lengthy merger review had it bought
    Scale": "would have" tells what did not happen, whoever is said to say it."""
    while j < end and tokens[j].lower() in _COUNTERFACTUAL_ADVERBS:
        j += 1
    return j < end and tokens[j].lower() == "have"


# what ends a hedged clause before a verb of its own: "aims to win back
# developers and launched ..."; "but" and ";" end it whatever follows
_CLAUSE_ENDS = frozenset([";", "but"])


def _hedge_closed(c: Match, m: Match, tokens: list[str]) -> bool:
    """A hedge governs its own clause: "The start-up hopes to expand in Europe
    and on Tuesday released Orca 2" reports a release; "may invest and partner"
    keeps both under "may", and a passive after it ("could be probed and
    fined") is one verb group."""
    between = tokens[c.end : m.start]
    if not _CLAUSE_ENDS.isdisjoint(between):
        return True
    if "and" not in between or not tokens[m.start].lower().endswith("ed"):
        return False
    # the verb follows "and" at once or after a time ("and on Tuesday released")
    after_and = len(between) - 1 - between[::-1].index("and")
    return (
        len(between) - after_and <= 4
        and all(w[:1].isalnum() and w.lower() != "that" for w in between[after_and + 1 :])
        and _AUXILIARIES.isdisjoint(w.lower() for w in between)  # "may be probed and fined"
    )


def _clause_closed(c: Match, m: Match, s: Sentence) -> bool:
    """A background cue inside an aside between commas does not reach past the
    aside: "The FTC, which previously looked at the deal, on Tuesday opened a probe"."""
    tokens = s.tokens
    return "," in tokens[c.end : m.start] and "," in tokens[s.start : c.start + 1]


def _in_clause_of(m: Match, s: Sentence, layer: str) -> bool:
    """A cue of ``layer`` earlier in the action's clause: nothing but words
    (no comma) between them, however many."""
    cues = s.by_layer.get(layer)
    return cues is not None and any(
        c.end <= m.start and "," not in s.tokens[c.end : m.start] for c in cues
    )


_SAID = frozenset(["said", "says", "told", "announced", "confirmed", "disclosed"])


def _had_this_week(c: Match, s: Sentence) -> bool:
    """ "Komdigi had ordered the suspension of the service late on Tuesday": a
    past perfect dated to this week tells of the week's news."""
    return s.tokens[c.start].lower() == "had" and c.end - c.start == 1 and _this_week(s)


_FORMER = frozenset(["former", "formerly", "ex"])


def _former_title(c: Match, s: Sentence) -> bool:
    """ "former GitHub chief executive Nat Friedman and investor Daniel Gross led
    an $80 million Series B": "former" names what a person was, within two words
    of their title, and dates nothing else in the sentence."""
    if c.end - c.start != 1 or s.tokens[c.start].lower() not in _FORMER:
        return False
    titles = s.by_layer.get("cue:person_title")
    return titles is not None and any(0 <= t.start - c.end <= 2 for t in titles)


def _reported_past(c: Match, s: Sentence) -> bool:
    """ "She said Kakao had finalised an agreement", "Lumina disclosed that the
    Japan Fair Trade Commission had sent it": the past perfect of reported
    speech (the saying earlier in the same clause), not a recalled backstory."""
    tokens = s.tokens
    if tokens[c.start].lower() != "had":
        return False
    for i in range(c.start - 1, max(s.start, c.start - 10) - 1, -1):
        if tokens[i] == ",":
            return False
        if tokens[i].lower() in _SAID:
            return True
    return False


def _receipt_disclosed(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "disclosed in its filing that in September it received a civil
    investigative demand": a company making public a demand it got earlier; the
    disclosure is the news, whenever the demand arrived."""
    received = next(
        (i for i in range(max(s.start, m.start - 4), m.start) if tokens[i].lower() in _RECEIVED),
        None,
    )
    return received is not None and any(
        tokens[i].lower() in _SAID for i in range(s.start, received)
    )


_RECEIVED = frozenset(["received", "receiving", "receives", "got"])


_YEAR_PARTS = frozenset(["mid", "early", "late", "Mid", "Early", "Late"])


def _is_year(word: str) -> bool:
    """ "2023", and a part of one: "mid-2023", "early-2024"."""
    if len(word) != 4:
        head, _, word = word.partition("-")
        if head not in _YEAR_PARTS or len(word) != 4:
            return False
    return word.isdigit() and word[:2] in ("19", "20")


# "released in March 2023", "at the end of November 2022", "raised $2bn last November",
# "began to apply on August 2, 2025"
_DATING = frozenset(["in", "of", "last", "on"])
# full month names: a text's "in August" (the longest name of each month in the date parser's table)
_MONTHS = frozenset(
    max((name for name, n in MONTHS.items() if n == number), key=len) for number in range(1, 13)
)


def _year_before(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "a 2023 partnership", "its 2019 investment": a dated deal is a past one;
    so is a line of a timeline ("2019: Microsoft invests $1 billion") and an
    action dated just after ("the model released in March 2023", "expanded in
    2024"): news says "on Tuesday", not the year."""
    if tokens[s.start] == "When" and not s.is_title and "," in tokens[s.start : s.end]:
        return True  # "When the Diet passed this law, the main concerns were"
    if not s.has_date_words:
        return False
    if s.start < m.start and _is_year(tokens[s.start]) and not s.is_title:
        return True
    if any(map(_is_year, tokens[max(s.start, m.start - 2) : m.start])):
        return True
    if m.start > s.start + 1 and tokens[m.start - 2].lower() in _DETERMINERS:
        month = tokens[m.start - 1]
        if month[:1].isupper() and month.lower() in _MONTHS:
            return True  # "its January release", "the March fine", "its May update"
    if m.start > s.start + 1 and tokens[m.start - 1] in _POSSESSIVE:
        month = tokens[m.start - 2]
        if month[:1].isupper() and month.lower() in _MONTHS:
            return True  # "a condition of October's funding round"
    if _dated_clause_before(m, s, tokens) or _month_just_before(m, s, tokens):
        return True
    if _past_participle_aside(m, s, tokens) or _dated_aside_after(m, s, tokens):
        return True
    if _dated_past_apposition(m, s, tokens):
        return True
    if _dated_when(m, s, tokens) or _dated_participle(m, s, tokens):
        return True
    # "KDDI bought a majority stake in ELYZA, a University of Tokyo spin-off, in
    # 2024": a year closing the sentence dates its action, however long the aside
    # (not a year to come: "with pilot deployments expected in 2027")
    if (
        s.end - 2 > m.end
        and _is_year(tokens[s.end - 1])
        and (
            tokens[s.end - 2].lower() == "in"
            or (
                tokens[s.end - 2].lower() in _MONTHS
                and tokens[s.end - 3].lower() == "in"
                and not any(
                    c.start > m.end and "," in tokens[m.end : c.start] for c in s.of_layer(m.layer)
                )  # the date is another action's: "presents it as ..., its first model released in"
            )  # "raised $41 million in a round led by ... in December 2023"
        )
        and not (s.has("hedge") or s.has("cue:plan"))
    ):
        return True
    # a year dates the action across a short aside ("a chatbot, Ernie Bot, in
    # March 2023"); a month only within the action's clause
    near = tokens[m.end : min(s.end, m.end + 10)]
    if not _DATING.isdisjoint(near) and any(map(_is_year, near)):
        return True
    after = tokens[m.end : _clause_end(m.end, s, tokens, 14)]
    if _DATING.isdisjoint(after):
        return False
    if any(map(_is_year, after)):
        return True
    # a month dates the action, not a clause of its own after it ("available to
    # paying customers after a closed test that began in July")
    opener = next((i for i, w in enumerate(after) if w in _CLAUSE_OPENERS), None)
    if opener is not None:
        after = after[:opener]
    # "signed a licensing agreement with Midjourney in August", "fined Luka in the
    # spring": news says "on Tuesday"
    lowered = [w.lower() for w in after]
    if _at_the_turn(lowered):
        return True
    return any(
        (w == "last" and (nxt in _MONTHS or nxt in _SEASONS))
        or (
            w == "in"
            and (
                nxt in _MONTHS
                or nxt in ("early", "late", "mid")
                or (nxt == "the" and i + 2 < len(lowered) and lowered[i + 2] in _SEASON_NAMES)
            )
        )
        for i, (w, nxt) in enumerate(pairwise(lowered))
    )


_TURNS = frozenset(["start", "beginning", "end", "turn"])


def _at_the_turn(lowered: list[str]) -> bool:
    """ "signed research collaborations with Eli Lilly and Novartis at the start of
    the year", "at the end of last month": a time named by its start or end."""
    for i in range(len(lowered) - 4):
        if (
            lowered[i : i + 2] == ["at", "the"]
            and lowered[i + 2] in _TURNS
            and lowered[i + 3] == "of"
        ):
            when = lowered[i + 4 : i + 6]
            if when[0] in _MONTHS:
                return True  # "at the end of March"
            # "at the start of the year", "at the end of last month"
            return (
                len(when) == 2
                and when[0] in ("the", "last")
                and (when[1] in _SEASONS or when[1] in _MONTHS)
            )
    return False


def _clause_end(at: int, s: Sentence, tokens: list[str], reach: int) -> int:
    """Where the clause from ``at`` ends: the next comma, at most ``reach`` tokens on."""
    stop = min(s.end, at + reach)
    return next((i for i in range(at, stop) if tokens[i] in (",", ";")), stop)


# how far before the action "in March" dates it: "emerged in August with a $31 million seed round"
_MONTH_REACH = 7


def _month_just_before(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "The Commission in September accepted commitments", "began offering
    ChatGPT in October under its partnership with OpenAI": a month named just
    before the action, in its clause, dates it. So does a dated time that an
    "after" clause hangs on: "Shares fell 9% in January after DeepSeek released
    a low-cost model" recalls the release as a cause."""
    for i in range(m.start - 1, max(s.start, m.start - 8), -1):
        word = tokens[i]
        if word == ",":
            return False
        if i > m.start - _MONTH_REACH and word.lower() in _MONTHS and tokens[i - 1].lower() == "in":
            return True
        if word == "after" and i - 2 >= s.start:
            return _dated_phrase(tokens, i - 2, i) or _dated_phrase(tokens, i - 3, i)
    return False


def _dated_clause_before(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "At its developer conference in June 2024, Apple unveiled...", "In 2019,
    Microsoft invested...", "A year ago, companies were queuing to buy": a year
    or an "ago" in the opening phrase, before the comma that ends it, dates the
    action."""
    # "In 2025 the Bundeskartellamt imposed fines", "In February 2024 the FCC ruled",
    # "And in 2025 SoftBank and OpenAI set up a joint venture"
    at = s.start + 1 if tokens[s.start] in _OPENING_CONJUNCTIONS else s.start
    if at + 1 < m.start and tokens[at].lower() == "in":
        month = tokens[at + 1].lower() in _MONTHS
        year = at + 2 if month else at + 1
        if year < m.start and _is_year(tokens[year]):
            return True
        if month and (tokens[year][:1].isupper() or tokens[year] in ("the", "a", "an")):
            return True  # "In January the U.S. Commerce Department added Zhipu"
    for i in range(s.start, min(m.start, s.start + 12)):
        if tokens[i] == ",":
            opening = tokens[s.start : i]
            return "ago" in opening or any(map(_is_year, opening)) or _month_named(opening)
    return False


_OPENING_CONJUNCTIONS = frozenset(["And", "But", "Then", "Later", "So"])


def _month_named(opening: list[str]) -> bool:
    """ "In its opinion issued in December", "Last August": a month named in an
    opening phrase dates what follows (news says "on Tuesday")."""
    return any(
        w.lower() in ("in", "last") and nxt.lower() in _MONTHS for w, nxt in pairwise(opening)
    ) or (len(opening) >= 2 and opening[0] == "Last" and opening[1].lower() in _SEASON_NAMES)


# an aside that describes a party with an action in the past: "Gemini 2.5 Pro,
# released in the spring, led on video", "GPT-5 and Claude Opus 4.1, both
# released in August, are closer"
_ASIDE_OPENERS = frozenset([",", "both", "each", "first", "originally", "also"])
_SEASON_NAMES = frozenset(["spring", "summer", "autumn", "fall", "winter"])
_SEASONS = _SEASON_NAMES | {"year", "month"}


def _past_participle_aside(m: Match, s: Sentence, tokens: list[str]) -> bool:
    i = m.start - 1
    while i > s.start and tokens[i].lower() in _ASIDE_OPENERS and tokens[i] != ",":
        i -= 1
    if i <= s.start or tokens[i] != "," or not tokens[m.start].lower().endswith("ed"):
        return False
    return _dated_phrase(tokens, m.end, s.end)


def _dated_phrase(tokens: list[str], at: int, stop: int) -> bool:
    """ "in March", "in the spring", "in 2024", "last year", "earlier" at ``at``."""
    after = [w.lower() for w in tokens[at : min(stop, at + 4)]]
    if not after or after[0] not in ("in", "last", "earlier"):
        return False
    return any(w in _MONTHS or w in _SEASONS or _is_year(w) for w in after[1:]) or (
        after[0] in ("last", "earlier")
    )


def _dated_when(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Wang joined Meta in June, when the company took a 49% stake", "in 2019,
    when Microsoft first invested": a clause dated by the time it hangs on."""
    for i in range(m.start - 1, max(s.start, m.start - 10), -1):
        word = tokens[i]
        if word == ",":
            return False
        if word.lower() == "when":
            j = i - 1 if tokens[i - 1] != "," else i - 2
            if j < s.start:
                return False
            before = tokens[j].lower()
            return before in _MONTHS or before in _SEASONS or before == "ago" or _is_year(before)
    return False


def _comma_before(tokens: list[str], i: int, floor: int) -> int | None:
    """The nearest comma before token ``i`` and after token ``floor``."""
    return next((k for k in range(i - 1, floor, -1) if tokens[k] == ","), None)


def _dated_participle(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "restructured its relationship with OpenAI in October, taking a 27%
    stake": a participle clause says what a dated step did, so it is as old."""
    comma = _comma_before(tokens, m.start, s.start)
    if comma is None or comma + 1 >= m.end or not tokens[comma + 1].lower().endswith("ing"):
        return False
    earlier = _comma_before(tokens, comma, s.start)
    begin = s.start if earlier is None else earlier + 1
    clause = [w.lower() for w in tokens[begin:comma]]
    return any(map(_is_year, clause)) or any(
        w == "in" and (nxt in _MONTHS or nxt in _SEASON_NAMES) for w, nxt in pairwise(clause)
    )


def _dated_aside_after(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "has licensing agreements with Google and OpenAI, signed in 2024, under
    which...", "tie-up with OpenAI, announced with fanfare in 2021,": an aside
    just after the deal that dates it in the past."""
    stop = min(s.end, m.end + 10)
    for i in range(m.end, stop):
        if tokens[i] == ",":
            j = i + 1
            while j < stop and tokens[j].lower() in _ASIDE_OPENERS:
                j += 1
            if j >= stop or not tokens[j].lower().endswith("ed"):
                return False
            # "signed in 2024", "announced with fanfare in 2021": the aside's dating
            end = _clause_end(j + 1, s, tokens, 6)
            return any(_dated_phrase(tokens, k, s.end) for k in range(j + 1, end))
    return False


_APPOSITION_REACH = 12
_APPOSED_NAME_REACH = 6  # a name in apposition: "Reka Core", "Llama 3.1 405B"


def _dated_past_apposition(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Moxin released Qilin 3, the current version of its flagship model, in
    March": the date that closes an apposition to the action's object is the
    action's."""
    comma = next((i for i in range(m.end, min(s.end, m.end + 4)) if tokens[i] == ","), None)
    if comma is None or comma + 1 >= s.end:
        return False
    if tokens[comma + 1].lower() in _APPOSITION_OPENERS:
        stop = min(s.end, comma + _APPOSITION_REACH)
    elif tokens[comma + 1][:1].isupper():
        stop = min(s.end, comma + _APPOSED_NAME_REACH)  # "its largest model, Reka Core, in April"
    else:
        return False
    close = next((i for i in range(comma + 2, stop) if tokens[i] in (",", ";")), None)
    if close is None or tokens[close] != "," or close + 2 >= s.end:
        return False
    if tokens[close + 2].lower() in ("week", "weekend"):
        return False  # "..., its new model, last week": news
    return _dated_phrase(tokens, close + 1, s.end)


# without a year or one of these words, nothing in a sentence is dated (a year is
# looked for in the text, where it may find more than the tokens hold: "mid-2024")
_DATE_WORDS = _MONTHS | _SEASONS | {"ago", "last", "earlier", "early", "late", "mid"}
_YEAR_IN_TEXT = re.compile(r"(?:19|20)\d\d")
_PERFECT = frozenset(["has", "have"])
# an amount given roughly, or no amount: "more than $500 million", "billions of dollars"
_ABOUT = frozenset(
    "more over about some nearly roughly around almost billions millions hundreds heavily".split()  # noqa: SIM905
)


def _running_total(s: Sentence, tokens: list[str]) -> bool:
    """ "Runway has raised more than $500 million from investors including
    Google", "Amazon and Google have invested billions of dollars in it",
    "Cohere has raised money from a long list of investors": what a company has
    raised all told, not a round (a round or a series named after it makes it
    one)."""
    for m in s.of_layer("action:investment"):
        if m.start == s.start or tokens[m.start - 1].lower() not in _PERFECT:
            continue
        if tokens[m.start].lower() not in _RAISE and tokens[m.start].lower() != "invested":
            continue
        rough = not _ABOUT.isdisjoint(w.lower() for w in tokens[m.end : min(s.end, m.end + 3)])
        if not rough and s.amounts:
            continue  # "has raised $40 million": an amount of its own
        for word in tokens[m.end : s.end]:
            if word in (",", "and"):
                # the round must be this clause's: "..., but none holds a stake", "has
                # invested more than $3bn and holds a stake of about 14 per cent"
                break
            if word.lower() in _ONE_DEAL:
                return False
        return True
    return False


_BACKED = frozenset(["backed", "invested", "funded"])


def _portfolio(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "It has backed Mistral AI in Paris, Cohere in Toronto, Perplexity in San
    Francisco and Sakana AI in Tokyo": an investor's holdings listed, three
    companies or more, not one deal."""
    if tokens[m.start].lower() not in _BACKED:
        return False
    if _PERFECT.isdisjoint(w.lower() for w in tokens[max(s.start, m.start - 2) : m.start]):
        return False
    names = {n.name for n in s.mentions if n.kind == "organization" and n.position >= m.end}
    return len(names) >= 3


# an acquisition named by its noun: "has closed its acquisition of Run:ai" is one deal,
# and the deal a bare "deal" beside it is ("completes Kotoba Dynamics takeover after
# JFTC waves deal through")
_TAKEOVER_NOUNS = frozenset(["takeover", "merger", "acquisition", "buyout", "purchase"])
# what makes "has raised" or "has closed" one deal
_ONE_DEAL = _STAKE_WORDS | _TAKEOVER_NOUNS


def _what_it_can_do(m: Match, s: Sentence) -> bool:
    """ "after that, penalties can reach 3% of turnover": a step followed by "can"
    says what it may be, not what was done."""
    return any(c.start == m.end for c in s.by_layer.get("cue:ability", ()))


def _hedged_subject(m: Match, s: Sentence) -> bool:
    """The action is the sentence's subject and its verb is hedged: "The
    settlement must be approved by the judge", "The probe could lead to fines";
    or, deeper in the sentence, a noun phrase not yet settled ("a", "its") whose
    own verb, a few words on, is hedged: "under the EU's guidelines a fine could
    in theory reach", "a tie-up with Tata would give Sarvam"."""
    if "hedge" not in s.by_layer:
        return False
    tokens = s.tokens
    if m.start - s.start > 2:
        return (
            (
                tokens[m.start - 1].lower() in _UNSETTLED_OPENERS
                and any(
                    # "a tie-up with Tata would give Sarvam", "its investment in the Belgian
                    # grid will need to reach": the noun's own phrase, then a hedged verb
                    c.value
                    and m.end <= c.start <= m.end + _NOUN_PHRASE_REACH
                    and tokens[c.start].lower() not in _HEDGED_NOUNS
                    # not a participle describing it: "a demand from the FTC seeking documents"
                    and not tokens[c.start].lower().endswith("ing")
                    and all(w[:1].isalnum() for w in tokens[m.end : c.start])
                    for c in s.by_layer["hedge"]
                )
            )
            or any(
                # "A decision on the Orme round is not expected before": the noun's own verb
                c.value
                and m.end < c.start <= m.end + 3
                and _COPULA_ONLY.issuperset(w.lower() for w in tokens[m.end : c.start])
                and tokens[c.start].lower() not in _HEDGED_NOUNS
                for c in s.by_layer["hedge"]
            )
        )
    return any(
        c.value and m.end <= c.start <= m.end + 3 and tokens[c.start].lower() not in _HEDGED_NOUNS
        for c in s.by_layer["hedge"]
    )


_MODALS = frozenset(["could", "may", "might", "would", "should", "must"])
_NOUN_PHRASE_REACH = 6
_COPULA_ONLY = frozenset(["is", "are", "was", "were", "not", "still", "also"])
# "a fine could reach": one that may come; "its investment ... will need to reach": one
# still to be made; "the ruling would affect" names one made
_UNSETTLED_OPENERS = frozenset(["a", "an", "any", "its", "their"])


# hedges that qualify a noun, not a verb: "cleared SAP's planned acquisition"
_HEDGED_NOUNS = frozenset(["planned", "proposed", "potential", "possible", "would-be"])


def _since_year(s: Sentence, tokens: list[str]) -> bool:
    """ "has invested $13 billion in OpenAI since 2019", "Since R1 appeared,
    OpenAI has shipped GPT-5 ... and Anthropic has released Claude 4": a running
    story, not news."""
    cues = s.by_layer.get("background")
    if cues is None:
        return False
    if tokens[s.start] == "Since" and not s.is_title:
        # unless the rules neutralise it: "Since Tuesday the model has been generally
        # available" (background.neutral), days, not a story
        return any(c.start == s.start and c.value for c in cues)
    return any(
        c.end < s.end and tokens[c.start] == "since" and _year_follows(c.end, s, tokens)
        for c in cues
    )  # fmt: skip


def _year_follows(i: int, s: Sentence, tokens: list[str]) -> bool:
    """ "2019", "October 2022": a year at ``i``, or a month and a year."""
    if _is_year(tokens[i]):
        return True
    return tokens[i].lower() in _MONTHS and i + 1 < s.end and _is_year(tokens[i + 1])


_TIME_PREPOSITIONS = frozenset(["After", "after", "Since", "since", "Following", "following"])


def _after_its_event(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "After ChatGPT's release, some school districts blocked it": the action's
    noun, owned by a name ("X's release"), after a word that sets a time by it is
    the event the sentence starts from, not its news."""
    if s.is_title or m.start < s.start + 2 or tokens[m.start - 1] not in _POSSESSIVE:
        return False
    for i in range(m.start - 2, max(s.start, m.start - 6) - 1, -1):
        if tokens[i] in _TIME_PREPOSITIONS:
            return True
        if tokens[i] in _CLAUSE_BREAKS:
            return False
    return False


def _requested(m: Match, s: Sentence, rules: Ruleset) -> bool:
    """ "urges governments to invest", "asked Google to partner": a request made,
    not the thing requested done."""
    actions = s.by_layer.get(_REGULATORY)
    if actions is None:
        return False
    reach = rules.scope["before"]
    return any(
        c.value[1] == _PETITION and c.start < m.start and m.start - c.end <= reach for c in actions
    )


_CLAUSE_OPENERS = frozenset(["that", "which", "who", "whose"])
# the categories whose negative contexts (benchmarks, rivalry) often describe a party
_DESCRIBED = frozenset(["model_release", "partnership"])


def _describes_party(m: Match, c: Match, tokens: list[str]) -> bool:
    """A negative context in a relative clause after the action describes one of
    its parties, not the news: "released Qwen3-Coder, a model that it said
    outperformed...", "partnered with Y, which competes with Z"."""
    return c.start > m.end and not _CLAUSE_OPENERS.isdisjoint(tokens[m.end : c.start])


def _describes_investee(m: Match, c: Match, s: Sentence) -> bool:
    """ "led a R$ 110 million round in Lumiar Dados, a Sao Paulo start-up that
    builds AI models for portfolio analysis": a relative clause on the company
    invested in says what it does (not "raised $1bn that it will spend on data
    centres", a clause on the money)."""
    if c.start <= m.end:
        return False
    tokens = s.tokens
    cues = s.by_layer.get("cue:org_before", ())
    return any(
        tokens[i] in _CLAUSE_OPENERS
        and (tokens[i - 1][:1].isupper() or any(k.end == i for k in cues))
        for i in range(m.end + 1, c.start)
    )


def _company_between(m: Match, c: Match, s: Sentence) -> bool:
    """Money put into a named company, then what it is for: "invest $5bn in
    Intel and co-develop data-centre chips" is not capital spending."""
    if c.start <= m.end:
        return False
    tokens = s.tokens
    return any(
        m.end < n.position < c.start
        and n.kind == "organization"
        and tokens[n.position - 1] in ("in", "into")
        and "and" in tokens[n.end : c.start]
        for n in s.mentions
    )


# what ends a release's clause before a time named after it
_LATER_BREAKS = frozenset([",", ";", "and", "but", "while", "with"])
_LATER_REACH = 10


# the categories whose step a time to come puts off ("will open an investigation into
# Nvidia next year"): a deal agreed now to close next year is still agreed now
_PUT_OFF = frozenset(["model_release", "regulatory_action"])


def _due_later(m: Match, s: Sentence) -> bool:
    """ "said it would release the model to the public later this year": a time
    to come after the release word, in its own clause, puts it off."""
    cues = s.by_layer.get("cue:plan_after")
    return cues is not None and any(
        m.end <= c.start <= m.end + _LATER_REACH
        and _LATER_BREAKS.isdisjoint(map(str.lower, s.tokens[m.end : c.start]))
        for c in cues
    )


def _said_before(m: Match, s: Sentence) -> bool:
    """ "The FTC said in January that ...": what was said months ago, to the
    sentence's end."""
    return any(c.end <= m.start for c in s.by_layer["background_rest"])


def _headline_future(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Commission to consult on DMA review": a headline's "to" straight after
    its actor, with no verb of its own, says what is planned ("Senators ask FTC
    to investigate" is a request made; its verb is the news)."""
    i = m.start - 1
    if i - 1 < s.start or tokens[i].lower() != "to":
        return False
    actors = [n.end for n in s.mentions if n.kind in ("regulator", "jurisdiction", "organization")]
    actors += [c.end for c in s.of_layer(_GENERIC)]
    if i not in actors:
        return False
    return not any(a.end <= i for layer in _ACTION_LAYER_SET for a in s.of_layer(layer))


def _modifier(m: Match, category: str, s: Sentence, tokens: list[str], rules: Ruleset) -> float:
    w, scope = rules.weights, rules.scope
    factor = 1.0
    if (
        _hedged_throughout(m, s)
        or _asks(s)
        or _governed(m, s, "hedge", scope["before"])
        or _hedged_subject(m, s)
        or _in_an_opening_condition(m, s, tokens)
        or (category == "model_release" and _governed(m, s, "cue:plan", scope["plan"]))
        or (category in _PUT_OFF and _due_later(m, s))
        or (category == "regulatory_action" and _governed(m, s, "cue:plan_after", scope["plan"]))
        or (category == "regulatory_action" and s.is_title and _headline_future(m, s, tokens))
        or (category != "regulatory_action" and _requested(m, s, rules))
        or (category == "regulatory_action" and _governed(m, s, "cue:ability", _ABILITY_REACH))
        or (category == "regulatory_action" and _what_it_can_do(m, s))
        or (category == "regulatory_action" and _moved_for(m, s, tokens))
    ):
        factor *= w["hedge"]
    if _governed(m, s, "negation", scope["negation"]):
        factor *= w["negation"]
    if (
        _recalls(m, s)
        or _governed(m, s, "background", scope["before"])
        or _in_clause_of(m, s, "background_clause")
        or ("background_rest" in s.layers and _said_before(m, s))
        or (
            _year_before(m, s, tokens)
            and not (category == "regulatory_action" and _receipt_disclosed(m, s, tokens))
        )
        or _since_year(s, tokens)
        or _after_its_event(m, s, tokens)
        or _about_a_rival(s, tokens)
        or _ongoing(m, s, tokens, scope["before"])
        or (category == "investment" and _running_total(s, tokens))
        or (category == "investment" and _portfolio(m, s, tokens))
        or (category == "regulatory_action" and _named_as_cause(m, s, tokens))
        or (category == "partnership" and _in_an_apposition(m, s, tokens))
        or (category == "partnership" and _owned_deal(m, s, tokens))
    ):
        factor *= w["background"]
    if category == "partnership" and _terms_of_use(m, s, tokens):
        factor *= w["negative"]
    negatives = s.by_layer.get(f"negative:{category}")
    if negatives is not None and any(
        c.value
        and not (category in _DESCRIBED and _describes_party(m, c, tokens))
        and not (category == "investment" and _company_between(m, c, s))
        and not (category == "investment" and _describes_investee(m, c, s))
        and not (category == "model_release" and _in_a_later_clause(m, c, tokens))
        and not (category == "investment" and _for_a_purpose(m, c, tokens))
        and not (category == "investment" and _price_paid(m, c, tokens))
        and not _in_an_aside_before(m, c, s)
        and not (category == "investment" and _part_of_a_name(c, s))
        and not (category == "regulatory_action" and c.start >= m.end and _enactment(m, tokens))
        and not (
            category == "regulatory_action"
            and _invites(m, tokens)
            and tokens[c.start].lower().startswith(_CONSULTED_ON)
        )
        for c in negatives
    ):
        factor *= w["negative"]
    return factor


_HAVE_FORMS = _PERFECT | {"had"}
_MOTIONS = frozenset(["motion", "motions", "moved", "moves"])
# a court deciding a motion: "granted the authors' motion for a preliminary injunction"
_DECIDES_MOTION = ("grant", "den", "reject", "dismiss", "allow", "refus")
_MOTION_REACH = 4


def _moved_for(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Memorandum of Law in Support of Motion for Preliminary Injunction", "moved
    for summary judgment": a step a party asks a court for, not one it took;
    unless the court's answer comes before ("denied the motion for"), or an
    authority moves ("The FTC moved for a preliminary injunction": its own step)."""
    for i in range(max(s.start, m.start - _MOTION_REACH), m.start - 1):
        if tokens[i].lower() in _MOTIONS and tokens[i + 1].lower() == "for":
            before = tokens[max(s.start, i - _MOTION_REACH) : i]
            if any(w.lower().startswith(_DECIDES_MOTION) for w in before):
                return False
            agencies = [
                n for n in s.mentions if n.kind == "regulator" and n.regulator_kind != "court"
            ]
            motion = Match(m.layer, m.value, i, i + 1)
            return not _authority_files(
                motion, tokens, agencies, s.of_layer(_GENERIC), s.acting_states
            )
    return False


def _ongoing(m: Match, s: Sentence, tokens: list[str], reach: int) -> bool:
    """ "It has been expanding in Japan through a partnership with SoftBank", "It
    has also been integrating AI features ... and struck partnerships with OpenAI":
    what a company has been doing for a while, not one new deal."""
    for i in range(max(s.start + 1, m.start - reach), m.start):
        if tokens[i] != "been" or not tokens[i + 1].endswith("ing") or tokens[i + 1] == "being":
            continue
        # "has been", "has also been"
        if not _HAVE_FORMS.isdisjoint(w.lower() for w in tokens[max(s.start, i - 2) : i]):
            return True
    return False


_OTHERS = frozenset(["Other", "Others", "Rival", "Rivals"])
_RIVAL_NOUNS = frozenset(["rival", "rivals", "competitor", "competitors"])
_OTHER_BACKERS = frozenset(["investors", "backers", "participants", "shareholders"])


def _about_a_rival(s: Sentence, tokens: list[str]) -> bool:
    """A sentence about other companies, told beside the news: "Other publishers
    have chosen to license their archives: News Corp signed ...", "Shutterstock,
    its main rival, has licensed its library to OpenAI" ("Other investors in the
    round include" is the news's own round; one dated this week is news too)."""
    first = tokens[s.start]
    if first in _OTHERS:
        if s.start + 1 < s.end and tokens[s.start + 1].lower() in _OTHER_BACKERS:
            return False
    elif not (
        "," in tokens[s.start + 1 : s.start + 4]
        and not _RIVAL_NOUNS.isdisjoint(w.lower() for w in tokens[s.start + 2 : s.start + 7])
    ):
        return False
    return not _this_week(s)


# what opens a clause that sets the news beside something earlier
_LATER_CLAUSE_OPENERS = frozenset(["after", "following", "before", "as", "when", "while"])


def _in_a_trailing_clause(m: Match, c: Match, tokens: list[str]) -> bool:
    """ "The Senate passed the bill on Wednesday, after the Chamber approved it
    earlier in the year": a cue in a clause after the action, opened by a comma
    and "after"/"as"/"when", dates what that clause tells, not the action."""
    return c.start > m.end and any(
        tokens[i] == ","
        and tokens[i + 1].lower() in _LATER_CLAUSE_OPENERS
        and tokens[i + 2] != "well"  # ", as well as"
        for i in range(m.end, c.start - 1)
    )


def _hedged_throughout(m: Match, s: Sentence) -> bool:
    """Talks, rumours and reports hedge the whole sentence ("in early discussions
    with Google about using Gemini"), unless they are only the setting of a clause
    after the action ("signed the agreement on Monday, as talks between Washington
    and Beijing entered a second day")."""
    found = s.by_layer.get("hedge_anywhere")
    return found is not None and any(
        c.value and not _in_a_trailing_clause(m, c, s.tokens) and not _said_after(m, c, s.tokens)
        for c in found
    )


def _said_after(m: Match, c: Match, tokens: list[str]) -> bool:
    """ "Sánchez presents ALIA and says Spain will not depend on others": a cue in
    what is said after the action, in a clause of its own, hedges that saying."""
    return c.start > m.end and any(
        tokens[i] == "and" and tokens[i + 1].lower() in _SAID for i in range(m.end, c.start - 1)
    )


def _recalls(m: Match, s: Sentence) -> bool:
    """A cue anywhere in the sentence sets it in the past ("years ago", "so far"),
    unless it only sets the news after something dated to this week ("The charge
    comes after the U.S. government informed Nvidia this week"), stands in a
    clause after the action that tells of something else, or ranks a thing by
    what came before it ("has made Command A, its most capable model so far,
    available")."""
    found = s.by_layer.get("background_anywhere")
    if found is None:
        return False
    tokens = s.tokens
    found = [c for c in found if not _in_a_trailing_clause(m, c, tokens) and not _ranks(c, s)]
    if not found:
        return False
    return not (_this_week(s) and all(tokens[c.start].lower() == "comes" for c in found))


def _ranks(c: Match, s: Sentence) -> bool:
    """ "its most capable model so far", "the largest round to date": after a
    superlative in its phrase, the cue ranks the thing, it does not date it."""
    tokens = s.tokens
    return any(
        0 <= c.start - x.end <= 2 and "," not in tokens[x.end : c.start]
        for x in s.of_layer("cue:superlative")
    )


_CONDITIONS = frozenset(["If", "Unless", "Whether", "if", "unless", "whether"])


def _in_an_opening_condition(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "If you were expecting an email from us about an enforcement action, it is
    not coming": a condition that opens the sentence holds its action up to the
    comma that closes it, however far from the "if"."""
    return (
        tokens[s.start] in _CONDITIONS
        and m.start > s.start
        and "," not in tokens[s.start : m.start]
    )


_CAUSES = frozenset([("because", "of"), ("owing", "to"), ("thanks", "to")])
# "would not proceed with a spin-off, citing the same U.S. restrictions"
_CITING = frozenset(["citing", "cited"])
_ARTICLES = frozenset(["the", "a", "an"])


def _in_an_apposition(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "S3NS, the Thales-Google joint venture, and Bleu ...": a deal's noun
    closing a description between commas after a name, with its partners named
    in it, says what a company is, not that a deal was made ("announced Nova, a
    joint venture, to ..." is the news)."""
    if m.end >= s.end or tokens[m.end] != ",":
        return False
    opening = _comma_before(tokens, m.start, max(s.start, m.start - 6))
    return (
        opening is not None
        and opening > s.start
        and tokens[opening + 1].lower() in _ARTICLES
        and tokens[opening - 1][:1].isupper()
        and any(t[:1].isupper() for t in tokens[opening + 2 : m.start])
    )


_POSSESSIVES = frozenset(["our", "their", "its", "his", "her", "my", "your", "'s"])
_DEAL_ADJECTIVES = frozenset(
    [
        "strategic",
        "long-term",
        "longstanding",
        "long-standing",
        "close",
        "deep",
        "existing",
        "multi-year",
        "multiyear",
        "commercial",
        "technical",
        "exclusive",
        "broad",
        "current",
    ]
)
# verbs that make or change the deal a possessive names: "expanded their partnership"
_DEAL_MAKING = (
    "expand",
    "extend",
    "deepen",
    "broaden",
    "renew",
    "strengthen",
    "announc",
    "unveil",
    "formali",
    "sign",
    "seal",
    "launch",
    "cement",
    "upgrade",
    "widen",
    "enlarge",
    "step",
    "revamp",
    "restructur",
    "rework",
    "overhaul",
    "finali",
    "complet",
    "ink",
    "struck",
    "strike",
)


def _owned_deal(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "our strategic collaboration with Anthropic will further improve", "its
    partnership with OpenAI remains strong": a deal named by its owner is one
    the parties already have, unless a verb makes or changes it ("expanded
    their partnership", "deepens its collaboration with")."""
    if tokens[m.start].lower() not in _DEAL_NOUNS:
        return False
    i = m.start - 1
    while i > s.start and tokens[i].lower() in _DEAL_ADJECTIVES:
        i -= 1
    if i < s.start or tokens[i].lower() not in _POSSESSIVES:
        return False
    return not any(
        tokens[j].lower().startswith(_DEAL_MAKING) for j in range(max(s.start, i - 2), i)
    )


def _named_as_cause(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "hardware it cannot easily buy at home because of US export controls": a
    step named as the cause of something else is a standing regime, not news.
    (A cause before a step still leaves it news: "Because of the complaints, the
    CMA opened an inquiry".)"""
    start = max(s.start, m.start - 4)
    return any(
        (tokens[i].lower(), tokens[i + 1]) in _CAUSES for i in range(start, m.start - 1)
    ) or any(tokens[i].lower() in _CITING for i in range(start, m.start))


# what separates a release from a claim made after it
_CLAUSE_BREAKS = frozenset([",", ";", "and"])


def _in_a_later_clause(m: Match, c: Match, tokens: list[str]) -> bool:
    """ "Zhipu debuts GLM-5, claims top open-weight coding scores": a benchmark
    claimed, or a fund named, after the release in a clause of its own leaves
    the release as it is."""
    return c.start > m.end and any(
        tokens[i] in _CLAUSE_BREAKS
        and not (tokens[i - 1][-1:].isdigit() and tokens[i + 1][:1].isdigit())  # "9,000"
        for i in range(m.end, c.start)
    )


def _for_a_purpose(m: Match, c: Match, tokens: list[str]) -> bool:
    """ "bags €42m to put a chatbot on the factory floor", "raised $1bn to build
    data centres": what money raised is for, not the company's own spending
    (unlike "will invest 2 trillion won to expand capacity")."""
    return (
        c.start > m.end
        and tokens[m.start].lower() in _RAISE
        and any(
            tokens[i] == "to" and tokens[i + 1].islower() and tokens[i + 1] not in _DETERMINERS
            for i in range(m.end, c.start - 1)
        )
    )


def _price_paid(m: Match, c: Match, tokens: list[str]) -> bool:
    """ "agreed to buy $5 billion of Intel common stock at $23.28 a share": the
    price paid for the shares bought, not a share price or earnings per share
    ("earnings of $1.20 a share")."""
    return (
        c.start > m.end + 1
        and tokens[c.end - 1].lower() == "share"
        and tokens[c.start - 1][:1].isdigit()
        and tokens[c.start - 2].lower() == "at"
    )


def _in_an_aside_before(m: Match, c: Match, s: Sentence) -> bool:
    """ "Vektorwerk, which makes software that lets plant engineers query ...,
    has pulled in €42 million", "Maple Inference Corp., a Canadian provider of AI
    inference infrastructure, today announced the closing of": a clause between
    commas before the action describes its subject."""
    if c.end > m.start:
        return False
    tokens = s.tokens
    opening = _comma_before(tokens, c.start, s.start)
    if opening is None or tokens[opening + 1].lower() not in _DESCRIPTION_OPENERS:
        return False
    return "," in tokens[c.end : m.start]


def _part_of_a_name(c: Match, s: Sentence) -> bool:
    """ "led by the Canada Growth Fund", "agreed to buy Aligned Data Centers":
    capitalised words inside a sentence that is not in title case name a
    company, not a fund being raised or data centres being built."""
    tokens = s.tokens
    return (
        c.start > s.start
        and all(t[:1].isupper() for t in tokens[c.start : c.end])
        and not s.title_case
    )


# a relative clause or a noun in apposition: ", which makes ...", ", a Canadian provider of"
_DESCRIPTION_OPENERS = _CLAUSE_OPENERS | {"a", "an"}


def _asks(s: Sentence) -> bool:
    """A question reports nothing: "Q: Is Datatilsynet investigating any of the
    big AI developers?", "Could Washington come after the circular deals?"."""
    return s.text.rstrip(" \"'\u201d\u2019").endswith("?")


def _orgs(s: Sentence) -> set[str]:
    return s.names("organization")


# the words of _RAISE that a share price does too
_CLOSE = frozenset(["closes", "closed"])
_CLOSING_PRICE = frozenset(["higher", "lower", "up", "down", "flat", "unchanged"])


def _is_money_raise(m: Match, s: Sentence, tokens: list[str]) -> bool:
    verb = tokens[m.start].lower()
    if verb not in _RAISE:
        return True
    if verb in _CLOSE and not _CLOSING_PRICE.isdisjoint(
        w.lower() for w in tokens[m.end : min(s.end, m.end + 4)]
    ):
        return False  # "Shares of Mphasis closed 1.8% higher at Rs 2,874": a share price
    if s.has_deal_amount:
        return True
    return any(tokens[i].lower() in _MONEY_WORDS for i in range(s.start, s.end))


# what may follow a country that money goes into, when the country is all it goes into
_AFTER_A_PLACE = frozenset(
    [
        ".",
        ",",
        ";",
        "over",
        "by",
        "through",
        "to",
        "and",
        "this",
        "next",
        "across",
        "during",
        "until",
        "in",
        "as",
        "within",
        "from",
        "on",
        "for",
        "amid",
        "after",
        "before",
    ]
)
_SPENDING_REACH = 8


def _spends_in_a_place(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Microsoft to invest 1.3 billion dollars in Mexico over three years": a
    company's own spending in a country, no stake in anyone ("to invest $1.5bn in
    UAE's G42" is one)."""
    if not tokens[m.start].lower().startswith("invest"):
        return False
    places = {c.start: c.end for c in s.of_layer("entity") if c.value.kind == "jurisdiction"}
    if not places:
        return False
    for i in range(m.end, min(s.end - 1, m.end + _SPENDING_REACH)):
        if tokens[i].lower() != "in":
            continue
        j = i + 2 if tokens[i + 1].lower() == "the" else i + 1
        end = places.get(j)
        return end is not None and (end >= s.end or tokens[end].lower() in _AFTER_A_PLACE)
    return False


def _buys_company(m: Match, s: Sentence, tokens: list[str]) -> bool:
    if tokens[m.end - 1].lower() not in _BUY:
        return True
    j = _past_determiners(m.end, s, tokens)
    if j >= s.end:
        # the object before the verb: "the start-up that Thomson Reuters agreed to buy",
        # but not "what enterprises actually buy"
        return all(tokens[i].lower() != "what" for i in range(max(s.start, m.start - 4), m.start))
    last, stop, named = "", min(s.end, j + 5), False
    while j < stop:  # "buy legal AI start-up Casetext"
        word = tokens[j]
        j += 1
        if word in ("'s", "'"):  # "buy Google's Chrome browser": the head follows the owner
            last, stop = "", min(s.end, j + 5)
            continue
        # "buy Jony Ive's device start-up io": a company noun before a lowercase name
        named = named or (last != "" and last.lower() in _COMPANY_WORDS)
        if word.lower() == "of" and last.lower() in _SUM_ENDS:
            # "buy $5 billion of Intel common stock": the head follows the sum, and
            # a company's name before it ("bought back $500 million of stock": its own)
            if j == s.end or not tokens[j][:1].isupper():
                return False
            last, stop = "", min(s.end, j + 4)
            continue
        if word.lower() == "of" and (last[:1].isdigit() or last.lower() in _PERCENT):
            # "acquire 51% of the shares of Kanda Robotics", "buy 20 per cent of Aleph
            # Alpha": a part of a company's shares, or of the company named after it
            ahead = [w.lower() for w in tokens[j : min(s.end, j + 4)]]
            if not _SHARE_WORDS.isdisjoint(ahead):
                return True
            last, stop = "", min(s.end, j + 4)
            continue
        if word.lower() in _PREPOSITIONS or word.lower() in _PHRASE_ENDS:
            break
        last = word
    # the head of the object: "bought more Nvidia chips" buys chips, not Nvidia
    return named or last[:1].isupper() or last[:1].isdigit() or last.lower() in _COMPANY_WORDS


_PERCENT = frozenset(["percent", "cent", "pc"])
_SHARE_WORDS = frozenset(["shares", "stock", "equity", "capital"])


# "a round of funding", "a round of financing": money; "a new round of
# evaluations", "another round of layoffs", "round of talks": not
_ROUND_OF_MONEY = frozenset(
    "funding financing investment investments fundraising capital equity seed venture".split()  # noqa: SIM905
)


def _round_of_other(m: Match, s: Sentence, tokens: list[str]) -> bool:
    if tokens[m.end - 1].lower() not in ("round", "rounds") or m.end + 1 >= s.end:
        return False
    return tokens[m.end].lower() == "of" and tokens[m.end + 1].lower() not in _ROUND_OF_MONEY


def _fit_investment(s: Sentence, word: str, tier: str, rules: Ruleset) -> float:
    """Investor and investee, or an amount or stake; a weak word ("valuation",
    "investor") needs an amount to say money moved."""
    fit = _investment_actor(s, word, rules)
    return fit if tier != "weak" or s.has_deal_amount else fit * 0.5


def _investment_actor(s: Sentence, word: str, rules: Ruleset) -> float:
    w = rules.actor_weights
    orgs = _orgs(s)
    if len(orgs) >= 2:
        return w["two_organizations"] * (1.1 if s.has_deal_amount else 1.0)
    if s.has_deal_amount or word in _STAKE_WORDS:
        # money with nobody named to give or get it: market figures ("AI start-ups
        # raised a record $70 billion in the quarter")
        return w["amount_or_stake"] if orgs else w["amount_or_stake"] * w["no_party"]
    return w["one_organization"] if orgs else w["no_actor"]


_PLURAL_DEALS = frozenset(["partnerships", "partners", "alliances", "collaborations", "tie-ups"])
_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday".split()  # noqa: SIM905
)
_DAY_NAMES = _WEEKDAYS | {"today"}


def _signs_off(m: Match, tokens: list[str]) -> bool:
    """ "after Bonn watchdog signs off": an approval, not a deal signed."""
    return tokens[m.start].lower().startswith("sign") and (
        m.end < len(tokens) and tokens[m.end].lower() == "off"
    )


def _signs_nothing(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "have said they will sign it", "Google and OpenAI also signed;": a bare
    "sign" with no deal after it (a code, a pledge, a letter is signed too)."""
    if m.end - m.start != 1 or not tokens[m.start].lower().startswith("sign"):
        return False
    after = [w.lower() for w in tokens[m.end : min(s.end, m.end + 6)]]
    if after and after[0] in ("with", "up", "on"):
        return False
    # "under an agreement signed this week", "The arrangement was signed"
    around = after + [w.lower() for w in tokens[max(s.start, m.start - 6) : m.start]]
    return not any(w in _SIGNED_DEALS for w in around)


_LICENCES = frozenset(["licence", "license", "licences", "licenses"])


def _terms_of_use(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "available on Hugging Face under TII's Falcon licence": the terms a model is
    published on, not a licensing deal (one is "agreed a licence with")."""
    if m.end - m.start != 1 or tokens[m.start].lower() not in _LICENCES:
        return False
    return any(w.lower() == "under" for w in tokens[max(s.start, m.start - 4) : m.start])


_SIGNED_DEALS = frozenset(
    "deal deals agreement agreements contract contracts pact partnership memorandum mou "  # noqa: SIM905
    "letter accord term sheet licence license arrangement".split()
)


def _offers_no_model(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "To offer" is a deal only when models follow it ("to offer Mistral's
    models to its customers", "will offer Grok 4 on its cloud"); not "will
    offer discounts", "to offer a free tier"."""
    if not tokens[m.end - 1].lower().startswith("offer"):
        return False
    stop = min(s.end, m.end + 6)
    return not any(m.end <= c.start < stop for c in s.of_layer("cue:model_noun")) and not any(
        m.end <= n.position < stop and n.kind == "model" for n in s.mentions
    )


_POSSESSIVE = frozenset(["'s", "'S"])


def _adds_no_model(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Adds" is a deal only for another company's model put into a product:
    "Microsoft adds Anthropic's Claude models to Copilot"; not "added $5
    billion", "added that", "adds Gemini to Chrome" (its own model)."""
    if not tokens[m.start].lower().startswith("add"):
        return False
    owner = next(
        (
            n
            for n in s.mentions
            if m.end <= n.position <= m.end + 1
            and n.kind == "organization"
            and n.end < s.end
            and tokens[n.end] in _POSSESSIVE
        ),
        None,
    )
    if owner is None:
        return True
    after = owner.end + 1
    model = any(n.position == after and n.kind == "model" for n in s.mentions) or any(
        c.start in (after, after + 1) for c in s.of_layer("cue:model_noun")
    )
    return not (model and "to" in map(str.lower, tokens[after : min(s.end, after + 6)]))


def _on_a_date(m: Match, tokens: list[str], at: int | None = None) -> bool:
    """ "on Tuesday", "on 3 March": the "on" ending the match, or the one at ``at``."""
    on = m.end - 1 if at is None else at
    if on + 1 >= len(tokens) or tokens[on].lower() != "on":
        return False
    after = tokens[on + 1].lower()
    return after in _DAY_NAMES or after in _MONTHS or after[:1].isdigit()


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
        return _maker_and_product(j, s, tokens)
    has_digit = any(ch.isdigit() for ch in word)
    if s.title_case:
        return has_digit or (len(word) > 1 and word.isupper()) or word[1:] != word[1:].lower()
    return word[:1].isupper() or (has_digit and word[:1].isalpha())


def _maker_and_product(j: int, s: Sentence, tokens: list[str]) -> bool:
    """ "released Mistral NeMo", "launches Google Vids": a maker's name, then a
    product's name that is not another organisation."""
    org = next(n for n in s.mentions if n.position == j)
    k = org.end
    if k >= s.end or org.kind != "organization":
        return False
    word = tokens[k]
    if any(n.position == k for n in s.mentions):
        return False
    versioned = k + 1 < s.end and tokens[k + 1][:1].isdigit()  # "Reka Flash 4"
    return (word[:1].isupper() and (word[1:] != word[1:].lower() or versioned)) or (
        word[:1].isalpha() and any(ch.isdigit() for ch in word)
    )


_DETERMINERS = frozenset(
    ["a", "an", "the", "its", "their", "his", "her", "our", "two", "three", "four", "several"]
)


def _past_determiners(j: int, s: Sentence, tokens: list[str]) -> int:
    """The first word from ``j`` that is no determiner: the head of what a verb
    takes ("buys the start-up", "works with several hospitals")."""
    while j < s.end and tokens[j].lower() in _DETERMINERS:
        j += 1
    return j


def _model_told_before(s: Sentence, tokens: list[str]) -> bool:
    """ "The assistant, which runs on a language model trained by Viettel, ...
    It became available to all subscribers on Tuesday": "It" is the model the
    sentence before describes."""
    previous = s.previous
    return (
        tokens[s.start] in ("It", "They")
        and previous is not None
        and (previous.has("cue:model_noun") or bool(previous.names("model")))
    )


# how a release phrase names where the model went ("to all developers", "on Hugging
# Face", "in developers' hands"), not when ("from today")
_WHERE_RELEASED = frozenset(["to", "on", "in"])


def _object_is_not_a_model(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "launches an inquiry", "announced a partnership", "unveiling Mistral AI": the
    thing released is named right after the verb, and it is not a model. A verb
    followed by a preposition has no object there: what is released comes before
    ("its Command A model is now available to customers"; not "the start-up,
    launched in 2021,")."""
    j = m.end
    if tokens[m.start].lower() in _WHERE_RELEASED:
        # "opened its Skarv-2 model to all developers": what is released comes before
        return not (
            any(c.start < m.start for c in s.of_layer("cue:model_noun"))
            or _model_subject(m, s, tokens)
            or _product_before(m, s, tokens)
            or _model_told_before(s, tokens)
        )
    if (j < s.end and tokens[j].lower() in _PREPOSITIONS) or tokens[j - 1] in _PREPOSITIONS:
        # "... is now available to customers", "... lands on Amazon Bedrock"
        return not (
            _model_subject(m, s, tokens)
            or _product_before(m, s, tokens)
            or _model_told_before(s, tokens)
        )
    while j < s.end and (tokens[j].lower() in _DETERMINERS or tokens[j] == "of"):
        j += 1  # "the launch of Grok 3", "general availability of Corvane-2"
    if j >= s.end:
        return False
    if _hardware_ahead(j, s):
        return True
    if any(n.position == j and n.kind in ("organization", "regulator") for n in s.mentions):
        if j + 1 < s.end and tokens[j + 1] == "'s":
            return False
        if _maker_and_product(j, s, tokens):
            # "rolled out Rakuten AI, its consulting unit,": the apposition says what it is
            k = next(n.end for n in s.mentions if n.position == j) + 1
            k += 1 if k < s.end and tokens[k][:1].isdigit() else 0
            opens_aside = k + 1 < s.end and tokens[k] == ","
            if opens_aside and tokens[k + 1].lower() in _APPOSITION_OPENERS:
                return not _model_noun_ahead(k, s, tokens)
            return False
        return not _model_noun_ahead(j + 1, s, tokens)  # "its standalone Meta AI app"
    if any(j <= c.start < j + 3 for c in s.of_layer(_REGULATORY)):
        return True  # "launched Federal Court proceedings", "opened a Phase 2 investigation"
    if tokens[j] == "AI" and j + 1 < s.end and tokens[j + 1] in _PUBLICATIONS:
        return True  # "presents its AI report", "unveils national AI strategy"
    if _names_a_publication(j, s, tokens) or _company_heads(j, s, tokens):
        return True
    word = tokens[j]
    if not word[:1].islower() or any(ch.isdigit() for ch in word):
        return False
    describes_model = s.of_layer("cue:model_noun") + s.of_layer("cue:fresh")
    return not any(c.start == j for c in describes_model) and (
        not _model_noun_ahead(j + 1, s, tokens)
    )


# what an organisation presents that is not a model
_PUBLICATIONS = frozenset(
    [
        "report", "survey", "study", "index", "strategy", "plan", "roadmap", "guide",
        "guidelines", "principles", "policy", "playbook", "barometer", "outlook", "findings",
    ]
)  # fmt: skip


_NAME_REACH = 6


def _names_a_publication(j: int, s: Sentence, tokens: list[str]) -> bool:
    """ "launched its National Artificial Intelligence Strategy 2025-2030", "unveils
    the AI Action Plan": a capitalised name that holds a publication's noun."""
    for i in range(j, min(s.end, j + _NAME_REACH)):
        word = tokens[i]
        if not (word[:1].isupper() or word[:1].isdigit()):
            return False
        if word.lower() in _PUBLICATIONS:
            return True
    return False


# a noun that makes the thing launched a company: "before launching the Kimi chatbot
# maker Moonshot AI"
_COMPANY_NOUNS = frozenset(["maker", "makers", "start-up", "startup", "company", "firm"])
_OBJECT_REACH = 4


def _company_heads(j: int, s: Sentence, tokens: list[str]) -> bool:
    """The object of a release verb is a company: a company noun within a few words,
    followed by the company's name, a comma, a preposition or the sentence's end."""
    for i in range(j, min(s.end, j + _OBJECT_REACH)):
        word = tokens[i]
        if word in (",", ";"):
            return False
        if word.lower() in _COMPANY_NOUNS:
            after = i + 1
            return (
                after >= s.end
                or tokens[after] == ","
                or tokens[after].lower() in _PREPOSITIONS
                or any(n.position == after and n.kind == "organization" for n in s.mentions)
            )
    return False


def _hardware_ahead(j: int, s: Sentence) -> bool:
    """ "unveils Dimensity flagship chip", "launched its new AI smartphone": the
    thing released, named within a few words, is hardware, and no model noun or
    model's name comes before it."""
    hardware = next((c.start for c in s.of_layer("cue:hardware") if j <= c.start < j + 4), None)
    if hardware is None:
        hardware = _hardware_in_apposition(j, s)
    if hardware is None:
        return False
    return not any(j <= c.start < hardware for c in s.of_layer("cue:model_noun")) and not any(
        j <= n.position < hardware and n.kind == "model" for n in s.mentions
    )


def _hardware_in_apposition(j: int, s: Sentence) -> int | None:
    """ "to unveil REBEL-Quad, a four-chiplet accelerator": a name of up to three
    words, then an apposition that calls it hardware (where its noun starts)."""
    tokens = s.tokens
    comma = next((k for k in range(j + 1, min(s.end - 1, j + 4)) if tokens[k] == ","), None)
    if comma is None or tokens[comma + 1].lower() not in _APPOSITION_OPENERS:
        return None
    return next(
        (c.start for c in s.of_layer("cue:hardware") if comma + 1 < c.start <= comma + 5), None
    )


def _model_subject(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A model noun, a model's name or a versioned name ("gpt-oss-20b") in the
    words before the verb, or a model noun opening the sentence ("The feature,
    which had been limited to testers, was rolled out")."""
    first = max(s.start, m.start - 10)
    opening = range(s.start, min(m.start, s.start + 3))
    return (
        any(first <= c.start < m.start or c.start in opening for c in s.of_layer("cue:model_noun"))
        or any(first <= n.position < m.start and n.kind == "model" for n in s.mentions)
        or any(
            tokens[i][:1].isalpha() and any(ch.isdigit() for ch in tokens[i])
            for i in range(first, m.start)
        )
    )


_VERSION_NOUNS = frozenset(["edition", "editions", "version", "versions", "variant", "variants"])


def _model_noun_ahead(j: int, s: Sentence, tokens: list[str]) -> bool:
    """A model noun closes the noun phrase that starts before ``j``: "a new
    reasoning model", "its standalone Meta AI app" (not "an inquiry into AI chatbots")."""
    stop, reach = j, j + 3
    while stop < min(s.end, reach) and tokens[stop].lower() not in _PREPOSITIONS:
        if tokens[stop] == "of" and stop > j and tokens[stop - 1].lower() in _VERSION_NOUNS:
            reach = stop + 5  # "an on-premises edition of Takane LLM": a form of the model
        elif tokens[stop] in (",", "of", "and", "that", "which"):
            break
        stop += 1
    if stop + 1 < s.end and tokens[stop] == "," and tokens[stop + 1].lower() in _APPOSITION_OPENERS:
        # an apposition says what the name is: "Rakuten AI, its Japanese-language assistant,"
        stop += 2
        while stop < min(s.end, j + 9) and tokens[stop] != ",":
            stop += 1
    return any(j <= c.start < stop for c in s.of_layer("cue:model_noun")) or any(
        j <= n.position < stop and n.kind == "model" for n in s.mentions
    )


_APPOSITION_OPENERS = frozenset(["its", "their", "a", "an", "the", "our"])


def _product_before(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A name right before a verb without an object: "Command A now available",
    "Kimi K2 drops", "MAI-Voice-1 is out"."""
    if m.end < s.end and tokens[m.end].lower() not in _PREPOSITIONS and tokens[m.end] != ",":
        return False
    i, skipped = m.start - 1, 0
    while i > s.start and skipped < 3 and tokens[i].lower() in _COPULAS:
        i, skipped = i - 1, skipped + 1
    if i < s.start:
        return False
    word = tokens[i]
    if word == ",":
        return _subject_in_apposition(i, s, tokens)
    if any(n.position <= i < n.end and n.kind != "model" for n in s.mentions):
        return False
    if any(ch.isdigit() for ch in word) and word[:1].isalpha():
        return True
    before = tokens[i - 1] if i > s.start else ""
    if word[:1].isdigit() and before[:1].isupper() and not _is_year(word):
        return True  # a name and its version: "Kestrel Video 3 is generally available"
    return len(word) <= 2 and word.isupper() and before[:1].isupper()


def _subject_in_apposition(close: int, s: Sentence, tokens: list[str]) -> bool:
    """ "DeepL Voice, the speech translation service from DeepL, is now generally
    available", "Nahr, trained on Egyptian Arabic, is available from today": a
    name that opens the sentence, described between commas, then made available.
    A company alone is not a product ("Mistral, the Paris start-up, is ...")."""
    i = s.start
    while i < close and len(tokens[i]) > 1 and tokens[i].isupper() and tokens[i].isalpha():
        i += 1  # a dateline: "COLOGNE - DeepL Voice, ..." (a dash is no token)
    comma = next((j for j in range(i, min(close, i + 5)) if tokens[j] == ","), None)
    if comma is None or comma in (i, close):
        return False
    if not _is_name(tokens[i:comma]):
        return False
    return not any(
        n.position == i and n.end == comma and n.kind == "organization" for n in s.mentions
    )


_QUANTIFIERS = frozenset(["several", "various", "many", "multiple", "numerous", "dozens"])


def _track_record(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Mistral AI has released several powerful AI models", "DeepSeek, Qwen and
    MiniMax have all released strong models": a record told in the perfect
    tense, not one release."""
    i = m.start - 1
    while i > s.start and tokens[i].lower() in _ALL:
        i -= 1  # "have all released strong models this year"
    if i < s.start or tokens[i].lower() not in _PERFECT or m.end >= s.end:
        return False
    after = tokens[m.end].lower()
    if after in _QUANTIFIERS or i < m.start - 1:
        return True
    # "has released two open models since 2023": a count, unless they are new or
    # dated today ("has released two new models on Tuesday")
    return (
        after in _COUNTS
        and not s.has("cue:fresh")
        and _DAY_NAMES.isdisjoint(w.lower() for w in tokens[s.start : s.end])
    )


_ALL = frozenset(["all", "both", "each"])
_COUNTS = frozenset("two three four five six seven eight nine ten".split())  # noqa: SIM905


def _fit_model(m: Match, s: Sentence, tokens: list[str], rules: Ruleset) -> float:
    w = rules.actor_weights
    if _object_is_not_a_model(m, s, tokens) or _track_record(m, s, tokens):
        return w["no_model"]
    if s.names("model"):
        return w["named_model"]
    if not s.has_deal_amount and (
        _names_product(m, s, tokens, rules) or _product_before(m, s, tokens)
    ):
        return w["product_named"]
    if s.has("cue:model_noun"):
        if _orgs(s) or _named_in_apposition(s, tokens):
            return w["developer_model_noun"]
        return w["fresh_model_noun"] if s.has("cue:fresh") else w["model_noun"]
    return w["no_model"]


def _named_in_apposition(s: Sentence, tokens: list[str]) -> bool:
    """A model noun followed by a name between commas: "Aurora's own model,
    Aurora Frontier 2, is available today", "Our clinical model, Saga Med, went
    live": the model is named, even if no gazetteer knows it."""
    for c in s.of_layer("cue:model_noun"):
        if c.end + 2 >= s.end or tokens[c.end] != ",":
            continue
        close = next((i for i in range(c.end + 1, min(s.end, c.end + 6)) if tokens[i] == ","), None)
        if close is not None and _is_name(tokens[c.end + 1 : close]):
            return True
    return False


def _is_name(words: list[str]) -> bool:
    """Words that make a name: each capitalised or a number ("Aurora Frontier 2")."""
    return bool(words) and all(w[:1].isupper() or w[:1].isdigit() for w in words)


def _fit_regulatory(
    m: Match, kind: str, s: Sentence, own: Sentence, tokens: list[str], rules: Ruleset
) -> float:
    w = rules.actor_weights
    regulators = [n for n in s.mentions if n.kind == "regulator"]
    agencies = [n for n in regulators if n.regulator_kind != "court"]
    generic = s.of_layer(_GENERIC)
    courts = s.of_layer("cue:court")
    states = s.acting_states
    if kind == _FILING and not _authority_files(m, tokens, agencies, generic, states):
        return 0.0  # a private lawsuit filed in a court, a complaint lodged with a regulator
    if kind == _PETITION:
        if m.end < len(tokens) and tokens[m.end].lower() in ("ahead", "on"):
            return 0.0  # going on with a plan, not urging anyone: "presses ahead with"
        positions = [n.position for n in regulators] + [c.start for c in generic] + states
        # an authority right after another verb is its object, not the one asking:
        # "warned U.S. senators on Tuesday ... and urged Congress to act"
        verbs = [a.end for a in s.of_layer(_REGULATORY) if a.end <= m.start] + [
            i + 1 for i in range(s.start, m.start) if tokens[i].lower() in _ADDRESSING
        ]
        if not any(p < m.start and not _object_of(p, verbs, tokens) for p in positions):
            return 0.0  # a company or a group asking: lobbying, not a formal step
        if not _asks_for_a_step(m, s, tokens, positions):
            return 0.0  # "pressed the nominee on whether", "called for a national model"
    if _many_have(m, s, tokens):
        return w["no_regulator"]  # "Several agencies and countries have restricted": a trend
    if agencies:
        fit = w["named_regulator"]
    elif _authorities_at_large(m, generic, courts, regulators, states, tokens):
        return w["no_regulator"]  # "Regulators have fined US tech companies billions": a trend
    elif generic or courts or regulators or states or s.has("cue:law") or _rules_in_force(m, s):
        qualified = (
            s.has("cue:qualifier") or s.names("jurisdiction") or courts or regulators
            or s.has("cue:law")
        )  # fmt: skip
        fit = w["qualified_regulator"] if qualified else w["generic_regulator"]
    elif _signer(m, s, tokens):
        fit = w["generic_regulator"]
    else:
        fit = w["no_regulator"]
    if not (
        _orgs(own)
        or own.names("model")
        or own.has("cue:target")
        or _signature(m, tokens)
        or _invites(m, tokens)
    ):
        fit *= w["no_target"]  # a law signed, a consultation opened: their own targets
    return fit


# "China's rules on labelling AI content take effect": a place's rules in force
_IN_FORCE = frozenset(["force", "effect", "applicable"])
_RULE_NOUNS = frozenset(
    "rules measures regulation regulations law laws act requirements obligations provisions "  # noqa: SIM905
    "code directive decree ban".split()
)


# whom a witness speaks to: "told a Senate panel ... and urged Congress to pass rules"
_ADDRESSING = frozenset(["told", "tells", "tell", "telling", "before"])


def _object_of(at: int, verbs: list[int], tokens: list[str]) -> bool:
    """The authority at ``at`` right after a step's verb ("warned U.S. senators",
    "told the committee") is whom it addresses."""
    return any(
        at - e <= 1 or (at - e == 2 and tokens[e].lower() == "the") for e in verbs if e <= at
    )


def _rules_in_force(m: Match, s: Sentence) -> bool:
    """A place's rules entering into force act by themselves, like a named law:
    "China's Measures for Labelling ... came into force", "Thailand's new rules
    take effect" (not "the app's new rules for users in Japan take effect")."""
    tokens = s.tokens
    if tokens[m.end - 1].lower() not in _IN_FORCE:
        return False
    return any(
        n.kind == "jurisdiction"
        and n.end < m.start
        and any(w.lower() in _RULE_NOUNS for w in tokens[n.end : min(n.end + 4, m.start)])
        for n in s.mentions
    )


def _authorities_at_large(
    m: Match,
    generic: list[Match],
    courts: list[Match],
    regulators: list[Mention],
    states: list[int],
    tokens: list[str],
) -> bool:
    """Only plural authorities of nowhere in particular ("regulators",
    "watchdogs", "courts"; not "Chinese authorities") and a perfect tense: what
    authorities have done over the years, not a step."""
    cues = generic + courts
    if regulators or states or not cues or m.start < 1:
        return False
    perfect = tokens[m.start - 1].lower() in _PERFECT or (
        m.start > 1 and tokens[m.start - 2].lower() in _PERFECT
    )
    return perfect and all(
        tokens[c.end - 1].lower().endswith("s")
        and (c.start == 0 or not tokens[c.start - 1][:1].isupper())
        for c in cues
    )


def _asks_for_a_step(m: Match, s: Sentence, tokens: list[str], positions: list[int]) -> bool:
    """Within a few words, an authority is asked ("urged the FTC to"), a company
    is told ("asks X for details", "tells firms to avoid"), or what is asked for
    is a formal step ("called for an antitrust probe")."""
    if _hearing_question(m, s, tokens):
        return False
    reach = range(m.end, min(s.end, m.end + 8))
    around = range(max(s.start, m.start - 6), reach.stop)  # "questionnaires to developers asking"
    return (
        any(p in reach for p in positions)
        or any(n.position in around and n.kind == "organization" for n in s.mentions)
        or any(tokens[i].lower() in _ADDRESSEES for i in around)
        or any(a.start in reach and a.value[1] != _PETITION for a in s.of_layer(_REGULATORY))
    )


_QUESTIONS = frozenset(["why", "whether", "how", "what", "when", "who", "if"])


def _hearing_question(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A judge's or a legislator's question at a hearing asks for nothing: "Judge
    Marsh asked Lyriq's lawyer why", "Senate panel presses FTC nominee on AI
    chatbots", "pressed executives of Kakao and Naver over whether". An
    authority's ("sent questionnaires asking how access to GPUs is priced") is a
    request for information; "pressed the FTC to open a probe" asks for a step."""
    if not (s.has("cue:court") or _legislators(s)):
        return False
    # who asks comes first ("presses FTC nominee": the FTC is asked)
    if any(
        n.kind == "regulator" and n.regulator_kind not in _HEARINGS and n.position < m.start
        for n in s.mentions
    ) or any(
        tokens[c.start].lower().startswith(_AGENCY_WORDS) and c.start < m.start
        for c in s.of_layer(_GENERIC)
    ):
        return False
    for i in range(m.end, min(s.end, m.end + 8)):
        word = tokens[i].lower()
        if word in ("to", "for"):
            return False
        if word in _QUESTIONS or (word in _TOPICS and not _on_a_date(m, tokens, i)):
            return True
    return False


# who holds hearings; what a question is about: "presses the nominee on", "over whether"
_HEARINGS = frozenset(["court", "legislature"])
_TOPICS = frozenset(["on", "over", "about"])
# generic names of authorities that act, unlike a court's or a legislature's
_AGENCY_WORDS = (
    "regulator", "watchdog", "authorit", "agenc", "ministr", "commission", "enforcer",
    "trustbuster", "prosecutor", "attorney", "department", "office", "government",
)  # fmt: skip
_LEGISLATORS = (
    "lawmaker", "legislator", "senator", "congress", "parliament", "committee", "senate",
    "national assembly", "house of", "legislature", "bundestag",
)  # fmt: skip


def _legislators(s: Sentence) -> bool:
    """A legislature named, or legislators by a common name ("lawmakers", "the
    committee")."""
    tokens = s.tokens
    return any(n.regulator_kind == "legislature" for n in s.mentions) or any(
        " ".join(tokens[c.start : c.end]).lower().startswith(_LEGISLATORS)
        for c in s.of_layer(_GENERIC)
    )


# a company told, or information asked for: "asks X for details", "tells firms to"
_ADDRESSEES = frozenset(
    "firms companies company platforms developers providers operators makers information "  # noqa: SIM905
    "details documents explanation answers".split()
)


def _statement(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "warned that risks are piling up": a view with nobody addressed; "into
    designated services", "the restricted chips": a participle before its noun
    describes, it takes no step."""
    word = tokens[m.start].lower()
    if word.startswith("warn") and m.end - m.start == 1:  # not "a warning letter"
        k = m.end + 2 if _on_a_date(m, tokens, m.end) else m.end  # "warned on Tuesday that"
        return not _warns_someone(k, s, tokens)
    if m.end >= s.end:
        return False
    after = tokens[m.end]
    if m.end - m.start != 1 or not word.endswith("ed") or m.start <= s.start:
        return False
    before = tokens[m.start - 1].lower()
    # "servers containing restricted accelerators": after a verb's -ing form too
    if before in _DETERMINERS or before in _PREPOSITIONS or _ing_form(tokens[m.start - 1]):
        return after.isalpha() and (
            after.islower() and after not in _PREPOSITIONS and after not in _DETERMINERS
        )
    return _describes_noun(m, s, tokens)


def _ing_form(word: str) -> bool:
    """A lower-case verb's -ing form ("containing", "selling"); not "being",
    "having", which make a tense of the participle after them."""
    return len(word) > 5 and word.endswith("ing") and word.islower() and word not in _TENSE_ING


_TENSE_ING = frozenset(["having", "getting", "becoming"])


# who a warning is addressed to when no name follows: "warned the two companies"
_SPECIFIC = frozenset(["the", "both", "two", "three", "its", "their"])


def _warns_someone(k: int, s: Sentence, tokens: list[str]) -> bool:
    """A warning given to a named company ("warned Microsoft", "warned the two
    companies"), not a view ("warned that ...") nor advice to a trade at large
    ("chief warns retailers over AI pricing tools", "... the chairman warned.")."""
    if k >= s.end or tokens[k].lower() in ("that", "of", "about"):
        return False
    if any(k <= n.position < k + 4 and n.kind == "organization" for n in s.mentions):
        return True
    return tokens[k].lower() in _SPECIFIC and any(
        tokens[i].lower() in _ADDRESSEES for i in range(k + 1, min(s.end, k + 4))
    )


def _describes_noun(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A participle after a common noun and before "for"/"as" describes the noun:
    "an environment approved for government data", "sites designated as"; not
    after an auxiliary, an adverb or an authority ("regulators approved for sale")."""
    before = tokens[m.start - 1]
    if s.is_title:  # headlines drop the auxiliary: "Chip deal cleared for closing"
        return False
    if tokens[m.end].lower() not in ("for", "as") or not (before.isalpha() and before.islower()):
        return False
    if before in _AUXILIARIES or before.endswith("ly"):
        return False
    return not _authority_word_at(m.start - 1, s)


def _authority_word_at(i: int, s: Sentence) -> bool:
    """Token ``i`` is in an authority's common name or a court's ("regulators",
    "the judge")."""
    return any(c.start <= i < c.end for layer in (_GENERIC, "cue:court") for c in s.of_layer(layer))


_AUXILIARIES = frozenset(
    "is are was were be been being has have had do does did will would".split()  # noqa: SIM905
)


def _many_have(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A subject opened by a quantifier and a perfect tense ("Several US
    agencies and a number of countries have restricted", "Many regulators have
    opened inquiries"): a tally of steps, not one."""
    if m.start < s.start + 2 or tokens[s.start].lower() not in _SUBJECT_QUANTIFIERS:
        return False
    return tokens[m.start - 1].lower() in _PERFECT or tokens[m.start - 2].lower() in _PERFECT


_SUBJECT_QUANTIFIERS = frozenset(["several", "many", "numerous", "various", "some", "dozens"])


_FORUM_WORDS = frozenset(["antitrust", "competition", "privacy", "formal", "new", "fresh"])


def _authority_files(
    m: Match, tokens: list[str], agencies: list[Mention], generic: list[Match], states: list[int]
) -> bool:
    """An authority brings the case: named before the action ("the FTC sued"),
    or after the "by" that follows it ("a lawsuit brought by the Justice
    Department"); not a complaint lodged *with* an authority by someone else, nor
    an appeal against a fine "imposed by" one."""
    # "Google to face EU antitrust complaint from publishers": a bloc naming the
    # forum of a complaint, not one filing it ("EU files complaint" still does)
    states = [
        p
        for p in states
        if p + 1 == m.start
        or not all(w[:1].isupper() or w.lower() in _FORUM_WORDS for w in tokens[p + 1 : m.start])
    ]
    positions = [n.position for n in agencies] + [c.start for c in generic] + states
    if any(p < m.start for p in positions):
        return True
    by = next((i for i in range(m.end, min(m.end + 2, len(tokens))) if tokens[i] == "by"), None)
    return by is not None and any(by < p <= by + 4 for p in positions)


def _merged(s: Sentence, previous: Sentence) -> Sentence:
    cues = {layer: found for layer, found in previous.by_layer.items() if layer[:4] == "cue:"}
    by_layer = dict(s.by_layer)
    for layer, found in cues.items():
        by_layer[layer] = by_layer.get(layer, []) + found
    return Sentence(
        text=s.text,
        is_title=s.is_title,
        start=s.start,
        end=s.end,
        tokens=s.tokens,
        matches=s.matches + [c for found in cues.values() for c in found],
        mentions=s.mentions + previous.mentions,
        amounts=s.amounts + previous.amounts,
        layers=s.layers | frozenset(cues),
        by_layer=by_layer,
        cased=s.cased,
        previous=previous,
    )


def _fit(
    category: str, m: Match, s: Sentence, own: Sentence, tokens: list[str], rules: Ruleset
) -> float:
    weight_kind = m.value[1]
    if category == "investment":
        if not (_is_money_raise(m, s, tokens) and _buys_company(m, s, tokens)):
            return 0.0
        if _round_of_other(m, s, tokens) or _spends_in_a_place(m, s, tokens):
            return 0.0
        return _fit_investment(s, tokens[m.start].lower(), weight_kind, rules)
    if category == "partnership":
        w = rules.actor_weights
        if (
            tokens[m.end - 1].lower() in _PLURAL_DEALS
            and _fit_partnership(own, rules) < w["partners_named"]
        ):
            # "overseeing the company's partnerships with financial institutions": a
            # line of business, not one deal with a named partner
            return w["no_partner"]
        return _fit_partnership(s, rules)
    if category == "model_release":
        return _fit_model(m, s, tokens, rules)
    return _fit_regulatory(m, weight_kind, s, own, tokens, rules)


def score_sentence(
    category: str,
    s: Sentence,
    tokens: list[str],
    rules: Ruleset,
    deal_focus: bool = False,
) -> tuple[float, bool]:
    """Score one sentence for one category; also say if the actor came from
    the sentence before, ``s.previous`` ("The FTC said on Tuesday ... It opened
    an inquiry").
    ``deal_focus``: the headline reports an investment, so a bare "deal" or
    "agreement" in the body is most likely that investment.

    The raw score may exceed 1 so that ties between strong sentences are
    broken by the stronger one; labels cap it.
    """
    layer = f"action:{category}"
    best, from_previous = 0.0, False
    if category == "regulatory_action" and (
        _lobbying(s) or _private_case(s) or _committee_stage(s, tokens)
    ):
        return 0.0, False
    first: float | None = None  # the modifier of the sentence's first action of the category
    first_end = 0
    for m in s.of_layer(layer):
        if _inside_name(m, s, tokens):
            continue
        weight, kind = m.value
        if category == "model_release":
            if _not_a_release(m, s, tokens) or _deal_purpose(m, s, tokens):
                continue
            made = _made_available(m, s, tokens)
            if made == "purpose":
                continue
            if made == "made":
                weight = rules.tiers["strong"]
        modifier = _modifier(m, category, s, tokens, rules)
        if first is None:
            first, first_end = modifier, m.end
        elif _restates(m, s, tokens) or "," not in tokens[first_end : m.start]:
            # "will appeal the fine imposed in January, calling the penalty unfair",
            # "raised $900 million in November in a round led by Humain", "fined
            # LinkedIn in 2024, a decision it is appealing": the same deal or
            # fine, as hedged or as old as when first named
            if modifier < first and _in_apposition_after(m, s, tokens) and first > 0:
                # "is being investigated by the FTC, a probe opened in 2023": the
                # apposition dates the step named before it
                best *= modifier / first
                first = modifier
            modifier = min(modifier, first)
        if weight * modifier <= best or _used_otherwise(category, m, s, tokens):
            continue
        fit = _fit(category, m, s, s, tokens, rules)
        borrowed = False
        # the sentence before can only help an actor fit below what it could give
        merged = s.merged if kind != _PETITION and fit < rules.borrow_ceiling else None
        if merged is not None:
            other = _fit(category, m, merged, s, tokens, rules) * rules.weights["previous_sentence"]
            if other > fit:
                fit, borrowed = other, True
        if kind != "strong" and category == "partnership":
            if _agreement_to_invest(m, s):
                continue
            # "Brussels waves through Nvidia's Run:ai purchase; chipmaker completes
            # deal": the headline's half the parties come from may name the other deal
            if (
                deal_focus
                or _names_other_deal(s)
                or (borrowed and s.is_title and s.previous and _names_other_deal(s.previous))
            ):
                fit *= rules.weights["generic_deal_word"]
        score = weight * fit * modifier
        if score > best:
            best, from_previous = score, borrowed
            s.action_at[category] = (m.start, tokens[m.start].lower())
    if s.is_title:
        best *= rules.weights["title"]
    return best, from_previous


_ANAPHORS = frozenset(["the", "this", "that", "such"])


def _used_otherwise(category: str, m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A deal or step word used for something else: "made available on Tuesday"
    (a day, not a platform), "after the watchdog signs off", "will sign it" (no
    deal), "will offer discounts" (no models), "warned that risks are piling up"
    (nobody addressed), "an environment approved for government data". Checked once per
    word, whatever sentence the actor is then looked for in."""
    if category == "partnership":
        return (
            _a_partner_person(m, s, tokens)
            or _on_a_date(m, tokens)
            or _signs_off(m, tokens)
            or _signs_nothing(m, s, tokens)
            or _offers_no_model(m, s, tokens)
            or _adds_no_model(m, s, tokens)
            or _works_with_many(m, s, tokens)
            or _counted(m, s, tokens)
            or _partners_as_noun(m, s, tokens)
            or _participle_adjective(m, s, tokens)
            or _signs_up_customers(m, s, tokens)
            or _taps_money(m, s, tokens)
            or _deal_referred_to(m, s, tokens)
        )
    if category == "investment":
        return _sides_with(m, s, tokens)
    return category == "regulatory_action" and (
        _statement(m, s, tokens)
        or _taken_to_court(m, s, tokens)
        or _rules_as_noun(m, s, tokens)
        or _scope_of_rules(m, s, tokens)
        or _clear_as_adjective(m, s, tokens)
        or _a_price(m, s, tokens)
        or _required_of(m, s, tokens)
        or _designates_authority(m, s, tokens)
    )


def _designates_authority(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "It designates the National Data Protection Authority (ANPD) as the
    coordinating regulator": a law naming who will enforce it, not a step on
    anyone (designating a company, "designated Microsoft a gatekeeper", is one)."""
    if not tokens[m.start].lower().startswith("designat") or m.end >= s.end:
        return False
    at = m.end + 1 if tokens[m.end].lower() == "the" else m.end
    # "the National Data Protection Authority": a qualifier may come first
    return any(n.position == at and n.kind == "regulator" for n in s.mentions) or any(
        0 <= c.start - at <= 2 for c in s.of_layer(_GENERIC)
    )


_CHARGE = frozenset(["charge", "charges", "charged", "charging"])
# what follows a price charged: "charge $20 a month", "charges per token", "charge users"
_PRICED = frozenset(
    "per a an for customers users developers subscribers fees more less extra about around "  # noqa: SIM905
    "twice double half nothing".split()
)


_BACK = frozenset(["back", "backs", "backed", "backing"])
# who backs a side, not a company with money: "judge backs Quillmark", "court backed Meta"
_SIDING = ("cue:court", "cue:generic_regulator")


def _sides_with(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "after judge backs Quillmark on AI training", "the regulator backed the
    plan": a court or an authority taking a side, not an investor."""
    if m.end - m.start != 1 or tokens[m.start].lower() not in _BACK:
        return False
    start = m.start - 3
    return any(
        start <= c.end <= m.start for layer in _SIDING for c in s.by_layer.get(layer, ())
    ) or any(start <= n.end <= m.start and n.kind == "regulator" for n in s.mentions)


# what a deal named by a company is spoken of after: "broke the law in Mellanox deal"
_REFERRING = frozenset("in over on of about into for from under the its their".split())  # noqa: SIM905


def _deal_referred_to(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "says Nvidia broke anti-monopoly law in Mellanox deal", "the Windsurf
    arrangement": a deal known by one company's name, spoken of, not made (one
    is made in "inks Oracle deal")."""
    if m.value[1] != "weak":
        return False
    named = next((n for n in s.mentions if n.end == m.start and n.kind == "organization"), None)
    return (
        named is not None
        and named.position > s.start
        and tokens[named.position - 1].lower() in _REFERRING
    )


def _works_with_many(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "works with insurers in Portugal", "works with several hospitals": whom a
    company serves, not a partner (one is named: "works with Safaricom", "works
    with the Bank of Portugal")."""
    if not tokens[m.start].lower().startswith("work") or tokens[m.end - 1].lower() != "with":
        return False
    j = _past_determiners(m.end, s, tokens)
    return j < s.end and tokens[j].islower()


_TALLY_WORDS = frozenset(
    "two three four five six seven eight nine ten dozen dozens hundreds thousands".split()  # noqa: SIM905
)


def _counted(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "closed 53 agreements through partners in the quarter", "said 73% of its
    agreements were closed with or through those partners": deals counted in a
    tally, not one deal reported."""
    if not tokens[m.end - 1].endswith("s"):
        return False
    i = m.start - 1
    if i - 2 >= s.start and tokens[i - 1].lower() == "of" and tokens[i].lower() in _OWNERS:
        i -= 2  # "73% of its agreements"
    return i >= s.start and (tokens[i].isdigit() or tokens[i].lower() in _TALLY_WORDS)


_OWNERS = frozenset(["its", "their", "the"])

_ADJECTIVE_BEFORE = frozenset(["a", "an", "its", "their", "own"])


def _participle_adjective(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Aurora DSQL, a distributed SQL database", "Getty's own licensed library":
    a participle describing a noun, not a deal made."""
    return (
        m.end - m.start == 1
        and m.start > s.start
        and tokens[m.start].endswith("ed")
        and tokens[m.start - 1].lower() in _ADJECTIVE_BEFORE
    )


# what puts "partners" after it as a noun: "with or through those partners"
_PARTNERS_NOUN = frozenset(
    "through those these its their our his her the other with by of for to and many several "  # noqa: SIM905
    "key existing".split()
)


def _partners_as_noun(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "73% of its agreements were closed with or through those partners": the
    companies a firm already sells with, not a deal ("Nvidia partners with" and
    "BT partners Nvidia" are verbs)."""
    return (
        m.end - m.start == 1
        and tokens[m.start] == "partners"
        and m.start > s.start
        and tokens[m.start - 1].lower() in _PARTNERS_NOUN
    )


# whom a company sells to, counted rather than named
_CLIENTS = frozenset(
    "customers clients users enterprises businesses companies firms conglomerates banks "  # noqa: SIM905
    "hospitals schools retailers publishers subscribers buyers".split()
)


def _signs_up_customers(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "has been signing up Japanese enterprises for ChatGPT", "signed up other AI
    customers": customers won, not a partner (one is named: "signs up Telconet as
    reseller")."""
    j = m.end
    if not tokens[m.start].lower().startswith("sign") or j >= s.end or tokens[j].lower() != "up":
        return False
    for word in tokens[j + 1 : min(s.end, j + 6)]:
        lower = word.lower()
        if lower in _CLIENTS:
            return True
        if not word[:1].isalnum() or lower in _PREPOSITIONS:
            return False
    return False


# what a company taps that is no partner: "taps $8m debt line", "taps investors for $50m"
_TAPPED = _SUM_WORDS | frozenset(
    "investors backers lenders markets market debt bond bonds banks reserves".split()  # noqa: SIM905
)


def _taps_money(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Kora Intelligence taps $8m debt line": money drawn, not a partner
    chosen ("taps Mistral for its assistant")."""
    if not tokens[m.start].lower().startswith("tap"):
        return False
    j = _past_determiners(m.end, s, tokens)
    return j < s.end and (tokens[j][:1].isdigit() or tokens[j].lower() in _TAPPED)


def _a_price(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "a fraction of what US providers charge", "charges $20 a month", "charge users
    for API calls", "a $5.5 billion charge": a price or a cost, not a charge brought
    against someone ("charged Google with abusing", "the charges against")."""
    if m.end - m.start != 1 or tokens[m.start].lower() not in _CHARGE:
        return False
    after = tokens[m.end].lower() if m.end < s.end else ""
    if after in ("with", "against"):
        return False
    if any(w.lower() == "what" for w in tokens[max(s.start, m.start - 3) : m.start]):
        return True
    if m.start > s.start and tokens[m.start - 1].lower() in _SUM_ENDS:
        return True  # "triggers $5.5 billion charge": an accounting charge
    return after[:1].isdigit() or after in _PRICED


def _clear_as_adjective(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "clear documentation of how your product handles data", "a clear signal":
    the adjective, not a clearance (that has an object: "clear the deal", "clear
    Microsoft's purchase")."""
    if m.end - m.start != 1 or tokens[m.start].lower() != "clear" or m.end >= s.end:
        return False
    after = tokens[m.end]
    return (
        after.isalpha()
        and after.islower()
        and after not in _DETERMINERS
        and after not in _PREPOSITIONS
        and after not in _CLEARED  # a headline's "EU to clear deal"
    ) or (m.start > s.start and tokens[m.start - 1].lower() in _ARTICLES)


# what an authority clears, named without an article in a headline
_CLEARED = frozenset(
    "deal deals merger mergers acquisition acquisitions takeover takeovers purchase purchases "  # noqa: SIM905
    "buyout bid sale stake investment transaction transactions tie-up partnership".split()
)


_APPLY = frozenset(["apply", "applies", "applicable"])
# what starts a rule's application: "apply to gatekeepers from Thursday", "From
# Saturday, the obligations ... become applicable to providers"
_ONSET = frozenset(["from", "starting", "since", "as", "become", "becomes", "became", "begin",
                    "begins", "began", "start", "starts", "started", "now"])  # fmt: skip


def _scope_of_rules(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "It applies to Apple and Google", "rules applicable to large platforms": whom
    a rule covers, not the rule taking effect ("obligations apply to providers from
    Saturday" still is)."""
    if tokens[m.end - 1].lower() not in _APPLY or m.end >= s.end or tokens[m.end] != "to":
        return False
    stop = _clause_end(m.end, s, tokens, 12)
    return _ONSET.isdisjoint(w.lower() for w in tokens[s.start : stop])


# what a law or a rule obliges someone to do: "which requires providers ... to assess"
_OBLIGES = ("requir", "oblig", "compel", "mandat", "forc")
_OBLIGED_REACH = 12


def _required_of(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "the EU's AI Act, which requires providers of the most capable models to
    assess and mitigate systemic risks": what a rule obliges someone to do, not
    a step taken."""
    if m.start - 1 <= s.start or tokens[m.start - 1].lower() != "to":
        return False
    first = max(s.start, m.start - _OBLIGED_REACH)
    for i in range(m.start - 2, first - 1, -1):
        word = tokens[i].lower()
        if word in (",", ";"):
            return False
        if word.startswith(_OBLIGES):
            return True
    return False


def _rules_as_noun(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "South Africa wants AI rules that 'do not kill the patient'": rules that
    someone wants, not a court that rules; a court or an authority says it just
    before ("the judge rules that")."""
    if tokens[m.start].lower() != "rules" or m.start == s.start:
        return False
    before = m.start - 1
    return not any(
        n.position <= before < n.end and n.kind == "regulator" for n in s.mentions
    ) and not _authority_word_at(before, s)


_MOVES_ON = ("clear", "pass", "advanc", "approv", "back")
_COMMITTEES = frozenset(["committee", "committees", "subcommittee", "panel"])


def _committee_stage(s: Sentence, tokens: list[str]) -> bool:
    """ "AI pricing-algorithm bill clears Assembly privacy committee on party-line
    vote": a bill moving through a committee is not yet a law, and the vote is
    that committee's."""
    for a in s.of_layer(_REGULATORY):
        if tokens[a.start].lower().startswith(_MOVES_ON) and any(
            w.lower() in _COMMITTEES for w in tokens[a.end : a.end + 4]
        ):
            return True
    return False


_PARTNER_TITLES = frozenset(["managing", "general", "founding", "senior", "former", "venture"])


def _a_partner_person(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """A fund's partner is a person: "lists a Redpoint Ventures partner among
    its directors", "a partner at a growth-stage fund", "managing partner"."""
    if m.end - m.start != 1 or tokens[m.start].lower() not in ("partner", "partners"):
        return False
    if m.end < s.end and tokens[m.end].lower() == "at":
        return True
    if m.start == s.start:
        return False
    if tokens[m.start - 1].lower() in _PARTNER_TITLES:
        return True
    # "a Redpoint Ventures partner", not "Orange partners Mistral on ..." nor
    # "Perplexity and PayPal partner on ...", where two subjects make it a verb
    return tokens[m.start].lower() == "partner" and (
        any(c.end == m.start for c in s.of_layer("cue:org_suffix"))
        or any(
            n.end == m.start
            and n.kind == "organization"
            and not (n.position > s.start and tokens[n.position - 1].lower() == "and")
            for n in s.mentions
        )
    )


_TAKE = frozenset(["take", "takes", "took", "taking", "bring", "brings", "brought", "bringing"])


def _taken_to_court(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "Facelytics takes CNIL fine to France's top court": the company's appeal
    is the news, the fine is old."""
    if not any(w.lower() in _TAKE for w in tokens[max(s.start, m.start - 4) : m.start]):
        return False
    courts = s.of_layer("cue:court")
    return any(
        tokens[i].lower() == "to" and any(i < c.start <= i + 6 for c in courts)
        for i in range(m.end, min(s.end, m.end + 6))
    )


def _restates(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "the penalty", "this decision", or a noun in apposition after a comma
    (", a decision the company is appealing"): an earlier action named again."""
    if m.start <= s.start:
        return False
    return tokens[m.start - 1].lower() in _ANAPHORS or _in_apposition_after(m, s, tokens)


def _in_apposition_after(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ ", a probe opened in 2023": the action noun opens an apposition."""
    return (
        m.start - 2 >= s.start
        and tokens[m.start - 2] == ","
        and tokens[m.start - 1].lower() in ("a", "an")
    )


def _not_a_release(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "one of three widely available models": "available" before its noun
    describes models already out; "shares dropped 10%": a fall, not a drop."""
    word = tokens[m.start].lower()
    if word.startswith("announc"):
        return _deal_announced(m, s, tokens)
    if word.startswith("introduc"):
        return _law_introduced(m, s)
    if m.end >= s.end:
        return False
    if word == "available":
        return any(c.start == m.end for c in s.of_layer("cue:model_noun"))
    return word.startswith("drop") and tokens[m.end][:1].isdigit()


_PASSIVE_FILLERS = _AUXILIARIES | {"first", "originally", "officially", "publicly"}


def _law_introduced(m: Match, s: Sentence) -> bool:
    """ "today introduced the Nurture Originals, Foster Art, and Keep Entertainment
    Safe (NO FAKES) Act": what is introduced is a bill, named before any model."""
    law = next((c.start for c in s.of_layer("cue:law") if c.start >= m.end), None)
    return law is not None and not any(
        m.end <= n.position < law for n in s.mentions if n.kind == "model"
    )


def _deal_announced(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "when the deal was announced", "the partnership, announced in January":
    what is announced is a deal, not a model."""
    for i in range(m.start - 1, max(s.start, m.start - 5) - 1, -1):
        word = tokens[i].lower()
        if word.removesuffix("s") in _DEAL_NOUNS:  # "the deal", "the partnerships"
            return True
        if word not in _PASSIVE_FILLERS and word != ",":
            return False
    return False


def _deal_purpose(m: Match, s: Sentence, tokens: list[str]) -> bool:
    """ "signed a three-year agreement to roll out Kvasir's fault-prediction
    software": what a deal is for, a customer putting another company's product
    to use, is no release (unlike "teamed up with Nvidia to release Mistral
    NeMo")."""
    if m.start == s.start or tokens[m.start - 1].lower() != "to":
        return False
    if not any(m.start - 6 <= d.end <= m.start for d in s.of_layer("action:partnership")):
        return False
    return any(tokens[k] == "'s" for k in range(m.end + 1, min(s.end, m.end + 4)))


def _made_available(m: Match, s: Sentence, tokens: list[str]) -> str | None:
    """ "has made MAI-Voice-1, its first speech model, available in Copilot" is a
    release ("made"); "signed a deal to make its models available" is the deal's
    purpose, and "makes its models available through Bedrock" in a body what the
    company does (both "purpose"); None when "available" is not governed by "make"."""
    if tokens[m.start].lower() not in ("available", "make", "makes", "made", "making"):
        return None
    for i in range(max(s.start, m.start - 12), m.start + 1):
        if tokens[i].lower() in _MAKE:
            if i > s.start and tokens[i - 1].lower() == "to":
                return "purpose"
            if not s.is_title and tokens[i].lower() in ("make", "makes"):
                return "purpose"  # "makes its models available through Bedrock": what it does
            return "made" if i < m.start else None
    return None


def _regulator_positions(s: Sentence) -> list[int]:
    return (
        [n.position for n in s.mentions if n.kind == "regulator"]
        + [c.start for c in s.of_layer(_GENERIC)]
        + [c.start for c in s.of_layer("cue:court")]
        + s.acting_states
    )


# between a country acting as its government and its action: "the EU opened an
# investigation", "China has launched a probe", "Italy formally fined"
_STATE_OPENERS = (
    frozenset(
        [
            "opens",
            "opened",
            "launches",
            "launched",
            "starts",
            "started",
            "begins",
            "began",
            "has",
            "have",
            "had",
            "formally",
            "also",
            "now",
            "on",
            "an",
            "a",
            "formal",
            "new",
            "antitrust",
            "competition",
            "in-depth",
            "privacy",
            "fresh",
            "second",
        ]
    )
    | _WEEKDAYS
)  # "the EU on Tuesday opened"


# the endings of a nationality's adjective ("Italian", "Chinese", "British",
# "French", "Swiss", "Saudi"), and the places whose names end so
_ADJECTIVE_ENDINGS = ("ese", "ish", "ian", "ean", "can", "ch", "ss", "i")
_PLACES_LIKE_ADJECTIVES = frozenset(["delhi", "dhabi", "dubai", "mali", "malawi", "hawaii"])


def _is_adjective(word: str) -> bool:
    lowered = word.lower()
    if lowered in ("german", "greek"):
        return True
    return lowered.endswith(_ADJECTIVE_ENDINGS) and lowered not in _PLACES_LIKE_ADJECTIVES


_PLACE_PREPOSITIONS = frozenset(["in", "from", "across", "throughout", "outside", "within"])
# a verb whose object comes before the action: "EU hits Apple with fines"
_STATE_STRIKES = frozenset(["hits", "hit", "slaps", "slapped", "targets", "targeted"])
# "US adds Chinese AI firms to entity list": a state listing companies, when
# what it lists them on is a trade blacklist
_STATE_LISTINGS = frozenset(["adds", "added", "puts", "placed", "places"])


def _acting_states(s: Sentence) -> list[int]:
    """Where a country or bloc acts as its government: "EU opens antitrust
    investigation into...", "US sues Google", "Italy fines OpenAI" (a headline's
    usual way of naming the authority). Not a country as an adjective ("US
    firms face a probe") nor an owner ("Microsoft's EU probe")."""
    out = []
    actions = s.of_layer(_REGULATORY)
    if not actions:
        return out
    tokens = s.tokens
    for n in s.mentions:
        if n.kind != "jurisdiction" or (n.position > s.start and tokens[n.position - 1] == "'s"):
            continue
        if _is_adjective(tokens[n.end - 1]):
            continue  # "an Italian fine", "a French probe": whose, not who acts
        if n.position > s.start and tokens[n.position - 1].lower() in _PLACE_PREPOSITIONS:
            continue  # "newspapers in Germany have sued": where, not who acts
        j = n.end
        if j < s.end and tokens[j].lower() in _STATE_STRIKES:
            if any(m.start > j for m in actions):  # "EU hits Apple and Meta with fines"
                out.append(n.position)
            continue
        if j < s.end and tokens[j].lower() in _STATE_LISTINGS:
            if any(m.start > j and _is_listing(tokens[m.start : m.end]) for m in actions):
                out.append(n.position)
            continue
        while j < s.end and j - n.end < 4 and tokens[j].lower() in _STATE_OPENERS:
            j += 1
        if any(m.start == j for m in actions):
            out.append(n.position)
    return out


def _is_listing(words: list[str]) -> bool:
    return words[-1].lower() == "list" or words[0].lower().startswith("blacklist")


def _lobbying(s: Sentence) -> bool:
    """A request made by someone who is not an authority: what it asks for is not news."""
    return any(
        m.value[1] == _PETITION
        and not any(p < m.start for p in _regulator_positions(s))
        # "Dublin is already asking questions": a capital standing for its authority
        and not any(n.kind == "jurisdiction" and n.end <= m.start <= n.end + 3 for n in s.mentions)
        for m in s.of_layer(_REGULATORY)
    )


def _private_case(s: Sentence) -> bool:
    """A lawsuit or complaint and no authority in the sentence: what it seeks
    ("an order requiring the company to...") is asked for, not decided."""
    return any(m.value[1] == _FILING for m in s.of_layer(_REGULATORY)) and not (
        _regulator_positions(s)
    )


_APPEALS = frozenset(["appeal", "appeals", "challenge", "challenges"])
_LODGED = frozenset(["lodges", "lodged", "files", "filed", "launches", "launched"])
# a company's verb of resisting, before any authority: "OpenAI fights court order forcing it to
# keep deleted ChatGPT conversations", "Meta contests Brussels' fine"
_CONTESTS = frozenset(["fights", "contests", "resists", "battles"])


def _appeal_lodged(s: Sentence) -> bool:
    """ "Parlami lodges appeal in Rome against privacy watchdog's fine", "OpenAI
    fights court order ...": a company contesting a decision, with no authority
    acting before it; the decision the article then recounts is not the news."""
    tokens = s.tokens
    first = min(_regulator_positions(s), default=s.end)
    return any(
        tokens[i].lower() in _CONTESTS
        or (
            tokens[i].lower() in _APPEALS
            and (
                tokens[i - 1].lower() in _LODGED
                or "against" in (w.lower() for w in tokens[i + 1 : min(s.end, i + 5)])
            )
        )
        for i in range(s.start + 1, first)
    )


def _in_a_lawsuit(s: Sentence) -> bool:
    """A lawsuit or complaint over a deal, whoever brings it ("sued Apple and
    OpenAI over their tie-up"): the deal is what the case is about, not news of
    its own (unlike "the settlement includes a licensing agreement")."""
    tokens = s.tokens
    deals = s.of_layer("action:investment") + s.of_layer("action:partnership")
    return any(
        f.end <= d.start and not _OVER.isdisjoint(tokens[f.end : d.start])
        for f in s.of_layer(_REGULATORY)
        if f.value[1] == _FILING
        for d in deals
    )


_OVER = frozenset(["over", "about", "challenging", "against", "targeting"])


def is_regulatory_step(s: Sentence) -> bool:
    """An authority and one of its actions in the sentence, whatever the verdict:
    "the CMA cleared the deal", "did not qualify for investigation"."""
    actions = s.of_layer(_REGULATORY)
    if not actions or not _regulator_positions(s) or _lobbying(s):
        return False
    return any(m.value[1] != _FILING for m in actions)


# what a deal does besides: "in a deal that makes the start-up's models available on Azure"
_DEAL_TERMS_AFTER = frozenset(["that", "which", "to", "under", "including", "with", "where"])


def _agreement_to_invest(m: Match, s: Sentence) -> bool:
    """ "signed a definitive agreement to acquire Windsurf", "a deal to buy":
    the agreement is the acquisition, not a partnership; so is the deal a purchase
    was made in ("snaps up Finland's Silo AI for $665 million in all-cash deal")."""
    tokens = s.tokens
    return any(
        m.end <= c.start <= m.end + 4
        or (
            c.end <= m.start <= c.end + 10
            and _CLAUSE_BREAKS.isdisjoint(tokens[c.end : m.start])
            and "in" in tokens[c.end : m.start]
            and (m.end >= s.end or tokens[m.end].lower() not in _DEAL_TERMS_AFTER)
        )
        for c in s.of_layer("action:investment")
    )


# a roundup's stories start at a bullet, a number or a label in capitals:
# "1.", "→ Stellantis and Microsoft...", "• ...", "FUNDING.", "ONE MORE THING."
_STORY_MARK = re.compile(r"(?:\d{1,2}[.)]|[→•▪■►*–—-]\s|[A-Z][A-Z&' ]{2,30}[.:]$)")


def _starts_story(text: str) -> bool:
    return _STORY_MARK.match(text) is not None


def _completed(s: Sentence) -> bool:
    """The deal is done ("completed its acquisition"), not a step before it is
    ("failed to notify the deal before completing it")."""
    completions = s.of_layer("cue:completion")
    if not completions:
        return False
    tokens = s.tokens
    steps = [r.start for r in s.of_layer(_REGULATORY)]
    return any(
        (c.start == s.start or tokens[c.start - 1].lower() not in _NOT_YET)
        # "CMA closes Microsoft/OpenAI inquiry": the step is closed, not a deal
        and not any(c.end <= at < c.end + _CLOSED_REACH for at in steps)
        for c in completions
    )


_CLOSED_REACH = 4


# "before completing it"; and a completed deal named as the object of another
# verb ("has referred Arcturus's completed acquisition"): the news is that verb's
_NOT_YET = frozenset(["before", "without", "until", "'s", "the", "its", "their", "a", "his", "her"])


def _investment_headline(sentences: list[Sentence]) -> bool:
    """The headline reports an investment and no partnership: a bare "deal" or
    "agreement" in the body is most likely that investment."""
    for s in sentences:
        if not s.is_title:
            break
        layers = {(c.layer, c.value[1]) for c in s.matches if c.layer.startswith("action:")}
        tokens = s.tokens
        bought = ("action:investment", "strong") in layers or any(
            tokens[c.start].lower() in _BUYING and tokens[c.end : c.end + 1] != ["into"]
            for c in s.of_layer("action:investment")
        )  # "buys into" a start-up: a stake, often with a deal beside it
        if bought and not any(layer == "action:partnership" for layer, _ in layers):
            return True
    return False


# a company bought, in a headline's medium words: "CoreWeave snaps up Weights & Biases"
_BUYING = _TAKEOVER_NOUNS | frozenset(
    "snap snaps snapped snapping buy buys bought buying".split()  # noqa: SIM905
)


def _names_other_deal(s: Sentence) -> bool:
    tokens = s.tokens
    return any(
        m.value[1] == "strong" or tokens[m.end - 1].lower() in _TAKEOVER_NOUNS
        for m in s.of_layer("action:investment")
    ) or any(m.value[1] == "strong" for m in s.of_layer(_REGULATORY))


_ACTION_LAYERS = {c: f"action:{c}" for c in CATEGORIES}
_ACTION_LAYER_SET = frozenset(_ACTION_LAYERS.values())
_NOTHING = (0.0, False)


def _as_told_before(
    raw: dict[str, tuple[float, bool]], before: dict[str, tuple[float, bool]]
) -> dict[str, tuple[float, bool]]:
    """A sentence that takes its actor from the one before ("The investment will
    support...", "such an acquisition would") is no surer than that sentence was
    about the same kind of news: it inherits its hedges and negative contexts."""
    out = {}
    for category, (score, borrowed) in raw.items():
        earlier = before.get(category, (0.0, False))[0]
        if borrowed and earlier > 0:
            score = min(score, earlier)
        out[category] = (score, borrowed)
    return out


def _looks_back(s: Sentence) -> bool:
    """A sentence that sets its time in the past ("The CNIL found at the time
    that ...", "Last year the regulator ...")."""
    return s.has("background_anywhere") or s.has("background_clause") or s.has("background_rest")


def _told_of_then(
    raw: dict[str, tuple[float, bool]], before: dict[str, tuple[float, bool]], weight: float
) -> dict[str, tuple[float, bool]]:
    """A sentence that takes its actor from one set in the past ("The CNIL found
    at the time that ... It ordered Facelytics to stop") tells of that past too,
    where that sentence scored nothing it could pass on."""
    return {
        c: (score * weight if borrowed and not before.get(c, _NOTHING)[0] else score, borrowed)
        for c, (score, borrowed) in raw.items()
    }


def _genre_factor(sentences: list[Sentence], tokens: list[str], rules: Ruleset) -> float:
    """Less for every sentence of an opinion piece, timeline, explainer or list
    ("The ten biggest AI funding rounds of 2025"), as its headline says."""
    for s in sentences:
        if not s.is_title:
            break
        listed = any(
            c.layer == "cue:superlative"
            and c.start > s.start
            and (tokens[c.start - 1].isdigit() or tokens[c.start - 1].lower() in _NUMBER_WORDS)
            for c in s.matches
        )
        opens = any(c.layer == "cue:opener" and c.start == s.start for c in s.matches)
        if listed or opens or _kicker(s, rules) or s.has("cue:genre"):
            return rules.weights.get("genre", 1.0)
    return 1.0


def _kicker(s: Sentence, rules: Ruleset) -> bool:
    """The label before a headline's colon: "Speech: Competition across the AI
    stack", "Book review: ..." (not "Speech AI start-up raises $20m")."""
    head, colon, _ = s.text[:40].partition(":")
    return bool(colon) and " ".join(head.lower().split()) in rules.kickers


class SentenceScore(NamedTuple):
    """One sentence's score for one category (a tuple: made by the dozen per article)."""

    category: str
    score: float
    index: int
    actor_from_previous: bool


# a headline that scores this for a category reports it
_HEADLINE_REPORTS = 0.5


_ANAPHORIC_OPENERS = frozenset(["The", "This", "That", "These", "Those"])


def _the_one_told_of(
    s: Sentence,
    raw: dict[str, tuple[float, bool]],
    told: dict[tuple[str, str], float],
    synonyms: dict[str, str],
) -> dict[str, tuple[float, bool]]:
    """ "The sector is drawing attention from the CCI, which published a market
    study last month. ... The study flagged concerns": a sentence opening with
    "The" and a step or deal the article has named is about that one, and no
    surer of it than where it was named. Notes this sentence's own words for
    the sentences after it."""
    out = raw
    tokens = s.tokens
    opens = tokens[s.start] in _ANAPHORIC_OPENERS
    for category, at in s.action_at.items():
        score, borrowed = raw[category]
        if score <= 0:
            continue
        actions = s.by_layer[_ACTION_LAYERS[category]]
        if opens and at[0] == s.start + 1 and len(actions) == 1:
            earlier = told.get((category, synonyms.get(at[1], at[1])))
            if earlier is not None and earlier < score:
                if out is raw:
                    out = dict(raw)
                out[category] = (earlier, borrowed)
                score = earlier
        # the action that earned the score, by its first and its last word: "a
        # market study" is "The study" after
        last = next(m.end for m in actions if m.start == at[0]) - 1
        for word in (at[1], tokens[last].lower()):
            word = synonyms.get(word, word)
            if told.get((category, word), -1.0) < score:
                told[category, word] = score
    return out


def best_sentences(
    sentences: list[Sentence], tokens: list[str], rules: Ruleset
) -> dict[str, list[SentenceScore]]:
    """Every scoring sentence per category, best first."""
    scored: dict[str, list[SentenceScore]] = {c: [] for c in CATEGORIES}
    w = rules.weights
    focus = lobbying = contested = False
    genre = _genre_factor(sentences, tokens, rules)
    before: dict[str, tuple[float, bool]] = {}
    deal_focus = _investment_headline(sentences)
    headline: set[str] = set()  # what the headline reports
    beyond = w.get("beyond_lead", 1.0)
    lead = int(w.get("lead_sentences", 3))
    body = 0  # body sentences so far (of the current story, in a roundup)
    named: set[str] = set()  # the organisations the headline names
    told: dict[tuple[str, str], float] = {}  # (category, action word) -> best score so far
    for i, s in enumerate(sentences):
        if not s.is_title:
            body = 1 if _starts_story(s.text) else body + 1
        else:
            named |= _orgs(s)
        if s.layers.isdisjoint(_ACTION_LAYER_SET):
            before = {}
            continue
        previous = sentences[i - 1] if i else None
        if previous is not None and (s.is_title or not previous.is_title):
            s.previous = previous
        raw = {
            c: score_sentence(c, s, tokens, rules, deal_focus)
            if _ACTION_LAYERS[c] in s.layers
            else _NOTHING
            for c in CATEGORIES
        }
        if previous is not None and _looks_back(previous):
            raw = _told_of_then(raw, before, w["background"])
        if before:
            raw = _as_told_before(raw, before)
        raw = _the_one_told_of(s, raw, told, rules.synonyms)
        before = raw
        regulatory = is_regulatory_step(s)
        done = _completed(s)
        # a sentence dated to this week escapes the discounts below
        recent = not s.is_title and (body > lead or genre != 1.0) and _this_week(s)
        if s.is_title and regulatory and not done:
            focus = True
        if s.is_title and (_lobbying(s) or _private_case(s)):
            lobbying = True  # a company's request or lawsuit: what it asks for is not decided
        if s.is_title and _appeal_lodged(s):
            contested = True  # the decision contested, headline included, is background
        for category, (score, from_previous) in raw.items():
            if category in ("investment", "partnership") and score > 0 and not done:
                if regulatory or _in_a_lawsuit(s):
                    score *= w["regulated_deal"]
                elif focus and not s.is_title:
                    score *= w["regulatory_focus"]
            if category == "regulatory_action" and lobbying and not s.is_title:
                score *= w.get("lobbying_focus", 1.0)
            if category == "regulatory_action" and contested:
                score *= w["background"]
            if s.is_title and score >= _HEADLINE_REPORTS:
                headline.add(category)
            elif body > lead and category not in headline and not recent:
                score *= beyond  # deep in an article about something else: background, mostly
                if category == "regulatory_action" and score > 0 and _about_others(s, named):
                    score *= w["background"]  # a precedent: a step about other companies
                elif score > 0 and _known_deal(s, category, tokens):
                    score *= w["background"]
            if score > 0:
                score *= 1.0 if recent else genre
                scored[category].append(SentenceScore(category, score, i, from_previous))
    for ranked in scored.values():
        ranked.sort(key=_best_first)
    return scored


# deal nouns that, after "the", name a deal the reader knows: "The Anthropic stake has
# also padded Amazon's profits", "diluted the value of the partnership"
_DEAL_NOUNS = frozenset(
    "stake partnership deal agreement alliance investment acquisition collaboration tie-up "  # noqa: SIM905
    "pact relationship arrangement".split()
)


# what dates a step to the last few days: "On Wednesday the National Assembly voted"
_THIS_WEEK = re.compile(
    rf"\b(?:(?:on|since) (?:{'|'.join(sorted(_WEEKDAYS))})|(?:last|this) week"
    r"|this (?:morning|afternoon)|(?:from|earlier) today)\b",
    re.IGNORECASE,
)


def _this_week(s: Sentence) -> bool:
    """A sentence dated to a weekday or to this or last week reports news, however
    deep in the article ("Gov. Newsom put his signature on SB 53 on Monday").
    Worked out once per sentence: each past perfect's check asks again."""
    if s.week is None:
        s.week = _THIS_WEEK.search(s.text) is not None
    return s.week


def _known_deal(s: Sentence, category: str, tokens: list[str]) -> bool:
    """Deep in an article, a deal named as one already known ("the stake", "this
    partnership", "the Anthropic stake") is a reference back, not news."""
    if category not in ("investment", "partnership"):
        return False
    at = s.action_at.get(category)
    if at is None or at[1] not in _DEAL_NOUNS:
        return False
    i = at[0] - 1
    if i > s.start and tokens[i][:1].isupper():
        i -= 1  # "the Anthropic stake"
    if i < s.start or tokens[i].lower() not in _ANAPHORS:
        return False
    # "had completed the acquisition of Taalwerk": the deal done is the news
    return not any(c.end == i for c in s.of_layer("cue:completion"))


def _about_others(s: Sentence, named: set[str]) -> bool:
    """ "The CMA examined the Microsoft-Inflection arrangement before clearing
    it", deep in a story about Meta and Halcyon: the sentence names companies,
    and none of those the headline names."""
    if not named:
        return False
    tokens = s.tokens[s.start : s.end]
    pairs = [t.split("-") for t in tokens if "-" in t[1:] and t[:1].isupper()]
    if not _orgs(s) and not any(all(p[:1].isupper() for p in pair) for pair in pairs):
        return False  # no company named, not even as a pair: "the Microsoft-Inflection deal"
    words = {t.lower() for t in tokens} | {p.lower() for pair in pairs for p in pair}
    return not any(name.split()[0].lower() in words for name in named)  # "Tonwerk AI"


def _best_first(x: SentenceScore) -> tuple[float, int]:
    return -x.score, x.index


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
    """Labels, entities with roles, and amounts for one article (its other
    stories' headlines, sign-offs and captions left out: tracker.boilerplate)."""
    sentences, tokens = read_sentences(title, strip_boilerplate(body), rules)
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
