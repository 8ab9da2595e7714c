"""Scrapy's "seen before" for article links, backed by the archive and shared by all sources.

An article link (or a web archive's copy of one, judged by the article's own URL) is not
requested again when the archive knows its URL (stored, irrelevant or dropped; a URL that
only failed is tried again) or when any source of this crawl has scheduled it already.
Other requests (entry points, sitemap children, later pages) are filtered as Scrapy's own
filter does.
"""

from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from crawler.archive.rows import known_url_ids
from crawler.crawl.context import CrawlContext
from crawler.urls import normalize_url, url_id

ARTICLE_LINK = "pantau_article_link"  # request.meta key the spider sets on article links
# request.meta key of a web archive's copy: the article's own URL, which the filter judges.
ORIGINAL_URL = "pantau_original_url"
# request.meta key of the source whose link it is: a link left out as already scheduled by
# another source still counts as carried by this one too.
LINK_SOURCE = "pantau_source"


class KnownUrlFilter(RFPDupeFilter):
    def __init__(self, context: CrawlContext, stats: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.context = context
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "KnownUrlFilter":
        return cls(
            CrawlContext.of(crawler),
            crawler.stats,
            fingerprinter=crawler.request_fingerprinter,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )

    def request_seen(self, request: Request) -> bool:
        if not request.meta.get(ARTICLE_LINK):
            return super().request_seen(request)
        if "redirect_urls" in request.meta:
            # A hop of a redirect: a loop must run into REDIRECT_MAX_TIMES and fail (and be
            # counted), not vanish as "seen".
            return False
        url = normalize_url(request.meta.get(ORIGINAL_URL) or request.url)
        key = url_id(url)
        if key in self.context.scheduled or known_url_ids(self.context.archive.db, [url]):
            self.stats.inc_value("pantau/links_known")
            if request.meta.get(LINK_SOURCE) and not self.context.archive.failure:
                self.context.archive.record_url_source(key, request.meta[LINK_SOURCE])
            return True
        self.context.scheduled.add(key)
        return False
