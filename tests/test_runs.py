"""Unattended runs tell the truth: one crawl per archive, honest statuses and exit codes.

A feed on 127.0.0.1 lists story articles written from the project's own fixture (no
../shared needed). Crawls run as subprocesses (`python -m crawler crawl`).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date

import pytest
from click.testing import CliRunner

from crawler.archive.lock import crawl_lock
from crawler.archive.schema import open_db
from crawler.cli.main import cli
from tests.conftest import (
    LOOPBACK_SETTINGS,
    OFFLINE_ENV,
    ROOT,
    rows,
    run_pantau,
    seed_topic,
    write_config,
)
from tests.mockweb import MockWeb, Reply, rss
from tests.pastweb import STORY_TITLE, story_article

ARTICLES = 30


@pytest.fixture(scope="module")
def story_web():
    web = MockWeb()
    items = []
    for number in range(ARTICLES):
        path = f"/kabar/2023/09/18/kim-jong-un-vladivostok-{number}"
        web.routes[path] = Reply(body=story_article(number, date(2023, 9, 18)))
        items.append((STORY_TITLE.format(number=number), web.url(path)))
    web.routes["/kabar/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    # A slow article: a crawl is still fetching it when the test signals it.
    slow = "/kabar/2023/09/18/kim-jong-un-vladivostok-lambat"
    web.routes[slow] = Reply(body=story_article(999, date(2023, 9, 18)), drip=0.2)
    web.routes["/lambat/rss.xml"] = Reply(
        body=rss([("Kim Jong-un di Vladivostok, lambat", web.url(slow))]),
        content_type="application/rss+xml",
    )
    web.start()
    yield web
    web.stop()


def config_for(web, directory, feed="/kabar/rss.xml"):
    source = {"name": "kabar", "hosts": ["127.0.0.1"], "feeds": [web.url(feed)]}
    return write_config(directory, [source], [seed_topic(0.15)])


def test_a_second_crawl_exits_at_once_or_waits(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c"), tmp_path / "archive.db"
    with crawl_lock(db):
        locked = run_pantau("crawl", "--config", str(config), "--db", str(db))
        assert locked.returncode == 4
        assert locked.stderr.strip().splitlines() == [
            f"Error: {db}: another pantau crawl (pid {os.getpid()}) is running on this archive;"
            " --wait queues behind it"
        ]
        assert not db.exists() or not rows(db, "select * from crawl_runs")
        command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config)]
        command += ["--db", str(db), "--wait"]
        for name, value in LOOPBACK_SETTINGS.items():
            command += ["-s", f"{name}={value}"]
        waiting = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, stdout=subprocess.PIPE
        )
    # The lock is released: the waiting crawl runs to its end.
    output, _ = waiting.communicate(timeout=240)
    assert waiting.returncode == 0, output
    assert rows(db, "select status from crawl_runs") == [{"status": "ok"}]


def test_a_run_left_running_by_a_killed_crawl_is_marked_killed(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c"), tmp_path / "archive.db"
    archive = open_db(db)
    archive["crawl_runs"].insert({"started_at": "2026-11-29T01:00:00Z", "status": "running"})
    archive.close()
    result = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    statuses = [row["status"] for row in rows(db, "select status from crawl_runs order by id")]
    assert statuses == ["killed", "ok"]


def test_a_full_disk_fails_the_run_and_claims_nothing_unstored(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c"), tmp_path / "archive.db"
    # The archive with its seed, then a cap a few pages above it: the first group of
    # articles cannot be written ("database or disk is full").
    first = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert first.returncode == 0
    archive = sqlite3.connect(db)
    archive.execute("delete from urls")
    archive.execute("delete from articles where is_seed = 0")
    archive.commit()
    archive.execute("vacuum")
    pages = archive.execute("pragma page_count").fetchone()[0]
    archive.close()
    result = run_pantau(
        "crawl",
        "--config",
        str(config),
        "--db",
        str(db),
        settings={"PANTAU_MAX_DB_PAGES": pages + 3},
    )
    assert result.returncode == 3, result.stdout + result.stderr[-2000:]
    assert "storage failure: database or disk is full" in result.stdout
    [run] = rows(db, "select * from crawl_runs order by id desc limit 1")
    assert run["status"] == "failed" and "disk is full" in run["message"]
    stored = rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"]
    assert run["new_articles"] == stored
    check = sqlite3.connect(db)
    assert check.execute("pragma integrity_check").fetchone() == ("ok",)
    check.execute("insert into articles_fts (articles_fts) values ('integrity-check')")
    check.close()


def test_sigterm_stops_the_crawl_and_records_it_interrupted(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c", "/lambat/rss.xml"), tmp_path / "a.db"
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)]
    for name, value in {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": "60"}.items():
        command += ["-s", f"{name}={value}"]
    crawl = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, stdout=subprocess.PIPE, text=True
    )
    slow = "/kabar/2023/09/18/kim-jong-un-vladivostok-lambat"
    deadline = time.monotonic() + 120
    while not story_web.requests_for(slow):
        assert crawl.poll() is None and time.monotonic() < deadline, "the crawl never fetched"
        time.sleep(0.1)
    crawl.send_signal(signal.SIGTERM)
    output, _ = crawl.communicate(timeout=120)
    assert crawl.returncode == 5, output
    assert rows(db, "select status from crawl_runs") == [{"status": "interrupted"}]


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: p / "nowhere" / "archive.db", "directory not found"),
        (lambda p: (p / "notes.txt").write_text("catatan") and p / "notes.txt", "not an SQLite"),
    ],
)
def test_a_bad_db_path_is_one_line_and_creates_nothing(tmp_path, make, problem):
    db = make(tmp_path)
    before = db.read_bytes() if db.exists() else None
    config = write_config(tmp_path / "c", [{"name": "a", "feeds": ["https://a.id/rss"]}], [])
    result = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert result.returncode == 2
    assert problem in result.stderr and "Traceback" not in result.stderr
    assert (db.read_bytes() if db.exists() else None) == before


def test_a_bad_config_exits_2_in_one_line(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a", "feeds": ["https://a.id/rss"]}], [])
    (config / "topics.yml").write_text("topics: [{name: t, min_relevance: .nan}]")
    result = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {config / 'topics.yml'}: topics[0] (t).min_relevance: must be between 0 and 1"
    ]


def test_a_changed_threshold_judges_again_what_it_refused(story_web, tmp_path):
    source = {"name": "kabar", "hosts": ["127.0.0.1"], "feeds": [story_web.url("/kabar/rss.xml")]}
    config, db = write_config(tmp_path / "c", [source], [seed_topic(0.99)]), tmp_path / "a.db"
    strict = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert strict.returncode == 0, strict.stderr[-2000:]
    assert rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"] == 0
    refused = rows(db, "select count(*) as n from urls where status = 'irrelevant'")[0]["n"]
    assert refused == ARTICLES
    write_config(tmp_path / "c", [source], [seed_topic(0.15)])
    relaxed = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert relaxed.returncode == 0, relaxed.stderr[-2000:]
    assert (
        f"topics changed (kim-jong-un-russia-2023): 0 articles rescored, {ARTICLES} irrelevant"
        " URLs to judge again"
    ) in relaxed.stdout
    assert rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"] == ARTICLES
    # On demand, from the stored text: every article gets its score again, nothing fetched.
    before = len(story_web.log)
    again = CliRunner().invoke(cli, ["rescore", "--config", str(config), "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == f"{ARTICLES} articles rescored, 0 irrelevant URLs to judge again"
    assert len(story_web.log) == before
    unchanged = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert "topics changed" not in unchanged.stdout
