"""Files to items: titles, headers, dates, HTML, encodings, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import FIXED_NOW, SEEDS

from tracker.errors import ParseError
from tracker.models import RawDoc
from tracker.parse import content_hash, parse_document

MTIME = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def parse(data: bytes, name: str = "a.txt", mtime: datetime | None = MTIME):
    return parse_document(RawDoc("test", name, data, mtime), FIXED_NOW)


@pytest.mark.parametrize(
    ("seed", "title", "has_headline"),
    [
        (
            "000",
            "AInsights: Microsoft Diversifies Its AI Investment Portfolio with Commitment to "
            "French Startup Mistral",
            True,
        ),
        (
            "001",
            "Microsoft Partners with Parisian Startup Mistral AI to Expand Azure's AI Offerings",
            True,
        ),
        (
            "002",
            "Microsoft is doubling down on its commitment to artificial intelligence (AI) "
            "innovation.",
            False,
        ),
        ("003", "Microsoft Teams Up with Mistral AI to Diversify AI Offerings", True),
        ("004", "Microsoft Invests in Mistral AI, Outlines Broader AI Access Principles", True),
    ],
)
def test_seed_titles(seed: str, title: str, has_headline: bool) -> None:
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    item = parse(path.read_bytes(), path.name)
    assert item.title == title
    assert item.has_headline is has_headline
    assert not item.body.startswith(title) or not has_headline  # a repeated title is dropped


def test_seed_002_date_comes_from_text_with_inferred_year() -> None:
    item = parse(next(SEEDS.glob("002_*.txt")).read_bytes())
    assert item.published_at == datetime(2024, 2, 27, tzinfo=UTC)
    assert item.date_source == "text"


def test_file_without_dates_gets_modification_time() -> None:
    item = parse(b"Headline\n\nNo date in here at all.")
    assert item.published_at == MTIME and item.date_source == "modified"


def test_header_lines_override() -> None:
    item = parse(
        b"Title: FTC opens inquiry\nURL: https://example.com/a\nDate: 2024-01-25T15:00:00-05:00\n"
        b"Source: Wire\n\nThe FTC opened an inquiry into five companies."
    )
    assert item.title == "FTC opens inquiry"
    assert item.url == "https://example.com/a"
    assert item.published_at == datetime(2024, 1, 25, 20, 0, tzinfo=UTC)
    assert item.source == "Wire"
    assert item.body == "The FTC opened an inquiry into five companies."


def test_markdown_front_matter_and_heading() -> None:
    item = parse(b"---\ntitle: Hello\npublished: 2024-03-01\n---\n# Hello\n\nBody text.", "a.md")
    assert (item.title, item.body, item.date_source) == ("Hello", "Body text.", "header")


def test_html_becomes_clean_text() -> None:
    html = (
        b"<html><head><title>Site | Story</title><script>var x = '<p>no</p>';</script></head>"
        b"<body><nav>Home News</nav><h1>Cohere raises $500m</h1><p>Cohere &amp; partners "
        b"<b>raised</b> money.</p><p>Second paragraph.</p></body></html>"
    )
    item = parse(html, "story.html")
    assert item.title == "Cohere raises $500m"
    assert item.body == "Cohere & partners raised money.\n\nSecond paragraph."


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_legacy_encodings_are_read(encoding: str) -> None:
    text = (
        "Rachat annoncé\n\nLe régulateur français a ouvert une enquête sur l'accord signé à Paris."
    )
    item = parse(text.encode(encoding))
    assert item.title == "Rachat annoncé"
    assert "régulateur" in item.body


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Title\n\n" + b"ab\x01\x02\x1b\x7f" * 40, "control characters"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(data)


def test_tabs_form_feeds_and_line_ends_are_text() -> None:
    item = parse(b"Title\r\n\r\nA\tbody\x0c that\vruns on.\r\n" * 20)
    assert item.title == "Title" and "A\tbody" in item.body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2024-02-26", datetime(2024, 2, 26, tzinfo=UTC)),
        ("2024-02-26T10:00:00Z", datetime(2024, 2, 26, 10, tzinfo=UTC)),
        ("2024-02-26 10:00:00+01:00", datetime(2024, 2, 26, 9, tzinfo=UTC)),
        ("2024-W09-1", datetime(2024, 2, 26, tzinfo=UTC)),
        ("Mon, 26 Feb 2024 10:00:00 GMT", datetime(2024, 2, 26, 10, tzinfo=UTC)),
        ("26 February 2024 10:00 -0500", datetime(2024, 2, 26, 15, tzinfo=UTC)),
        ("Feb 26, 2024", datetime(2024, 2, 26, tzinfo=UTC)),
    ],
)
def test_date_headers_in_iso_and_written_forms(header: str, expected: datetime) -> None:
    item = parse(f"Date: {header}\n\nTitle\n\nBody text here.".encode())
    assert (item.published_at, item.date_source) == (expected, "header")


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert content_hash("A  Title", "Some body.") == content_hash("a title", "some   body.")
    assert content_hash("A Title", "Some body.") != content_hash("A Title", "Other body.")
