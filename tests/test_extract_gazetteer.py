"""The gazetteer's names: each alias gives its canonical name and kind, the file
holds together (one entry per alias, every model's developer and every
regulator's jurisdiction listed), and the ordinary words of a Title Case
headline are not taken for names."""

from __future__ import annotations

import tomllib
from collections import defaultdict

import pytest

from tracker.classify import analyze
from tracker.rules import DEFAULT_GAZETTEER
from tracker.ruleset import load_ruleset
from tracker.text import words

_REGULATOR_KINDS = {
    "competition", "privacy", "legislature", "court", "government", "securities", "financial",
    "health", "other",
}  # fmt: skip


def _entities(title: str, body: str) -> set[tuple[str, str, str | None]]:
    found = analyze(title, body, load_ruleset()).entities
    return {(e.kind, e.name, e.jurisdiction) for e in found}


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("Abu Dhabi's MGX joined the round on Monday.", "organization", "MGX"),
        ("Mubadala Investment Company said it had sold the stake.", "organization", "Mubadala"),
        ("French shipping group CMA CGM signed the contract.", "organization", "CMA CGM"),
        ("Reliance Jio will host the models in India.", "organization", "Reliance Industries"),
        ("Hon Hai will build the servers in Texas.", "organization", "Foxconn"),
        ("Nvidia completed its purchase of Run:ai on Monday.", "organization", "Run:ai"),
        ("Telefónica said it would resell the models.", "organization", "Telefonica"),
        ("The round drew ICONIQ Growth and HongShan.", "organization", "ICONIQ"),
        ("JPMorgan said it had given the tool to 200,000 staff.", "organization", "JPMorgan Chase"),
        ("CFIUS is reviewing the investment.", "regulator",
         "Committee on Foreign Investment in the United States"),
        ("The European Court of Justice ruled on Thursday.", "regulator",
         "Court of Justice of the European Union"),
        ("China's Commerce Ministry said it had opened a probe.", "regulator",
         "Ministry of Commerce of China"),
        ("South Korea's Personal Information Protection Commission halted downloads.",
         "regulator", "Personal Information Protection Commission of Korea"),
        ("The Autoriteit Persoonsgegevens fined the company.", "regulator",
         "Autoriteit Persoonsgegevens"),
        ("Texas Attorney General Ken Paxton opened an investigation.", "regulator",
         "Texas Attorney General"),
        ("Ankara said the rules would apply from March.", "jurisdiction", "TR"),
        ("North Korean hackers used the chatbot.", "jurisdiction", "KP"),
        ("New Mexico's attorney general sued the company.", "jurisdiction", "US"),
        ("Anthropic released Claude Sonnet 4.5 on Monday.", "model", "Claude Sonnet 4.5"),
        ("DeepSeek-R1 was trained for a fraction of the cost.", "model", "DeepSeek-R1"),
        ("Moonshot AI released Kimi K2 Thinking.", "model", "Kimi K2"),
        ("Google's Nano Banana went viral.", "model", "Gemini 2.5 Flash Image"),
        ("LG AI Research released EXAONE 4.0.", "model", "Exaone"),
        ("Naver unveiled HyperCLOVA X THINK.", "model", "HyperCLOVA X"),
    ],
)  # fmt: skip
def test_an_alias_gives_the_canonical_name(text: str, kind: str, name: str) -> None:
    assert any(k == kind and n == name for k, n, _ in _entities("", text))


@pytest.mark.parametrize(
    ("text", "name", "jurisdiction"),
    [
        ("The Autoriteit Persoonsgegevens fined the company.", "Autoriteit Persoonsgegevens", "NL"),
        ("The General Court dismissed the appeal.", "General Court of the European Union", "EU"),
        ("The Ninth Circuit heard the case.", "US Court of Appeals for the Ninth Circuit", "US"),
        ("SDAIA published the rules.", "Saudi Data and AI Authority", "SA"),
    ],
)  # fmt: skip
def test_a_regulator_has_its_jurisdiction(text: str, name: str, jurisdiction: str) -> None:
    assert ("regulator", name, jurisdiction) in _entities("", text)


