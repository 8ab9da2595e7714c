"""Extraction and scoring off the reactor's thread, in worker processes.

Parsing a page costs far more CPU than fetching it. Done in the Scrapy reactor's thread, it
would hold up every download and use one core, whatever the machine has. Here each page
goes to a process pool (`PANTAU_EXTRACT_PROCESSES`, by default one per core) while the
reactor keeps fetching; 0 runs it in the reactor's thread, as a plain function call.

The workers are forked from the crawl before it starts (`start`), so they begin with its
modules already imported, and hold nothing the crawl opens later: a forked child keeps a
copy of every descriptor its parent has, and a browser's pipes held open by a worker keep
the browser from closing. They receive the body rules and topic profiles once, and per page
only what that page needs. A worker that dies on a page (a crash in a parser, memory)
costs that page, counted as an error: the pool is started again, and the pages it held
are tried again one process each; those processes are spawned (a fresh interpreter), not
forked from the running crawl.
"""

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from crawler.config.rules import BodyRules
from crawler.extract.article import extract_multipage
from crawler.relevance.score import TopicProfile, score_topics

logger = logging.getLogger(__name__)


@dataclass
class Job:
    """What extraction needs of one fetched page (and its later parts)."""

    body: bytes
    url: str
    allowed_hosts: list[str]
    later_parts: list[tuple[str, bytes]]
    charset: str | None
    article_pattern: str | None


# What extraction's libraries log about one page (readability handed a comment, a link
# without its address) are notes on that page, not news of the crawl: shown from -v on.
PAGE_LOGGERS = ("trafilatura", "htmldate", "justext", "courlan", "readability")


def set_page_log_level(crawl_level: str | int) -> None:
    """At the crawl's LOG_LEVEL (a name or a number) of warnings and above, the page notes
    are left out."""
    text = str(crawl_level).upper()
    level = int(text) if text.isdigit() else logging.getLevelName(text)
    if not isinstance(level, int):
        level = logging.WARNING
    level = level if level < logging.WARNING else max(level, logging.ERROR)
    for name in PAGE_LOGGERS:
        logging.getLogger(name).setLevel(level)


class WorkerLost(Exception):
    """The worker process extracting a page died (the page is dropped, the crawl goes on)."""


# In a worker: what every job shares, set once by the pool's initializer.
_rules: list[BodyRules] = []
_profiles: dict[str, TopicProfile] = {}


def _set_up_worker(
    rules: list[BodyRules], profiles: dict[str, TopicProfile], page_log_level: int
) -> None:
    global _rules, _profiles
    _rules, _profiles = rules, profiles
    for name in PAGE_LOGGERS:  # a spawned worker starts with logging's defaults
        logging.getLogger(name).setLevel(page_log_level)
    # Ctrl-C reaches the whole process group: the crawl stops gracefully, and its workers
    # finish the pages in hand. They end when the crawl closes the pool, or dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    # A killed crawl cannot close its pool: its workers would wait for work forever.
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)


def extract_and_score(
    job: Job, rules: list[BodyRules] | None = None, profiles: dict | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """The article on the page and its relevance to each topic; ExtractionError if none."""
    rules = _rules if rules is None else rules
    profiles = _profiles if profiles is None else profiles
    article = extract_multipage(
        job.body,
        job.url,
        job.allowed_hosts,
        job.later_parts,
        charset=job.charset,
        article_pattern=job.article_pattern,
        rules=rules,
    )
    relevance = score_topics(profiles, article["title"], article["text"], article["published_at"])
    return article, relevance


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class ExtractionPool:
    """Runs `extract_and_score` in `processes` worker processes (0: in the caller's thread)."""

    def __init__(
        self,
        processes: int,
        rules: list[BodyRules],
        profiles: dict[str, TopicProfile],
        work: Callable[..., tuple[dict[str, Any], dict[str, float]]] | None = None,
    ) -> None:
        self.processes = processes
        self.rules, self.profiles = rules, profiles
        # What a worker runs per page (a module-level function, so that spawned workers
        # find it): extract_and_score.
        self.work = work or extract_and_score
        self.executor: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _new_executor(self, processes: int, start_method: str) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context(start_method),
            initializer=_set_up_worker,
            initargs=(self.rules, self.profiles, logging.getLogger(PAGE_LOGGERS[0]).level),
        )

    def start(self) -> None:
        """Fork the workers now (a fork pool starts all of them at its first job)."""
        if self.processes and self.executor is None:
            self.executor = self._new_executor(self.processes, "fork")
            self.executor.submit(int).result()

    async def extract(self, job: Job) -> tuple[dict[str, Any], dict[str, float]]:
        """The page's article and relevance; ExtractionError, or WorkerLost when a worker
        dies on it."""
        if not self.processes:
            return self.work(job, self.rules, self.profiles)
        self.start()
        executor = self.executor
        assert executor is not None
        try:
            return await asyncio.wrap_future(executor.submit(self.work, job))
        except BrokenProcessPool:
            # Every page in flight in the broken pool lands here; one restart serves all.
            if self.executor is executor:
                self.executor = self._new_executor(self.processes, "spawn")
                self.restarts += 1
                executor.shutdown(wait=False, cancel_futures=True)
                logger.warning("An extraction worker died; its pages are tried again")
        # Which page killed it is unknown: each is tried again in a process of its own, so
        # that only the page that kills it again is lost.
        alone = self._new_executor(1, "spawn")
        try:
            return await asyncio.wrap_future(alone.submit(self.work, job))
        except BrokenProcessPool:
            raise WorkerLost(f"the extraction worker died on {job.url}") from None
        finally:
            alone.shutdown(wait=False)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
