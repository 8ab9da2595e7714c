"""BackfillSpider: a topic's window read from web archives, for every outlet at once.

One spider for all outlets, so that the archives' hosts are one download slot each: their
per-host limits hold for the whole crawl, not once per outlet. Queries and answers are
crawler/discover/webarchives.py; what a capture yields is a Page under the article's own
URL and outlet, which the pipelines extract, score and deduplicate like any other.
"""

from datetime import date

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.archive.rows import backfill_done
from crawler.archive.schema import utc_now
from crawler.config.load import Source
from crawler.crawl.context import CrawlContext
from crawler.crawl.dupefilter import ARTICLE_LINK, ORIGINAL_URL
from crawler.crawl.items import BackfillQueried, FailedFetch, Page
from crawler.crawl.spider import count_failure, response_headers
from crawler.discover import webarchives
from crawler.discover.archives import RECENT_DAYS
from crawler.discover.targets import targets_for
from crawler.urls import host_matches, host_of, normalize_url


class BackfillSpider(scrapy.Spider):
    name = "backfill"

    def __init__(self, sources: list[Source], routes: dict[str, dict[str, str]], **kwargs):
        super().__init__(**kwargs)
        self.sources = sources
        self.routes = routes
        self.commoncrawl_pending: dict[tuple[str, str, str], list[int]] = {}

    async def start(self):
        self.context = CrawlContext.of(self.crawler)
        self.targets = targets_for(self.context.topics)
        self.today = date.today()
        if self.targets.since is None:
            return  # no topic has a window: feeds and sitemaps carry the recent days
        self.since: date = self.targets.since
        wayback = self.routes.get("wayback")
        if wayback:
            slices = webarchives.capture_slices(self.since, self.targets.until, self.today)
            for source in self.sources:
                done = backfill_done(self.context.archive.db, "wayback", source.name)
                for host in webarchives.query_hosts(source.allowed_hosts()):
                    asked = {key for done_host, key in done if done_host == host}
                    for window_slice in slices:
                        if webarchives.slice_is_due(window_slice, asked, self.today, RECENT_DAYS):
                            yield self._wayback_request(source, host, window_slice)
                        else:
                            self.crawler.stats.inc_value("pantau/backfill_slices_done")
        commoncrawl = self.routes.get("commoncrawl")
        if commoncrawl:
            yield scrapy.Request(
                commoncrawl["index"] + "collinfo.json",
                callback=self.parse_crawls,
                errback=self.on_error,
                dont_filter=True,
            )

    def _wayback_request(
        self,
        source: Source,
        host: str,
        window_slice: webarchives.WindowSlice,
        resume_key: str = "",
        page: int = 1,
        found: int = 0,
    ):
        url = webarchives.wayback_query(
            self.routes["wayback"]["cdx"], host, window_slice, resume_key
        )
        meta = {"source": source, "host": host, "slice": window_slice, "page": page, "found": found}
        return scrapy.Request(
            url, callback=self.parse_wayback, errback=self.on_error, dont_filter=True, meta=meta
        )

    def parse_wayback(self, response: Response):
        meta = response.meta
        try:
            captures, resume_key = webarchives.parse_wayback(
                response.body, self.routes["wayback"]["replay"]
            )
        except (ValueError, UnicodeDecodeError) as error:
            self._malformed(response, error)
            return
        self.crawler.stats.inc_value("pantau/entries_ok")
        found = meta["found"] + len(captures)
        yield from self._capture_requests(meta["source"], captures)
        source, host, window_slice = meta["source"], meta["host"], meta["slice"]
        if resume_key and meta["page"] < webarchives.MAX_CDX_PAGES:
            yield self._wayback_request(
                source, host, window_slice, resume_key, meta["page"] + 1, found
            )
            return
        if resume_key:
            self.crawler.stats.inc_value("pantau/backfill_truncated")
        yield BackfillQueried("wayback", source.name, host, window_slice.key, found)

    def parse_crawls(self, response: Response):
        """Common Crawl's list of crawls: ask those that may hold the window, once each."""
        try:
            crawls = webarchives.commoncrawl_crawls(
                response.body, self.since, self.targets.until, self.today
            )
        except (ValueError, UnicodeDecodeError) as error:
            self._malformed(response, error)
            return
        self.crawler.stats.inc_value("pantau/entries_ok")
        for source in self.sources:
            done = backfill_done(self.context.archive.db, "commoncrawl", source.name)
            for host in webarchives.query_hosts(source.allowed_hosts()):
                for api in crawls:
                    if (host, api) in done:
                        self.crawler.stats.inc_value("pantau/backfill_slices_done")
                        continue
                    yield self._commoncrawl_request(
                        webarchives.commoncrawl_query(api, host),
                        self.parse_commoncrawl_pages,
                        {"source": source, "host": host, "slice": api},
                    )

    def _commoncrawl_request(self, url: str, callback, meta: dict) -> scrapy.Request:
        # An index without captures of the host answers 404.
        meta = {**meta, "handle_httpstatus_list": [404]}
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, dont_filter=True, meta=meta
        )

    def parse_commoncrawl_pages(self, response: Response):
        """How many pages of captures a crawl holds for the host: ask for each of them."""
        meta = response.meta
        try:
            pages = 0 if response.status == 404 else webarchives.parse_page_count(response.body)
        except (ValueError, UnicodeDecodeError) as error:
            self._malformed(response, error)
            return
        self.crawler.stats.inc_value("pantau/entries_ok")
        source, host, api = meta["source"], meta["host"], meta["slice"]
        if pages == 0:
            yield BackfillQueried("commoncrawl", source.name, host, api, 0)
            return
        if pages > webarchives.MAX_CDX_PAGES:
            self.crawler.stats.inc_value("pantau/backfill_truncated")
        asked = min(pages, webarchives.MAX_CDX_PAGES)
        # Pages still to come and captures so far: the slice is done after its last page.
        self.commoncrawl_pending[(source.name, host, api)] = [asked, 0]
        for page in range(asked):
            yield self._commoncrawl_request(
                webarchives.commoncrawl_query(api, host, page),
                self.parse_commoncrawl,
                {"source": source, "host": host, "slice": api},
            )

    def parse_commoncrawl(self, response: Response):
        meta = response.meta
        captures = []
        if response.status != 404:
            try:
                captures = webarchives.parse_commoncrawl(
                    response.body, self.routes["commoncrawl"]["data"]
                )
            except (ValueError, UnicodeDecodeError) as error:
                self._malformed(response, error)
                return
        self.crawler.stats.inc_value("pantau/entries_ok")
        yield from self._capture_requests(meta["source"], captures)
        source, host, api = meta["source"], meta["host"], meta["slice"]
        pending = self.commoncrawl_pending[(source.name, host, api)]
        pending[0] -= 1
        pending[1] += len(captures)
        if pending[0] == 0:
            yield BackfillQueried("commoncrawl", source.name, host, api, pending[1])

    def _capture_requests(self, source: Source, captures: list[webarchives.Capture]):
        """A request for each capture of an article of the source whose URL names a term;
        the duplicate filter leaves out articles the archive or the crawl already has."""
        hosts = source.allowed_hosts()
        wanted = [
            capture
            for capture in captures
            if host_matches(host_of(capture.original), hosts)
            and source.is_article_url(capture.original)
            and self.targets.wants(capture.original, None)
        ]
        self.crawler.stats.inc_value("pantau/links_off_topic", len(captures) - len(wanted))
        for capture in {normalize_url(c.original): c for c in reversed(wanted)}.values():
            headers = {"Range": capture.range_header} if capture.range_header else {}
            yield scrapy.Request(
                capture.fetch_url,
                callback=self.parse_capture,
                errback=self.on_error,
                headers=headers,
                meta={
                    "source": source,
                    "capture": capture,
                    ARTICLE_LINK: True,
                    ORIGINAL_URL: capture.original,
                },
            )

    def parse_capture(self, response: Response):
        """The captured page, as a Page of its outlet under the article's own URL."""
        capture: webarchives.Capture = response.meta["capture"]
        source: Source = response.meta["source"]
        status, body, headers = response.status, response.body, response_headers(response)
        if capture.route == "commoncrawl":
            try:
                status, headers, body = webarchives.warc_response(body)
            except ValueError as error:
                self._malformed(response, error)
                yield FailedFetch(source.name, [capture.original], f"unreadable capture: {error}")
                return
        content_type = next(
            (value for key, value in headers.items() if key.lower() == "content-type"), ""
        )
        yield Page(
            url=capture.original,
            source=source.name,
            status=status,
            content_type=content_type,
            body=body,
            fetched_at=utc_now(),
            headers=headers,
            seen_urls=[capture.original],
            capture_url=response.url,
            captured_at=capture.captured_at,
        )

    def follow_related(self, page: Page) -> None:
        """Called by ExtractPipeline: an archived page's related links lead to the live site,
        where its outlet's own spider finds the story; nothing to follow here."""

    def on_error(self, failure: Failure):
        request, reason = count_failure(self, failure)
        capture = request.meta.get("capture")
        if capture is not None:
            # Remembered under the article's URL, so that the next crawl tries it again.
            yield FailedFetch(request.meta["source"].name, [capture.original], reason)

    def _malformed(self, response: Response, error: Exception) -> None:
        self.crawler.stats.inc_value("pantau/errors")
        self.crawler.stats.set_value("pantau/last_error", f"{response.url}: {error}")
        self.logger.warning("Unreadable answer at %s: %s", response.url, error)
