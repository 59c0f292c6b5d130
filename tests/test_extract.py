"""Entities: canonical names for aliases, organisations the gazetteer lacks,
people by title, regulators with jurisdictions, and roles from the evidence."""

from __future__ import annotations

import pytest

from tracker.classify import analyze, read_sentences
from tracker.extract import Mention, names_found, repeated_names
from tracker.ruleset import load_ruleset


def _entities(title: str, body: str) -> set[tuple[str, str, str]]:
    return {(e.kind, e.name, e.role) for e in analyze(title, body, load_ruleset()).entities}


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("MSFT shares rose.", "organization", "Microsoft"),
        ("Mistral said on Monday it was hiring.", "organization", "Mistral AI"),
        ("Brussels opened a probe into the deal.", "regulator", "European Commission"),
        ("The Bundeskartellamt said it was reviewing it.", "regulator", "Bundeskartellamt"),
        ("Italy's Garante ordered a halt.", "regulator", "Garante per la protezione dei dati personali"),  # noqa: E501
        ("China's SAMR opened a probe.", "regulator", "State Administration for Market Regulation"),
        ("The JFTC published a report.", "regulator", "Japan Fair Trade Commission"),
        ("Paris-based start-up Voxoa said it had grown.", "organization", "Voxoa"),
        ("The round was led by Kettle Ventures on Monday.", "organization", "Kettle Ventures"),
        ("Chip designer FuriosaAI said it had shipped.", "organization", "FuriosaAI"),
        ("Chief executive Sam Altman told staff.", "person", "Sam Altman"),
        ("Texas Attorney General Ken Paxton said so.", "person", "Ken Paxton"),
        ("The EU said so.", "jurisdiction", "EU"),
        ("MUNICH - Helsing, the German defence company, said so.", "organization", "Helsing"),
        ("A round led by Durable Capital Partners closed.", "organization", "Durable Capital Partners"),  # noqa: E501
    ],
)  # fmt: skip
def test_names(text: str, kind: str, name: str) -> None:
    assert any(k == kind and n == name for k, n, _ in _entities("", text))


def test_roles_investor_and_investee() -> None:
    found = _entities("Nvidia invests $2 billion in Mistral AI", "")
    assert ("organization", "Nvidia", "investor") in found
    assert ("organization", "Mistral AI", "investee") in found


def test_roles_when_the_investee_raises() -> None:
    found = _entities("", "Mistral AI has raised €600 million in a round led by General Catalyst.")
    assert ("organization", "Mistral AI", "investee") in found
    assert ("organization", "General Catalyst", "investor") in found


def test_roles_regulator_target_and_jurisdiction() -> None:
    found = _entities(
        "", "The CMA opened an investigation into Microsoft's deal with Inflection AI."
    )
    assert ("regulator", "Competition and Markets Authority", "regulator") in found
    assert ("jurisdiction", "UK", "jurisdiction") in found
    assert ("organization", "Microsoft", "target") in found


def test_roles_developer_and_model() -> None:
    found = _entities("OpenAI releases GPT-4o", "")
    assert ("model", "GPT-4o", "model") in found
    assert ("organization", "OpenAI", "developer") in found


def test_roles_in_a_noun_compound_investment() -> None:
    found = _entities("Amazon completes $4 billion Anthropic investment", "")
    assert ("organization", "Amazon", "investor") in found
    assert ("organization", "Anthropic", "investee") in found


def test_a_dateline_is_not_an_actor() -> None:
    found = _entities("", "BRUSSELS - Lobby groups urged the delay on Thursday.")
    assert not any(kind == "regulator" for kind, _, _ in found)


