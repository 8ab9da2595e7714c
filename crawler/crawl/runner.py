"""Run one `pantau crawl`: settings, one NewsSpider per source, and the crawl_runs record."""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro

from crawler.archive.lock import crawl_lock
from crawler.archive.rescore import Rescored, changed_topics, rescore
from crawler.archive.rows import save_seed
from crawler.archive.runs import finish_run, mark_killed_runs, save_config, start_run
from crawler.archive.schema import open_db
from crawler.archive.writer import ArchiveWriter
from crawler.config.load import Config
from crawler.crawl.backfill import BackfillSpider
from crawler.crawl.context import CrawlContext
from crawler.crawl.extraction import default_processes
from crawler.crawl.render import ChromiumMissing, RenderingNewsSpider, chromium_path
from crawler.crawl.spider import NewsSpider
from crawler.relevance.score import score_topics, topic_profile

# The name under which crawl_runs reports the web archives' crawler beside the outlets.
BACKFILL = "backfill"


class SettingError(Exception):
    """A -s NAME=VALUE option that cannot be applied."""


@dataclass
class CrawlResult:
    run_id: int
    status: str  # ok, partial, failed, interrupted
    per_source: dict[str, dict[str, Any]]
    failure: str | None = None  # the archive refused a write
    changed_topics: list[str] = field(default_factory=list)
    rescored: Rescored | None = None


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


def seed_archive(config: Config, db_path: Path) -> list[str]:
    """Create the archive if needed, record the config, and store every topic's seed article."""
    db = open_db(db_path)
    try:
        save_config(db, config)
        profiles = {topic.name: topic_profile(topic) for topic in config.topics}
        seeds = []
        for topic in config.topics:
            text = topic.seed_text()
            if text:
                info = topic.seed_info
                relevance = score_topics(profiles, info.title, text, info.published_at)
                # The seed is its own topic's reference point.
                seeds.append(save_seed(db, topic, {**relevance, topic.name: 1.0}))
        return [seed for seed in seeds if seed]
    finally:
        db.close()


def _one_line(record: logging.LogRecord) -> bool:
    record.exc_info = None
    return True


def run_crawl(
    config: Config, db_path: Path, overrides: dict[str, str], wait: bool = False
) -> CrawlResult:
    """Seed the archive, crawl every source in-process, and record the run; one crawl per
    archive at a time (ArchiveLocked, unless `wait`)."""
    with crawl_lock(db_path, wait):
        return _crawl(config, db_path, overrides)


def _crawl(config: Config, db_path: Path, overrides: dict[str, str]) -> CrawlResult:
    # An unreachable host is one line in our report, not a traceback per robots.txt.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_one_line)
    settings = build_settings(config, db_path, overrides)
    processes = extract_processes(settings)  # a bad value stops the run before it starts
    db = open_db(db_path)
    changed = changed_topics(db, config.topics)
    seed_archive(config, db_path)
    # Judgements made under a topic's old settings are made again (archive/rescore.py).
    rescored = rescore(db, config.topics) if changed else None
    # Under the lock no other crawl runs: a run still "running" was killed.
    mark_killed_runs(db)
    run_id = start_run(db)
    process = AsyncCrawlerProcess(settings)
    writer_db = open_db(db_path)
    if settings.getint("PANTAU_MAX_DB_PAGES"):
        writer_db.execute(f"pragma max_page_count = {settings.getint('PANTAU_MAX_DB_PAGES')}")
    writer = ArchiveWriter(
        writer_db,
        batch_articles=settings.getint("PANTAU_COMMIT_ARTICLES"),
        batch_seconds=settings.getfloat("PANTAU_COMMIT_SECONDS"),
    )
    # A refused write stops every crawler: nothing more could be stored.
    writer.on_failure = lambda reason: deferred_from_coro(process.stop())
    context = CrawlContext(
        writer,
        config.sources,
        config.topics,
        config.body_rules(),
        extract_processes=processes,
    )
    crawlers = {}
    not_started: dict[str, dict[str, Any]] = {}
    active = [source for source in config.sources if not source.disabled]
    try:
        for source in active:
            if source.render:
                try:
                    chromium_path()
                except ChromiumMissing as error:
                    not_started[source.name] = summarize({"pantau/last_error": str(error)})
                    continue
            crawler = process.create_crawler(RenderingNewsSpider if source.render else NewsSpider)
            context.attach(crawler)
            crawlers[source.name] = crawler
            process.crawl(crawler, source=source)
        if active and config.crawl.backfill and any(topic.since for topic in config.topics):
            # One crawler for all outlets: each web archive is one host with one set of limits.
            crawler = process.create_crawler(BackfillSpider)
            context.attach(crawler)
            crawlers[BACKFILL] = crawler
            process.crawl(crawler, sources=active, routes=config.crawl.backfill)
        if crawlers:
            process.start()
    finally:
        context.extraction.close()
        writer.close()
    per_source = {name: summarize(crawler.stats.get_stats()) for name, crawler in crawlers.items()}
    per_source.update(not_started)
    status = finish_run(db, run_id, per_source, failure=writer.failure)
    db.close()
    return CrawlResult(
        run_id=run_id,
        status=status,
        per_source=per_source,
        failure=writer.failure,
        changed_topics=changed,
        rescored=rescored,
    )


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """Per-source counts for crawl_runs from one crawler's Scrapy stats."""
    dropped = stats.get("pantau/pages_dropped", 0)
    counts = {
        "requests": stats.get("downloader/request_count", 0),
        "new_articles": stats.get("pantau/articles_new", 0),
        "duplicates": stats.get("pantau/articles_duplicate", 0),
        "irrelevant": stats.get("pantau/pages_irrelevant", 0),
        "dropped": dropped,
        "errors": stats.get("pantau/errors", 0),
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
    worked = stats.get("pantau/entries_ok", 0) > 0 or fetched_pages > 0 or idle
    counts["status"] = "ok" if worked else "failed"
    if stats.get("finish_reason") == "shutdown":
        counts["status"] = "interrupted"  # a signal stopped it, whatever it had done
    counts["message"] = (
        stats.get("pantau/last_error") or stats.get("finish_reason") or "nothing answered"
        if not worked
        else ("nothing to fetch" if idle else stats.get("finish_reason", "finished"))
    )
    return counts
