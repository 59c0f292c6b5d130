"""Bytes to items. Pure: a :class:`RawDoc` in, an :class:`Item` out.

Text, Markdown and HTML files: optional header lines at the top (``Title:``,
``URL:``, ``Date:``/``Published:``, ``Source:``) or Markdown front matter win;
else the first line is the title when it reads like a headline, else the first
sentence, shortened. A title repeated on the next line is one title.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePath

from charset_normalizer import from_bytes

from tracker.dates import find_date, parse_header_date
from tracker.errors import ParseError
from tracker.htmltext import html_to_text, looks_like_html
from tracker.models import Item, RawDoc
from tracker.text import split_sentences

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm"})
HEADER_KEYS = {
    "title": "title",
    "url": "url",
    "link": "url",
    "date": "date",
    "published": "date",
    "source": "source",
}
_HEADER = re.compile(r"^\s*(?P<key>[A-Za-z]+)\s*:\s*(?P<value>\S.*?)\s*$")
_TITLE_MAX = 120
_HEADLINE_MAX_WORDS = 30
_BINARY_CONTROL_SHARE = 0.10
# control characters other than tab, line feed, form feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode(data: bytes, location: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM), else the detected encoding."""
    if not data.strip():
        raise ParseError(location, "empty file")
    sample = data[:8192]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(
            location,
            "binary file (contains NUL bytes)",
            hint="only text, Markdown and HTML are read",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ParseError(location, "unreadable: no text encoding fits its bytes") from None
        text = str(best)
    controls = len(_CONTROL.findall(text, 0, 8192))
    if controls > _BINARY_CONTROL_SHARE * min(len(text), 8192):
        raise ParseError(location, "binary file (mostly control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_headers(text: str) -> tuple[dict[str, str], str]:
    """Leading ``Key: value`` lines (or ``---`` front matter) and the rest."""
    lines = text.split("\n")
    fenced = lines and lines[0].strip() == "---"
    start = 1 if fenced else 0
    while start < len(lines) and not fenced and not lines[start].strip():
        start += 1
    headers: dict[str, str] = {}
    i = start
    while i < len(lines):
        line = lines[i]
        if fenced and line.strip() == "---":
            i += 1
            break
        match = _HEADER.match(line)
        key = HEADER_KEYS.get(match.group("key").lower()) if match else None
        if key is None:
            if fenced and line.strip():
                i += 1
                continue
            break
        headers[key] = match.group("value").strip().strip("\"'")
        i += 1
    if not headers:
        return {}, text
    return headers, "\n".join(lines[i:])


def is_headline(line: str) -> bool:
    """A first line is a headline when it is short and not a run of sentences."""
    words = line.split()
    if not words or len(words) > _HEADLINE_MAX_WORDS:
        return False
    return len(split_sentences(line)) <= 1 or not line.rstrip().endswith(".")


def shorten(text: str, limit: int = _TITLE_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return f"{cut}…"


def _normalise(line: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", line.casefold()).split())


def split_title(text: str) -> tuple[str, str, bool]:
    """(title, body, has_headline) of plain text."""
    lines = [line.strip() for line in text.split("\n")]
    nonempty = [i for i, line in enumerate(lines) if line]
    if not nonempty:
        return "", "", False
    first = lines[nonempty[0]].lstrip("#").strip()
    if not is_headline(first):
        sentences = split_sentences(text)
        return shorten(sentences[0] if sentences else first), text.strip(), False
    rest = nonempty[1:]
    if rest and _normalise(lines[rest[0]].lstrip("#")) == _normalise(first):
        rest = rest[1:]
    body = "\n".join(lines[rest[0] :]).strip() if rest else ""
    return shorten(first, 300), body, True


def content_hash(title: str, body: str) -> str:
    """Digest of the words alone, so whitespace and case changes are the same content."""
    return hashlib.sha256(_normalise(f"{title}\n{body}").encode("utf-8")).hexdigest()


def parse_document(doc: RawDoc, now: datetime) -> Item:
    """One text, Markdown or HTML document to one item.

    ``now`` stands in for the file's modification time when it has none.
    """
    text = decode(doc.data, doc.location)
    headers, rest = split_headers(text)
    suffix = PurePath(doc.location).suffix.lower()
    html_title = None
    if suffix in {".html", ".htm"} or (suffix not in {".txt", ".md"} and looks_like_html(rest)):
        html_title, rest = html_to_text(rest)
    title, body, has_headline = split_title(rest)
    if html_title and not headers.get("title"):
        title, has_headline = shorten(html_title, 300), True
        if _normalise(body.split("\n", 1)[0]) == _normalise(html_title):
            body = body.split("\n", 1)[1].strip() if "\n" in body else ""
    if headers.get("title"):
        if not has_headline or _normalise(title) != _normalise(headers["title"]):
            body = rest.strip()  # the first line was text, not a repeat of the title
        title, has_headline = shorten(headers["title"], 300), True
    if not (title or body):
        raise ParseError(doc.location, "no text in it")
    reference = doc.modified_at or now
    published, date_source = _published(headers.get("date"), f"{title}\n{body}", reference)
    return Item(
        source=headers.get("source") or doc.source,
        url=headers.get("url") or doc.location,
        title=title,
        body=body,
        published_at=published,
        date_source=date_source,
        content_hash=content_hash(title, body),
        has_headline=has_headline,
    )


def _published(header: str | None, text: str, reference: datetime) -> tuple[datetime, str]:
    if header:
        parsed = parse_header_date(header)
        if parsed is not None:
            return parsed, "header"
    stated = find_date(text, reference)
    if stated is not None:
        return stated, "text"
    return reference, "modified"
