"""Feed bytes to items. Pure: bytes and the response's facts in, items out.

RSS 0.9x/1.0 (RDF)/2.0 and Atom are read by feedparser, always from bytes
(wrapped in a stream: given a plain string or bytes feedparser would try them as
a URL or a file name). feedparser never does the HTTP and never sanitises: the
HTML of a summary or content is only turned into text here, which is all
tracker needs, and sanitising costs most of feedparser's time.

Each entry becomes an :class:`Item` keyed by its GUID, its canonical link and
the hash of its words (see ``store.sightings``). An ill-formed (``bozo``) feed
still yields the entries that could be read; a body that is no feed at all is a
:class:`ParseError`. Before feedparser sees a document its DTD is checked: an
entity that is external, a parameter entity, or one defined by other entities
("billion laughs") is refused outright, in time linear in the DTD's size.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from tracker.errors import ParseError
from tracker.htmltext import html_to_text
from tracker.models import Item
from tracker.parse import content_hash, shorten
from tracker.text import split_sentences
from tracker.urls import canonical_url, is_http_url, redact

# A summary this short is a teaser: a full-text source fetches the article.
# News articles run 300-1,500 words; feed teasers 20-80. 150 sits well between.
SHORT_SUMMARY_WORDS = 150
# How far in the future a stated date may be before it is taken for a clock
# error and replaced by the fetch time: time zones and scheduled posts explain
# up to a day, nothing explains more.
_FUTURE_SLACK = timedelta(days=1)
# The DTD is looked for in the document's first bytes; a prolog longer than
# this is itself refused, since no real feed needs one.
_PROLOG_LIMIT = 256 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY = re.compile(
    rb"<!ENTITY\s+(?P<param>%\s+)?(?P<name>[^\s>]+)\s+"
    rb"(?:(?P<external>SYSTEM|PUBLIC)\b|\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')",
    re.I,
)
_NAMED_REFERENCE = re.compile(rb"[&%](?!#)[^\s;]*;")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;")
_MAX_FIELD = 2000
_FEED_HINT = "give the feed's own URL (the page's RSS or Atom link)"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one feed document holds."""

    title: str
    entries: tuple[Item, ...]
    ttl_seconds: int | None = None
    problem: str | None = None  # why the feed was ill-formed, when it was


def _prolog_text(data: bytes) -> bytes:
    """The document's head as single-byte text, whatever its Unicode form."""
    head = data[: _PROLOG_LIMIT + 1]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, "replace").encode("utf-8", "replace")
    if head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16-le" if head[0] == 0x3C else "utf-16-be"
        return head.decode(codec, "replace").encode("utf-8", "replace")
    return head


def check_xml_safety(data: bytes, location: str) -> None:
    """Refuse a document whose DTD could expand without bound or reach outside.

    Plain character entities (``<!ENTITY nbsp "&#160;">``) pass, as they do in
    feedparser itself; anything else a DTD can declare is refused.
    """
    head = _prolog_text(data)
    doctype = _DOCTYPE.search(head)
    if doctype is None:
        return
    end = head.find(b"]>", doctype.end())
    subset_open = head.find(b"[", doctype.end())
    plain_end = head.find(b">", doctype.end())
    if subset_open == -1 or (plain_end != -1 and plain_end < subset_open):
        return  # a DOCTYPE without an internal subset declares nothing
    if end == -1:
        raise ParseError(
            location, "refused: its DTD does not end within the first 256 KB", hint="not a feed"
        )
    for match in _ENTITY.finditer(head, subset_open, end):
        name = match.group("name").decode("ascii", "replace")
        value = match.group("dq") if match.group("dq") is not None else match.group("sq")
        if match.group("param") or match.group("external"):
            kind = "a parameter entity" if match.group("param") else "an external entity"
            raise ParseError(
                location,
                f"refused: its DTD declares {kind} ({name})",
                hint="feeds never need one; it is how XML reads local files or other sites",
            )
        if value is not None and _NAMED_REFERENCE.search(value):
            raise ParseError(
                location,
                f"refused: its DTD defines the entity {name} by other entities",
                hint="nested entities are how an XML bomb expands to gigabytes",
            )


def parse_feed(
    data: bytes,
    *,
    url: str,
    source: str,
    now: datetime,
    content_type: str | None = None,
) -> ParsedFeed:
    """A feed document to items; ``now`` dates the entries that carry no date."""
    where = redact(url)
    check_xml_safety(data, where)
    # No content-location: feedparser would resolve every link against it (a fifth
    # of its time); entry_item resolves the one link an item keeps, against the
    # document's address, as feedparser would have. xml:base is still applied.
    headers = {"content-type": _xml_content_type(content_type)}
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except RecursionError:
        raise ParseError(where, "refused: elements nested too deeply") from None
    problem = _problem(parsed)
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(where, _not_a_feed(data, content_type, problem), hint=_FEED_HINT)
    feed = parsed.get("feed", {})
    items = []
    for index, entry in enumerate(parsed.entries):
        item = entry_item(entry, base=url, feed_url=url, source=source, now=now, index=index)
        if item is not None:
            items.append(item)
    return ParsedFeed(
        title=_text(feed.get("title", ""), feed.get("title_detail")),
        entries=tuple(items),
        ttl_seconds=_ttl(feed.get("ttl")),
        problem=problem,
    )


