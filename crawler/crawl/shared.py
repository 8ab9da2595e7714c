"""Crawling on several processes or machines, sharing one queue through Redis.

`pantau ingest --redis URL` owns the archive: it opens a run, puts the archive's known URLs
into the shared duplicate filter, and stores what the crawlers send, as the one writer
SQLite wants. `pantau crawl --redis URL`, started any number of times on any machine,
crawls with scrapy-redis's scheduler: every request goes into one Redis queue per source,
and any crawler takes the next one; one duplicate filter (a Redis set of URL ids, the
archive's own `urls.id`) lets each URL through once. Pages are extracted and scored where
they were fetched, and travel to the writer through a Redis list (scrapy-redis's item
pipeline predates Scrapy 2.19's signature, so they go through `RedisItemPipeline` here).

A crawler that is killed loses the requests it had taken from the queue: they are in the
filter, so no one else fetches them in this run; the next run (a new filter) does.

The run is open while ingest lives: a thread of ingest's keeps its key (RUN) alive, and
it expires TTL_BEATS beats after the last (a long commit does not silence the thread). A
crawler checks it at each of its own beats, and before it ends waits for ingest to take
what is left in the list: a killed ingest makes every crawler stop and exit 6, saying how
many items were left unread, and a crawler started later finds no run.
"""

import os
import pickle
import socket
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter as RedisDupeFilter
from twisted.internet import task

from crawler.crawl.dupefilter import ORIGINAL_URL
from crawler.urls import normalize_url, url_id

# scrapy-redis 0.9 still calls Scrapy APIs that 2.19 deprecates; it works, and says so on
# every run.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

PREFIX = "pantau"
RUN = f"{PREFIX}:run"  # the open run's id: set by ingest, and kept alive by its heartbeat
ITEMS = f"{PREFIX}:items"
DUPEFILTER = f"{PREFIX}:dupefilter"
CRAWLERS = f"{PREFIX}:crawlers:"  # + host:pid, a heartbeat with a time to live
QUEUE = f"{PREFIX}:%(spider)s:requests"  # scrapy-redis's key of a source's requests
ALL_QUEUES = QUEUE % {"spider": "*"}
# The date index days the archive has walked ("source<TAB>day"): crawlers do not read the
# archive, and would walk them all again.
WALKED = f"{PREFIX}:walked"
# Members put into a Redis set per command.
SET_BATCH = 10_000
# A crawler beats every PANTAU_REDIS_HEARTBEAT seconds (a setting; ingest reads it from
# crawl.yml); one silent for TTL_BEATS beats is taken for dead, and so is ingest.
TTL_BEATS = 6
# A crawler at its end waits for ingest to take the items left in the list; should ingest
# live but take none of them for this long, the crawler stops waiting.
STALLED_SECONDS = 600.0


class NoIngest(Exception):
    """No `pantau ingest` has a run open on this Redis."""


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def scrapy_settings(url: str) -> dict[str, Any]:
    """The settings that put a crawl's scheduling on Redis."""
    return {
        "REDIS_URL": url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_KEY": QUEUE,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        # One filter for every source and crawler; ingest starts it afresh for each run.
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER,
        "DUPEFILTER_CLASS": "crawler.crawl.shared.SharedUrlFilter",
        "SCHEDULER_PERSIST": True,
        "ITEM_PIPELINES": {
            "crawler.crawl.pipelines.ExtractPipeline": 300,
            "crawler.crawl.shared.RedisItemPipeline": 800,
        },
        "EXTENSIONS": {"crawler.crawl.shared.Heartbeat": 500},
    }


def request_key(request: Request) -> str:
    """What the shared filter remembers of a request: its URL's id in the archive's `urls`
    (a web archive's copy by the article's own URL)."""
    return url_id(normalize_url(request.meta.get(ORIGINAL_URL) or request.url))


