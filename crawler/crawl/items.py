"""What a spider hands to the pipelines."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Page:
    """One fetched page that should be an article, before and after extraction."""

    url: str
    source: str
    status: int
    content_type: str
    body: bytes = field(repr=False)  # megabytes; keep it out of logs
    fetched_at: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    # Every URL that led here (redirects, the link as found), for the urls table.
    seen_urls: list[str] = field(default_factory=list)
    # Pages 2, 3, ... of a multi-page article: dicts of url, status, headers, body, fetched_at.
    later_parts: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # On-topic links found in the article, followed when it proves relevant.
    related_links: list[str] = field(default_factory=list, repr=False)
    related_depth: int = 0
    # Fetched although the source's article_pattern rejected its link (crawl/drift.py).
    pattern_probe: bool = False
    # Read from a web archive: where it keeps the page, and when it captured it.
    capture_url: str | None = None
    captured_at: str | None = None
    # Its text: never in a log line (a dropped item is logged by its repr).
    article: dict[str, Any] | None = field(default=None, repr=False)
    relevance: dict[str, float] = field(default_factory=dict)
    # What the crawl found doubtful on the way (a story cut short): added to the article's.
    notes: list[str] = field(default_factory=list)


@dataclass
class FailedFetch:
    """A URL that could not be fetched (after retries), or an entry page that could not be
    read: remembered as an error, so that the next crawl tries it again; or, gone for
    good (404, 410), as dropped, so that it does not."""

    source: str
    urls: list[str]
    reason: str
    status: str = "error"


@dataclass
class WalkedDay:
    """A day of a source's date index walked to its last page: not walked again (unless
    recent) by later crawls."""

    source: str
    day: str
    pages: int
    links: int


@dataclass
class BackfillQueried:
    """A web archive answered for a source's host and a slice of the window: not asked
    again (unless recent) by later crawls."""

    route: str
    source: str
    host: str
    slice: str
    captures: int
