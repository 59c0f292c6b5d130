"""Who and what an article names: organisations, regulators, jurisdictions,
models and people, and the roles the labelled sentences give them.

Names come from the gazetteer (canonical name for every alias: "Mistral" is
"Mistral AI", "MSFT" is "Microsoft"); organisations it does not know are found
by their company cues ("start-up Voxoa", "chip designer FuriosaAI", "Kettle
Ventures", "Black Forest Labs"), people by their titles ("chief executive Sam
Altman"). Pure: tokens and lexicon matches in, entities out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from tracker.models import Entity
from tracker.text import SEPARATOR, Match

if TYPE_CHECKING:
    from tracker.classify import Sentence

_CAMEL_AI = re.compile(r"^[A-Z][A-Za-z]*[a-z][A-Za-z]*-?AI$")  # "DeepSeekAI", "Bio-AI"; not "DUBAI"
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "And",
        "Of",
        "In",
        "On",
        "For",
        "Under",
        "After",
        "But",
        "Big",  # "an inquiry into Big Tech"
        # quantities and qualities that open a sentence: "Few AI products have had", "Popular
        # AI chatbots gave"
        "Few",
        "Many",
        "Most",
        "Some",
        "Popular",
        "Every",
        "Several",
        "Other",
        "Smaller",
        "My",
        "No",
        # question words: "Why AI start-ups are ...", "When AI agents fail"
        "If",
        "When",
        "Which",
        "Why",
        "What",
        "How",
        "Where",
        "Its",
        "It",
        "This",
        "That",
        "Their",
        "His",
        "Her",
        "Our",
        "With",
        "From",
        "By",
        "At",
        "As",
        "To",
        "Last",
        "Next",
        "New",
        "Chief",
        "Executive",
        "Officer",
        "President",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        # verbs that follow a name in a Title Case headline: "Fintech Startup Raises $10 Million"
        "Raises",
        "Says",
        "Is",
        "Are",
        "Launches",
        "Signs",
        "Buys",
        "Acquires",
        "Invests",
        "Unveils",
        "Gets",
        "Secures",
        "Lands",
        "Wins",
        "Announces",
        "Releases",
        "Joins",
        "Opens",
        "Fines",
        "Sues",
        "Bags",
        "Closes",
        "Hits",
        "Faces",
        "Plans",
        "Wants",
        "Will",
        # a release's or a wire's header: "PRESS RELEASE", "UPDATE 2", "EXCLUSIVE"
        "PRESS",
        "RELEASE",
        "UPDATE",
        "EXCLUSIVE",
        "BREAKING",
    ]
)
# who acts first in the sentence is on the investor side for these actions,
# and on the receiving side for those ("Mistral raised", "Perplexity secured")
_INVESTEE_FIRST = frozenset(
    [
        "raise",
        "raises",
        "raised",
        "raising",
        "round",
        "funding",
        "funding",
        "round",
        "secure",
        "secures",
        "secured",
        "bag",
        "bags",
        "bagged",
        "pulled",
        "pull",
        "pulls",
        "closes",
        "closed",
        "financing",
        "series",
    ]
)


_INVESTMENT_NOUNS = frozenset(["investment", "stake"])


class Mention(NamedTuple):
    """A name in the text (a tuple: made by the dozen per article, so cheap to create)."""

    kind: str
    name: str
    text: str
    position: int
    end: int
    jurisdiction: str | None = None
    developer: str | None = None
    regulator_kind: str | None = None


_new_mention = tuple.__new__  # Mention(...) without the Python-level __new__: made by the dozen
_by_position = attrgetter("position")
_KIND_NAME = attrgetter("kind", "name")
_TEXT_JURISDICTION = attrgetter("text", "jurisdiction")


def _is_name_word(word: str) -> bool:
    if not word[:1].isupper() or word in _NOT_NAMES:
        return False
    if "-" in word:
        # "Mercedes-Benz", "Jio-bp", "GPT-4o", not "Swiss-hosted" nor "Zurich-based"
        return not word.rsplit("-", 1)[1].islower() or len(word.rsplit("-", 1)[1]) <= 3
    return word.isalnum() or "." in word or "&" in word


def find_mentions(
    tokens: list[str],
    start: int,
    end: int,
    matches: Sequence[Match],
    *,
    title_case: bool,
    candidates: Sequence[int] | None = None,
    based: Sequence[int] = (),
) -> list[Mention]:
    """Gazetteer names, unknown organisations and people in tokens[start:end].

    ``candidates``: the positions of the tokens there that end in "AI", when the
    caller has found them for the whole article already; ``based``: those of the
    words that place a company ("Paris-based"), whose next name is one."""
    out: list[Mention] = []
    taken: set[int] = set()
    for m in matches:
        if m.layer == "entity":
            e, first, last = m.value, m.start, m.end
            text = tokens[first] if last - first == 1 else " ".join(tokens[first:last])
            fields = (e.kind, e.name, text, first, last, e.jurisdiction, e.developer)
            out.append(_new_mention(Mention, (*fields, e.regulator_kind)))
            taken.update(range(first, last))
    described = False  # an apposition names an organisation only with a cue: "..., the start-up"
    for m in matches:
        if m.layer == "cue:org_before":
            described = True
            found = _run_after(tokens, m.end, end, taken)
            if found:
                out.append(_org(tokens, *found))
                taken.update(range(*found))
        elif m.layer == "cue:org_suffix" and not title_case and m.start not in taken:
            head = _run_before(tokens, m.start, start, taken)
            if head is not None and not _a_field(tokens, head, m.start, m.end, end):
                out.append(_org(tokens, head, m.end))
                taken.update(range(head, m.end))
        elif m.layer == "cue:person_title":
            found = _run_after(tokens, m.end, end, taken, names_only=True)
            if found and found[1] - found[0] >= 2:
                text = " ".join(tokens[found[0] : found[1]])
                out.append(Mention("person", text, text, found[0], found[1]))
                taken.update(range(*found))
    for i in based:  # "Paris-based Orbitale has closed a round", not "Apache-2.0-based Falcon"
        if not tokens[i][:-6].isalpha():
            continue
        found = _run_after(tokens, i + 1, end, taken)
        if found:
            out.append(_org(tokens, *found))
            taken.update(range(*found))
    for i in range(start, end) if candidates is None else candidates:
        if tokens[i].endswith("AI") and i not in taken and _CAMEL_AI.match(tokens[i]):
            out.append(_org(tokens, i, i + 1))
            taken.add(i)
    for found in _described_names(tokens, start, end, matches, taken) if described else ():
        out.append(_org(tokens, *found))
        taken.update(range(*found))
    if out:
        for found in _coordinated(tokens, start, end, matches, out, taken):
            out.append(_org(tokens, *found))
            taken.update(range(*found))
    out.sort(key=_by_position)
    return out


def names_found(mentions: Iterable[Mention]) -> dict[str, list[tuple[str, ...]]]:
    """The organisations named in an article, as token runs by their first token,
    longest first. Those a cue found ("start-up Farmlingo", "Kanda Robotics K.K.")
    are the ones that matter: the article names them bare elsewhere ("Farmlingo
    has closed a seed round"), where no cue finds them (the gazetteer's are found
    everywhere already)."""
    runs: dict[str, set[tuple[str, ...]]] = {}
    texts = {n.text for n in mentions if n.kind == "organization"}
    for text in texts:
        run = tuple(text.split(" "))
        first = run[0]
        if len(run) == 1 and (len(first) < 3 or first.isupper()):
            continue  # "AI", "EU": too short or an acronym that names other things
        if first.lower() in _NOT_FIRST:
            continue
        runs.setdefault(first, set()).add(run)
    return {k: sorted(v, key=len, reverse=True) for k, v in runs.items()}


# words that open no name carried through an article: "The Company", "Its AI unit"
_NOT_FIRST = frozenset("the a an this that its their our his her it in on at for and or".split())  # noqa: SIM905


def repeated_names(
    tokens: list[str],
    at: Iterable[int],
    known: dict[str, list[tuple[str, ...]]],
    mentions: list[Mention],
) -> list[Mention]:
    """The names in ``known`` again at the positions ``at`` (where a token opens
    one), outside the sentence's own ``mentions``."""
    taken = {i for n in mentions for i in range(n.position, n.end)}
    out: list[Mention] = []
    for i in at:
        if i in taken:
            continue
        for run in known[tokens[i]]:
            end = i + len(run)
            if tuple(tokens[i:end]) == run and taken.isdisjoint(range(i, end)):
                out.append(_org(tokens, i, end))
                taken.update(range(i, end))
                break
    return out


