"""Extraction in worker processes: the work leaves the crawl's process, and a worker that
dies costs only the page it died on."""

import asyncio
import os

from crawler.crawl.extraction import ExtractionPool, Job, WorkerLost
from crawler.extract.article import ExtractionError


def _job(url: str) -> Job:
    return Job(b"<html></html>", url, [], [], None, None)


def fake_extract(job: Job, rules=None, profiles=None):
    """Extraction as the tests want it (a module-level function: spawned workers import it)."""
    if "deadly" in job.url:
        os._exit(1)  # a parser crash takes the whole worker down
    if "empty" in job.url:
        raise ExtractionError("too little text")
    return {"title": str(os.getpid()), "text": "teks", "published_at": None}, {}


async def _extract_all(pool: ExtractionPool, urls: list[str]) -> list:
    return await asyncio.gather(*(pool.extract(_job(url)) for url in urls), return_exceptions=True)


def test_pages_are_extracted_in_worker_processes():
    pool = ExtractionPool(2, [], {}, fake_extract)
    try:
        results = asyncio.run(
            _extract_all(pool, [f"http://x/{i}" for i in range(6)] + ["http://x/empty"])
        )
    finally:
        pool.close()
    *articles, empty = results
    pids = {int(article["title"]) for article, relevance in articles}
    assert os.getpid() not in pids
    assert isinstance(empty, ExtractionError)  # the reason crosses the process boundary


def test_in_thread_extraction_is_the_same_function():
    pool = ExtractionPool(0, [], {}, fake_extract)
    ((article, relevance),) = asyncio.run(_extract_all(pool, ["http://x/1"]))
    assert int(article["title"]) == os.getpid() and relevance == {}


def test_a_worker_that_dies_costs_only_its_page():
    pool = ExtractionPool(2, [], {}, fake_extract)
    urls = [f"http://x/{i}" for i in range(8)]
    urls.insert(3, "http://x/deadly")
    try:
        results = asyncio.run(_extract_all(pool, urls))
        assert pool.restarts >= 1
        # The pool works again after the crash.
        (after,) = asyncio.run(_extract_all(pool, ["http://x/after"]))
    finally:
        pool.close()
    by_url = dict(zip(urls, results))
    assert isinstance(by_url.pop("http://x/deadly"), WorkerLost)
    assert all(isinstance(result, tuple) for result in by_url.values()), by_url
    assert int(after[0]["title"]) != os.getpid()
