"""`pantau ingest --redis URL`: the one writer of a crawl shared through Redis.

It opens a run on the archive (under the archive's crawl lock, as a crawl would), starts
the shared duplicate filter afresh with every URL the archive knows, and then stores what
the crawlers send (crawler/crawl/shared.py) through the archive writer, in group commits.
The run ends when every crawler that joined has ended (or stopped beating: killed), their
queues are empty and nothing is left to store; its row in `crawl_runs` adds up what the
crawlers counted and what was stored.
"""

import pickle
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from crawler.archive.lock import crawl_lock
from crawler.archive.runs import finish_run
from crawler.archive.schema import open_db
from crawler.archive.writer import ArchiveWriter
from crawler.config.load import Config
from crawler.crawl import settings as defaults
from crawler.crawl.pipelines import record_dropped, store_item
from crawler.crawl.runner import CrawlResult, open_run, summarize
from crawler.crawl.shared import (
    ALL_QUEUES,
    CRAWLERS,
    DUPEFILTER,
    ITEMS,
    RUN,
    Envelope,
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
    with crawl_lock(db_path):
        db, run_id, changed, rescored = open_run(config, db_path)
        _open_shared_run(server, db, run_id)
        writer = ArchiveWriter(
            open_db(db_path),
            batch_articles=defaults.PANTAU_COMMIT_ARTICLES,
            batch_seconds=defaults.PANTAU_COMMIT_SECONDS,
        )
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
            server.delete(RUN)
            writer.close()
            for number, handler in previous.items():
                signal.signal(number, handler)
        per_source = {}
        for source, counts in stats.items():
            merged: dict[str, Any] = {**counts, **texts[source]}
            per_source[source] = summarize(merged, signalled=bool(stopped))
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


def _open_shared_run(server: Any, db: Any, run_id: int) -> None:
    """A fresh filter holding every URL the archive knows, empty queues, the run open."""
    stale = [ITEMS, DUPEFILTER, *server.scan_iter(ALL_QUEUES)]
    server.delete(*stale)
    marks = ", ".join("?" * len(KNOWN))
    known = db.execute(f"select id from urls where status in ({marks})", KNOWN)
    add_to_set(server, DUPEFILTER, (key for (key,) in known))
    publish_walked_days(server, db.execute("select source, day from archive_days"))
    server.set(RUN, str(run_id))


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
            _store(writer, pickle.loads(popped[1]), stats, texts)
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
