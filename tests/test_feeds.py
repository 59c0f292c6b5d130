"""The pure feed core: canonical URLs, backoff arithmetic, XML safety, and feed
documents to items (golden files in tests/data/feeds/, each with its
``.expected.json`` beside it; ``TRACKER_REWRITE_GOLDEN=1`` rewrites them for
review)."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import DATA, FIXED_NOW

from tracker.errors import ParseError
from tracker.feeds import check_xml_safety, extract_article, is_teaser, parse_feed, with_full_text
from tracker.politeness import (
    backoff_seconds,
    host_wait,
    next_check,
    parse_max_age,
    parse_retry_after,
)
from tracker.urls import canonical_url, host_key, is_http_url, redact

FEEDS = DATA / "feeds"
GOLDEN = sorted(p for p in FEEDS.iterdir() if p.suffix in {".rss", ".atom", ".rdf", ".xml"})


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("HTTP://Example.COM/a", None, "http://example.com/a"),
        ("https://example.com:443/a#frag", None, "https://example.com/a"),
        ("http://example.com:8080", None, "http://example.com:8080/"),
        ("https://x.org/p?utm_source=rss&utm_medium=feed&id=7", None, "https://x.org/p?id=7"),
        ("https://x.org/p?id=7&fbclid=abc&q", None, "https://x.org/p?id=7&q"),
        ("https://x.org/p?a=1+2&b=%20", None, "https://x.org/p?a=1+2&b=%20"),
        ("https://user:secret@x.org/p", None, "https://x.org/p"),
        ("/news/1", "https://x.org/feed/", "https://x.org/news/1"),
        ("story.html", "https://x.org/feed/", "https://x.org/feed/story.html"),
        ("https://x.org/a b", None, "https://x.org/a%20b"),
        ("https://EXAMPLE.com./", None, "https://example.com/"),
        ("mailto:a@b.c", None, None),
        ("javascript:alert(1)", "https://x.org/", None),
        ("", None, None),
        ("http://[::1", None, None),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str | None) -> None:
    assert canonical_url(url, base) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:pw@x.org/f", "https://u:***@x.org/f"),
        ("https://:pw@x.org:81/f", "https://:***@x.org:81/f"),
        ("https://u@x.org/f", "https://u@x.org/f"),
        ("https://x.org/f?password=1", "https://x.org/f?password=1"),
    ],
)
def test_redact_hides_passwords(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_url_predicates() -> None:
    assert is_http_url("https://x.org/f") and not is_http_url("file:///etc/passwd")
    assert not is_http_url("x.org/f")
    assert host_key("https://WWW.X.org:8443/f") == "www.x.org"


@pytest.mark.parametrize(
    ("interval", "score", "cap", "expected"),
    [
        (900, 0, 86400, 900),
        (900, 1, 86400, 1800),
        (900, 2, 86400, 3600),
        (900, 3.5, 86400, int(900 * 2**3.5)),
        (900, 50, 86400, 86400),
        (100_000, 1, 86400, 86400),
        (60, 1e9, 3600, 3600),
    ],
)
def test_backoff_doubles_per_point_and_is_capped(
    interval: int, score: float, cap: int, expected: int
) -> None:
    assert backoff_seconds(interval, score, cap) == expected


def test_next_check_takes_the_longest_asked_wait_held_to_the_cap() -> None:
    now = FIXED_NOW
    assert next_check(now, 900, cap=86400) == now + timedelta(seconds=900)
    assert next_check(now, 900, cap=86400, asked=(None, 60)) == now + timedelta(seconds=900)
    assert next_check(now, 900, cap=86400, asked=(3600, 7200)) == now + timedelta(hours=2)
    assert next_check(now, 900, cap=86400, asked=(10**9,)) == now + timedelta(days=1)
    assert next_check(now, 900, failure_score=1, cap=86400) == now + timedelta(seconds=1800)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120),
        ("Tue, 24 Nov 2026 13:00:00 GMT", 3600),
        ("Tue, 24 Nov 2026 11:00:00 GMT", 0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: int | None) -> None:
    assert parse_retry_after(header, FIXED_NOW) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("public, max-age=3600", 3600),
        ("s-maxage=60, private", 60),
        ('max-age="120"', 120),
        ("no-cache", None),
        (None, None),
    ],
)
def test_parse_max_age(header: str | None, expected: int | None) -> None:
    assert parse_max_age(header) == expected


def test_host_wait() -> None:
    assert host_wait(None, 10.0, 1.0) == 0.0
    assert host_wait(9.5, 10.0, 1.0) == pytest.approx(0.5)
    assert host_wait(5.0, 10.0, 1.0) == 0.0
    assert host_wait(9.9, 10.0, 0.0) == 0.0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""

HOSTILE = {
    "billion laughs": (BILLION_LAUGHS, "by other entities"),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>',
        "external entity",
    ),
    "external public entity": (
        b"<!DOCTYPE r [<!ENTITY x PUBLIC 'id' 'http://evil.example/x'>]><rss/>",
        "external entity",
    ),
    "parameter entity": (
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><rss/>',
        "parameter entity",
    ),
    "utf-16 bomb": (
        b"\xff\xfe"
        + BILLION_LAUGHS.replace(b' encoding="utf-8"', b"").decode().encode("utf-16-le"),
        "by other entities",
    ),
    "endless DTD": (b"<!DOCTYPE r [" + b"<!-- -->" * 40_000, "DTD does not end"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_dtds_are_refused_quickly(name: str) -> None:
    data, reason = HOSTILE[name]
    started = time.perf_counter()
    with pytest.raises(ParseError, match=reason):
        parse_feed(data, url="https://x.org/f", source="s", now=FIXED_NOW)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY copy "(c)">]><rss version="2.0"/>',
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd"><rss/>',
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>&amp;</title></channel></rss>',
    ],
)
def test_harmless_dtds_pass(data: bytes) -> None:
    check_xml_safety(data, "x")


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"", None, "empty response"),
        (b"   \n", None, "empty response"),
        (b"<!doctype html><html><body>Hello</body></html>", "text/html", "web page"),
        (b"<html><head><title>x</title></head></html>", None, "web page"),
        (b'{"items": []}', "application/json", "not an RSS, Atom or RDF feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "not an RSS, Atom or RDF feed"),
    ],
)
def test_what_is_not_a_feed_is_a_parse_error(
    data: bytes, content_type: str | None, reason: str
) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_feed(
            data, url="https://u:pw@x.org/f", source="s", now=FIXED_NOW, content_type=content_type
        )


def test_errors_never_show_the_password() -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(b"nope", url="https://u:pw@x.org/f", source="s", now=FIXED_NOW)
    assert "pw" not in str(caught.value) and "u:***@x.org" in str(caught.value)


def test_dates_in_the_far_future_or_missing_become_the_fetch_time() -> None:
    data = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>a</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
    <item><title>b</title><pubDate>Wed, 25 Nov 2026 06:00:00 GMT</pubDate></item>
    <item><title>c</title></item></channel></rss>"""
    feed = parse_feed(data, url="https://x.org/f", source="s", now=FIXED_NOW)
    dates = [(i.title, i.published_at, i.date_source) for i in feed.entries]
    assert dates == [
        ("a", FIXED_NOW, "fetched"),
        ("b", datetime(2026, 11, 25, 6, 0, tzinfo=UTC), "feed"),
        ("c", FIXED_NOW, "fetched"),
    ]


