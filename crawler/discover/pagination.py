"""Multi-page articles: the single-page view an outlet offers, or the link to the next page.

Pure functions over a page's links, given as (href, text, rel) with hrefs absolute.
Outlets split long stories over ?page=2, /2 or "Halaman selanjutnya"; many also offer
the whole story at ?page=all, ?single=1 or /all, which is one request instead of several.
"""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Link = tuple[str, str, str]
# A story is read up to this many pages, and this many bytes of them: past either, the
# article keeps the pages it has (a note says so). More pages is a listing that looks like
# an article; more bytes, one story held in memory whole.
MAX_PAGES = 20
MAX_STORY_BYTES = 20 * 1024 * 1024
SINGLE_VIEW_TEXT = re.compile(
    r"^\s*(?:tampilkan semua|lihat semua halaman|baca (?:dalam )?satu halaman|"
    r"single page|view all|show all|semua halaman)\s*$",
    re.I,
)
NEXT_TEXT = re.compile(r"^\s*(?:halaman )?(?:selanjutnya|berikutnya|next)\s*[»›>]*\s*$", re.I)
# "/judul-berita/2": a page number after a slug (never the day in /2023/09/18).
PAGE_SUFFIX = re.compile(r"/[^/]*[a-z][^/]*/(\d{1,2})/?$", re.I)
PAGE_KEYS = ("page", "p", "halaman", "hal")
SINGLE_QUERY = {("page", "all"), ("single", "1"), ("show", "all"), ("all", "1"), ("page", "single")}


def single_view_url(url: str, links: list[Link]) -> str | None:
    """The single-page view of this article, if it links to one (and is not it already)."""
    if is_single_view(url):
        return None
    for href, text, _ in links:
        if _same_story(url, href) and (is_single_view(href) or SINGLE_VIEW_TEXT.match(text)):
            return href
    return None


def is_single_view(url: str) -> bool:
    parts = urlsplit(url)
    query = {(k.lower(), v.lower()) for k, v in parse_qsl(parts.query)}
    return bool(query & SINGLE_QUERY) or parts.path.rstrip("/").endswith("/all")


def next_page_url(url: str, links: list[Link]) -> str | None:
    """The next page of this article: rel=next, a "Selanjutnya" link, or page number + 1
    (how many pages to read is the caller's limit, MAX_PAGES)."""
    current = page_number(url)
    wanted = {_with_page(url, current + 1)}
    for href, text, rel in links:
        if not _same_story(url, href) or href == url:
            continue
        if "next" in rel.lower().split() or NEXT_TEXT.match(text) or href in wanted:
            if page_number(href) == current + 1:
                return href
    return None


def page_number(url: str) -> int:
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in PAGE_KEYS and value.isdigit():
            return int(value)
    tail = PAGE_SUFFIX.search(parts.path)
    return int(tail.group(1)) if tail else 1


def first_page_url(url: str) -> str:
    """Page 1 of the article when `url` is page 2, 3, ... of it (a "Baca juga" link or a
    search result can land mid-story); else `url` itself."""
    if not 2 <= page_number(url) <= MAX_PAGES:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in PAGE_KEYS]
    if len(query) < len(parse_qsl(parts.query)):
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(path=_stem(parts.path)))


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(number))])))


def _same_story(url: str, other: str) -> bool:
    """Same host and path, up to a trailing page number or /all."""
    return _story(url) == _story(other)


@lru_cache(maxsize=4096)
def _story(url: str) -> tuple[str, str]:
    # Asked for every link of every article page, twice: a page's links repeat.
    parts = urlsplit(url)
    return parts.netloc, _stem(parts.path)


def _stem(path: str) -> str:
    return (
        # "/judul/page/3" is page 3 of "/judul", not of "/judul/page".
        re.sub(r"(?:/page|/halaman)?/(?:all|\d{1,2})$", "", path.rstrip("/"), flags=re.I)
        if PAGE_SUFFIX.search(path) or path.rstrip("/").endswith("/all")
        else path.rstrip("/")
    )
