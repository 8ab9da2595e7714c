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
    # The one given up unsent is still one of the crawl's requests, so that its error is
    # never more than the requests.
    from crawler.crawl.progress import pages_requested

    assert pages_requested(crawler.stats.get_value) == 1


def test_a_declared_codec_that_is_no_text_encoding_is_read_as_text():
    from scrapy.http import HtmlResponse

    from crawler.crawl.middlewares import TextEncodingMiddleware

    head = b'<html><head><meta charset="base64"></head><body>'
    for body, encoding, text in [
        (head + "Kim di Vladivostok, kaf\u00e9".encode() + b"</body>", "utf-8", "kaf\u00e9"),
        (head + b"Kim di Vladivostok, kaf\xe9</body>", "cp1252", "kaf\u00e9"),
    ]:
        page = HtmlResponse("https://a.example/berita", body=body)
        read = TextEncodingMiddleware().process_response(None, page)
        assert read.encoding == encoding and text in read.text
    plain = HtmlResponse("https://a.example/", body=b"<meta charset='utf-8'>x")
    assert TextEncodingMiddleware().process_response(None, plain) is plain