# how far a company's description may run before its name: "and AI cloud start-up Fluxgrid"
_DESCRIPTION_REACH = 4


def _coordinated(
    tokens: list[str],
    start: int,
    end: int,
    matches: Sequence[Match],
    found: list[Mention],
    taken: set[int],
) -> list[tuple[int, int]]:
    """Names joined by "and" to an organisation the sentence names: "Cologix and
    AI cloud start-up Fluxgrid Compute", "Daeduck Electronics and Japan's
    Ibiden". A name that a rules phrase covers ("Regulators and Microsoft") is a
    word of the vocabulary, not a company."""
    cue_ends: dict[int, int] | None = None  # worked out when first needed
    out = []
    for o in found:
        if o.kind != "organization":
            continue
        # the name before: "X and [description] O"
        if "and" in tokens[max(start, o.position - 2 * _DESCRIPTION_REACH) : o.position]:
            if cue_ends is None:
                cue_ends = {m.end: m.start for m in matches if m.layer == "cue:org_before"}
            first = cue_ends.get(o.position, o.position)
        else:
            first = start  # no "and" near: nothing to look at before the name
        for k in range(first - 1, max(start, first - _DESCRIPTION_REACH) - 1, -1):
            if tokens[k] == "and":
                # right before the name, or before a description that ends in a
                # company cue (not "Current and former OpenAI employees")
                run = _run_before(tokens, k, start, taken)
                if (
                    run is not None
                    and (k == o.position - 1 or first < o.position)
                    and not _covered(matches, run, k)
                ):
                    out.append((run, k))
                    taken.update(range(run, k))
                break
            if not tokens[k][:1].isalnum() or (
                k < first - 1 and tokens[k][:1].isupper() and tokens[k] not in _GENERIC_CAPITALS
            ):
                break  # punctuation, or another name in between
        # the name after: "O and Japan's X"
        k = o.end
        if k + 1 < end and tokens[k] == "and":
            k += 1
            if k + 2 < end and tokens[k + 1] == "'s" and tokens[k][:1].isupper():
                k += 2  # a country's company: "Japan's Ibiden"
            run = _run_after(tokens, k, end, taken)
            if run is not None and not _covered(matches, *run):
                out.append(run)
                taken.update(range(*run))
    return out


