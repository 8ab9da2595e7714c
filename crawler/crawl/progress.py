"""What a crawl is doing, while it does it: a live table on a terminal, one row per source.

Only on a terminal: under cron the per-source summary at the end says it all. The table is
drawn by rich from a thread of its own a few times a second, from the crawlers' stats (one
counter read at a time, each an atomic read); Scrapy's log lines, written to the stream the
display wraps, appear above it.

What one request or page did (a fetch that failed, a page dropped) is counted in the table
and the summary; its log line goes to the log file (`--log-file`) or, with `-v`, to the
screen, never by default: offline, a crawl of every outlet logs thousands of them. What
went wrong with the crawl itself (an exception in a spider or pipeline) still reaches it.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

# Column title -> the stats key it shows (crawler/crawl/pipelines.py, spider.py), after
# the requests (`pages_requested`).
COLUMNS = {
    "new": "pantau/articles_new",
    "duplicate": "pantau/articles_duplicate",
    "irrelevant": "pantau/pages_irrelevant",
    "dropped": "pantau/pages_dropped",
    "not modified": "pantau/not_modified",
    "errors": "pantau/errors",
}


# Loggers of what one request or page did (with their children; and the spiders').
REQUEST_LOGGERS = (
    "scrapy.downloadermiddlewares",
    "scrapy.spidermiddlewares",
    "scrapy.core.downloader",
    "scrapy-playwright",
    "scrapy_playwright",
    "crawler.crawl",
)


def pages_requested(value: Callable[[str], Any]) -> int:
    """Pages asked for, each once: Scrapy's requests less its retries and robots.txt
    fetches, and those given up unsent because their host did not resolve (a failed URL is
    one error, however often it was tried). `value(key)`: a stat."""
    sent = value("downloader/request_count") or 0
    sent -= (value("retry/count") or 0) + (value("robotstxt/request_count") or 0)
    return max(0, sent) + (value("pantau/requests_unsent") or 0)


def keep_requests_off_screen(spiders: Iterable[str]) -> None:
    """No log line about a single request or page (REQUEST_LOGGERS', and the `spiders`' by
    their names), when the log goes to the screen. The loggers are quieted, not Scrapy's
    handler: each crawler installs a new one as it starts."""
    for name in (*REQUEST_LOGGERS, *spiders):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def progress_table(crawlers: dict[str, Any]) -> Table:
    table = Table(title="pantau crawl", title_justify="left", box=None)
    table.add_column("source")
    titles = ["requests", *COLUMNS]
    for title in titles:
        table.add_column(title, justify="right")
    totals = dict.fromkeys(titles, 0)
    for name, crawler in list(crawlers.items()):
        stats = crawler.stats
        values = {"requests": pages_requested(stats.get_value)}
        values.update({title: stats.get_value(key, 0) or 0 for title, key in COLUMNS.items()})
        for title, value in values.items():
            totals[title] += value
        table.add_row(name, *(str(value) for value in values.values()))
    if len(crawlers) > 1:
        table.add_row("all", *(str(value) for value in totals.values()), style="bold")
    return table


class LiveProgress:
    """A live progress table on the terminal `console` writes to (unless not `enabled`);
    started before Scrapy sets up its logging, so that its log lines go through the
    display."""

    def __init__(self, console: Console | None = None, enabled: bool = True) -> None:
        self.crawlers: dict[str, Any] = {}
        self.enabled = enabled
        self.live = Live(
            get_renderable=lambda: progress_table(self.crawlers),
            console=console or Console(),
            refresh_per_second=2,
            transient=True,
            redirect_stdout=True,
            redirect_stderr=True,
        )

    def __enter__(self) -> "LiveProgress":
        if self.enabled:
            self.live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.enabled:
            self.live.stop()
