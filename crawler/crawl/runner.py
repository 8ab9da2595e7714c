"""Run one `pantau crawl`: settings, one NewsSpider per source, and the crawl_runs record."""

import logging
import signal
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from sqlite_utils import Database

from crawler.archive.lock import ArchiveLock, archive_lock
from crawler.archive.rescore import Rescored, changed_topics, rescore
from crawler.archive.rows import save_seed
from crawler.archive.runs import (
    IDLE,
    finish_run,
    mark_killed_runs,
    run_status,
    save_config,
    start_run,
)
from crawler.archive.schema import open_db
from crawler.archive.writer import ArchiveWriter, StorageFailure
from crawler.config.load import Config
from crawler.crawl import drift, shared
from crawler.crawl.backfill import BackfillSpider
from crawler.crawl.context import CrawlContext
from crawler.crawl.extraction import default_processes, set_page_log_level
from crawler.crawl.progress import LiveProgress, keep_requests_off_screen, pages_requested
from crawler.crawl.render import ChromiumMissing, RenderingNewsSpider, chromium_path
from crawler.crawl.spider import NewsSpider
from crawler.relevance.score import score_topics, topic_profile

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The name under which crawl_runs reports the web archives' crawler beside the outlets.
BACKFILL = "backfill"


# What `_run_spiders`' caller records of the run (the run's status and failure).
Recorded = TypeVar("Recorded")


class SettingError(Exception):
    """A -s NAME=VALUE option that cannot be applied."""


class SignalledProcess(AsyncCrawlerProcess):
    """Remembers a SIGINT or SIGTERM: after a second one Scrapy stops at once, its spiders
    never close, and their stats would not say the run was interrupted."""

    signalled = False

    def note_signal(self, signum: int, frame: Any) -> None:
        self.signalled = True

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.signalled = True
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.signalled = True
        super()._signal_kill(signum, frame)

    def _signal_shutdown_reactorless(self, signum: int, frame: Any) -> None:
        self.signalled = True
        super()._signal_shutdown_reactorless(signum, frame)

    def _signal_kill_reactorless(self, signum: int, frame: Any) -> None:
        self.signalled = True
        super()._signal_kill_reactorless(signum, frame)


@dataclass
class CrawlResult:
    run_id: int
    status: str  # ok, partial, failed, interrupted
    per_source: dict[str, dict[str, Any]]
    failure: str | None = None  # the archive refused a write
    changed_topics: list[str] = field(default_factory=list)
    rescored: Rescored | None = None
    # Topic -> its seed article's id (None: a crawler of a shared run, whose seeds are ingest's).
    seeds: dict[str, str] | None = None
    # A crawl shared through Redis whose `pantau ingest` went away: what is left unread.
    ingest_gone: str | None = None


@dataclass
class OpenRun:
    """A run started on the archive (`open_run`)."""

    db: Database
    run_id: int
    changed_topics: list[str]
    rescored: Rescored | None
    seeds: dict[str, str]


