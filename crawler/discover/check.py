"""`pantau sources check`: try every entry point of every outlet live, within bounds.

Plain HTTP GETs (no Scrapy: a handful of requests per source, run a few at a time), each
parsed the way the crawler would parse it, so a user sees per source what still answers.

Answering is not working. Search and tag templates are also judged (news-watch's gate):
the topic's query must return article links that name the topic, a nonsense query none of
its own, an unrelated query other links; and every result must be an article URL of the
outlet. A date index of a past day must list links dated that day (where URLs carry dates),
and its page 2 must not repeat page 1. Links that every query's page shows (menus, "most
read") are furniture, not results.

The outlet file is judged too: an entry point whose links look like articles (the generic
test) while the `article_pattern` accepts none of them has a stale pattern; one that the
site's robots.txt disallows is not fetched, and said so.
"""

import re
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from scrapy.http import HtmlResponse

from crawler.config.load import Source
from crawler.crawl.drift import repeats
from crawler.discover import links as discovery
from crawler.discover.targets import FilledTemplate, Targets
from crawler.discover.templates import sample_url
from crawler.fetch import MAX_BYTES, FetchError, TooMuch, fetch
from crawler.relevance.terms import slug
from crawler.urls import host_matches, host_of, looks_like_article_url

PARALLEL = 8
# The gate's queries besides the topic's own: one nobody writes about, one about other news.
NONSENSE_QUERY = "qxzvw jklmpt"
UNRELATED_QUERY = "sepak bola"
# Without a topic, the relevant query is news every outlet carries.
DEFAULT_QUERY = "Jakarta"
# A date index is checked for this many days ago: past, and surely published.
ARCHIVE_DAYS_AGO = 7
# An entry point with this many article-like links, none of them accepted by the pattern,
# has a stale pattern.
STALE_LINKS = 10
GATE_FAILURES = {
    "robots": "robots.txt disallows it",
    "pattern": "pattern stale: it accepts none of the article-like links",
    "advances": "page 2 repeats page 1",
    "relevant": "no result names the topic",
    "nonsense": "a nonsense query has results of its own",
    "differs": "an unrelated query returns the same links",
    "on_site": "results on other sites",
    "dated": "most links are not of that day",
}


@dataclass
class Check:
    source: str
    kind: str  # feed, sitemap, listing, search, tag, archive
    url: str
    status: int | None
    links: int | None  # None: did not parse
    error: str | None = None
    # Links on the outlet's hosts that look like articles and the pattern rejects.
    rejected: int | None = None
    # The gate's verdicts by name (relevant, nonsense, differs, on_site, dated): True,
    # False, or None when the page gives no way to tell.
    verdicts: dict[str, bool | None] | None = None

    @property
    def ok(self) -> bool:
        return (
            self.status == 200
            and self.links is not None
            and not any(verdict is False for verdict in (self.verdicts or {}).values())
        )


def check_sources(sources: list[Source], targets: Targets, user_agent: str) -> list[Check]:
    """Every entry point of every outlet not disabled: feeds, sitemaps and listings once,
    search and tag templates through the gate, date indexes for a past day; none that the
    site's robots.txt disallows."""
    sources = [source for source in sources if not source.disabled]
    past_day = date.today() - timedelta(days=ARCHIVE_DAYS_AGO)
    query = targets.template_terms[0] if targets.template_terms else DEFAULT_QUERY
    jobs: list[tuple[Any, ...]] = [
        (check_one, source, kind, url, user_agent)
        for source in sources
        for kind, urls in (
            ("feed", source.feeds),
            ("sitemap", source.sitemaps),
            ("listing", source.listings),
        )
        for url in urls
    ]
    jobs += [
        (check_template, source, "search", template, query, targets, user_agent)
        for source in sources
        for template in source.search
    ]
    jobs += [
        (check_template, source, "tag", template, query, targets, user_agent)
        for source in sources
        for template in source.tags
    ]
    jobs += [
        (check_archive, source, "archive", template, past_day, user_agent)
        for source in sources
        for template in source.archives
    ]
    robots = RobotsRules(user_agent)
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = [pool.submit(_polite, robots, *job) for job in jobs]
        return [future.result() for future in futures]