@pytest.mark.parametrize(
    ("title", "not_names"),
    [
        ("How Startups Scale Their Cloud Spending With Lambda Functions", {"Scale AI", "Lambda Labs"}),  # noqa: E501
        ("Reliance On Nvidia Chips Grows As Cognition Research Advances",
         {"Reliance Industries", "Cognition AI"}),
        ("Developers Move The Cursor To Windsurf As Agents Take Over", {"Anysphere", "Cursor"}),
        ("Falcon 9 Launches Another Batch Of Satellites", {"Falcon LLM"}),
        ("Nova Scotia Backs A New Data Centre For AI", {"Amazon Nova"}),
        ("JD Vance Says Europe Is Overregulating Artificial Intelligence", {"JD.com"}),
        ("Genie In A Bottle: What Agents Can And Cannot Do", {"Genie 3"}),
        ("Granite Countertops And Marble Floors Fill The New Headquarters", {"Granite 3", "Granite 4"}),  # noqa: E501
        ("Aya Morimoto Joins The Board Of A Tokyo Start-Up", {"Aya Expanse"}),
        ("CMA CGM Signs Artificial Intelligence Deal With Mistral",
         {"Competition and Markets Authority"}),
        ("North Korean Hackers Used ChatGPT, OpenAI Says", {"KR"}),
        ("New Mexico Sues Meta Over Chatbots Talking To Children", {"MX"}),
        ("FTC opens inquiry into Big Tech's investments in AI start-ups", {"Big Tech"}),
    ],
)  # fmt: skip
def test_title_case_words_are_not_names(title: str, not_names: set[str]) -> None:
    assert not {name for _, name, _ in _entities(title, "")} & not_names


@pytest.mark.parametrize(
    ("title", "body", "present", "absent"),
    [
        ("BIS tightens chip export rules",
         "The Commerce Department's Bureau of Industry and Security published the rule. "
         "BIS said it takes effect at once.", "US Department of Commerce", None),
        ("BIS warns on AI", "The BIS said central banks should study generative models.",
         None, "US Department of Commerce"),
        ("BIS report on AI", "The Bank for International Settlements said in a report that "
         "BIS staff use the models.", "Bank for International Settlements",
         "US Department of Commerce"),
        ("ICO fines Clearview", "The Information Commissioner's Office said the ICO would act.",
         "Information Commissioner's Office", None),
        ("Crypto start-up pivots to AI", "It raised $40 million in an ICO in 2017.",
         None, "Information Commissioner's Office"),
        ("Australian Senate passes AI bill", "The Senate vote was 40 to 20.",
         "Senate of Australia", "US Congress"),
        ("Senate passes AI bill", "The Senate voted 60-40; the House of Representatives follows.",
         "US Congress", None),
        ("Senate votes on AI rules", "The Senate voted on Tuesday.", None, "US Congress"),
    ],
)  # fmt: skip
def test_an_ambiguous_alias_needs_its_entry_named_otherwise(
    title: str, body: str, present: str | None, absent: str | None
) -> None:
    names = {name for _, name, _ in _entities(title, body)}
    assert present is None or present in names
    assert absent is None or absent not in names


def _gazetteer() -> dict[str, list[dict[str, object]]]:
    with DEFAULT_GAZETTEER.open("rb") as f:
        return tomllib.load(f)


def test_every_alias_names_one_entry() -> None:
    owners: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
    for kind in ("organization", "regulator", "jurisdiction", "model"):
        for row in _gazetteer()[kind]:
            key = str(row.get("code", row["name"]))
            aliases = [row["name"], *row.get("aliases", []), *row.get("ambiguous", [])]  # type: ignore[list-item]
            for alias in aliases:
                owners[tuple(w.lower() for w in words(str(alias)))].add((kind, key))
    shared = {alias: found for alias, found in owners.items() if len(found) > 1}
    assert not shared


def test_models_and_regulators_point_at_listed_entries() -> None:
    gaz = _gazetteer()
    developers = {row["name"] for row in gaz["organization"]}
    codes = {row["code"] for row in gaz["jurisdiction"]}
    assert {row["developer"] for row in gaz["model"]} <= developers
    assert {row["jurisdiction"] for row in gaz["regulator"]} <= codes
    assert {row["kind"] for row in gaz["regulator"]} <= _REGULATOR_KINDS
