"""`pantau sources check`: try every entry point of every outlet live, within bounds.

Plain HTTP GETs (no Scrapy: a handful of requests per source, run a few at a time), each
parsed the way the crawler would parse it, so a user sees per source what still answers.
"""

import time
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from scrapy.http import HtmlResponse

from crawler.config.load import Source
from crawler.discover import links as discovery
from crawler.discover.targets import FilledTemplate, Targets

TIMEOUT_SECONDS = 20  # for each read on the socket
TOTAL_SECONDS = 60.0  # for the whole response
MAX_BYTES = 10 * 1024 * 1024  # received, and unpacked
CHUNK_BYTES = 64 * 1024
PARALLEL = 8


@dataclass
class Check:
    source: str
    kind: str  # feed, sitemap, listing, search, tag, archive
    url: str
    status: int | None
    links: int | None  # None: did not parse
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.links is not None


def check_sources(sources: list[Source], targets: Targets, user_agent: str) -> list[Check]:
    """Every entry point of every outlet not disabled; date indexes for yesterday."""
    sources = [source for source in sources if not source.disabled]
    yesterday = date.today() - timedelta(days=1)
    jobs = [
        (source, kind, url)
        for source in sources
        for kind, urls in (
            ("feed", source.feeds),
            ("sitemap", source.sitemaps),
            ("listing", source.listings),
        )
        for url in urls
    ]
    jobs += [
        (source, kind, url) for source in sources for url, kind in targets.template_urls(source)
    ]
    jobs += [
        (source, "archive", FilledTemplate("archive", template, (("date", yesterday),)).url())
        for source in sources
        for template in source.archives
    ]
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = [
            pool.submit(check_one, source, kind, url, user_agent) for source, kind, url in jobs
        ]
        return [future.result() for future in futures]


class TooMuch(Exception):
    """A response over the time or size bound of a check."""


def check_one(source: Source, kind: str, url: str, user_agent: str) -> Check:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, body = response.status, _read_bounded(response)
        links = _parse(kind, url, body)
    except urllib.error.HTTPError as error:
        return Check(source.name, kind, url, error.code, None, f"HTTP {error.code}")
    except TooMuch as error:
        return Check(source.name, kind, url, None, None, str(error))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Check(source.name, kind, url, None, None, str(reason))
    if links is None:
        return Check(source.name, kind, url, status, None, f"not a {kind}")
    articles = [link for link in links if source.is_article_url(link)]
    return Check(source.name, kind, url, status, len(articles))


def _read_bounded(response: Any) -> bytes:
    """The body, read in chunks; a server that drips it past the deadline or sends more
    than MAX_BYTES is cut off."""
    deadline = time.monotonic() + TOTAL_SECONDS
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BYTES:
            raise TooMuch(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        if time.monotonic() > deadline:
            raise TooMuch(f"slower than {TOTAL_SECONDS:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip_bounded(body: bytes) -> bytes:
    """A gzipped sitemap, unpacked no further than MAX_BYTES (a gzip bomb is a few KB)."""
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    unpacked = unpacker.decompress(body, MAX_BYTES + 1)
    if len(unpacked) > MAX_BYTES:
        raise TooMuch(f"unpacks to more than {MAX_BYTES // (1024 * 1024)} MB")
    return unpacked


def _parse(kind: str, url: str, body: bytes) -> list[str] | None:
    if body[:2] == b"\x1f\x8b":
        body = _gunzip_bounded(body)
    if kind == "feed":
        return discovery.feed_links(body)
    if kind == "sitemap":
        children, links = discovery.sitemap_links(body)
        return None if links is None else [*children, *links]
    return discovery.page_links(HtmlResponse(url, body=body))


def summary(results: list[Check]) -> str:
    """One line for the whole check."""
    sources = sorted({r.source for r in results})
    dead = [name for name in sources if not any(r.ok for r in results if r.source == name)]
    working = sum(r.ok for r in results)
    line = f"{working} of {len(results)} entry points answered and parsed"
    return line + (f"; nothing worked for {', '.join(dead)}" if dead else "")


def as_json(results: list[Check]) -> list[dict[str, Any]]:
    return [{**asdict(r), "ok": r.ok} for r in results]