@pytest.mark.parametrize(
    ("title", "body", "name"),
    [
        # a press-release wire's dateline and an agency's capitals stay out of the name
        ("", "ZURICH, Switzerland--(BUSINESS WIRE)--Kontur AI, a developer of models, said so.", "Kontur AI"),  # noqa: E501
        ("", "AMSTERDAM - DPG Media, the publisher of De Volkskrant, signed a deal.", "DPG Media"),
        # an acronym that opens the name after the dateline stays in it
        ("", "AMSTERDAM - DPG Medien, the publisher of De Volkskrant, signed a licensing deal with Anthropic.", "DPG Medien"),  # noqa: E501
        ("", "SEOUL - Haneul Labs released a new language model for Korean banks and insurers on Monday, the company said.", "Haneul Labs"),  # noqa: E501
        # a place that qualifies the company is not part of its name
        ("", "Chennai-based Kural Labs has raised $4 million in a seed round led by a local fund, the company said.", "Kural Labs"),  # noqa: E501
        ("", "Ricoh Co. said it will invest in Kotoba Works, an Osaka-based developer.", "Kotoba Works"),  # noqa: E501
        # a company placed by a city is a company: "Paris-based Orbitale"
        ("", "Paris-based Orbitale has closed a €12 million seed round to build agents for satellite operators.", "Orbitale"),  # noqa: E501
        # a dateline ends at a colon too, as Indian papers write it
        ("", "MUMBAI: Meridian Infotech, a mid-sized IT services company, said it had raised Rs 200 crore.", "Meridian Infotech"),  # noqa: E501
        # an ampersand is part of a name: "Mitsui & Co.", not "Mitsui Co"
        ("", "Trading house Mitsui & Co. said it had invested $30 million in Sakana AI.", "Mitsui & Co"),  # noqa: E501
        ("", "Consumer goods group Procter & Gamble said it had signed a deal with Mistral AI.", "Procter & Gamble"),  # noqa: E501
    ],
)  # fmt: skip
def test_company_names_without_their_surroundings(title: str, body: str, name: str) -> None:
    names = {n for kind, n, _ in _entities(title, body) if kind == "organization"}
    assert name in names
    assert not any(name in other and other != name for other in names)


@pytest.mark.parametrize(
    "body",
    [
        "DUBAI - Qalam, a Dubai-based startup, raised $60 million.",  # a capital ending in "AI"
        "Swisscom will offer the models on its Swiss-hosted AI platform.",  # an adjective
        "Few AI products have had a more tumultuous first month.",  # a quantity
        "Generative AI has changed how banks write software.",  # a field
        "Kernwerk, the Munich AI start-up, said it had hired staff.",  # a place
        "Sales of its Topaz AI services rose by a fifth.",  # a product line, by the noun after
    ],
)
def test_no_organisation_made_of_a_place_or_an_adjective(body: str) -> None:
    names = {n for kind, n, _ in _entities("", body) if kind == "organization"}
    junk = ("DUBAI", "Swiss-hosted AI", "Few AI", "Generative AI", "Munich AI", "Topaz AI")
    assert not any(n in junk for n in names), names


def test_a_release_header_is_not_part_of_a_name() -> None:
    body = "PRESS RELEASE\nLumen Sprachtechnik GmbH today announced a deal with Deutsche Telekom."
    names = {n for kind, n, _ in _entities("", body) if kind == "organization"}
    assert "Lumen Sprachtechnik GmbH" in names, names
    wire = "NEW YORK--(PRESS RELEASE)--Sonora Labs Inc. today said it had raised $12 million."
    names = {n for kind, n, _ in _entities("", wire) if kind == "organization"}
    assert names == {"Sonora Labs"}, names


def test_a_lone_letter_is_not_a_company_named_with_an_ampersand() -> None:
    # "e&" (the UAE telecoms group) is "e" and "&": a lone "e" is not it
    assert not _entities("", "The board chose option e, the cheapest of the five.")
    assert ("organization", "e&") in {
        (k, n) for k, n, _ in _entities("", "Qalam signed a deal with e&.")
    }


def test_a_company_named_once_with_a_cue_is_found_where_it_is_named_bare() -> None:
    body = (
        "Lagos start-up Farmlingo answers farmers' questions over WhatsApp. "
        "Google has invested in Farmlingo and in The Farm Group."
    )
    sentences, _ = read_sentences("", body, load_ruleset())
    second = {(n.kind, n.name) for n in sentences[1].mentions}
    assert ("organization", "Farmlingo") in second
    # "The ..." opens no name carried through the article
    assert not any(name.startswith("The") for _, name in second)


def test_names_found_keeps_cue_found_names_and_drops_acronyms() -> None:
    found = names_found(
        [
            Mention("organization", "Kanda Robotics", "Kanda Robotics", 1, 3),
            Mention("organization", "EU", "EU", 6, 7),
        ]
    )
    assert found == {"Kanda": [("Kanda", "Robotics")]}
    again = ["Kanda", "Robotics", "said", "Kanda", "did"]
    assert [(n.position, n.end) for n in repeated_names(again, [0, 3], found, [])] == [(0, 2)]
