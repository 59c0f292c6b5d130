"""What classification skips in a saved web page: other stories' headlines,
sign-offs, captions and prompts; and what it must keep."""

from __future__ import annotations

import pytest

from tracker.boilerplate import strip_boilerplate

ARTICLE = "Nvidia shares rose 3% on Tuesday as investors bet on demand for its chips."

DROPPED = [
    pytest.param("Read more:\nEU opens probe into Nvidia\nMicrosoft invests in G42", id="list"),
    pytest.param("Related stories\nOpenAI launches GPT-4o mini", id="related-heading"),
    pytest.param("More from Wire:\nItaly fines OpenAI", id="more-from"),
    pytest.param("READ MORE: Microsoft invests $1.5 billion in G42", id="inline-read-more"),
    pytest.param("Also Read | Amazon completes $4bn Anthropic investment", id="also-read"),
    pytest.param("[Related: FTC sues to block chip deal]", id="bracketed"),
    pytest.param("Related Article: MWC 2024: Vodafone's CEO Urges Reform", id="related-article"),
    pytest.param("Reporting by Jane Doe in London; Editing by John Smith", id="sign-off"),
    pytest.param("(Additional reporting by Foo Bar)", id="additional-reporting"),
    pytest.param("FILE PHOTO: The OpenAI logo is seen in this illustration", id="caption"),
    pytest.param("Sign up for our AI newsletter here", id="newsletter"),
    pytest.param("© 2026 Wire News. All rights reserved.", id="copyright"),
    pytest.param(
        "Leia também: ANPD and Meta: the story of the suspension", id="read-also-portuguese"
    ),
    pytest.param("Lire aussi : L'Autorité inflige une amende à Google", id="read-also-french"),
    pytest.param(
        "Correction: An earlier version of this story misstated the month in which Snowflake "
        "completed the Neeva acquisition.",
        id="correction",
    ),
    pytest.param(
        "This article was amended on 18 December 2024 to clarify the closing date of the "
        "consultation.",
        id="amended",
    ),
    pytest.param(
        "An earlier version of this article misstated the size of the fine.", id="earlier"
    ),
    pytest.param("(Release ID: 2011872) Visitor Counter : 1420", id="release-id"),
    pytest.param(
        "Case page: Amazon.com Inc. / Anthropic PBC partnership merger inquiry.", id="case-page"
    ),
]


def test_a_list_run_on_after_a_bar_in_the_same_line_is_dropped() -> None:
    line = "Mobile World Live | Related: KT unveils Mi:dm LLM roadmap | LG U+ bets on ixi-GEN"
    cleaned = strip_boilerplate(f"{ARTICLE}\n\n{line}")
    assert "Mobile World Live" in cleaned
    assert "KT unveils" not in cleaned


def test_a_list_run_on_after_a_sentence_in_the_same_line_is_dropped() -> None:
    line = (
        "Published 11 April 2024. Related content: AI Foundation Models: update paper | "
        "Microsoft / OpenAI partnership merger inquiry"
    )
    cleaned = strip_boilerplate(f"{ARTICLE}\n\n{line}")
    assert ARTICLE in cleaned
    assert "Published 11 April 2024." in cleaned
    assert "merger inquiry" not in cleaned


@pytest.mark.parametrize("junk", DROPPED)
def test_other_stories_and_page_furniture_are_dropped(junk: str) -> None:
    cleaned = strip_boilerplate(f"{ARTICLE}\n\n{junk}\n\nShares later eased.")
    assert ARTICLE in cleaned
    assert "Shares later eased." in cleaned
    for line in junk.splitlines():
        assert line not in cleaned


KEPT = [
    pytest.param(
        "Related to its cloud push, Microsoft has invested $1.5 billion in G42. The stake "
        "gives it a board seat. G42 will use Azure.",
        id="prose-opening-with-a-cue-word",
    ),
    pytest.param("Analysis by Bernstein shows the deal values Mistral at $6bn.", id="analysis"),
    pytest.param("Latest figures show AI funding rose 40% in the quarter.", id="latest"),
    pytest.param("More than 20 investors took part in the round.", id="more-than"),
    pytest.param("Leia Labs, a Lisbon start-up, raised €5m.", id="cue-word-in-a-name"),
    pytest.param("An earlier round valued the start-up at $2bn.", id="an-earlier-round"),
    pytest.param("Correction of the market in May cut its value.", id="correction-as-a-word"),
    pytest.param("Release of the model is planned for May.", id="release-as-a-word"),
    pytest.param("Case studies show the deal saved money.", id="case-as-a-word"),
]


@pytest.mark.parametrize("text", KEPT)
def test_prose_that_opens_with_a_cue_word_is_kept(text: str) -> None:
    body = f"{ARTICLE}\n\n{text}"
    assert strip_boilerplate(body) == body


def test_a_list_of_headlines_ends_at_a_blank_line() -> None:
    body = "Read more:\nEU opens probe into Nvidia\n\nThe FTC fined the company on Friday."
    assert strip_boilerplate(body).strip() == "The FTC fined the company on Friday."


def test_a_text_without_cue_lines_is_returned_as_is() -> None:
    assert strip_boilerplate(ARTICLE) is ARTICLE


def test_a_press_release_ends_before_its_company_descriptions_contacts_and_notices() -> None:
    body = (
        "Capgemini said it had signed a three-year agreement with Anthropic.\n\n"
        "About Carahsoft\nCarahsoft is a partner of AWS, Google Cloud and Microsoft.\n\n"
        "About Aleph Alpha\n\nAleph Alpha works with SAP and Schwarz Group.\n\n"
        "The agreement runs until 2028.\n\n"
        "Media contact\npress@example.com\n\n"
        "Forward-looking statements\nThis release mentions a partnership with Nvidia."
    )
    cleaned = strip_boilerplate(body)
    assert "signed a three-year agreement" in cleaned
    assert "The agreement runs until 2028." in cleaned
    for gone in ("Carahsoft", "Aleph Alpha", "press@example.com", "Nvidia"):
        assert gone not in cleaned


def test_a_sentence_that_starts_with_about_is_kept() -> None:
    body = "About 40 investors took part in the round.\nThe FTC sued on Friday."
    assert strip_boilerplate(body) == body
