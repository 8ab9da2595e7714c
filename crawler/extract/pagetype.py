"""Is this page an article? Many weak signals weighed together, never one alone.

Real article pages declare `og:type` "website", home pages carry `<article>` teaser cards,
and URLs without ids are articles too: each signal is wrong somewhere. `page_signals`
reads what the markup and the URL say (before trafilatura cleans the tree), `judge` adds
the extracted text and weighs the lot: a page is refused only when the evidence against
it outweighs the evidence for it; a page kept against some evidence says why it was
doubtful.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.extract.body import PROSE_WORDS
from crawler.extract.cleanup import Cleaned
from crawler.extract.dates import structured_dates
from crawler.text import text_size
from crawler.urls import LISTING_SEGMENTS, looks_like_article_url

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenews",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "liveblogposting",
}
LISTING_TYPES = {"website", "webpage", "collectionpage", "itemlist", "searchresultspage"}
SENTENCE_WORDS = 8
SENTENCE_ENDS = (".", "!", "?", '"', "”", "。", "！", "？", "」", "』")
# Share of the extracted text that went to lists of other stories on a listing page.
MOSTLY_LISTS = 0.6
# Link text share of the whole page above which it is mostly navigation (article pages reach
# about half on portals with large menus, so it weighs little).
LINK_HEAVY = 0.6


@dataclass
class Signals:
    """Evidence for (positive weight) and against (negative weight) a page being an article."""

    weights: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, weight: int) -> None:
        self.weights[reason] = weight

    @property
    def score(self) -> int:
        return sum(self.weights.values())

    def against(self) -> list[str]:
        return [reason for reason, weight in self.weights.items() if weight < 0]

    def supporting(self) -> list[str]:
        return [reason for reason, weight in self.weights.items() if weight > 0]


def page_signals(
    tree: lxml_html.HtmlElement,
    url: str | None,
    article_pattern: str | None = None,
    *,
    stamps: list[str] | None = None,
) -> Signals:
    """What the markup and the URL say about the page; `stamps` are its `structured_dates`
    when the caller has them already."""
    signals = Signals()
    og_type = " ".join(tree.xpath('//meta[@property="og:type"]/@content')).strip().lower()
    if og_type == "article":
        signals.add("og:type article", 1)
    elif og_type == "website":
        signals.add("og:type website", -1)
    types = json_ld_types(tree)
    if types & ARTICLE_TYPES:
        signals.add("JSON-LD article", 2)
    elif types & LISTING_TYPES:
        signals.add(f"JSON-LD {'/'.join(sorted(types & LISTING_TYPES))} only", -1)
    if tree.xpath("//*[@itemprop='articleBody']"):
        signals.add("articleBody markup", 1)
    if len(tree.xpath("//article")) == 1:
        signals.add("one <article> element", 1)
    if structured_dates(tree) if stamps is None else stamps:
        signals.add("publication date in markup", 1)
    if url:
        _url_signals(signals, url, article_pattern)
    body = tree.find("body")
    if body is not None:
        text_size = len(" ".join(body.text_content().split()))
        link_size = sum(len(" ".join(a.text_content().split())) for a in body.iter("a"))
        if text_size and link_size / text_size >= LINK_HEAVY:
            signals.add(f"links are {link_size / text_size:.0%} of the page's text", -1)
    return signals


def judge(signals: Signals, body: Cleaned) -> tuple[bool, list[str]]:
    """(is an article, notes): the page's signals plus what its extracted body looks like."""
    listed = body.listed_chars / max(1, body.listed_chars + len(body.text))
    if listed >= MOSTLY_LISTS:
        signals.add(f"{listed:.0%} of the page's text is lists of other stories", -2)
    prose = sum(is_prose(line) for line in body.text.splitlines())
    if prose >= 2:
        signals.add(f"{prose} paragraphs of prose", 1)
    elif prose == 0:
        signals.add("no paragraph of prose", -1)
    against = signals.against()
    # Refused only when the evidence against outweighs the evidence for: a tie is doubt,
    # and a doubtful page is kept and recorded (a short photo story weighs like a listing).
    if signals.score < 0:
        return False, [f"{'; '.join(against)} (for: {', '.join(signals.supporting()) or 'none'})"]
    if against:
        return True, [f"doubtful ({'; '.join(against)}), kept: {', '.join(signals.supporting())}"]
    return True, []


def is_prose(line: str) -> bool:
    """A paragraph, or at least a sentence, as opposed to a headline or a menu entry."""
    words = text_size(line)
    return words >= PROSE_WORDS or (
        words >= SENTENCE_WORDS and line.rstrip().endswith(SENTENCE_ENDS)
    )


def json_ld_types(tree: lxml_html.HtmlElement) -> set[str]:
    """Every @type named in the page's JSON-LD, lowercased ("newsarticle", "webpage")."""
    found: set[str] = set()
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        _collect_types(data, found)
    return found


def _collect_types(data: object, found: set[str]) -> None:
    if isinstance(data, list):
        for entry in data:
            _collect_types(entry, found)
    elif isinstance(data, dict):
        kind = data.get("@type")
        for name in kind if isinstance(kind, list) else [kind]:
            if isinstance(name, str):
                found.add(name.lower())
        # Articles nest in @graph; a publisher or an image inside an article is no page type.
        _collect_types(data.get("@graph"), found)
        _collect_types(data.get("mainEntity"), found)


def _url_signals(signals: Signals, url: str, article_pattern: str | None) -> None:
    path = urlsplit(url).path
    segments = [s.lower() for s in path.split("/") if s]
    if not segments:
        signals.add("the URL is a site's front page", -3)  # where no story ever lives
    elif any(segment in LISTING_SEGMENTS for segment in segments) and not looks_like_article_url(
        url
    ):
        signals.add("the URL is an index, tag or search page", -2)
    elif article_pattern and re.search(article_pattern, url):
        signals.add("the URL matches the source's article pattern", 1)
    elif looks_like_article_url(url):
        signals.add("an article URL (id, date or headline slug)", 1)