def _polite(robots: "RobotsRules", job: Any, source: Source, kind: str, url: str, *rest) -> Check:
    """Run a check unless robots.txt disallows the entry point's URL (a template's filled in
    with sample values): then it is reported, not fetched. A search or tag template carries
    the verdict either way (None: the site has no robots.txt)."""
    allowed = robots.verdict(sample_url(url))
    if allowed is False:
        return _judged(Check(source.name, kind, url, None, None), {"robots": False})
    check = job(source, kind, url, *rest)
    if kind in ("search", "tag"):
        # Allowed (or no robots.txt): a verdict to show, never a failure of its own.
        check.verdicts = {**(check.verdicts or {}), "robots": allowed}
    return check


class RobotsRules:
    """Each host's robots.txt, fetched once, as Scrapy reads it (Protego). A host without
    one (404, unreachable) allows everything, as it does for the crawl."""

    def __init__(self, user_agent: str):
        self.user_agent = user_agent
        self.parsed: dict[str, Any] = {}
        self.locks: dict[str, threading.Lock] = {}
        self.lock = threading.Lock()

    def verdict(self, url: str) -> bool | None:
        """Whether robots.txt allows `url`; None when the host has none."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self.lock:
            host_lock = self.locks.setdefault(origin, threading.Lock())
        with host_lock:  # one fetch per host, even when many checks ask at once
            if origin not in self.parsed:
                self.parsed[origin] = self._fetch(origin + "/robots.txt")
            robots = self.parsed[origin]
        return None if robots is None else bool(robots.can_fetch(url, self.user_agent))

    def _fetch(self, url: str) -> Any:
        """The parsed robots.txt; None when there is none to read (404, unreachable)."""
        try:
            status, body = fetch(url, self.user_agent)
        except FetchError:
            return None
        return Protego.parse(body.decode("utf-8", "replace")) if status == 200 else None


def check_template(
    source: Source, kind: str, template: str, query: str, targets: Targets, user_agent: str
) -> Check:
    """A search or tag template, filled with the topic's query, a nonsense one and an
    unrelated one; the check's links are the topic query's results."""
    today = date.today()
    since = targets.since or today - timedelta(days=30)

    def url_for(term: str) -> str:
        value = ("tag", slug(term)) if kind == "tag" else ("query", term)
        values = (value, ("since", since), ("until", min(targets.until or today, today)))
        return FilledTemplate(kind, template, values).url()

    relevant = fetch_links(source, kind, url_for(query), user_agent)
    if not relevant.ok:
        return relevant.check
    nonsense = fetch_links(source, kind, url_for(NONSENSE_QUERY), user_agent)
    unrelated = fetch_links(source, kind, url_for(UNRELATED_QUERY), user_agent)
    others = [page.links for page in (nonsense, unrelated) if page.links is not None]
    # Furniture: what the topic's page shares with every other query's page.
    furniture = set.intersection(set(relevant.links), *map(set, others)) if others else set()
    results = [link for link in relevant.articles if link not in furniture]
    other_results = {link for link in unrelated.articles if link not in furniture}
    nonsense_own = [link for link in nonsense.articles if link not in furniture]
    verdicts: dict[str, bool | None] = {
        # Search and tag pages are built from the topic's terms: results must name it.
        "relevant": any(targets.wants(link, relevant.links.titles.get(link)) for link in results),
        "nonsense": not nonsense_own if nonsense.status in (200, 404) else None,
        "differs": set(results) != other_results if unrelated.ok else None,
        "on_site": all(host_matches(host_of(link), source.allowed_hosts()) for link in results)
        if results
        else None,
    }
    check = _pattern_verdict(relevant.check)
    check.links = len(results)
    return _judged(check, verdicts)


def check_archive(source: Source, kind: str, template: str, day: date, user_agent: str) -> Check:
    """A date index for a past day: its links that carry a date must mostly carry that one,
    and its page 2 (when it pages) must not repeat page 1."""
    filled = FilledTemplate(kind, template, (("date", day),))
    page = fetch_links(source, kind, filled.url(), user_agent)
    if not page.ok:
        return page.check
    dated = [d for d in (url_day(link) for link in page.articles) if d is not None]
    # Menus and "most read" boxes list other days too; the day's own links must dominate.
    verdicts: dict[str, bool | None] = {
        "dated": sum(d == day for d in dated) * 2 > len(dated) if dated else None
    }
    if filled.paged and page.articles:
        second = fetch_links(source, kind, filled.url(2), user_agent)
        verdicts["advances"] = (
            not repeats(frozenset(page.articles), second.articles) if second.articles else None
        )
    return _judged(_pattern_verdict(page.check), verdicts)


def _pattern_verdict(check: Check) -> Check:
    """A pattern that accepts none of many article-like links is stale."""
    if check.links == 0 and (check.rejected or 0) >= STALE_LINKS:
        check.verdicts = {"pattern": False}
    return check


def _judged(check: Check, verdicts: dict[str, bool | None]) -> Check:
    verdicts = {**(check.verdicts or {}), **verdicts}
    check.verdicts = verdicts
    failed = [GATE_FAILURES[name] for name, verdict in verdicts.items() if verdict is False]
    check.error = "; ".join(failed) or None
    return check


_URL_DATE = re.compile(r"(?<!\d)(20\d\d)[/-]?(\d\d)[/-]?(\d\d)(?!\d)")


def url_day(url: str) -> date | None:
    """The day a URL carries (/2023/09/18/, /20230918...), if any."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@dataclass
