"""`pantau ingest --redis URL`: the one writer of a crawl shared through Redis.

It opens a run on the archive (under the archive's lock, as a crawl would), starts the
shared duplicate filter afresh with every URL the archive knows, and then stores what the
crawlers send (crawler/crawl/shared.py) through the archive writer, in group commits.
While it lives, a heartbeat keeps the run open on Redis (`IngestHeartbeat`). The run ends
when every crawler that joined has ended (or stopped beating: killed), their queues are
empty and nothing is left to store; its row in `crawl_runs` adds up what the crawlers
counted, with the articles as the archive holds them.
"""

import pickle
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from crawler.archive.lock import archive_lock
from crawler.archive.writer import ArchiveWriter, StorageFailure
from crawler.config.load import Config
from crawler.crawl import settings as defaults
from crawler.crawl.pipelines import record_dropped, store_item
from crawler.crawl.runner import (
    CrawlResult,
    SettingError,
    close_run,
    open_run,
    open_writer,
    summarize,
)
from crawler.crawl.shared import (
    ALL_QUEUES,
    CRAWLERS,
    DUPEFILTER,
    ITEMS,
    Envelope,
    IngestHeartbeat,
    add_to_set,
    connect,
    publish_walked_days,
)

# Statuses of URLs that are not fetched again (a failed one is).
KNOWN = ("article", "dropped", "irrelevant")


def run_ingest(
    config: Config, db_path: Path, redis_url: str, first_crawler_seconds: float | None = None
) -> CrawlResult:
    """Open a run, take the crawlers' items until they are all done, record the run.
    `first_crawler_seconds`: give up when no crawler has joined by then."""
    server = connect(redis_url)
    server.ping()  # an unreachable Redis fails here, before the archive is touched
    every = crawl_setting(config, "PANTAU_REDIS_HEARTBEAT", positive=True)
    max_pages = int(crawl_setting(config, "PANTAU_MAX_DB_PAGES"))
    with archive_lock(db_path, "ingest") as lock:
        run = open_run(config, db_path, lock)
        writer = open_writer(
            lock,
            run,
            db_path,
            max_pages,
            batch_articles=defaults.PANTAU_COMMIT_ARTICLES,
            batch_seconds=defaults.PANTAU_COMMIT_SECONDS,
        )
        _open_shared_run(server, run.db)
        heartbeat = IngestHeartbeat(redis_url, run.run_id, every)
        heartbeat.open()
        stopped: list[int] = []
        previous = {
            number: signal.signal(number, lambda signum, frame: stopped.append(signum))
            for number in (signal.SIGINT, signal.SIGTERM)
        }
        stats: dict[str, Counter] = defaultdict(Counter)
        texts: dict[str, dict[str, str]] = defaultdict(dict)
        try:
            _take_items(server, writer, stats, texts, stopped, first_crawler_seconds)
        finally:
            heartbeat.close()
            writer.close()
            for number, handler in previous.items():
                signal.signal(number, handler)
        per_source = {}
        for source, counts in stats.items():
            merged: dict[str, Any] = {**counts, **texts[source]}
            per_source[source] = summarize(merged, signalled=bool(stopped))
            # Counted as stored is what the archive holds: a refused group is not in it.
            per_source[source]["new_articles"] = writer.committed_articles("new", source)
            per_source[source]["duplicates"] = writer.committed_articles("duplicate", source)
        status, failure = close_run(lock, run.db, run.run_id, per_source, writer.failure)
    return CrawlResult(
        run_id=run.run_id,
        status=status,
        per_source=per_source,
        failure=failure,
        changed_topics=run.changed_topics,
        rescored=run.rescored,
        seeds=run.seeds,
    )


def crawl_setting(config: Config, name: str, positive: bool = False) -> float:
    """A number from crawl.yml's `settings` (ingest takes no -s), or its default
    (crawl/settings.py)."""
    value = config.crawl.settings.get(name, getattr(defaults, name))
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0 or (positive and not number):
        raise SettingError(
            f"{config.directory / 'crawl.yml'}: settings.{name}: {value!r}: expected a number,"
            f" {'more than 0' if positive else '0 or more'}"
        )
    return number


def _open_shared_run(server: Any, db: Any) -> None:
    """A fresh filter holding every URL the archive knows, and empty queues."""
    stale = [ITEMS, DUPEFILTER, *server.scan_iter(ALL_QUEUES)]
    server.delete(*stale)
    marks = ", ".join("?" * len(KNOWN))
    known = db.execute(f"select id from urls where status in ({marks})", KNOWN)
    add_to_set(server, DUPEFILTER, (key for (key,) in known))
    publish_walked_days(server, db.execute("select source, day from archive_days"))


def _take_items(
    server: Any,
    writer: ArchiveWriter,
    stats: dict[str, Counter],
    texts: dict[str, dict[str, str]],
    stopped: list[int],
    first_crawler_seconds: float | None,
) -> None:
    opened = time.monotonic()
    joined = False
    while not stopped and not writer.failure:
        popped = server.blpop([ITEMS], timeout=1)
        if popped is not None:
            try:
                _store(writer, pickle.loads(popped[1]), stats, texts)
            except StorageFailure:
                return  # the writer holds the failure: the run ends failed
            writer.commit_if_due()
            continue
        writer.commit_if_due()
        alive = any(True for _ in server.scan_iter(f"{CRAWLERS}*"))
        joined = joined or alive
        queued = any(server.zcard(key) for key in server.scan_iter(ALL_QUEUES))
        if joined and not alive and not queued and not server.llen(ITEMS):
            return
        waited = time.monotonic() - opened
        if not joined and first_crawler_seconds is not None and waited > first_crawler_seconds:
            return


def _store(
    writer: ArchiveWriter,
    envelope: Envelope,
    stats: dict[str, Counter],
    texts: dict[str, dict[str, str]],
) -> None:
    """Counts add up across crawlers; of the words beside them, the last finish reason and
    the first example URL of each drift count (crawl/drift.py) are kept."""
    if envelope.kind == "stats":
        numbers = {k: v for k, v in envelope.stats.items() if isinstance(v, (int, float))}
        stats[envelope.source].update(numbers)
        if envelope.stats.get("finish_reason"):
            texts[envelope.source]["finish_reason"] = envelope.stats["finish_reason"]
        for key, value in envelope.stats.items():
            if key.endswith("_example") and isinstance(value, str):
                texts[envelope.source].setdefault(key, value)
    elif envelope.kind == "dropped":
        record_dropped(writer, envelope.payload, envelope.reason, envelope.drop_status)
    else:
        outcome = store_item(writer, envelope.payload)
        if outcome:
            stats[envelope.source][f"pantau/articles_{outcome}"] += 1
