"""NewsSpider: one per outlet, from feeds, sitemaps, listings, search, tag and date index pages
to articles."""

from datetime import date
from weakref import WeakKeyDictionary

import scrapy
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.archive.rows import failed_extraction_urls, recent_article_urls, walked_days
from crawler.archive.schema import utc_now
from crawler.config.load import Source
from crawler.crawl import drift
from crawler.crawl.context import CrawlContext
from crawler.crawl.dupefilter import ARTICLE_LINK, LINK_SOURCE
from crawler.crawl.items import FailedFetch, Page, WalkedDay
from crawler.crawl.revalidation import ENTRY
from crawler.discover import archives, pagination
from crawler.discover import links as discovery
from crawler.discover.targets import FilledTemplate, targets_for
from crawler.urls import host_matches, host_of, normalize_url, url_id


def response_headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _fetched(response: Response) -> dict:
    """What we keep of a response: enough to extract it again and to write it to a WARC."""
    return {
        "url": response.url,
        "status": response.status,
        "content_type": (response.headers.get("Content-Type") or b"").decode("latin-1"),
        "headers": response_headers(response),
        "body": response.body,
        "fetched_at": utc_now(),
        "seen_urls": [*response.meta.get("redirect_urls", []), response.url],
    }


# What each spider counted as an error already: `pantau/errors` counts failed URLs, not
# failures (a URL given up twice is one), so that errors never outnumber requests.
_errors_counted: WeakKeyDictionary[scrapy.Spider, set[str]] = WeakKeyDictionary()


def count_error(spider: scrapy.Spider, key: str, message: str) -> None:
    """Count `key` (a URL, or a host) as one error, once; `message` becomes the last error."""
    counted = _errors_counted.setdefault(spider, set())
    if key not in counted:
        counted.add(key)
        spider.crawler.stats.inc_value("pantau/errors")
    spider.crawler.stats.set_value("pantau/last_error", message)


def count_failure(spider: scrapy.Spider, failure: Failure) -> tuple[scrapy.Request, str]:
    """A request that failed for good (after retries): counted, logged; with its reason. One
    that robots.txt forbids is counted as refused, not as an error."""
    request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errbacks
    if drift.refused_by_robots(failure):
        drift.note(spider.crawler.stats, "robots_refused", request.url)
        return request, "forbidden by robots.txt"
    response = getattr(failure.value, "response", None)
    reason = (
        f"HTTP {response.status}"
        if response is not None
        else (failure.getErrorMessage() or repr(failure.value))
    )
    key = normalize_url(request.meta.get("redirect_urls", [request.url])[0])
    if failure.check(DNSLookupError, CannotResolveHostError) or (
        failure.check(IgnoreRequest) and "DNS lookup failed" in reason
    ):
        # The host's other requests are given up unsent (crawl/middlewares.py): one error
        # for the host, not one for each URL it would have served.
        key = f"host {host_of(request.url)}"
    count_error(spider, key, f"{request.url}: {reason}")
    spider.logger.warning("Failed %s: %s", request.url, reason)
    return request, reason


