"""Conditional requests for entry pages: feeds, sitemaps, listings and index pages.

Scrapy's HTTP cache does the work (RFC 2616 policy: If-None-Match / If-Modified-Since from
the stored response's ETag and Last-Modified; a 304 answers with the stored page), limited
here to entry pages: articles are kept in the archive, and a cached copy of them would only
be a second one. The cache lives beside the archive (`<archive>.httpcache/`), so each
archive revalidates against what it saw last. A 304 still hands the spider the stored
page, whose links the duplicate filter then finds known: an unchanged feed costs the
outlet a few hundred bytes, and nothing it listed is lost if a crawl was cut short.
"""

from scrapy.extensions.httpcache import RFC2616Policy

# Request meta: a feed, sitemap, listing or index page (crawl/spider.py).
ENTRY = "pantau_entry"


class EntryPagesPolicy(RFC2616Policy):
    """RFC 2616 caching for entry pages only; pages rendered in a browser are not cached.
    A stored page is never served without asking the server: a news feed changes every few
    minutes whatever its headers promise, and a 304 costs little."""

    def should_cache_request(self, request) -> bool:
        return (
            bool(request.meta.get(ENTRY))
            and not request.meta.get("playwright")
            and super().should_cache_request(request)
        )

    def is_cached_response_fresh(self, cachedresponse, request) -> bool:
        # Ask with the stored page's validators, whatever its freshness.
        self._set_conditional_validators(request, cachedresponse)
        return False


class NotModifiedCounter:
    """Counts 304 answers (`pantau/not_modified`) before the cache turns them into the
    stored page: the crawl report shows how much revalidation saved."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if response.status == 304:
            self.crawler.stats.inc_value("pantau/not_modified")
        return response