def _described_names(
    tokens: list[str], start: int, end: int, matches: Sequence[Match], taken: set[int]
) -> list[tuple[int, int]]:
    """Names that the sentence describes as organisations: the subject followed by
    an apposition ("Helsing, the German defence company, said"). (The investor
    after "led by" is found by that cue, in the gazetteer.)"""
    out = []
    i = start
    # a dateline: "MUNICH - Helsing, the ..." (unless the caller has started after one:
    # "AMSTERDAM - DPG Medien, the publisher" keeps DPG)
    at_sentence_start = start == 0 or tokens[start - 1] == SEPARATOR
    while (
        at_sentence_start
        and i < end - 1
        and len(tokens[i]) > 1
        and tokens[i].isupper()
        and tokens[i].isalpha()
    ):
        i += 1
    found = _run_after(tokens, i, end, taken)
    if found and found[1] < end and tokens[found[1]] == ",":
        comma = found[1]
        if any(m.layer == "cue:org_before" and comma < m.start <= comma + 6 for m in matches):
            out.append(found)
    return out


def _covered(matches: Sequence[Match], first: int, end: int) -> bool:
    """Whether a rules phrase other than a name covers any of tokens[first:end]."""
    return any(m.start < end and first < m.end and m.layer != "entity" for m in matches)


# words that make "AI" a field or a market, not a company's name: "Generative AI",
# "Sovereign AI", "Munich AI" (a city); a quantity ("Every AI") is no name word at all
_FIELD_WORDS = frozenset(
    "Agentic Applied Conversational Document Edge Embodied Enterprise Ethical Frontier "  # noqa: SIM905
    "FRONTIER General-Purpose Generative Industrial Inclusive Legal Multimodal Open-Source "
    "Physical Responsible Sovereign Trustworthy Voice Business Consumer Government Model "
    "Operation One Inside Using Adding African Arabic Asian Colombian Continental Foreign "
    "Global Gulf LatAm Local "
    "National Philippine Western Chinese American European Indian Japanese Korean French "
    "German British Bengaluru Chennai Delhi Dubai Hangzhou Istanbul London Munich Osaka "
    "Quebec Utrecht Warsaw Paris Berlin Tokyo Seoul Beijing Shanghai Singapore".split()
)
# nouns that follow a field's "AI": "the Munich AI start-up", "Enterprise AI adoption"
_FIELD_NOUNS = frozenset(
    "start-up start-ups startup startups company companies firm firms tools tool models "  # noqa: SIM905
    "model systems system adoption market markets boom race sector industry act rules "
    "policy policies strategy push ambitions hub hubs ecosystem talent research safety "
    "governance regulation spending services products features agents chips chip "
    "infrastructure projects scene summit week".split()
)


def _a_field(tokens: list[str], first: int, suffix: int, after: int, end: int) -> bool:
    """ "Generative AI", "the Munich AI start-up": a capitalised word and "AI" that
    name a field, a market or a description, not a company."""
    if tokens[suffix] != "AI":
        return False
    if suffix - first == 1 and tokens[first] in _FIELD_WORDS:
        return True
    return after < end and tokens[after] in _FIELD_NOUNS


