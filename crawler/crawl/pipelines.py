"""Item pipelines: extract and score a Page, then archive it (or remember why not)."""

from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task
from w3lib.encoding import http_content_type_encoding

from crawler.archive.rows import EXTRACTION_FAILED
from crawler.archive.writer import ArchiveWriter
from crawler.crawl import drift
from crawler.crawl.context import CrawlContext
from crawler.crawl.extraction import Job, WorkerLost
from crawler.crawl.items import BackfillQueried, FailedFetch, Page, WalkedDay
from crawler.extract.article import ExtractionError

HTML_TYPES = ("text/html", "application/xhtml+xml")


class NotHtml(DropItem):
    """The response is not an HTML page (an image, a PDF)."""


class NoArticle(DropItem):
    """Extraction found no article on the page (see crawler/extract/article.py for the reasons)."""


class Irrelevant(DropItem):
    """The article is below every topic's min_relevance."""


class ExtractionFailed(DropItem):
    """Extraction raised, or the worker process extracting the page died (alone with it,
    too): dropped with the reason, and not fetched again by the next crawl (it would fail
    the same way)."""


class ExtractPipeline:
    """Page -> article dict and relevance scores, or a DropItem subclass with the reason.
    The work is done in worker processes (crawl/extraction.py) while fetching goes on."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.context = CrawlContext.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        if isinstance(item, (FailedFetch, WalkedDay, BackfillQueried)):
            return item
        page: Page = item
        content_type = page.content_type.split(";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            raise NotHtml(f"not HTML ({content_type}): {page.url}")
        source = self.context.source(page.source)
        job = Job(
            body=page.body,
            url=page.url,
            allowed_hosts=source.allowed_hosts(),
            later_parts=[(part["url"], part["body"]) for part in page.later_parts],
            charset=http_content_type_encoding(page.content_type),
            article_pattern=source.article_pattern,
        )
        try:
            page.article, page.relevance = await self.context.extraction.extract(job)
        except ExtractionError as error:
            raise NoArticle(f"no article ({error}): {page.url}")
        except WorkerLost:
            raise ExtractionFailed(
                f"{EXTRACTION_FAILED} (its worker died): {page.url}", log_level="WARNING"
            )
        except Exception as error:
            # A page no parser was ready for: its own loss, never the crawl's.
            why = f"{type(error).__name__}: {error}"
            raise ExtractionFailed(f"{EXTRACTION_FAILED} ({why}): {page.url}", log_level="WARNING")
        page.article["notes"] = [*page.article.get("notes", []), *page.notes]
        if page.pattern_probe:
            # The pattern rejected its link, and the page-type judge says it is an article.
            drift.note(self.crawler.stats, "pattern_missed", page.url)
        if not self.context.relevant(page.relevance):
            raise Irrelevant(f"irrelevant (best {max(page.relevance.values()):.3f}): {page.url}")
        self.crawler.spider.follow_related(page)
        return page


class ArchivePipeline:
    """Upsert articles; record dropped and failed pages in `urls`, so that dropped ones are
    not fetched again and failed ones are."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = CrawlContext.of(crawler).archive
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        # A slow crawl still commits what it has every few seconds (see crawler/archive/writer.py).
        self.committer = task.LoopingCall(self.archive.commit_if_due)
        self.committer.start(1.0, now=False)

    def close_spider(self):
        self.committer.stop()
        self.archive.commit()

    def process_item(self, item):
        outcome = store_item(self.archive, item)
        if outcome:
            self.crawler.stats.inc_value(f"pantau/articles_{outcome}")
        return item

    def item_dropped(self, item, response, exception):
        status = drop_status(exception)
        count_drop(self.crawler.stats, status)
        record_dropped(self.archive, item, str(exception), status)


def drop_status(exception: Exception) -> str:
    """A dropped page's status in `urls`: irrelevant, or dropped (no article, not HTML,
    extraction failed); neither is fetched again."""
    return "irrelevant" if isinstance(exception, Irrelevant) else "dropped"


def count_drop(stats: Any, status: str) -> None:
    """A dropped page in the crawl's counts, by its `drop_status`."""
    stats.inc_value("pantau/errors" if status == "error" else f"pantau/pages_{status}")


def store_item(archive: ArchiveWriter, item: Any) -> str | None:
    """Store what a spider yielded; for an article, "new" or "duplicate"."""
    if isinstance(item, FailedFetch):
        for url in item.urls:
            archive.record_url(url, item.source, item.status, reason=item.reason[:500])
        return None
    if isinstance(item, WalkedDay):
        archive.record_walked_day(item.source, item.day, item.pages, item.links)
        return None
    if isinstance(item, BackfillQueried):
        archive.record_backfill_query(item.route, item.source, item.host, item.slice, item.captures)
        return None
    page: Page = item
    assert page.article is not None  # ExtractPipeline extracted it
    first = {
        key: getattr(page, key)
        for key in ("url", "status", "headers", "body", "fetched_at", "capture_url", "captured_at")
    }
    parts = [first, *page.later_parts]
    return archive.save_article(page.article, page.source, page.seen_urls, page.relevance, parts)


def record_dropped(archive: ArchiveWriter, item: Page, reason: str, status: str) -> None:
    best = max(item.relevance.values()) if item.relevance else None
    for url in dict.fromkeys(item.seen_urls):
        archive.record_url(url, item.source, status, reason=reason[:500], relevance=best)