def _xml_content_type(content_type: str | None) -> str:
    """The type feedparser is told: always XML (servers often send none, or
    text/plain, or text/html for a real feed), with the server's charset, if any."""
    params = [p.strip() for p in (content_type or "").split(";")[1:]]
    charset = [p for p in params if p.lower().startswith("charset=")]
    return "; ".join(["application/xml", *charset[:1]])


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "ill-formed"


def _not_a_feed(data: bytes, content_type: str | None, problem: str | None) -> str:
    if not data.strip():
        return "empty response"
    if (content_type or "").split(";")[0].strip().lower() in _HTML_TYPES or data.lstrip()[
        :200
    ].lower().startswith((b"<!doctype html", b"<html")):
        return "is a web page, not a feed"
    return f"not an RSS, Atom or RDF feed ({problem or 'no feed elements'})"


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if minutes > 0 else None


def _text(value: Any, detail: Any = None) -> str:
    """A feed field as plain text: HTML when it says or looks so, else as is."""
    if not isinstance(value, str) or not value:
        return ""
    kind = (detail or {}).get("type", "") if isinstance(detail, dict) else ""
    if kind in _HTML_TYPES or (kind != "text/plain" and _TAG.search(value)):
        return html_to_text(value)[1]
    return " ".join(value.split()) if "\n" not in value else value.strip()


def _body(entry: Any) -> str:
    """The longest of the entry's contents and its summary, as text."""
    candidates = [(c.get("value", ""), c) for c in entry.get("content", []) or []]
    candidates.append((entry.get("summary", ""), entry.get("summary_detail")))
    texts = [_text(value, detail) for value, detail in candidates if value]
    return max(texts, key=len, default="")


def _published(entry: Any, now: datetime) -> tuple[datetime, str]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = dict.get(entry, key)  # not entry.get: feedparser maps missing keys to others
        if not stamp:
            continue
        try:
            when = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
        except (OverflowError, ValueError, OSError, TypeError):
            continue
        if when.year < 1970 or when > now + _FUTURE_SLACK:
            continue
        return when, "feed"
    return now, "fetched"


def _clip(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:_MAX_FIELD] or None


def entry_item(
    entry: Any, *, base: str, feed_url: str, source: str, now: datetime, index: int = 0
) -> Item | None:
    """One feed entry to an item, or None when it holds no words at all."""
    title = _text(entry.get("title", ""), entry.get("title_detail"))
    body = _body(entry)
    if not (title or body):
        return None
    has_headline = bool(title)
    if not title:
        sentences = split_sentences(body)
        title = shorten(sentences[0] if sentences else body)
    guid = _clip(entry.get("id"))
    link = canonical_url(entry.get("link") or "", base)
    if link is None and guid and is_http_url(guid):
        link = canonical_url(guid)
    digest = content_hash(title, body)
    if link is None:
        # No address of its own: a stable one under the feed's, so two such
        # entries are never taken for one article.
        key = hashlib.sha256((guid or digest).encode("utf-8")).hexdigest()[:16]
        link = f"{feed_url}#entry-{key}"
    published, date_source = _published(entry, now)
    return Item(
        source=source,
        url=link[:_MAX_FIELD],
        title=shorten(title, 300),
        body=body,
        published_at=published,
        date_source=date_source,
        content_hash=digest,
        guid=guid,
        has_headline=has_headline,
    )


def is_teaser(item: Item) -> bool:
    """True when the feed gave only a short summary of the article."""
    return len(item.body.split()) < SHORT_SUMMARY_WORDS


def full_text_extractor() -> str:
    """Which extractor :func:`extract_article` uses: trafilatura when installed."""
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return "built-in"
    return "trafilatura"


def extract_article(html: str) -> str:
    """The main text of an article page (trafilatura when installed, else the
    built-in reader, which drops scripts, navigation, headers and footers)."""
    try:
        import trafilatura
    except ImportError:
        return html_to_text(html)[1]
    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    return text or html_to_text(html)[1]


def with_full_text(item: Item, article: str) -> Item:
    """``item`` with the article's text as its body, when it says more than the
    summary did."""
    if len(article.split()) <= len(item.body.split()):
        return item
    return replace(item, body=article, content_hash=content_hash(item.title, article))


def decode_page(data: bytes, content_type: str | None) -> str:
    """An HTML page's text, by its declared charset or else UTF-8."""
    charset = "utf-8"
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")
