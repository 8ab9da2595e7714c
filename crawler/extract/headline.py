"""Which headline a page gives its article, when its titles disagree.

A page names its story several times: `og:title`, `twitter:title`, `<title>` (with the
site's name around it), JSON-LD's `headline`, and the heading the reader sees above the
text. Each goes wrong somewhere: a `<title>` left over from another story, a JSON-LD
headline cut at 110 characters, an `<h1>` that is the "most read" box's. The heading of
the article's own box is what readers see; it is taken when one of the page's metadata
titles agrees with it, else the title most of the others agree with, else the most
trusted. Every candidate that disagrees with the choice is named in a note.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extract.pagetype import ARTICLE_TYPES
from crawler.text import UNSPACED, tokens
from crawler.urls import registrable_domain

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»]\s+|:\s+")
# Separators in titles written without spaces: "大雪｜北海ニュース", "高铁_国际新闻_环亚新闻网",
# "方向--时政--人民网", "注意報 気象庁：朝日新聞デジタル", "引責 - 日本経済新聞".
UNSPACED_SEPARATORS = re.compile(r"\s+[|\-–—»]\s+|\s*(?:[｜|_：]|--)\s*")
# After such a separator, a trailing segment this short is a section's name ("时政", "国际新闻"),
# unless a colon leads it: "...巨大地震：基準達せず" ends a headline.
SECTION_CHARS = 4
# Second-level labels under a country's domain: people.com.cn is "people", mirror.co.uk "mirror".
SECOND_LEVEL_LABELS = {"co", "com", "net", "org", "or", "ac", "go", "gov", "edu", "ne", "web"}
HEADINGS = ("h1", "h2")
# A heading shorter than this is a section's or a box's label ("Terpopuler", "Berita").
MIN_HEADING_CHARS = 15
# How many characters of the body's opening line find it in the page.
ANCHOR_CHARS = 60
# Two titles agree when most of the shorter one's words are in the longer one and they are
# of a size: a rubric or a site name more or less, not another story on the same subject.
SHARED_OF_SHORTER = 0.7
SHARED_OF_LONGER = 0.5
# A truncated title ("Kim Jong Un Tiba di Vladivostok, Disam...") is the start of the full
# one; this many words make the start of a headline, not a topic.
TRUNCATED_MIN_WORDS = 4
HEADING = "the heading above the text"
FALLBACK = "trafilatura's title"
# Who is trusted when nothing else decides: editors set og:title and JSON-LD for the story,
# the reader sees the heading; <title> is often the template's, run on with sections.
TRUST_ORDER = ("og:title", "JSON-LD headline", "twitter:title", HEADING, FALLBACK, "<title>")
NOTE_CHARS = 80
BLOCK_TAGS = {"p", "div", "td", "li", "dd", "section", "article", "blockquote", "main", "body"}
_SPACED = "normalize-space(translate(., '\u00a0', ' '))"
_PARAGRAPH_STARTING = etree.XPath(f"//body//p[starts-with({_SPACED}, $start)]")
_TEXT_WITH = etree.XPath("//body//text()[contains(., $word)]")
_HEADINGS_BEFORE = etree.XPath("preceding::*[self::h1 or self::h2]")


@dataclass
class Headline:
    """The chosen headline and what was doubtful about it."""

    text: str | None
    notes: list[str] = field(default_factory=list)


def find_headline(
    tree: lxml_html.HtmlElement, url: str | None, body: str, fallback: str | None = None
) -> Headline:
    """The article's headline: the heading of the box that holds `body` (the extracted
    text) when a metadata title agrees with it, else the candidate most others agree with,
    else the most trusted. `fallback` (trafilatura's title) stands in for metadata when the
    page has none of its own."""
    site_names = _site_names(tree, url)
    metadata = {
        source: without_site_name(title, site_names)
        for source, title in metadata_titles(tree).items()
    }
    if not any(metadata.values()) and fallback:
        metadata[FALLBACK] = without_site_name(" ".join(fallback.split()), site_names)
    metadata = {source: title for source, title in metadata.items() if title}
    headings = body_headings(tree, body)
    for heading in headings:
        if any(agree(heading, title) for title in metadata.values()):
            return Headline(heading, _disagreements(HEADING, heading, metadata))
    candidates = dict(metadata)
    if headings:
        candidates[HEADING] = headings[0]
    if not candidates:
        return Headline(next((_text(h) for h in tree.iter("h1") if _text(h)), None))
    source, title = _consensus(candidates)
    return Headline(title, _disagreements(source, title, candidates))


def metadata_titles(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """The page's titles for its story by where they come from, whitespace normalised."""
    found = {
        "og:title": _first(tree.xpath('//meta[@property="og:title"]/@content')),
        "twitter:title": _first(
            tree.xpath('//meta[@name="twitter:title" or @property="twitter:title"]/@content')
        ),
        "JSON-LD headline": _json_ld_headline(tree),
        "<title>": _first(tree.xpath("//head/title/text()") or tree.xpath("//title/text()")),
    }
    return {source: title for source, title in found.items() if title}


def body_headings(tree: lxml_html.HtmlElement, body: str) -> list[str]:
    """The headings of the article's own box, nearest the text first (h1s, then h2s).

    The box is the innermost container of the body's opening that holds a heading before
    it: a "most read" box elsewhere on the page is outside it. Without the body's opening
    in the page, every h1 and then every h2, in page order.
    """
    anchor = _body_anchor(tree, body)
    if anchor is None:
        found = [_text(h) for tag in HEADINGS for h in tree.iter(tag)]
        return [text for text in found if len(text) >= MIN_HEADING_CHARS]
    before = [h for h in _HEADINGS_BEFORE(anchor) if len(_text(h)) >= MIN_HEADING_CHARS]
    for container in anchor.iterancestors():
        inside = [h for h in reversed(before) if _inside(h, container)]
        if inside:
            return [_text(h) for tag in HEADINGS for h in inside if h.tag == tag]
    return []


def _inside(element: lxml_html.HtmlElement, container: lxml_html.HtmlElement) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def agree(one: str, other: str) -> bool:
    """Do two titles name the same story? One is the other with a rubric or a site name
    more or less, or the start of it (a truncated copy)."""
    a, b = sorted((_words(one), _words(other)), key=len)
    if not a:
        return False
    cut = len(a) - 1
    if len(a) >= TRUNCATED_MIN_WORDS and a[:cut] == b[:cut] and b[cut].startswith(a[cut]):
        return True
    shared = sum(min(a.count(w), b.count(w)) for w in set(a))
    return shared >= SHARED_OF_SHORTER * len(a) and shared >= SHARED_OF_LONGER * len(b)


def clean_title(title: str | None, tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    """The headline as the reader sees it: without " - Kompas.com" or "KapanLagi.com: "."""
    if not title:
        return None
    return without_site_name(" ".join(title.split()), _site_names(tree, url)) or None


def without_site_name(title: str, site_names: set[str]) -> str:
    """The title without the site's name leading or trailing it (and, in a script written
    without spaces, without the section names that trail it)."""
    unspaced = bool(UNSPACED.search(title))
    separators = UNSPACED_SEPARATORS if unspaced else TITLE_SEPARATORS
    parts = re.split(f"({separators.pattern})", title.strip())  # segment, separator, ...

    def label(segment: str, separator: str) -> bool:
        segment = segment.strip()
        if _is_site_name(segment, site_names):
            return True
        return unspaced and len(segment) <= SECTION_CHARS and "：" not in separator

    while len(parts) > 2 and parts[-1].strip() and label(parts[-1], parts[-2]):
        del parts[-2:]
    while len(parts) > 2 and parts[0].strip() and _is_site_name(parts[0].strip(), site_names):
        del parts[:2]
    return "".join(parts).strip()


def _consensus(candidates: dict[str, str]) -> tuple[str, str]:
    """The candidate most others agree with; among equals, one that is not cut short, then
    the most trusted."""

    def support(source: str) -> int:
        others = (title for other, title in candidates.items() if other != source)
        return sum(agree(candidates[source], title) for title in others)

    def complete(source: str) -> bool:
        title = candidates[source]
        # <title> runs on with sections and the site's name: it cuts nothing short.
        longer = (t for s, t in candidates.items() if s != "<title>" and len(t) > len(title))
        stem = title.rstrip(" .…")
        return stem == title and not any(t.startswith(stem) for t in longer)

    rank = {source: index for index, source in enumerate(TRUST_ORDER)}
    best = max(candidates, key=lambda s: (support(s), complete(s), -rank[s]))
    return best, candidates[best]


def _disagreements(source: str, chosen: str, candidates: dict[str, str]) -> list[str]:
    others = [
        f"{other} {_quoted(title)}"
        for other, title in candidates.items()
        if other != source and not agree(chosen, title)
    ]
    if not others:
        return []
    return [f"headline from {source} {_quoted(chosen)}; disagreeing: {', '.join(others)}"]


def _body_anchor(tree: lxml_html.HtmlElement, body: str) -> lxml_html.HtmlElement | None:
    """The innermost block whose text starts with the body's first sizeable line: a
    paragraph, else the block around a text node holding the line's longest early word
    (a lead as loose text in a div, or with its dateline in bold). Blocks are not searched
    all at once: nested ones would be read over and over."""
    # The extracted text may open with the headline itself: the text proper starts after it.
    headings = {_text(heading) for heading in tree.iter(*HEADINGS)}
    opening = next(
        (
            line
            for line in body.splitlines()
            if len(line) >= MIN_HEADING_CHARS and " ".join(line.split()) not in headings
        ),
        "",
    )
    start = " ".join(opening.split())[:ANCHOR_CHARS]
    if not start:
        return None
    paragraphs = _PARAGRAPH_STARTING(tree, start=start)
    if paragraphs:
        return paragraphs[0]
    for node in _TEXT_WITH(tree, word=max(start.split()[:6], key=len)):
        element = node.getparent()
        if element is not None and node.is_tail:
            element = element.getparent()
        while element is not None and element.tag not in BLOCK_TAGS:
            element = element.getparent()
        if element is not None and _text(element).startswith(start):
            return element
    return None


def _json_ld_headline(tree: lxml_html.HtmlElement) -> str | None:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        headline = _article_headline(data)
        if headline:
            return headline
    return None


def _article_headline(data: object) -> str | None:
    if isinstance(data, list):
        return next((h for entry in data if (h := _article_headline(entry))), None)
    if not isinstance(data, dict):
        return None
    kind = data.get("@type")
    kinds = {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
    headline = data.get("headline")
    if kinds & ARTICLE_TYPES and isinstance(headline, str) and headline.strip():
        return " ".join(headline.split())
    return _article_headline(data.get("@graph")) or _article_headline(data.get("mainEntity"))


def _words(title: str) -> list[str]:
    """Words to compare titles by; a script without spaces compares character by character."""
    words: list[str] = []
    for token in tokens(title):
        words.extend(token if UNSPACED.search(token) else [token])
    return words


def _site_names(tree: lxml_html.HtmlElement, url: str | None) -> set[str]:
    names = {n.strip().lower() for n in tree.xpath('//meta[@property="og:site_name"]/@content')}
    host = urlsplit(url or "").hostname
    if host:
        names.add(registrable_domain(host).split(".")[0])
        labels = host.lower().split(".")[:-1]
        while len(labels) > 1 and labels[-1] in SECOND_LEVEL_LABELS:
            labels.pop()
        names.add(labels[-1] if labels else "")
    return {n for n in names if n}


def _is_site_name(segment: str, site_names: set[str]) -> bool:
    """ "Kompas.com Regional", "Republika Online", "ANTARA News", "Tempo Gaya", "Musik"."""
    lowered = segment.lower()
    if len(segment.split()) > 4:
        return False
    squashed = re.sub(r"\W", "", lowered)  # "ANTARA News" is antaranews.com
    names = {re.sub(r"\W", "", name) for name in site_names}
    if any(name and (name in squashed or squashed in name) for name in names):
        return True
    return bool(re.search(r"\.(com|co\.id|id|net|tv)\b", lowered))


def _first(values: list[str]) -> str | None:
    return next((" ".join(v.split()) for v in values if v.strip()), None)


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _quoted(title: str) -> str:
    return f'"{title[:NOTE_CHARS]}{"..." if len(title) > NOTE_CHARS else ""}"'
