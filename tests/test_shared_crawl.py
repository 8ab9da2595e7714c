"""Crawling shared through Redis: several crawler processes, one queue, one writer.

A redis-server runs on 127.0.0.1: the one at PANTAU_REDIS_URL (.ci/run starts it), or one
this module starts on a free port; without either, the tests skip and say why.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest
import redis
import yaml
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.config.load import load_config
from crawler.crawl.runner import seed_archive
from tests.conftest import (
    LOOPBACK_SETTINGS,
    rows,
    run_pantau,
    seed_topic,
    start_pantau,
    write_config,
)
from tests.mockweb import MockWeb, Reply, rss
from tests.pastweb import story_article
from tests.test_archives import DAILY, DAYS, archive_url, date_index_web
from tests.test_runs import _distinct_story, config_for, story_feed_web, story_pages

ARTICLES = 80
FAST_BEAT = {"PANTAU_REDIS_HEARTBEAT": "0.5"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    given = os.environ.get("PANTAU_REDIS_URL")
    if given:
        try:
            redis.Redis.from_url(given).ping()
        except redis.ConnectionError as error:
            # Asked for by name, so not skipped: CI would pass without ever reaching Redis.
            pytest.fail(f"PANTAU_REDIS_URL={given} does not answer ({error}): start it or unset it")
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server (apt-get install -y redis-server) and no PANTAU_REDIS_URL")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 60
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=60)


@pytest.fixture(autouse=True)
def crawler_cache(tmp_path, monkeypatch):
    """Crawlers keep their entry pages in the user's cache directory: a test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "pantau" / "httpcache"


