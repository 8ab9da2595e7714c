"""Earlier captures of an outlet's articles in web archives: the route to a topic's window
that works for every outlet, whatever its own site still offers.

Two archives answer the same question ("which pages of this host were captured between
these days?") through CDX indexes:

- the Wayback Machine: one CDX query per outlet host and slice of the window, paged by a
  resume key; a capture is read through the replay URL `{replay}{timestamp}id_/{original}`
  (`id_`: the page as captured, without the archive's toolbar or rewritten links);
- Common Crawl: one index per crawl (CC-MAIN-YYYY-WW); a capture is a byte range of a WARC
  file under `{data}`, read with warcio.

Requests are built and answers parsed here; the crawl (crawler/crawl/backfill.py) sends
them through Scrapy, so that archive hosts get the same politeness, retries and limits as
any other host. cdx_toolkit covers both indexes, but fetches synchronously with its own
HTTP client, outside Scrapy's per-host limits and the crawl's event loop.
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.urls import host_matches

# Articles are captured on the day they appear and in the days after; a capture this many
# days past the window's end is still looked for.
CAPTURE_SLACK_DAYS = 7
# The window is asked for in slices of this many days: a big outlet's month of captures is
# many pages of CDX rows, and a slice that failed is asked again on its own.
SLICE_DAYS = 14
# Rows per Wayback CDX answer, and answers (pages) per query of either index.
CDX_ROWS = 5000
MAX_CDX_PAGES = 20
# A crawl of Common Crawl holds pages it fetched in the weeks before its date; the crawls
# dated up to this many days after the window's end are asked, at most MAX_CRAWLS of them.
CRAWL_AFTER_DAYS = 75
MAX_CRAWLS = 3


@dataclass(frozen=True)
class Capture:
    """One captured page: the article's own URL and where the archive keeps its copy."""

    route: str  # "wayback" or "commoncrawl"
    original: str
    timestamp: str  # YYYYMMDDhhmmss, UTC
    fetch_url: str
    # Common Crawl: the record's bytes in the WARC file at fetch_url (offset, length).
    byte_range: tuple[int, int] | None = None

    @property
    def captured_at(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    @property
    def range_header(self) -> str | None:
        if self.byte_range is None:
            return None
        offset, length = self.byte_range
        return f"bytes={offset}-{offset + length - 1}"


@dataclass(frozen=True)
class WindowSlice:
    first: date
    last: date

    @property
    def key(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def capture_slices(since: date, until: date | None, today: date) -> list[WindowSlice]:
    """The capture days to ask for, from `since` to CAPTURE_SLACK_DAYS past `until` (never
    past today), in slices aligned on `since` (so later runs ask the same slices)."""
    last = min((until or today) + timedelta(days=CAPTURE_SLACK_DAYS), today)
    slices = []
    first = since
    while first <= last:
        slices.append(WindowSlice(first, min(first + timedelta(days=SLICE_DAYS - 1), last)))
        first += timedelta(days=SLICE_DAYS)
    return slices


def slice_is_due(window_slice: WindowSlice, done: set[str], today: date, recent_days: int) -> bool:
    """Not asked yet, or recent enough that the archive may have captured more since."""
    return window_slice.key not in done or window_slice.last >= today - timedelta(days=recent_days)


def query_hosts(hosts: list[str]) -> list[str]:
    """The hosts to ask for: a host whose parent domain is also listed is covered by it."""
    hosts = sorted(set(hosts), key=len)
    kept: list[str] = []
    for host in hosts:
        if not host_matches(host, kept):
            kept.append(host)
    return kept


def wayback_query(cdx: str, host: str, window_slice: WindowSlice, resume_key: str = "") -> str:
    params = [
        ("url", host),
        ("matchType", "domain"),
        ("from", window_slice.first.strftime("%Y%m%d")),
        ("to", window_slice.last.strftime("%Y%m%d")),
        ("output", "json"),
        ("fl", "timestamp,original"),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
        ("collapse", "urlkey"),
        ("limit", str(CDX_ROWS)),
        ("showResumeKey", "true"),
    ]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{cdx}?{urlencode(params)}"


def parse_wayback(body: bytes, replay: str) -> tuple[list[Capture], str]:
    """Captures in a Wayback CDX answer (JSON rows, a header row first) and the resume key
    for the next page ("" when this was the last). Raises ValueError on anything else."""
    text = body.decode("utf-8").strip()
    rows = json.loads(text) if text else []
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("not a CDX answer (a JSON list of rows)")
    if not rows:
        return [], ""
    header, rest = rows[0], rows[1:]
    if "timestamp" not in header or "original" not in header:
        raise ValueError("CDX rows lack timestamp or original")
    at_time, at_url = header.index("timestamp"), header.index("original")
    captures, resume_key = [], ""
    for index, row in enumerate(rest):
        if not row:
            # After an empty row, Wayback sends the key of the next page.
            following = rest[index + 1 : index + 2]
            resume_key = str(following[0][0]) if following and following[0] else ""
            break
        original = _plain_url(str(row[at_url]))
        timestamp = str(row[at_time])
        if original and timestamp.isdigit():
            captures.append(
                Capture("wayback", original, timestamp, f"{replay}{timestamp}id_/{original}")
            )
    return captures, resume_key


def commoncrawl_crawls(collinfo: bytes, since: date, until: date | None, today: date) -> list[str]:
    """The CDX API URLs of the crawls that may hold the window's articles: dated from its
    start to CRAWL_AFTER_DAYS past its end, oldest first, at most MAX_CRAWLS."""
    entries = json.loads(collinfo.decode("utf-8"))
    if not isinstance(entries, list):
        raise ValueError("not a Common Crawl collection list")
    last = (until or today) + timedelta(days=CRAWL_AFTER_DAYS)
    dated = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        match = re.fullmatch(r"CC-MAIN-(\d{4})-(\d{2})", str(entry.get("id", "")))
        api = entry.get("cdx-api")
        if not match or not isinstance(api, str):
            continue
        try:
            crawled = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            continue
        if since <= crawled <= last:
            dated.append((crawled, api))
    return [api for _, api in sorted(dated)[:MAX_CRAWLS]]


def commoncrawl_query(api: str, host: str, page: int | None = None) -> str:
    """One page of a crawl's captures of the host; without `page`, the question of how many
    pages there are (the index answers {"pages": N})."""
    params = [
        ("url", host),
        ("matchType", "domain"),
        ("output", "json"),
        ("fl", "url,timestamp,filename,offset,length"),
        ("filter", "=status:200"),
        ("filter", "=mime:text/html"),
    ]
    params += [("showNumPages", "true")] if page is None else [("page", str(page))]
    return f"{api}?{urlencode(params)}"


def parse_page_count(body: bytes) -> int:
    """How many pages a Common Crawl index holds for a query (`showNumPages`)."""
    answer = json.loads(body.decode("utf-8").strip().splitlines()[0] if body.strip() else "{}")
    if not isinstance(answer, dict) or not isinstance(answer.get("pages", 0), int):
        raise ValueError("not a page count")
    return int(answer.get("pages", 0))


def parse_commoncrawl(body: bytes, data: str) -> list[Capture]:
    """Captures in a Common Crawl index answer (one JSON object per line)."""
    captures = []
    for line in body.decode("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict):
            raise ValueError("not a Common Crawl index line")
        try:
            byte_range = (int(row["offset"]), int(row["length"]))
            original, timestamp = _plain_url(str(row["url"])), str(row["timestamp"])
            filename = str(row["filename"])
        except (KeyError, ValueError):
            continue
        if original and timestamp.isdigit() and byte_range[1] > 0:
            captures.append(
                Capture("commoncrawl", original, timestamp, data + filename, byte_range)
            )
    return captures


def warc_response(record: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the HTTP response in one (gzipped) WARC record."""
    try:
        for entry in ArchiveIterator(io.BytesIO(record)):
            if entry.rec_type == "response" and entry.http_headers is not None:
                headers = {name: value for name, value in entry.http_headers.headers}
                status = int(entry.http_headers.get_statuscode())
                return status, headers, entry.content_stream().read()
    except ArchiveLoadFailed as error:
        raise ValueError(f"not a WARC record: {error}") from None
    raise ValueError("no HTTP response in the WARC record")


def _plain_url(url: str) -> str:
    """The URL as the outlet publishes it: archives keep default ports (":80")."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    netloc = parts.netloc
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=netloc))
