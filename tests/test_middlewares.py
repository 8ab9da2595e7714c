from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from crawler.crawl.middlewares import retry_after_seconds


def test_retry_after_seconds():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("0") == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None


def test_retry_after_http_date():
    later = datetime.now(timezone.utc) + timedelta(seconds=90)
    assert 80 <= retry_after_seconds(format_datetime(later, usegmt=True)) <= 90
    earlier = datetime.now(timezone.utc) - timedelta(seconds=90)
    assert retry_after_seconds(format_datetime(earlier, usegmt=True)) == 0


def test_a_host_that_does_not_resolve_is_not_asked_again():
    import asyncio

    import pytest
    from scrapy import Request, Spider
    from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
    from scrapy.utils.test import get_crawler

    from crawler.crawl.middlewares import BackoffRetryMiddleware

    crawler = get_crawler(Spider, {"RETRY_TIMES": 0, "PANTAU_RETRY_BACKOFF_BASE": 0})
    crawler.spider = crawler._create_spider("t")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    first = Request("https://tidak-ada.example.com/rss")
    assert middleware.process_request(first) is None
    retry = asyncio.run(middleware.process_exception(first, CannotResolveHostError("no")))
    assert retry is None  # retries used up
    with pytest.raises(IgnoreRequest, match="DNS lookup failed earlier"):
        middleware.process_request(Request("https://tidak-ada.example.com/tag/kim"))
    assert middleware.process_request(Request("https://lain.example.com/")) is None