def test_entries_without_links_get_distinct_addresses_under_the_feed() -> None:
    data = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>one</title><guid isPermaLink="false">1</guid></item>
    <item><title>two</title><guid isPermaLink="false">2</guid></item>
    <item><title>three</title><guid>https://x.org/three</guid></item>
    <item><title></title><description></description></item></channel></rss>"""
    urls = [
        i.url for i in parse_feed(data, url="https://x.org/f", source="s", now=FIXED_NOW).entries
    ]
    assert len(urls) == 3 and len(set(urls)) == 3
    assert urls[0].startswith("https://x.org/f#entry-") and urls[2] == "https://x.org/three"


def test_relative_links_resolve_against_the_document_or_its_xml_base() -> None:
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <link href="https://www.x.org/"/>
    <entry><title>relative</title><link href="posts/1?utm_source=rss#top"/></entry>
    <entry><title>rooted</title><link href="/news/2"/></entry>
    <entry xml:base="https://cdn.x.org/a/"><title>based</title><link href="3"/></entry>
    <entry><title>script</title><id>urn:x:4</id><link href="javascript:alert(1)"/></entry>
    </feed>"""
    feed = parse_feed(data, url="https://x.org/feeds/atom.xml", source="s", now=FIXED_NOW)
    urls = [i.url for i in feed.entries]
    assert urls[:3] == [
        "https://x.org/feeds/posts/1",
        "https://x.org/news/2",
        "https://cdn.x.org/a/3",
    ]
    assert urls[3].startswith("https://x.org/feeds/atom.xml#entry-")


def test_full_text_replaces_a_teaser_only_when_it_says_more() -> None:
    feed = parse_feed(
        (FEEDS / "newswire.rss").read_bytes(),
        url="https://news.example.com/rss",
        source="s",
        now=FIXED_NOW,
    )
    teaser = feed.entries[1]
    assert is_teaser(teaser)
    page = "<html><nav>Home | World</nav><article><p>" + "word " * 300 + "</p></article></html>"
    article = extract_article(page)
    assert "Home" not in article.split("word")[0] or len(article.split()) >= 300
    longer = with_full_text(teaser, article)
    assert longer.body == article and longer.content_hash != teaser.content_hash
    assert with_full_text(teaser, "short") is teaser


def _as_json(path: Path) -> dict[str, object]:
    feed = parse_feed(
        path.read_bytes(),
        url=f"https://feeds.example.net/{path.name}",
        source="golden",
        now=FIXED_NOW,
    )
    return {
        "title": feed.title,
        "ttl_seconds": feed.ttl_seconds,
        "ill_formed": feed.problem is not None,
        "entries": [
            {
                "title": i.title,
                "has_headline": i.has_headline,
                "url": i.url,
                "guid": i.guid,
                "published_at": i.published_at.isoformat(),
                "date_source": i.date_source,
                "body": i.body,
            }
            for i in feed.entries
        ],
    }


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_feeds(path: Path) -> None:
    expected_path = path.with_name(path.name + ".expected.json")
    got = _as_json(path)
    if os.environ.get("TRACKER_REWRITE_GOLDEN"):
        expected_path.write_text(
            json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))