def _org(tokens: list[str], first: int, end: int) -> Mention:
    text = tokens[first] if end - first == 1 else " ".join(tokens[first:end])
    return _new_mention(Mention, ("organization", text, text, first, end, None, None, None))


def _run_after(
    tokens: list[str], i: int, end: int, taken: set[int], *, names_only: bool = False
) -> tuple[int, int] | None:
    j = i
    while j < end and j - i < 3 and j not in taken and _is_name_word(tokens[j]):
        if names_only and not tokens[j].isalpha():
            break
        j += 1
        if not names_only and j + 1 < end and _ampersand(tokens, j, j + 1, taken):
            j += 2  # "Procter & Gamble"
    if j == i or (j == i + 1 and tokens[i] in _GENERIC_CAPITALS):
        return None  # "investment in AI start-ups": a field, not a name
    return i, j


def _ampersand(tokens: list[str], at: int, then: int, taken: set[int]) -> bool:
    """An "&" at ``at`` joins a name to the name word at ``then``: "Procter & Gamble"."""
    return tokens[at] == "&" and then not in taken and _is_name_word(tokens[then])


_GENERIC_CAPITALS = frozenset(["AI", "GenAI", "IT", "LLM", "LLMs", "SaaS", "API", "APIs"])


def _run_before(tokens: list[str], i: int, start: int, taken: set[int]) -> int | None:
    j = i
    while j - 1 >= start and i - j < 3 and j - 1 not in taken:
        if _is_name_word(tokens[j - 1]):
            j -= 1
        elif j - 2 >= start and _ampersand(tokens, j - 1, j - 2, taken):
            j -= 2  # "Mitsui & Co"
        else:
            break
    # a name is more than its suffix, and a lone capital at the start of a
    # sentence may be any word ("Research shows...")
    if j == i or (j == start and i - j < 1):
        return None
    return j


def _roles_in(category: str, sentence: Sentence) -> list[tuple[str, str, str]]:
    """(kind, name, role) triples that one evidence sentence supports."""
    mentions = sentence.mentions
    orgs = [m for m in mentions if m.kind == "organization"]
    out: list[tuple[str, str, str]] = []
    action = sentence.action_at.get(category)
    if category == "investment" and action is not None and len({o.name for o in orgs}) > 1:
        # "X invested in Y": the side before the action invests; "Y raised ... led by X": the
        # side before the action receives
        before = {o.name for o in orgs if o.position < action[0]}
        after = {o.name for o in orgs if o.position >= action[0]} - before
        first, second = ("investee", "investor") if action[1] in _INVESTEE_FIRST else (
            "investor", "investee")  # fmt: skip
        if before and after:
            out += [("organization", n, first) for n in sorted(before)]
            out += [("organization", n, second) for n in sorted(after)]
        elif len(before) > 1 and action[1] in _INVESTMENT_NOUNS:
            # "Amazon completes $4 billion Anthropic investment": investor, then investee
            named = [o.name for o in sorted(orgs, key=lambda o: o.position)]
            out.append(("organization", named[0], "investor"))
            out += [("organization", n, "investee") for n in sorted(before - {named[0]})]
    elif category == "partnership":
        out += [("organization", o.name, "partner") for o in orgs]
    elif category == "model_release":
        # the releasing developer is the first named; models of other makers in the
        # sentence are what it is compared with, not what was released
        models = [m for m in mentions if m.kind == "model"]
        developer = orgs[0].name if orgs else next((m.developer for m in models), None)
        for m in models:
            if m.developer in (None, developer):
                out.append(("model", m.name, "model"))
        if developer:
            out.append(("organization", developer, "developer"))
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
    keys = list(map(_KIND_NAME, mentions))
    # each name's first mention text and jurisdiction: read backwards, the first is written last
    first: dict[tuple[str, str], tuple[str, str | None]] = dict(
        zip(reversed(keys), map(_TEXT_JURISDICTION, reversed(mentions)), strict=True)
    )
    roles: dict[tuple[str, str], list[str]] = {key: [] for key in dict.fromkeys(keys)}
    for category, sentence in evidence.items():
        for kind, name, role in _roles_in(category, sentence):
            first.setdefault((kind, name), (name, None))
            have = roles.setdefault((kind, name), [])
            if role not in have:
                have.append(role)
    entities = []
    for key, found in roles.items():
        text, jurisdiction = first[key]
        for role in found or ["mentioned"]:
            entities.append(Entity(key[0], key[1], role, text, jurisdiction))
    return tuple(entities)