def parse_setting_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SettingError(f"-s {pair!r}: expected NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def build_settings(config: Config, db_path: Path, overrides: dict[str, str]) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    settings.setdict(config.crawl.settings, priority="project")
    settings.set("USER_AGENT", config.crawl.user_agent, priority="project")
    settings.set("DB_PATH", str(db_path), priority="cmdline")
    # Entry pages as last seen by this archive, for conditional requests.
    settings.set("HTTPCACHE_DIR", str(db_path.resolve()) + ".httpcache", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def extract_processes(settings: Settings) -> int:
    value = settings.get("PANTAU_EXTRACT_PROCESSES")
    if value is None or value == "":
        return default_processes()
    try:
        processes = int(value)
    except (TypeError, ValueError):
        processes = -1
    if processes < 0:
        raise SettingError(f"-s PANTAU_EXTRACT_PROCESSES={value}: expected a number, 0 or more")
    return processes


def seed_archive(config: Config, db_path: Path) -> dict[str, str]:
    """Create the archive if needed, record the config, and store every topic's seed
    article; returns each seeded topic's seed article id."""
    db = open_db(db_path)
    try:
        save_config(db, config)
        profiles = {topic.name: topic_profile(topic) for topic in config.topics}
        seeds = {}
        for topic in config.topics:
            text = topic.seed_text()
            if text:
                info = topic.seed_info
                relevance = score_topics(profiles, info.title, text, info.published_at)
                # The seed is its own topic's reference point.
                seed = save_seed(db, topic, {**relevance, topic.name: 1.0})
                if seed:
                    seeds[topic.name] = seed
        return seeds
    finally:
        db.close()


def open_run(config: Config, db_path: Path, lock: ArchiveLock) -> OpenRun:
    """Under the archive's `lock`: the seeds stored, the topics changed since the last run
    rescored, the runs earlier commands left open reconciled, and a new run's row started.
    A refused write (a full disk) raises StorageFailure: no run is started."""
    db = None
    try:
        db = open_db(db_path)
        changed = changed_topics(db, config.topics)
        seeds = seed_archive(config, db_path)
        # Judgements made under a topic's old settings are made again (archive/rescore.py).
        rescored = rescore(db, config.topics) if changed else None
        # Under the lock no other crawl runs: a run still "running" was killed, or (the
        # lock's note says) could not be recorded.
        mark_killed_runs(db, lock.unrecorded_run())
        run_id = start_run(db)
    except sqlite3.Error as error:
        if db is not None:
            db.close()
        raise StorageFailure(f"{db_path}: storage failure: {error}") from None
    lock.clear_note()
    return OpenRun(db, run_id, changed, rescored, seeds)


def open_writer(
    lock: ArchiveLock,
    run: OpenRun,
    db_path: Path,
    max_pages: int,
    batch_articles: int,
    batch_seconds: float,
) -> ArchiveWriter:
    """The run's writer, its archive capped at `max_pages` (PANTAU_MAX_DB_PAGES; 0: no cap).
    One the archive refuses closes the run failed, and raises StorageFailure."""
    try:
        db = open_db(db_path)
        if max_pages:
            db.execute(f"pragma max_page_count = {max_pages}")
    except sqlite3.Error as error:
        failure = f"{db_path}: storage failure: {error}"
        close_run(lock, run.db, run.run_id, {}, failure)
        raise StorageFailure(failure) from None
    return ArchiveWriter(db, batch_articles, batch_seconds)


def close_run(
    lock: ArchiveLock,
    db: Database,
    run_id: int,
    per_source: dict[str, dict[str, Any]],
    failure: str | None,
) -> tuple[str, str | None]:
    """Record the run (`finish_run`) and close the archive; returns the run's status and
    failure. When the archive takes not even the run's status, the lock file names the run
    for the next one, which records it failed."""
    try:
        return finish_run(db, run_id, per_source, failure)
    except sqlite3.Error as error:
        failure = failure or f"storage failure: {error}"
        lock.leave_note(run_id, failure)
        return "failed", failure
    finally:
        db.close()


def committed_counts(per_source: dict[str, dict[str, Any]], writer: ArchiveWriter) -> None:
    """Each crawler's new articles and duplicates as the archive holds them: those of a
    group the archive refused are not counted."""
    for name, counts in per_source.items():
        archived = name == BACKFILL
        source = None if archived else name
        counts["new_articles"] = writer.committed_articles("new", source, archived)
        counts["duplicates"] = writer.committed_articles("duplicate", source, archived)


def log_level(level: str | int) -> int:
    """A LOG_LEVEL setting (a name or a number) as a number."""
    text = str(level).upper()
    number = int(text) if text.isdigit() else logging.getLevelName(text)
    return number if isinstance(number, int) else logging.WARNING


def _one_line(record: logging.LogRecord) -> bool:
    record.exc_info = None
    return True


def _not_a_refused_write(record: logging.LogRecord) -> bool:
    """A write the archive refused is the run's failure, said once in the summary: not a
    traceback for every item that reached the writer after it."""
    return not (record.exc_info and isinstance(record.exc_info[1], StorageFailure))


def run_crawl(
    config: Config,
    db_path: Path,
    overrides: dict[str, str],
    wait: bool = False,
    live: bool = False,
    redis_url: str | None = None,
) -> CrawlResult:
    """Seed the archive, crawl every source in-process, and record the run; one crawl per
    archive at a time (ArchiveLocked, unless `wait`). `live`: a progress table on the
    terminal while it runs. `redis_url`: crawl for the run a `pantau ingest` opened there
    (crawl/shared.py) instead; the archive is ingest's."""
    if redis_url:
        with LiveProgress(enabled=live) as progress:
            return _shared_crawl(config, overrides, redis_url, progress.crawlers)
    with archive_lock(db_path, "crawl", wait) as lock, LiveProgress(enabled=live) as progress:
        return _crawl(config, db_path, overrides, progress.crawlers, lock)


def _crawl(
    config: Config,
    db_path: Path,
    overrides: dict[str, str],
    crawlers: dict[str, Any],
    lock: ArchiveLock,
) -> CrawlResult:
    # An unreachable host is one line in our report, not a traceback per robots.txt.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_one_line)
    for name in ("scrapy.core.scraper", "scrapy.utils.signal"):
        logging.getLogger(name).addFilter(_not_a_refused_write)
    settings = build_settings(config, db_path, overrides)
    processes = extract_processes(settings)  # a bad value stops the run before it starts
    run = open_run(config, db_path, lock)
    writer = open_writer(
        lock,
        run,
        db_path,
        max_pages=settings.getint("PANTAU_MAX_DB_PAGES"),
        batch_articles=settings.getint("PANTAU_COMMIT_ARTICLES"),
        batch_seconds=settings.getfloat("PANTAU_COMMIT_SECONDS"),
    )

    def record(per_source: dict[str, dict[str, Any]]) -> tuple[str, str | None]:
        committed_counts(per_source, writer)
        return close_run(lock, run.db, run.run_id, per_source, writer.failure)

    per_source, (status, failure) = _run_spiders(
        config, settings, writer, processes, crawlers, record
    )
    return CrawlResult(
        run_id=run.run_id,
        status=status,
        per_source=per_source,
        failure=failure,
        changed_topics=run.changed_topics,
        rescored=run.rescored,
        seeds=run.seeds,
    )


def _shared_crawl(
    config: Config, overrides: dict[str, str], redis_url: str, crawlers: dict[str, Any]
) -> CrawlResult:
    """Crawl for a run shared through Redis: requests from and to the shared queues, items
    to the writer. The spiders' reads of an archive (walked days, recent articles) go to one
    of this process, the real one may be on another machine: it holds the walked days
    ingest published, and no articles."""
    server = shared.connect(redis_url)
    run = shared.require_run(server)
    with tempfile.TemporaryDirectory(prefix="pantau-crawler-") as scratch:
        db_path = Path(scratch) / "scratch.db"
        settings = build_settings(config, db_path, overrides)
        settings.setdict(shared.scrapy_settings(redis_url), priority="cmdline")
        settings.set("PANTAU_REDIS_RUN", run, priority="cmdline")
        settings.set("HTTPCACHE_DIR", str(shared.http_cache_dir(settings)), priority="cmdline")
        processes = extract_processes(settings)
        writer = ArchiveWriter(open_db(db_path), batch_articles=2000, batch_seconds=60)
        for source, day in shared.walked_days(server):
            writer.record_walked_day(source, day, 0, 0)
        writer.commit()
        try:
            per_source, _ = _run_spiders(
                config, settings, writer, processes, crawlers, lambda per_source: None
            )
            # What this crawler sent is stored only once ingest has taken it.
            gone = shared.wait_for_ingest(server, run, settings.getfloat("PANTAU_REDIS_HEARTBEAT"))
        finally:
            shared.release(server)
    for counts in per_source.values():
        if counts["status"] == "failed" and not counts["errors"]:
            # The other crawlers took every request: this one had nothing left to do.
            counts.update(status="ok", message="nothing left to fetch")
    return CrawlResult(
        run_id=int(run), status=run_status(per_source), per_source=per_source, ingest_gone=gone
    )


def _run_spiders(
    config: Config,
    settings: Settings,
    writer: ArchiveWriter,
    processes: int,
    crawlers: dict[str, Any],
    record: Callable[[dict[str, dict[str, Any]]], Recorded],
) -> tuple[dict[str, dict[str, Any]], Recorded]:
    """One crawler per active source (and the web archives' one), run to their end; then
    `record` the per-source counts. Returns them and what `record` said."""
    process = SignalledProcess(settings)
    if not settings.get("LOG_FILE") and log_level(settings.get("LOG_LEVEL")) > logging.INFO:
        spiders = [f"{NewsSpider.name}:{source.name}" for source in config.sources]
        keep_requests_off_screen([*spiders, BackfillSpider.name])
    # A refused write stops every crawler: nothing more could be stored.
    writer.on_failure = lambda reason: deferred_from_coro(process.stop())
    context = CrawlContext(
        writer,
        config.sources,
        config.topics,
        config.body_rules(),
        extract_processes=processes,
    )
    set_page_log_level(settings.get("LOG_LEVEL"))
    context.extraction.start()  # before any browser or connection the workers could hold
    not_started: dict[str, dict[str, Any]] = {}
    active = [source for source in config.sources if not source.disabled]
    # Scrapy handles SIGINT and SIGTERM while it runs; before and after, one (an impatient
    # second Ctrl-C) must not cut short the saving of the last group and the run's record:
    # it is noted, and the crawl ends as it would.
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    for number in STOP_SIGNALS:
        signal.signal(number, process.note_signal)
    try:
        try:
            for source in active:
                if source.render:
                    try:
                        chromium_path()
                    except ChromiumMissing as error:
                        not_started[source.name] = summarize({"pantau/last_error": str(error)})
                        continue
                spider = RenderingNewsSpider if source.render else NewsSpider
                crawler = process.create_crawler(spider)
                context.attach(crawler)
                crawlers[source.name] = crawler
                process.crawl(crawler, source=source)
            if active and config.crawl.backfill and any(topic.since for topic in config.topics):
                # One crawler for all outlets: each web archive is one host with one set of
                # limits.
                crawler = process.create_crawler(BackfillSpider)
                context.attach(crawler)
                crawlers[BACKFILL] = crawler
                process.crawl(crawler, sources=active, routes=config.crawl.backfill)
            if crawlers:
                process.start()
        finally:
            context.extraction.close()
            writer.close()
        entry_points = {source.name: any(source.entry_points().values()) for source in active}
        per_source = {
            name: summarize(
                crawler.stats.get_stats(), process.signalled, entry_points.get(name, True)
            )
            for name, crawler in crawlers.items()
        }
        per_source.update(not_started)
        if writer.failure and not process.signalled:
            for counts in per_source.values():
                if counts["status"] == "interrupted":  # stopped by the writer, not a signal
                    counts.update(status="failed", message="stopped: the archive refused a write")
        return per_source, record(per_source)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def summarize(
    stats: dict[str, Any], signalled: bool = False, entry_points: bool = True
) -> dict[str, Any]:
    """Per-source counts for crawl_runs from one crawler's Scrapy stats; `signalled`: a
    signal stopped the crawl; `entry_points`: the source has some (one without had nothing
    to crawl: IDLE, neither ok nor failed)."""
    dropped = stats.get("pantau/pages_dropped", 0)
    counts = {
        "requests": pages_requested(stats.get),
        "new_articles": stats.get("pantau/articles_new", 0),
        "duplicates": stats.get("pantau/articles_duplicate", 0),
        "irrelevant": stats.get("pantau/pages_irrelevant", 0),
        "dropped": dropped,
        "errors": stats.get("pantau/errors", 0),
        "not_modified": stats.get("pantau/not_modified", 0),
        **drift.counts(stats),
    }
    fetched_pages = sum(
        counts[key] for key in ("new_articles", "duplicates", "irrelevant", "dropped")
    )
    # A source worked when an entry point parsed cleanly or at least one page came back. One
    # whose only entry point is a date index walked already had nothing to do, and did it.
    done_before = stats.get("pantau/archive_days_done", 0) + stats.get(
        "pantau/backfill_slices_done", 0
    )
    idle = counts["requests"] == 0 and done_before > 0
    # (Sent: a crawler of a shared crawl hands its pages to `pantau ingest`.)
    sent = stats.get("pantau/items_sent", 0)
    worked = stats.get("pantau/entries_ok", 0) > 0 or fetched_pages > 0 or sent > 0 or idle
    if not (entry_points or worked or counts["requests"] or counts["errors"]):
        return {**counts, "status": IDLE, "message": "no entry points"}
    counts["status"] = "ok" if worked else "failed"
    if signalled or stats.get("finish_reason") == "shutdown":
        counts["status"] = "interrupted"  # a signal stopped it, whatever it had done
    counts["message"] = (
        stats.get("pantau/last_error") or stats.get("finish_reason") or "nothing answered"
        if not worked
        else ("nothing to fetch" if idle else stats.get("finish_reason", "finished"))
    )
    return counts
