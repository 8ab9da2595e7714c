"""Scrapy settings: polite defaults for the live web.

Tests and benchmarks lift the politeness on loopback with `pantau crawl -s NAME=VALUE`;
config/crawl.yml may override any of these for scheduled runs.
"""

BOT_NAME = "pantau"
SPIDER_MODULES = ["crawler.crawl.spider"]
# The CLI appends the contact URL from config/crawl.yml.
USER_AGENT = "Pantau/0.1 (Indonesian news monitor)"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# feed/sitemap index -> sitemap -> article is depth 2; leave room, but bound it.
DEPTH_LIMIT = 4
# Scrapy starts this many asyncio tasks for every response's output, however little it
# yields: an article page yields one item, a sitemap a list of requests.
CONCURRENT_ITEMS = 16

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Backoff: base * 2**attempt seconds, or the server's Retry-After, never more than the cap.
PANTAU_RETRY_BACKOFF_BASE = 2.0
PANTAU_RETRY_AFTER_MAX = 300.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.middlewares.WaitingRobotsTxtMiddleware": 100,
    # Before MetaRefreshMiddleware (580) reads the page's text, after decompression (590).
    "crawler.crawl.middlewares.TextEncodingMiddleware": 585,
    # Nearer the network than the cache (900): sees a 304 before it becomes the stored page.
    "crawler.crawl.revalidation.NotModifiedCounter": 950,
}
# Entry pages are fetched with conditional requests (crawl/revalidation.py); the runner puts
# the cache beside the archive (HTTPCACHE_DIR).
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.crawl.revalidation.EntryPagesPolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_GZIP = True
ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ExtractPipeline": 300,
    "crawler.crawl.pipelines.ArchivePipeline": 800,
}
# Article links the archive knows, or that any source of the crawl scheduled, are not
# requested again.
DUPEFILTER_CLASS = "crawler.crawl.dupefilter.KnownUrlFilter"

# Related links ("Baca juga") of relevant articles are followed this many hops deep.
PANTAU_RELATED_DEPTH = 2
# `pantau crawl --refresh-days N`: refetch articles first seen in the last N days (0: none).
PANTAU_REFRESH_DAYS = 0

# Processes that extract and score pages while the crawl fetches (crawl/extraction.py):
# unset, one per core; 0, in the reactor's thread.
PANTAU_EXTRACT_PROCESSES = None

# `pantau crawl --redis`: seconds between a crawler's heartbeats (crawl/shared.py).
PANTAU_REDIS_HEARTBEAT = 5.0
# ...and where it keeps the entry pages it fetched, for conditional requests next run (the
# archive, and the cache beside it, may be on another machine). Unset: the user's cache
# directory ($XDG_CACHE_HOME or ~/.cache)/pantau/httpcache.
PANTAU_SHARED_HTTPCACHE_DIR = None

DB_PATH = "archive.db"
# Group commit (crawler/archive/writer.py): a commit per this many writes, or this many seconds.
PANTAU_COMMIT_ARTICLES = 2000
PANTAU_COMMIT_SECONDS = 2.0
# A cap on the archive's size in pages (SQLite's max_page_count; 0: none), for a disk
# quota: past it, writes are refused and the run ends as a storage failure.
PANTAU_MAX_DB_PAGES = 0
TELNETCONSOLE_ENABLED = False
# One line per source comes from `pantau crawl` itself (and a live table on a terminal);
# `-v` shows more of Scrapy's log, `-q` less.
LOG_LEVEL = "WARNING"
# Pages dropped as irrelevant or as no article are expected, and counted: not warnings.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
