"""Turn one news page into an article record (trafilatura plus Indonesian newsroom rules).

`extract_article` is pure: HTML and URL in, a dict or `None` out. It never touches the
network or the database, so the crawler, `pantau extract` and the tests share it.
"""

import re
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawler.dates import find_published_at
from crawler.urls import normalize_url, pick_canonical, registrable_domain

# trafilatura 2.3 returns a few words for navigation-only pages instead of None.
MIN_TEXT_CHARS = 250
MIN_TEXT_WORDS = 40
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»]\s+|:\s+")
# Whole lines that are page furniture, not the article's words.
BOILERPLATE_LINE = re.compile(
    r"^\s*(?:bagikan:?|share:?|advertisement|scroll to continue with content|"
    r"(?:baca|simak|lihat) juga\b.{0,200}|artikel terkait\b.{0,200})\s*$",
    re.IGNORECASE,
)
INDONESIAN_WORDS = set(
    "yang dan di ini itu dengan untuk dari tidak dalam akan pada juga ke karena ada oleh "
    "adalah mereka kata tersebut sudah telah bahwa saat bisa atau lebih hingga kami".split()
)
ENGLISH_WORDS = set(
    "the and of to in is that for was on with as by at from it be are has have said "
    "this which an were will his their".split()
)


class ExtractionError(Exception):
    """The page holds no article: too little text, no title, or not HTML at all."""


def extract_article(
    html: str | bytes, url: str | None, allowed_hosts: list[str] | None = None
) -> dict[str, Any]:
    """Extract url, title, author, published_at, text and language from a page.

    Raises ExtractionError with the reason when the page holds no article.
    """
    tree = parse_html(html)
    declared_type = " ".join(tree.xpath('//meta[@property="og:type"]/@content')).strip().lower()
    if declared_type == "website":
        raise ExtractionError("not an article page (og:type website)")
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None:
        raise ExtractionError("no article text found")
    found = document if isinstance(document, dict) else document.as_dict()
    text = clean_text(found.get("text") or "")
    if len(text) < MIN_TEXT_CHARS or len(text.split()) < MIN_TEXT_WORDS:
        raise ExtractionError(f"too little text ({len(text)} characters)")
    title = clean_title(found.get("title"), tree, url)
    if not title:
        raise ExtractionError("no title")
    # trafilatura often keeps the <h1> as the body's first line; the title has it already.
    first, _, rest = text.partition("\n")
    if first.strip() == title and rest:
        text = rest
    return {
        "url": _article_url(url, _declared_canonical(tree), allowed_hosts or []),
        "title": title,
        "author": _clean_author(found.get("author")),
        "published_at": find_published_at(tree, found.get("date")),
        "text": text,
        "language": detect_language(text, tree.get("lang")),
    }


def parse_html(html: str | bytes) -> lxml_html.HtmlElement:
    """Parse bytes or text leniently; raise ExtractionError when nothing HTML-like is there."""
    if not html or not html.strip():
        raise ExtractionError("empty page")
    if isinstance(html, bytes) and b"\x00" in html[:4096]:
        raise ExtractionError("binary content, not HTML")
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unparseable HTML: {error}") from None
    return tree


def clean_text(text: str) -> str:
    """Drop furniture lines and blank runs; paragraphs stay separated by single newlines."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not BOILERPLATE_LINE.match(line))


def clean_title(meta_title: str | None, tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    """The headline as the reader sees it: without " - Kompas.com" or "KapanLagi.com: "."""
    if not meta_title:
        return None
    meta_title = " ".join(meta_title.split())
    for heading in tree.xpath("//h1|//h2"):
        words = " ".join(heading.text_content().split())
        if len(words) >= 15 and words != meta_title and words in meta_title:
            return words
    site_names = _site_names(tree, url)
    segments = [s.strip() for s in TITLE_SEPARATORS.split(meta_title) if s.strip()]
    while len(segments) > 1 and _is_site_name(segments[-1], site_names):
        meta_title = meta_title[: meta_title.rfind(segments.pop())].rstrip(" |-–—:»")
    while len(segments) > 1 and _is_site_name(segments[0], site_names):
        meta_title = meta_title[meta_title.find(segments[0]) + len(segments.pop(0)) :]
        meta_title = meta_title.lstrip(" |-–—:»")
    return meta_title or None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ "id" or "en" by counting very common words; the page's lang attribute breaks ties."""
    words = re.findall(r"[a-z]+", text.lower())
    indonesian = sum(word in INDONESIAN_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    if indonesian > english:
        return "id"
    if english > indonesian:
        return "en"
    return (declared or "").split("-")[0].lower() or None


def _article_url(url: str | None, declared: str | None, allowed_hosts: list[str]) -> str | None:
    if url:
        return pick_canonical(url, declared, allowed_hosts)
    # A page read from disk: only an absolute canonical link says where it lives.
    if declared and declared.startswith(("http://", "https://")):
        return normalize_url(declared)
    return None


def _declared_canonical(tree: lxml_html.HtmlElement) -> str | None:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        values = [v.strip() for v in tree.xpath(xpath) if v.strip()]
        if values:
            return values[0]
    return None


def _site_names(tree: lxml_html.HtmlElement, url: str | None) -> set[str]:
    names = {n.strip().lower() for n in tree.xpath('//meta[@property="og:site_name"]/@content')}
    host = urlsplit(url or "").hostname
    if host:
        names.add(registrable_domain(host).split(".")[0])
    return {n for n in names if n}


def _is_site_name(segment: str, site_names: set[str]) -> bool:
    """ "Kompas.com Regional", "Republika Online", "ANTARA News", "Tempo Gaya", "Musik"."""
    lowered = segment.lower()
    if len(segment.split()) > 4:
        return False
    if any(name in lowered or lowered in name for name in site_names):
        return True
    return bool(re.search(r"\.(com|co\.id|id|net|tv)\b", lowered))


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = re.sub(r"^(pewarta|penulis|reporter|oleh)\s*:?\s*", "", author.strip(), flags=re.I)
    return author or None
