"""NewsSpider: one per source in sources.yml, from feeds, sitemaps and listing pages to articles."""

from datetime import datetime, timezone

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler import discovery
from crawler.db import known_url_ids, record_url
from crawler.items import Page
from crawler.relevance import topic_profile
from crawler.schema import open_db
from crawler.sources import Source, Topic
from crawler.urls import host_matches, normalize_url, url_id


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: Source, topics: list[Topic] | None = None, **kwargs):
        super().__init__(name=f"news:{source.name}", **kwargs)
        self.source = source
        # Read by ExtractPipeline: what each topic looks like and how close is close enough.
        self.topic_profiles = {topic.name: topic_profile(topic) for topic in topics or []}
        self.min_relevance = {topic.name: topic.min_relevance for topic in topics or []}
        self.scheduled: set[str] = set()
        self.hosts = source.hosts or discovery.hosts_of(
            source.feeds + source.sitemaps + source.listings
        )

    async def start(self):
        self.db = open_db(self.settings["DB_PATH"])
        for url in self.source.feeds:
            yield self._entry(url, self.parse_feed)
        for url in self.source.sitemaps:
            yield self._entry(url, self.parse_sitemap)
        for url in self.source.listings:
            yield self._entry(url, self.parse_listing)

    def parse_feed(self, response: Response):
        links = discovery.feed_links(response.body)
        yield from self._entry_parsed(response, "feed", links, [])

    def parse_sitemap(self, response: Response):
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        children, links = discovery.sitemap_links(body)
        yield from self._entry_parsed(response, "sitemap", links, children)

    def parse_listing(self, response: Response):
        links = discovery.page_links(response) if hasattr(response, "text") else None
        yield from self._entry_parsed(response, "listing", links, [])

    def parse_article(self, response: Response):
        yield Page(
            url=response.url,
            source=self.source.name,
            status=response.status,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            body=response.body,
            fetched_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            headers={
                key.decode("latin-1"): b", ".join(values).decode("latin-1")
                for key, values in response.headers.items()
            },
            seen_urls=[*response.meta.get("redirect_urls", []), response.url],
        )

    def on_error(self, failure: Failure):
        """A request failed for good (after retries): count it, and remember article URLs."""
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errbacks
        reason = failure.getErrorMessage() or repr(failure.value)
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        self.crawler.stats.inc_value("pantau/errors")
        self.crawler.stats.set_value("pantau/last_error", f"{request.url}: {reason}")
        self.logger.warning("Failed %s: %s", request.url, reason)
        if request.callback == self.parse_article:
            # After redirects, request.url is the last hop: remember the URL we were given too.
            for url in dict.fromkeys([*request.meta.get("redirect_urls", [])[:1], request.url]):
                record_url(self.db, url, self.source.name, "error", reason=reason[:500])

    def closed(self, reason):
        if hasattr(self, "db"):
            self.db.close()

    def _entry(self, url: str, callback) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, dont_filter=True)

    def _entry_parsed(self, response: Response, kind: str, links, children):
        """Follow what a feed, sitemap or listing offered; a malformed one is an error."""
        if links is None or links.malformed:
            self.crawler.stats.inc_value("pantau/errors")
            self.crawler.stats.set_value("pantau/last_error", f"{response.url}: malformed {kind}")
            self.logger.warning("Malformed %s at %s", kind, response.url)
            if links is None:
                return
        else:
            self.crawler.stats.inc_value("pantau/entries_ok")
        for child in children:
            if self._allowed(child):
                yield scrapy.Request(child, callback=self.parse_sitemap, errback=self.on_error)
        candidates = [
            normalize_url(link)
            for link in links
            if self._allowed(link) and self.source.is_article_url(link)
        ]
        self.crawler.stats.inc_value("pantau/links_skipped", len(links) - len(candidates))
        known = known_url_ids(self.db, candidates) | self.scheduled
        for url in dict.fromkeys(candidates):
            if url_id(url) in known:
                self.crawler.stats.inc_value("pantau/links_known")
                continue
            self.scheduled.add(url_id(url))
            # dont_filter: we deduplicate by normalised URL ourselves, and Scrapy's filter would
            # silently swallow a redirect loop instead of letting it fail (and be counted).
            yield scrapy.Request(
                url, callback=self.parse_article, errback=self.on_error, dont_filter=True
            )

    def _allowed(self, url: str) -> bool:
        return url.startswith(("http://", "https://")) and host_matches(
            discovery.host_of(url), self.hosts
        )