class Fetched:
    check: Check
    links: Any = None  # discover.links.Links: every link, with headlines
    articles: list[str] = field(default_factory=list)  # the outlet's article links

    @property
    def ok(self) -> bool:
        return self.check.status == 200 and self.links is not None

    @property
    def status(self) -> int | None:
        return self.check.status


def check_one(source: Source, kind: str, url: str, user_agent: str) -> Check:
    check = _pattern_verdict(fetch_links(source, kind, url, user_agent).check)
    return _judged(check, {}) if check.verdicts else check


def fetch_links(source: Source, kind: str, url: str, user_agent: str) -> Fetched:
    try:
        status, body = fetch(url, user_agent)
        links = _parse(kind, url, body)
    except FetchError as error:
        return Fetched(Check(source.name, kind, url, error.status, None, str(error)))
    except ValueError as error:
        return Fetched(Check(source.name, kind, url, None, None, str(error)))
    if links is None:
        return Fetched(Check(source.name, kind, url, status, None, f"not a {kind}"))
    articles = [link for link in links if source.is_article_url(link)]
    accepted, hosts = set(articles), source.allowed_hosts()
    rejected = [
        link
        for link in links
        if link not in accepted
        and host_matches(host_of(link), hosts)
        and looks_like_article_url(link)
    ]
    check = Check(source.name, kind, url, status, len(articles), rejected=len(rejected))
    return Fetched(check, links, articles)


def _gunzip_bounded(body: bytes) -> bytes:
    """A gzipped sitemap, unpacked no further than MAX_BYTES (a gzip bomb is a few KB)."""
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    unpacked = unpacker.decompress(body, MAX_BYTES + 1)
    if len(unpacked) > MAX_BYTES:
        raise TooMuch(f"unpacks to more than {MAX_BYTES // (1024 * 1024)} MB")
    return unpacked


def _parse(kind: str, url: str, body: bytes) -> Any:
    if body[:2] == b"\x1f\x8b":
        body = _gunzip_bounded(body)
    if kind == "feed":
        return discovery.feed_links(body)
    if kind == "sitemap":
        children, links = discovery.sitemap_links(body)
        if links is not None:
            links.extend(children)
        return links
    return discovery.page_links(HtmlResponse(url, body=body))


def summary(results: list[Check]) -> str:
    """One line for the whole check."""
    sources = sorted({r.source for r in results})
    dead = [name for name in sources if not any(r.ok for r in results if r.source == name)]
    working = sum(r.ok for r in results)
    gated = [r for r in results if r.verdicts]
    line = f"{working} of {len(results)} entry points answered and parsed"
    if gated:
        line += f" ({sum(r.ok for r in gated)} of {len(gated)} passed the gate)"
    return line + (f"; nothing worked for {', '.join(dead)}" if dead else "")


def verdict_text(check: Check) -> str:
    """The gate's verdicts in a few words: "relevant yes, nonsense yes, dated ?"."""
    words = {True: "yes", False: "NO", None: "?"}
    return ", ".join(
        f"{name.replace('_', ' ')} {words[verdict]}"
        for name, verdict in (check.verdicts or {}).items()
    )


def as_json(results: list[Check]) -> list[dict[str, Any]]:
    return [{**asdict(r), "ok": r.ok} for r in results]