class SharedUrlFilter(RedisDupeFilter):
    """scrapy-redis's filter, keyed by the archive's URL ids, so that ingest can seed it with
    every URL the archive knows."""

    def request_seen(self, request: Request) -> bool:
        if "redirect_urls" in request.meta:
            return False  # a hop of a redirect: loops must run into REDIRECT_MAX_TIMES
        return self.server.sadd(self.key, request_key(request)) == 0

    def close(self, reason: str = "") -> None:
        pass  # the filter is the run's, not this crawler's: ingest clears it


@dataclass
class Envelope:
    """One thing a crawler sends the writer: an item, a dropped page, or its counts."""

    kind: str  # "item", "dropped", "stats"
    source: str
    payload: Any = None
    reason: str = ""
    drop_status: str = ""  # a dropped page's status in `urls` (crawl/pipelines.py)
    stats: dict[str, Any] = field(default_factory=dict)


def send(server: redis.Redis, envelope: Envelope) -> None:
    server.rpush(ITEMS, pickle.dumps(envelope, protocol=pickle.HIGHEST_PROTOCOL))


class RedisItemPipeline:
    """Sends items and dropped pages to the writer (`pantau ingest`) through Redis."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.server = connect(crawler.settings["REDIS_URL"])
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RedisItemPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        send(self.server, Envelope("item", getattr(item, "source", ""), payload=item))
        self.crawler.stats.inc_value("pantau/items_sent")
        return item

    def item_dropped(self, item: Any, response: Any, exception: Exception) -> None:
        from crawler.crawl.pipelines import count_drop, drop_status

        status = drop_status(exception)
        count_drop(self.crawler.stats, status)
        item.body, item.later_parts = b"", []  # the writer keeps only the URLs and reason
        send(
            self.server,
            Envelope(
                "dropped",
                item.source,
                payload=item,
                reason=str(exception)[:500],
                drop_status=status,
            ),
        )


class Heartbeat:
    """Tells ingest this crawler is alive (a key that expires if it dies), keeps a spider
    whose queue ran dry waiting a while for requests other crawlers may still add, and sends
    its counts when each source's spider closes."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.server = connect(crawler.settings["REDIS_URL"])
        self.key = crawler_key()
        self.run_id = crawler.settings.get("PANTAU_REDIS_RUN")
        self.every = crawler.settings.getfloat("PANTAU_REDIS_HEARTBEAT")
        self.beat = task.LoopingCall(self._beat)
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.request_scheduled)
        crawler.signals.connect(self.busy, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "Heartbeat":
        return cls(crawler)

    def _beat(self) -> None:
        self.server.set(self.key, "1", px=int(self.every * TTL_BEATS * 1000))
        if self.run_id and not self.crawler.stats.get_value("pantau/ingest_gone"):
            gone = ingest_gone(self.server, self.run_id)
            if gone:
                # Nothing more this crawler sends would be stored.
                self.crawler.stats.set_value("pantau/ingest_gone", gone)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="ingest_gone"))

    def spider_opened(self, spider: Any) -> None:
        self._beat()
        if not self.beat.running:
            self.beat.start(self.every, now=False)

    def busy(self, request: Any, spider: Any) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Any) -> None:
        # Another crawler may be parsing a page whose links will fill this queue: wait as
        # long as a crawler may stay silent before it is taken for dead.
        queued = self.server.zcard(QUEUE % {"spider": spider.name})
        now = time.monotonic()
        if self.idle_since is None or queued:
            self.idle_since = now
        if self.crawler.stats.get_value("pantau/ingest_gone"):
            return
        if queued or now - self.idle_since < self.every * TTL_BEATS:
            raise DontCloseSpider

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.beat.running:
            self.beat.stop()
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        name = getattr(getattr(spider, "source", None), "name", spider.name)
        send(self.server, Envelope("stats", name, stats=stats))


def crawler_key() -> str:
    """This crawler process's heartbeat key."""
    return f"{CRAWLERS}{socket.gethostname()}:{os.getpid()}"


def release(server: redis.Redis) -> None:
    """This crawler process is done: ingest stops waiting for it."""
    server.delete(crawler_key())


