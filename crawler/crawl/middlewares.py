"""Retries that back off and honour Retry-After (Scrapy's RetryMiddleware does neither),
robots.txt obeyed by the requests that waited for it, and pages whose declared charset is
no text encoding read all the same."""

import asyncio
import codecs
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Wait before each retry: Retry-After when the server gives one, else exponential backoff.

    A host whose name did not resolve after all retries is not asked again in this crawl:
    its other requests fail at once (offline, a source fails in seconds, not minutes).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("PANTAU_RETRY_BACKOFF_BASE")
        self.max_delay = settings.getfloat("PANTAU_RETRY_AFTER_MAX")
        self.unresolvable: set[str] = set()

    def process_request(self, request):
        host = urlparse_cached(request).hostname
        if host in self.unresolvable:
            # Asked for all the same: counted among the crawl's requests, and its error.
            self.crawler.stats.inc_value("pantau/requests_unsent")
            raise IgnoreRequest(f"DNS lookup failed earlier for {host}")
        return None

    # Scrapy 2.19 awaits coroutine middleware methods; the stubs still say plain functions.
    async def process_response(self, request, response):  # type: ignore[override]
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        hinted = retry_after_seconds(response.headers.get("Retry-After"))
        await self._wait(request, hinted)
        return retry

    async def process_exception(self, request, exception):  # type: ignore[override]
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(request, None)
        elif isinstance(exception, (CannotResolveHostError, DNSLookupError)):
            self.unresolvable.add(urlparse_cached(request).hostname or "")
        return retry

    async def _wait(self, request, hinted: float | None) -> None:
        attempt = request.meta.get("retry_times", 0)
        delay = hinted if hinted is not None else self.backoff_base * 2**attempt
        delay = min(delay, self.max_delay)
        self.crawler.stats.inc_value("pantau/retry_wait_seconds", round(delay, 3))
        if delay > 0:
            await asyncio.sleep(delay)


class WaitingRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's, except for the requests that arrive while a host's robots.txt is still being
    fetched: they all await one Deferred, and all but the first get None from it, which
    Scrapy reads as "no robots.txt, allowed". Such a request is judged by the rules parsed
    meanwhile (a crawl's first requests to an outlet all go out at once)."""

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(stored, Deferred):
                return stored  # None too when robots.txt could not be had
        return parser


def is_text_encoding(name: str) -> bool:
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return False


class TextEncodingMiddleware:
    """A page may declare a codec that is not a text encoding (`<meta charset="base64">`):
    Scrapy takes it, and every reading of the page's text raises, in Scrapy's own
    middlewares before the spider sees it, on every crawl. Such a page is read as UTF-8
    when its bytes are UTF-8, else as Windows-1252, which decodes any byte."""

    def process_response(self, request, response: Response, spider=None) -> Response:
        if not isinstance(response, TextResponse) or is_text_encoding(response.encoding):
            return response
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response.replace(encoding="cp1252")
        return response.replace(encoding="utf-8")