@pytest.fixture
def clean_redis(redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture(scope="module")
def story_web():
    web = story_feed_web(ARTICLES, _distinct_story).start()
    yield web
    web.stop()


def _command(*args: str, settings: dict | None = None) -> list[str]:
    command = [sys.executable, "-m", "crawler", *args]
    for name, value in {**LOOPBACK_SETTINGS, **FAST_BEAT, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return command


def _ingest(config, db, url) -> subprocess.Popen:
    process = start_pantau(
        [sys.executable, "-m", "crawler", "ingest", "--config", str(config), "--db", str(db)]
        + ["--redis", url, "--first-crawler-seconds", "120"]
    )
    deadline = time.monotonic() + 120
    while not redis.Redis.from_url(url).exists("pantau:run"):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "ingest never opened its run"
        time.sleep(0.05)
    return process


def _article_fetches(web) -> Counter:
    return Counter(path for _, path in list(web.log) if "/kabar/2023/" in path)


def test_two_crawlers_and_one_writer_fetch_and_store_everything_once(
    story_web, clean_redis, tmp_path
):
    config = config_for(story_web, tmp_path / "c")
    db = tmp_path / "archive.db"
    before = _article_fetches(story_web)
    ingest = _ingest(config, db, clean_redis)
    crawlers = [
        start_pantau(_command("crawl", "--config", str(config), "--redis", clean_redis))
        for _ in range(2)
    ]
    for crawler in crawlers:
        output, errors = crawler.communicate(timeout=240)
        assert crawler.returncode == 0, output + errors[-2000:]
    output, errors = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, output + errors[-2000:]
    fetched = _article_fetches(story_web) - before
    assert len(fetched) == ARTICLES and set(fetched.values()) == {1}  # each URL once
    stored = rows(db, "select url from articles where is_seed = 0")
    assert len(stored) == len({row["url"] for row in stored}) == ARTICLES
    run = rows(db, "select status, per_source from crawl_runs")
    assert run[0]["status"] == "ok" and f'"new_articles": {ARTICLES}' in run[0]["per_source"]
    assert "kabar: ok" in output and f"{ARTICLES} new" in output


def test_a_killed_crawler_leaves_the_queue_to_the_other_and_the_next_run_finishes(
    story_web, clean_redis, tmp_path
):
    config = config_for(story_web, tmp_path / "c")
    db = tmp_path / "archive.db"
    slow = {"CONCURRENT_REQUESTS": "2", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    before = sum(_article_fetches(story_web).values())
    ingest = _ingest(config, db, clean_redis)
    crawl = ["crawl", "--config", str(config), "--redis", clean_redis]
    doomed = start_pantau(_command(*crawl, settings=slow))
    survivor = start_pantau(_command(*crawl, settings=slow))
    deadline = time.monotonic() + 120
    while sum(_article_fetches(story_web).values()) - before < 10:
        assert doomed.poll() is None and time.monotonic() < deadline, "nothing was fetched"
        time.sleep(0.05)
    doomed.kill()
    doomed.communicate(timeout=60)
    output, errors = survivor.communicate(timeout=240)
    assert survivor.returncode == 0, output + errors[-2000:]
    assert not any(redis.Redis.from_url(clean_redis).scan_iter("pantau:*:requests*"))
    output, errors = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, output + errors[-2000:]
    stored = len(rows(db, "select id from articles where is_seed = 0"))
    assert 0 < stored <= ARTICLES
    # What the killed crawler had in hand is fetched by the next run.
    ingest = _ingest(config, db, clean_redis)
    again = start_pantau(_command(*crawl))
    output, errors = again.communicate(timeout=240)
    assert again.returncode == 0, output + errors[-2000:]
    ingest.communicate(timeout=240)
    assert ingest.returncode == 0
    assert len(rows(db, "select id from articles where is_seed = 0")) == ARTICLES
    statuses = [row["status"] for row in rows(db, "select status from crawl_runs")]
    assert statuses == ["ok", "ok"]


def test_a_crawler_without_an_ingest_or_a_redis_says_so_in_one_line(clean_redis, tmp_path):
    config = write_config(tmp_path / "c", [{"name": "kabar", "feeds": ["http://127.0.0.1:9/"]}], [])
    alone = run_pantau("crawl", "--config", str(config), "--redis", clean_redis)
    assert alone.returncode == 6 and "pantau ingest" in alone.stderr
    gone = f"redis://127.0.0.1:{_free_port()}/0"
    unreachable = run_pantau("crawl", "--config", str(config), "--redis", gone)
    assert unreachable.returncode == 6 and "Traceback" not in unreachable.stderr
    ingest = CliRunner().invoke(
        cli, ["ingest", "--config", str(config), "--db", str(tmp_path / "a.db"), "--redis", gone]
    )
    assert ingest.exit_code == 6 and "Error: --redis" in ingest.output
    assert not (tmp_path / "a.db").exists()


@pytest.fixture(scope="module")
def archive_web():
    web = date_index_web().start()
    yield web
    web.stop()


def test_a_shared_run_walks_no_day_the_archive_has_walked(archive_web, clean_redis, tmp_path):
    sources = [{"name": "arsipdua", "hosts": ["127.0.0.1"], "archives": [archive_web.url(DAILY)]}]
    topic = {**seed_topic(), "since": "2023-09-16", "until": "2023-09-18"}
    config = write_config(tmp_path / "c", sources, [topic])
    db = tmp_path / "archive.db"
    first = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert first.returncode == 0, first.stderr[-2000:]
    indexes = [archive_url(DAILY, day) for day in DAYS]
    assert [len(archive_web.requests_for(path)) for path in indexes] == [1, 1, 1]
    ingest = _ingest(config, db, clean_redis)
    command = _command("crawl", "--config", str(config), "--redis", clean_redis)
    crawler = start_pantau(command)
    output, errors = crawler.communicate(timeout=240)
    assert crawler.returncode == 0, output + errors[-2000:]
    output, errors = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, output + errors[-2000:]
    assert [len(archive_web.requests_for(path)) for path in indexes] == [1, 1, 1]
    assert rows(db, "select status from crawl_runs order by id") == [{"status": "ok"}] * 2


def test_a_crawler_revalidates_the_entry_pages_it_fetched_last_run(
    clean_redis, tmp_path, crawler_cache
):
    web = MockWeb()
    items = story_pages(web, 3)
    asked: list[str | None] = []

    def serve_feed(path: str, headers: dict[str, str]) -> Reply:
        asked.append({name.lower(): value for name, value in headers.items()}.get("if-none-match"))
        if asked[-1] == "v1":
            return Reply(304, b"", headers={"ETag": "v1"})
        return Reply(body=rss(items), content_type="application/rss+xml", headers={"ETag": "v1"})

    web.handlers["/kabar/rss.xml"] = serve_feed
    web.start()
    config, db = config_for(web, tmp_path / "c"), tmp_path / "archive.db"
    try:
        for _ in range(2):
            ingest = _ingest(config, db, clean_redis)
            crawler = start_pantau(
                _command("crawl", "--config", str(config), "--redis", clean_redis)
            )
            output, errors = crawler.communicate(timeout=240)
            assert crawler.returncode == 0, output + errors[-2000:]
            output, errors = ingest.communicate(timeout=240)
            assert ingest.returncode == 0, output + errors[-2000:]
    finally:
        web.stop()
    assert asked == [None, "v1"] and crawler_cache.is_dir()
    assert "3 new" not in output and "1 not modified" in output
    per_source = rows(db, "select per_source from crawl_runs where id = 2")[0]["per_source"]
    assert '"not_modified": 1' in per_source


def _fast_config(web, directory, feed="/kabar/rss.xml"):
    """`config_for`'s, with the fast heartbeat in crawl.yml: ingest takes no -s, and reads it
    there."""
    source = {"name": "kabar", "hosts": ["127.0.0.1"], "feeds": [web.url(feed)]}
    return write_config(directory, [source], [seed_topic()], {"settings": FAST_BEAT})


def _killed_ingest(config, db, url) -> redis.Redis:
    """An ingest that opened its run and was killed (SIGKILL: nothing of it runs after)."""
    ingest = _ingest(config, db, url)
    ingest.kill()
    ingest.communicate(timeout=60)
    return redis.Redis.from_url(url)


def test_a_crawler_refuses_the_run_of_a_killed_ingest(story_web, clean_redis, tmp_path):
    config = _fast_config(story_web, tmp_path / "c")
    server = _killed_ingest(config, tmp_path / "archive.db", clean_redis)
    deadline = time.monotonic() + 120
    while server.exists("pantau:run"):  # its heartbeat stopped: the run expires
        assert time.monotonic() < deadline, "the run of a killed ingest stays open"
        time.sleep(0.1)
    before = sum(_article_fetches(story_web).values())
    crawler = run_pantau("crawl", "--config", str(config), "--redis", clean_redis)
    assert crawler.returncode == 6, crawler.stdout + crawler.stderr[-2000:]
    assert "its heartbeat stopped" in crawler.stderr and "Traceback" not in crawler.stderr
    assert sum(_article_fetches(story_web).values()) == before


def test_a_crawler_whose_ingest_dies_stops_and_says_what_is_left_unread(clean_redis, tmp_path):
    web = MockWeb()
    items = story_pages(web, 3)
    # An article a crawler is still fetching when ingest is killed.
    slow = "/kabar/2023/09/18/kim-jong-un-vladivostok-lambat"
    web.routes[slow] = Reply(body=story_article(999, date(2023, 9, 18)), drip=0.2)
    items.append(("Kim Jong-un di Vladivostok, lambat", web.url(slow)))
    web.routes["/kabar/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    web.start()
    try:
        config = _fast_config(web, tmp_path / "c")
        ingest = _ingest(config, tmp_path / "archive.db", clean_redis)
        command = _command("crawl", "--config", str(config), "--redis", clean_redis)
        crawler = start_pantau(command + ["-s", "DOWNLOAD_TIMEOUT=120"])
        try:
            deadline = time.monotonic() + 120
            while not web.requests_for(slow):
                assert crawler.poll() is None and time.monotonic() < deadline, "never fetched"
                time.sleep(0.05)
            ingest.kill()
            ingest.communicate(timeout=60)
            output, errors = crawler.communicate(timeout=240)
        finally:
            ingest.kill()
            crawler.kill()
    finally:
        web.stop()
    assert crawler.returncode == 6, output + errors[-2000:]
    unread = redis.Redis.from_url(clean_redis).llen("pantau:items")
    assert unread > 0  # at least the slow article, and the crawler's counts
    assert errors.strip().splitlines() == [
        f"Error: pantau ingest of run 1 is gone (its heartbeat stopped): {unread} items it did"
        " not store are left in Redis; the next run fetches their pages again"
    ]


def test_a_full_disk_under_ingest_fails_the_run_and_claims_nothing_unstored(
    story_web, clean_redis, tmp_path
):
    config, db = _fast_config(story_web, tmp_path / "c"), tmp_path / "archive.db"
    seed_archive(load_config(config), db)
    archive = sqlite3.connect(db)
    archive.execute("vacuum")
    pages = archive.execute("pragma page_count").fetchone()[0]
    archive.close()
    # A cap a few pages above the seeded archive: the first articles do not fit.
    settings = {**FAST_BEAT, "PANTAU_MAX_DB_PAGES": pages + 3}
    (config / "crawl.yml").write_text(yaml.safe_dump({"settings": settings}), "utf-8")
    ingest = _ingest(config, db, clean_redis)
    crawler = start_pantau(_command("crawl", "--config", str(config), "--redis", clean_redis))
    try:
        output, errors = ingest.communicate(timeout=240)
        crawled, said = crawler.communicate(timeout=240)
    finally:
        crawler.kill()  # when ingest's end was not what this test expects
    assert ingest.returncode == 3, output + errors[-2000:]
    assert "storage failure: database or disk is full" in output and "Traceback" not in errors
    assert crawler.returncode == 6 and "is gone" in said, crawled + said[-2000:]
    [run] = rows(db, "select status, new_articles, per_source from crawl_runs")
    stored = rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"]
    assert run["status"] == "failed" and run["new_articles"] == stored
    assert f"{stored} new articles" in output.splitlines()[-1]