# A search's results are followed this many pages deep while they add article links.
MAX_SEARCH_PAGES = 10
# Statuses that say a page is gone for good: remembered, and not requested again.
GONE_STATUSES = (404, 410)
# Related links ("Baca juga") followed from one article, at most: a page that lists
# thousands is a listing, or a trap.
MAX_RELATED_LINKS = 50
# The sitemaps protocol's own limit on an unpacked sitemap (DOWNLOAD_MAXSIZE, when lower).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class NewsSpider(scrapy.Spider):
    name = "news"
    # Date index, listing, tag and search pages through a browser (crawler/crawl/render.py).
    render_entries = False

    def __init__(self, source: Source, **kwargs):
        super().__init__(name=f"news:{source.name}", **kwargs)
        self.source = source
        self.hosts = source.allowed_hosts()
        self.related_depth = 0  # set from settings in start()
        self.shared = False
        self.probes_left = drift.MAX_PROBES

    async def start(self):
        self.context = CrawlContext.of(self.crawler)
        self.targets = targets_for(self.context.topics)
        self.related_depth = self.settings.getint("PANTAU_RELATED_DEPTH")
        # Crawlers sharing a Redis queue (crawl/shared.py) each start from every entry page:
        # the shared filter lets one of them fetch it.
        self.shared = bool(self.settings.get("REDIS_URL"))
        for url in self.source.feeds:
            yield self._entry(url, self.parse_feed)
        for url in self.source.sitemaps:
            yield self._entry(url, self.parse_sitemap)
        for url in self.source.listings:
            yield self._entry(url, self.parse_listing, rendered=self.render_entries)
        today = date.today()
        for filled in self.targets.filled_templates(self.source, today):
            yield self._index_request(filled, 1, set())
        for filled in self._archive_days(today):
            yield self._index_request(filled, 1, set())
        refresh_days = self.settings.getint("PANTAU_REFRESH_DAYS")
        archive = self.context.archive.db
        refetch = recent_article_urls(archive, self.source.name, refresh_days)
        refetch += failed_extraction_urls(archive, self.source.name, refresh_days)
        for url in refetch:
            self.crawler.stats.inc_value("pantau/refetched")
            self.context.scheduled.add(url_id(url))
            yield scrapy.Request(
                url, callback=self.parse_article, errback=self.on_error, dont_filter=True
            )

    def parse_feed(self, response: Response):
        links = discovery.feed_links(response.body)
        yield from self._entry_parsed(response, "feed", links, [])

    def parse_sitemap(self, response: Response):
        body = response.body
        if body[:2] == b"\x1f\x8b":
            limit = min(
                self.settings.getint("DOWNLOAD_MAXSIZE") or MAX_SITEMAP_BYTES, MAX_SITEMAP_BYTES
            )
            try:
                body = gunzip(body, max_size=limit)
            except ValueError:  # past the limit: a gzip bomb
                yield self._malformed(response, "sitemap", f"over {limit // 2**20} MB unpacked")
                return
            except (OSError, EOFError):
                yield self._malformed(response, "sitemap", "broken gzip")
                return
        children, links = discovery.sitemap_links(body)
        yield from self._entry_parsed(response, "sitemap", links, children)

    def parse_listing(self, response: Response):
        links = discovery.page_links(response)
        yield from self._entry_parsed(response, "listing", links, [])

    def _archive_days(self, today: date) -> list[FilledTemplate]:
        """Every date index template for every day of the topics' windows still to walk."""
        days = archives.window(self.context.topics, today)
        if not (self.source.archives and days):
            return []
        walked = walked_days(self.context.archive.db, self.source.name)
        due = archives.days_to_walk(days, walked, today)
        self.crawler.stats.inc_value("pantau/archive_days_done", len(days) - len(due))
        return [
            FilledTemplate("archive", template, (("date", day),))
            for day in due
            for template in self.source.archives
        ]

    def _index_request(self, filled: FilledTemplate, page: int, seen: set[str]):
        # An index's own pages start again at depth 0: paging an index is not following links.
        meta = {"kind": filled.kind, "filled": filled, "page": page, "seen": seen, "depth": 0}
        meta[ENTRY] = True
        if self.render_entries:
            meta["playwright"] = True
        return scrapy.Request(
            filled.url(page),
            callback=self.parse_index,
            errback=self.on_error,
            dont_filter=not self.shared,
            meta=meta,
        )

    def parse_index(self, response: Response):
        """One page of a search, tag or date index: its articles (a date index's only when
        their headline names a term: search and tag pages were built from the terms), then
        the next page while pages add article links. A date index's day is recorded as
        walked after its last page."""
        meta = response.meta
        filled: FilledTemplate = meta["filled"]
        links = discovery.page_links(response)
        if links is None:
            yield self._malformed(response, filled.kind)
            return
        self.crawler.stats.inc_value("pantau/entries_ok")
        on_site = [
            link for link in links if self._allowed(link) and self.source.is_article_url(link)
        ]
        self.crawler.stats.inc_value("pantau/links_skipped", len(links) - len(on_site))
        yield from self._pattern_probes(links, on_site)
        new = [link for link in dict.fromkeys(on_site) if link not in meta["seen"]]
        seen = meta["seen"] | set(new)
        wanted = new
        if filled.kind == "archive":
            wanted = [link for link in new if self.targets.wants(link, links.titles.get(link))]
            self.crawler.stats.inc_value("pantau/links_off_topic", len(new) - len(wanted))
        yield from self._article_requests(wanted, related_depth=0)
        page = meta["page"]
        last = archives.MAX_INDEX_PAGES if filled.kind == "archive" else MAX_SEARCH_PAGES
        repeated = drift.repeats(meta.get("previous"), on_site)
        if repeated:
            # The site served the same page again (a paging parameter it did not read): the
            # rest of the day is out of reach this way, and more pages would only repeat.
            drift.note(self.crawler.stats, "index_repeats", response.url)
        if filled.paged and new and page < last and not repeated:
            # Through the engine, past DepthMiddleware: DEPTH_LIMIT is for links, not pages.
            request = self._index_request(filled, page + 1, seen)
            request.meta["previous"] = frozenset(on_site)
            self.crawler.engine.crawl(request)
        elif filled.kind == "archive":
            day = dict(filled.values)["date"]
            yield WalkedDay(self.source.name, day.isoformat(), page, len(seen))

    def parse_article(self, response: Response):
        """An article: fetch its single-page view or its next pages, then yield one Page.
        A story is read up to MAX_PAGES pages and MAX_STORY_BYTES (pagination.py); past
        either, the article keeps the pages it has, with a note."""
        meta = response.meta
        parts = meta.get("parts", [])
        if parts and _size(parts) + len(response.body) > pagination.MAX_STORY_BYTES:
            limit = f"{pagination.MAX_STORY_BYTES // 2**20} MB"
            cut = f"story cut at {len(parts)} pages: page {len(parts) + 1} takes it past {limit}"
            yield self._story(parts, meta, cut)
            return
        fetched = _fetched(response)
        links = discovery.link_triples(response)
        single_view = meta.get("single_view_of")
        if not parts and single_view is None:
            single = pagination.single_view_url(response.url, links)
            if single:
                yield self._follow_part(
                    single, meta, {"single_view_of": fetched}, self.on_single_view_error
                )
                return
        if single_view is not None:
            fetched["seen_urls"] = [*single_view["seen_urls"], *fetched["seen_urls"]]
        parts = [*parts, fetched]
        next_url = None if single_view else pagination.next_page_url(response.url, links)
        if next_url and len(parts) < pagination.MAX_PAGES:
            yield self._follow_part(next_url, meta, {"parts": parts}, self.on_next_page_error)
            return
        page = self._story(
            parts, meta, f"story cut at {len(parts)} pages: it has more" if next_url else None
        )
        page.related_links = self._related_links(response.url, links)
        yield page

    def _story(self, parts: list[dict], meta: dict, cut: str | None = None) -> Page:
        """The Page of a story read so far; `cut` says why it stopped short, if it did."""
        page = self._page(parts, meta.get(drift.PROBE, False))
        page.related_depth = meta.get("related_depth", 0)
        if cut:
            self.crawler.stats.inc_value("pantau/stories_cut")
            page.notes.append(cut)
        return page

    def _related_links(self, url: str, links) -> list[str]:
        """On-topic links to other articles ("Baca juga", related boxes): a headline of
        four words or more, on the source's hosts, matching the article pattern; the first
        MAX_RELATED_LINKS of them."""
        related = list(
            dict.fromkeys(
                href
                for href, text, _ in links
                if len(text.split()) >= 4
                and href != url
                and self._allowed(href)
                and self.source.is_article_url(href)
                and self.targets.wants(href, text)
            )
        )
        if len(related) > MAX_RELATED_LINKS:
            self.crawler.stats.inc_value(
                "pantau/related_links_cut", len(related) - MAX_RELATED_LINKS
            )
        return related[:MAX_RELATED_LINKS]

    def on_single_view_error(self, failure: Failure):
        """No single-page view after all: keep the page that offered it."""
        yield from self.on_error(failure)
        meta = failure.request.meta  # type: ignore[attr-defined]
        yield self._story([meta["single_view_of"]], meta)

    def on_next_page_error(self, failure: Failure):
        """A later page failed: keep the article with the pages we have."""
        yield from self.on_error(failure)
        meta = failure.request.meta  # type: ignore[attr-defined]
        yield self._story(meta["parts"], meta)

    def _follow_part(self, url: str, meta: dict, story: dict, errback) -> scrapy.Request:
        """The next part of the story `meta` is reading. It starts again at depth 0: a
        story's pages have limits of their own, and DEPTH_LIMIT is for links."""
        self.crawler.stats.inc_value("pantau/article_parts_requested")
        carried = {key: meta[key] for key in ("related_depth", drift.PROBE) if key in meta}
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=errback,
            meta={**carried, **story, "depth_reset": True},
        )

    def _pattern_probes(self, links, accepted: list[str]):
        """Links the article pattern rejects that look like articles and name a topic: a
        pattern gone stale rejects them all. A few are fetched, and the page-type judge
        tells whether they were articles (ExtractPipeline counts `pattern_missed`)."""
        if self.source.article_pattern is None or self.probes_left <= 0:
            return
        candidates = drift.probe_candidates(links, set(accepted), self._allowed, self.targets)
        for link in candidates:
            if self.probes_left <= 0:
                return
            self.probes_left -= 1
            self.crawler.stats.inc_value("pantau/pattern_probes")
            for request in self._article_requests([link], related_depth=0):
                request.meta[drift.PROBE] = True
                yield request

    def _page(self, parts: list[dict], pattern_probe: bool = False) -> Page:
        first = parts[0]
        return Page(
            source=self.source.name,
            pattern_probe=pattern_probe,
            later_parts=parts[1:],
            seen_urls=[url for part in parts for url in part["seen_urls"]],
            **{
                key: first[key]
                for key in ("url", "status", "content_type", "body", "fetched_at", "headers")
            },
        )

    def on_error(self, failure: Failure):
        """A request failed for good (after retries): count it, and remember article URLs;
        one that is gone (404, 410) is not requested again."""
        request, reason = count_failure(self, failure)
        if request.callback == self.parse_article:
            # After redirects, request.url is the last hop: remember the URL we were given too.
            urls = list(dict.fromkeys([*request.meta.get("redirect_urls", [])[:1], request.url]))
            response = getattr(failure.value, "response", None)
            gone = response is not None and response.status in GONE_STATUSES
            yield FailedFetch(self.source.name, urls, reason, "dropped" if gone else "error")

    def _entry(self, url: str, callback, rendered: bool = False) -> scrapy.Request:
        meta = {ENTRY: True, **({"playwright": True} if rendered else {})}
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, dont_filter=not self.shared, meta=meta
        )

    def _entry_parsed(self, response: Response, kind: str, links, children):
        """Follow what a feed, sitemap or listing offered, when its headline names a term; a
        malformed one is an error."""
        if links is None or links.malformed:
            yield self._malformed(response, kind)
            if links is None:
                return
        else:
            self.crawler.stats.inc_value("pantau/entries_ok")
        for child in children:
            if self._allowed(child):
                yield scrapy.Request(
                    child, callback=self.parse_sitemap, errback=self.on_error, meta={ENTRY: True}
                )
        articles = [
            link for link in links if self._allowed(link) and self.source.is_article_url(link)
        ]
        self.crawler.stats.inc_value("pantau/links_skipped", len(links) - len(articles))
        yield from self._pattern_probes(links, articles)
        wanted = [link for link in articles if self.targets.wants(link, links.titles.get(link))]
        self.crawler.stats.inc_value("pantau/links_off_topic", len(articles) - len(wanted))
        yield from self._article_requests(wanted, related_depth=0)

    def _malformed(self, response: Response, kind: str, problem: str = "") -> FailedFetch:
        """An entry page that is not what it claims: an error, recorded with its reason."""
        reason = f"malformed {kind}" + (f": {problem}" if problem else "")
        count_error(self, normalize_url(response.url), f"{response.url}: {reason}")
        self.logger.warning("Malformed %s at %s", kind, response.url)
        return FailedFetch(self.source.name, [response.url], reason)

    def follow_related(self, page: Page) -> None:
        """Called by ExtractPipeline for a relevant article: fetch its on-topic related links."""
        if page.related_depth < self.related_depth:
            for request in self._article_requests(page.related_links, page.related_depth + 1):
                self.crawler.stats.inc_value("pantau/related_followed")
                self.crawler.engine.crawl(request)

    def _article_requests(self, links: list[str], related_depth: int):
        # Known and already scheduled URLs are left out by the duplicate filter
        # (crawler/crawl/dupefilter.py), shared by every source of the crawl.
        # A link to page 3 of a story is a link to the story: it is read from page 1.
        for url in dict.fromkeys(pagination.first_page_url(normalize_url(link)) for link in links):
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.on_error,
                meta={
                    "related_depth": related_depth,
                    ARTICLE_LINK: True,
                    LINK_SOURCE: self.source.name,
                },
            )

    def _allowed(self, url: str) -> bool:
        return url.startswith(("http://", "https://")) and host_matches(host_of(url), self.hosts)


def _size(parts: list[dict]) -> int:
    return sum(len(part["body"]) for part in parts)
