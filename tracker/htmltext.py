"""HTML to clean text with the standard library's tolerant parser.

Block elements become paragraph breaks, scripts, styles and page furniture
(navigation, headers, footers, forms) are dropped, entities are decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "blockquote",
        "pre",
        "hr",
        "dt",
        "dd",
        "figcaption",
        "header",
        "footer",
        "main",
        "aside",
        "title",
    ]
)
_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "nav",
        "form",
        "button",
        "iframe",
        "select",
        "head",
    ]
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.h1: list[str] = []
        self._skip_depth = 0
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag != "head":
            self._skip_depth += 1
        if tag in ("title", "h1"):
            self._in.append(tag)
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head" and self._skip_depth:
            self._skip_depth -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "title":
            self.title.append(data)
            return
        if self._skip_depth:
            return
        if self._in and self._in[-1] == "h1":
            self.h1.append(data)
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str | None, str]:
    """(title, text): the page's <h1> or <title>, and its readable text."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    paragraphs = []
    for block in "".join(parser.parts).split("\n\n"):
        line = _SPACES.sub(" ", block.replace("\n", " ")).strip()
        if line:
            paragraphs.append(line)
    title = _SPACES.sub(" ", "".join(parser.h1 or parser.title)).strip() or None
    return title, "\n\n".join(paragraphs)


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head or "<p>" in head
