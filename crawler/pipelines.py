"""Item pipelines: extract and score a Page, then archive it (or remember why not)."""

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task
from w3lib.encoding import http_content_type_encoding

from crawler.archive import open_for_crawl, release_shared
from crawler.extract import ExtractionError, extract_multipage
from crawler.relevance import score_topics

HTML_TYPES = ("text/html", "application/xhtml+xml")


class ExtractPipeline:
    """Page -> article dict and relevance scores, or DropItem with the reason."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, page):
        spider = self.crawler.spider
        content_type = page.content_type.split(";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            raise DropItem(f"not HTML ({content_type}): {page.url}")
        parts = [(part["url"], part["body"]) for part in page.continuations]
        try:
            page.article = extract_multipage(
                page.body,
                page.url,
                spider.hosts,
                parts,
                charset=http_content_type_encoding(page.content_type),
                article_pattern=spider.source.article_pattern,
                rules=spider.rules,
            )
        except ExtractionError as error:
            raise DropItem(f"no article ({error}): {page.url}")
        profiles = spider.topic_profiles
        article = page.article
        page.relevance = score_topics(
            profiles, article["title"], article["text"], article["published_at"]
        )
        if profiles and not any(
            page.relevance[name] >= spider.min_relevance[name] for name in profiles
        ):
            raise DropItem(f"irrelevant (best {max(page.relevance.values()):.3f}): {page.url}")
        spider.follow_related(page)
        return page


class ArchivePipeline:
    """Upsert articles; record dropped pages in `urls` so that they are not fetched again."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.archive = open_for_crawl(self.crawler.settings)
        # A slow crawl still commits what it has every few seconds (see crawler/archive.py).
        self.committer = task.LoopingCall(self.archive.commit_if_due)
        self.committer.start(1.0, now=False)

    def close_spider(self):
        self.committer.stop()
        release_shared(self.archive)

    def process_item(self, page):
        first = {
            key: getattr(page, key) for key in ("url", "status", "headers", "body", "fetched_at")
        }
        responses = [first, *page.continuations]
        outcome = self.archive.save_article(
            page.article, page.source, page.seen_urls, page.relevance, responses
        )
        self.crawler.stats.inc_value(f"pantau/articles_{outcome}")
        return page

    def item_dropped(self, item, response, exception):
        status = "irrelevant" if str(exception).startswith("irrelevant") else "dropped"
        self.crawler.stats.inc_value(f"pantau/pages_{status}")
        best = max(item.relevance.values()) if item.relevance else None
        for url in dict.fromkeys(item.seen_urls):
            self.archive.record_url(
                url, item.source, status, reason=str(exception)[:500], relevance=best
            )