def http_cache_dir(settings: Any) -> Path:
    """Where a crawler keeps the entry pages it fetched (PANTAU_SHARED_HTTPCACHE_DIR)."""
    given = settings.get("PANTAU_SHARED_HTTPCACHE_DIR")
    if given:
        return Path(given)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "pantau" / "httpcache"


def add_to_set(server: redis.Redis, key: str, members: Iterable[str]) -> None:
    """SADD in commands of SET_BATCH members: an archive's URLs are millions."""
    batch: list[str] = []
    for member in members:
        batch.append(member)
        if len(batch) >= SET_BATCH:
            server.sadd(key, *batch)
            batch = []
    if batch:
        server.sadd(key, *batch)


def publish_walked_days(server: redis.Redis, days: Iterable[tuple[str, str]]) -> None:
    """Tell this run's crawlers which (source, day) of the date indexes are walked."""
    server.delete(WALKED)
    add_to_set(server, WALKED, (f"{source}\t{day}" for source, day in days))


def walked_days(server: redis.Redis) -> list[tuple[str, str]]:
    """The (source, day) pairs `publish_walked_days` gave."""
    members = (m.decode() if isinstance(m, bytes) else str(m) for m in server.smembers(WALKED))
    return [(source, day) for source, _, day in (m.partition("\t") for m in members)]


def require_run(server: redis.Redis) -> str:
    run = server.get(RUN)
    if run is None:
        raise NoIngest(
            "no `pantau ingest` has a run open on this Redis (none started, or its heartbeat"
            " stopped): start it first"
        )
    return run.decode() if isinstance(run, bytes) else str(run)


def ingest_gone(server: redis.Redis, run_id: str) -> str | None:
    """Why the run `run_id` is over for its crawlers, if ingest is gone: its heartbeat
    stopped (or another run replaced it), with the items it left unread."""
    run = server.get(RUN)
    if run is not None and (run.decode() if isinstance(run, bytes) else str(run)) == run_id:
        return None
    return (
        f"pantau ingest of run {run_id} is gone (its heartbeat stopped): {server.llen(ITEMS)}"
        " items it did not store are left in Redis; the next run fetches their pages again"
    )


def wait_for_ingest(server: redis.Redis, run_id: str, every: float) -> str | None:
    """At a crawler's end: wait until ingest has taken every item in the list. Returns
    why it never will (`ingest_gone`, or STALLED_SECONDS without taking one)."""
    left, since = -1, time.monotonic()
    while True:
        gone = ingest_gone(server, run_id)
        if gone:
            return gone
        unread = server.llen(ITEMS)
        if not unread:
            return None
        if unread != left:
            left, since = unread, time.monotonic()
        elif time.monotonic() - since > STALLED_SECONDS:
            return (
                f"pantau ingest of run {run_id} took none of the {unread} items left in Redis"
                f" for {STALLED_SECONDS:.0f} s"
            )
        time.sleep(every)


class IngestHeartbeat(threading.Thread):
    """Keeps ingest's run open on Redis while the ingest process lives: RUN, set to the run's
    id, expires TTL_BEATS beats after the last one. A thread of its own: a long commit in
    ingest's loop must not make the crawlers take it for gone."""

    def __init__(self, url: str, run_id: int, every: float) -> None:
        super().__init__(name="pantau-ingest-heartbeat", daemon=True)
        self.server = connect(url)
        self.run_id = str(run_id)
        self.every = every
        self.stopping = threading.Event()

    def open(self) -> None:
        """Open the run (before any crawler may join it) and beat until `close`."""
        self._beat()
        self.start()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                self._beat()
            except redis.RedisError:
                pass  # Redis away: the run expires, as it should for the crawlers

    def close(self) -> None:
        """Close the run: its crawlers stop, and new ones find none."""
        self.stopping.set()
        if self.is_alive():
            self.join()
        self.server.delete(RUN)

    def _beat(self) -> None:
        self.server.set(RUN, self.run_id, px=int(self.every * TTL_BEATS * 1000))
