"""Lines of a web article that are not the article: what classification skips.

Pages saved from news sites, and full text fetched for a feed entry, carry
other stories' headlines ("Read more: EU opens probe into ..."), sign-offs
("Reporting by ...; Editing by ..."), photo captions, sharing and subscription
prompts. Those headlines name deals and probes the article does not report, so
they are removed before an article is read for labels. The stored text is left
as it was. Pure: a string in, a string out.
"""

from __future__ import annotations

import re

# a heading that opens a list of other stories' headlines, one per line
_LIST_HEADING = re.compile(
    r"(?:read|see|also read|read also|more|related|recommended|trending|popular|top|latest"
    r"|further reading|you may also like|you might also like|most read|more news"
    r"|what to read next|more from [\w .'&-]{1,40}|more on [\w .'&-]{1,40})"
    r"(?: stories| articles| coverage| news| content| reading| links| now| for you| more)?"
    r"\s*[:|>»\-–—]?\s*",
    re.IGNORECASE,
)
# a line that is one other story's headline behind such a prefix, a sign-off,
# a caption, or a prompt to share, subscribe or follow
_JUNK_LINE = re.compile(
    r"""(?:
        [\[(]?(?:read\ more|also\ read|read\ also|see\ also|related|recommended|more\ from
            |more\ on|don't\ miss|watch|listen|explainer|factbox|analysis|opinion
            |leia\ também|lea\ también|lire\ aussi|leggi\ anche|lesen\ sie\ auch)
            (?:\ (?:article|articles|story|stories|reading|content|coverage|news|links|video))?
            \s*[:|»>\-–—]
      | [(\[]?(?:reporting|additional\ reporting|writing|editing|compiled|edited)\ by\b
      | (?:file\ )?photo\s*:
      | (?:sign\ up|subscribe|click\ here|follow\ us|share\ this|get\ the\ latest
            |download\ the|join\ our
            |this\ article\ (?:was\ )?(?:first|originally)\ (?:appeared|published))\b
      | (?:advertisement|sponsored|©|copyright\b|all\ rights\ reserved)
      | (?:correction|clarification|editor[’']s\ note|editors[’']\ note|case\ page)\s*:
      | \(?release\ id\s*: | visitor\ counter\b
      | (?:this\ (?:article|story|report)\ (?:was|has\ been)\ (?:amended|corrected|updated)
            |an\ earlier\ version\ of\ this)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# the first word of every line (found fast: a search for newlines, then a word)
_FIRST_WORDS = re.compile(r"\n[ \t\[(]*([^\W\d_]+|©)")
# what a line to look at starts with: a text with no line starting so is left alone
_CUE_WORDS = frozenset(
    [
        "read",
        "see",
        "also",
        "related",
        "recommended",
        "more",
        "don",  # "Don't miss"
        "watch",
        "listen",
        "explainer",
        "factbox",
        "analysis",
        "opinion",
        "reporting",
        "additional",
        "writing",
        "editing",
        "compiled",
        "edited",
        "file",
        "photo",
        "sign",
        "subscribe",
        "click",
        "follow",
        "share",
        "get",
        "download",
        "join",
        "this",
        "advertisement",
        "sponsored",
        "©",
        "copyright",
        "all",
        "trending",
        "popular",
        "top",
        "latest",
        "further",
        "you",
        "most",
        "what",
        "about",
        "contact",
        "contacts",
        "media",
        "press",
        "investor",
        "investors",
        "forward",
        "safe",
        "cautionary",
        "disclaimer",
        "correction",
        "case",
        "release",
        "visitor",
        "clarification",
        "editor",
        "editors",
        "an",
        # "read also" on outlets' pages in Portuguese, Spanish, French, Italian, German
        "leia",
        "lea",
        "lire",
        "leggi",
        "lesen",
    ]
)
# a press release's description of a company, under its own heading
_ABOUT_HEADING = re.compile(r"about [\w][^.!?:]{0,60}:?", re.IGNORECASE)
# the headings of what closes a press release
_TAIL_HEADING = re.compile(
    r"(?:media|press|investor|investors)?\s*(?:contacts?|enquiries|inquiries)\s*:?"
    r"|(?:forward[- ]looking statements?|safe harbou?r(?: statement)?|cautionary (?:note|statement)"
    r"|disclaimer)\s*:?",
    re.IGNORECASE,
)
# a list of other stories run on after a sentence or a bar in the same line, as a page's
# text extraction leaves it: "Published 11 April 2024. Related content: AI Foundation
# Models: update paper | Microsoft / OpenAI partnership merger inquiry", "Mobile World
# Live | Related: KT unveils ..."
_INLINE_LIST = re.compile(
    r"([.!?|] )(?:Related|Read more|See also|Also read|Read also|More on [^:\n]{1,40})"
    r"(?: content| stories| articles| coverage| links)?:[^\n]*"
)
# a list of headlines ends at a line that reads like prose again
_MAX_HEADLINE = 160


def strip_boilerplate(body: str) -> str:
    """``body`` without other stories' headlines, sign-offs, captions, prompts,
    and a press release's "About X" paragraphs, contacts and legal notices."""
    body = _INLINE_LIST.sub(r"\1", body)
    firsts = _FIRST_WORDS.findall("\n" + body)
    if _CUE_WORDS.isdisjoint(map(str.lower, firsts)):
        return body  # most texts: nothing to look at line by line
    kept: list[str] = []
    in_list = False
    about = 0  # 2: after an "About X" heading, 1: inside its paragraph
    for line in body.split("\n"):
        text = line.strip()
        if not text:
            kept.append(line)
            in_list = False  # a blank line ends a list of headlines
            about = 2 if about == 2 else 0  # and the paragraph of an "About X"
            continue
        if about:
            about = 1
            continue
        if in_list and _is_headline(text):
            continue
        in_list = False
        if _TAIL_HEADING.fullmatch(text):
            break  # contacts and legal notices close a press release: nothing after is news
        if _ABOUT_HEADING.fullmatch(text):
            about = 2  # the company's description, partners and customers: not the news
            continue
        if _LIST_HEADING.fullmatch(text) and not text.endswith("."):
            in_list = True
            continue
        if _JUNK_LINE.match(text) and not _is_prose(text):
            continue
        kept.append(line)
    return "\n".join(kept)


def _is_headline(text: str) -> bool:
    """One line of a list of headlines: short, not ending as a sentence does."""
    return len(text) <= _MAX_HEADLINE and not text.endswith((".", '."', ".”"))


def _is_prose(text: str) -> bool:
    """A paragraph that merely opens with a cue word: "Analysis by Bernstein
    shows...", "Related talks failed." (two sentences or more of prose are kept)."""
    if len(text) > 400:
        return True
    lowered = text[:40].lower()
    if lowered.startswith(("reporting by", "additional reporting", "writing by", "editing by")):
        return False
    return text.count(". ") >= 2
