"""The HTTP edge against a real local server: conditional GET, redirects,
statuses, timeouts, compression, size caps, private addresses, politeness."""

from __future__ import annotations

import gzip
import itertools
import time
from collections.abc import Iterator

import pytest
from feedserver import FeedServer, rss, serve_feeds

from tracker import __version__
from tracker.fetch_http import Fetcher, HttpError, HttpSettings

FEED = rss(("One", "https://example.com/1", "First."))


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    yield from serve_feeds()


def fetcher(**overrides: object) -> Fetcher:
    settings = {"timeout": 2.0, "deadline": 10.0, "host_delay": 0.0, "per_host": 4}
    settings.update(overrides)
    return Fetcher(HttpSettings(**settings))  # type: ignore[arg-type]


def test_get_sends_user_agent_and_accepts_compression(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed", FEED, gzip=True)
    with fetcher() as f:
        resp = f.get(url)
    assert resp.status == 200 and resp.body == FEED.encode()
    sent = feed_server.hits("/feed")[0].headers
    assert f"tracker/{__version__}" in sent["user-agent"]
    assert "gzip" in sent["accept-encoding"] and "application/rss+xml" in sent["accept"]


@pytest.mark.parametrize(
    ("validators", "expected_header"),
    [
        ({"etag": '"v1"'}, "if-none-match"),
        ({"last_modified": "Mon, 23 Nov 2026 10:00:00 GMT"}, "if-modified-since"),
    ],
)
def test_conditional_get_answers_304(
    feed_server: FeedServer, validators: dict[str, str], expected_header: str
) -> None:
    url = feed_server.add("/feed", FEED, **validators)
    with fetcher() as f:
        first = f.get(url)
        assert first.status == 200
        second = f.get(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""
    assert expected_header in feed_server.hits("/feed")[1].headers
    assert expected_header not in feed_server.hits("/feed")[0].headers


@pytest.mark.parametrize(
    ("status", "moved"),
    [(301, True), (308, True), (302, False), (303, False), (307, False)],
)
def test_redirects_are_followed_and_only_permanent_ones_move(
    feed_server: FeedServer, status: int, moved: bool
) -> None:
    target = feed_server.add("/new", FEED)
    url = feed_server.redirect("/old", "/new", status)
    with fetcher() as f:
        resp = f.get(url)
    assert resp.body == FEED.encode() and resp.url == target
    assert resp.moved_to == (target if moved else None)


def test_a_temporary_hop_in_the_chain_means_no_move(feed_server: FeedServer) -> None:
    feed_server.add("/c", FEED)
    feed_server.redirect("/b", "/c", 302)
    url = feed_server.redirect("/a", "/b", 301)
    with fetcher() as f:
        assert f.get(url).moved_to is None


@pytest.mark.parametrize(
    ("location", "reason"),
    [("/loop", "more than 5 redirects"), ("file:///etc/passwd", "not an http")],
)
def test_bad_redirects_are_refused(feed_server: FeedServer, location: str, reason: str) -> None:
    url = feed_server.redirect("/loop", location)
    with fetcher() as f, pytest.raises(HttpError, match=reason) as caught:
        f.get(url)
    assert not caught.value.transient


@pytest.mark.parametrize(
    ("status", "transient", "gone"),
    [
        (410, False, True),
        (404, False, False),
        (403, False, False),
        (500, True, False),
        (503, True, False),
        (429, True, False),
    ],
)
def test_error_statuses(feed_server: FeedServer, status: int, transient: bool, gone: bool) -> None:
    url = feed_server.add("/x", b"nope", status=status, headers={"Retry-After": "120"})
    with fetcher() as f, pytest.raises(HttpError, match=f"HTTP {status}") as caught:
        f.get(url)
    assert (caught.value.transient, caught.value.gone, caught.value.status) == (
        transient,
        gone,
        status,
    )
    assert caught.value.retry_after == "120"


def test_a_server_that_never_answers_hits_the_timeout(feed_server: FeedServer) -> None:
    url = feed_server.add("/slow", FEED, delay=3.0)
    started = time.monotonic()
    with fetcher(timeout=0.3) as f, pytest.raises(HttpError, match="timed out") as caught:
        f.get(url)
    assert time.monotonic() - started < 2.0
    assert caught.value.transient


def test_nothing_listening_is_a_transient_connect_error() -> None:
    with fetcher() as f, pytest.raises(HttpError, match="cannot connect") as caught:
        f.get("http://127.0.0.1:9/feed")
    assert caught.value.transient


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"body": b"x" * 300_000}, "declares 0.3 MB"),
        ({"endless": True}, "larger than the limit"),
        ({"body": b"<" * 50_000_000, "gzip": True}, "larger than the limit"),
    ],
    ids=["declared", "endless", "gzip bomb"],
)
def test_oversize_responses_are_cut_off(
    feed_server: FeedServer, route: dict[str, object], reason: str
) -> None:
    url = feed_server.add("/big", **route)  # type: ignore[arg-type]
    started = time.monotonic()
    with fetcher(max_bytes=200_000) as f, pytest.raises(HttpError, match=reason) as caught:
        f.get(url)
    assert time.monotonic() - started < 5.0
    assert "feeds.max_response_mb" in str(caught.value)


def test_compressed_body_is_measured_after_decompression(feed_server: FeedServer) -> None:
    payload = FEED.encode() * 100
    assert len(gzip.compress(payload)) < 20_000 < len(payload)
    url = feed_server.add("/gz", payload, gzip=True)
    with fetcher(max_bytes=20_000) as f, pytest.raises(HttpError, match="larger"):
        f.get(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_refused_when_not_allowed(feed_server: FeedServer, host: str) -> None:
    url = feed_server.add("/feed", FEED).replace("127.0.0.1", host)
    with fetcher(allow_private=False) as f, pytest.raises(HttpError, match="private or local"):
        f.get(url)
    assert feed_server.hits("/feed") == []
    with fetcher(allow_private=True) as f:
        assert f.get(url).status == 200


def test_credentials_in_the_url_are_sent_but_never_shown(feed_server: FeedServer) -> None:
    feed_server.add("/private", b"denied", status=401)
    url = feed_server.url("/private").replace("http://", "http://reader:s3cret@")
    with fetcher() as f, pytest.raises(HttpError) as caught:
        f.get(url)
    assert "s3cret" not in str(caught.value) and "reader:***@" in str(caught.value)
    assert feed_server.hits("/private")[0].headers["authorization"].startswith("Basic ")


def test_requests_to_one_host_are_spaced(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed", FEED)
    with fetcher(host_delay=0.3, per_host=1) as f:
        for _ in range(3):
            f.get(url)
    times = [r.at for r in feed_server.hits("/feed")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 2 and all(g >= 0.2 for g in gaps), gaps
