"""Unattended runs tell the truth: one crawl per archive, honest statuses and exit codes.

A feed on 127.0.0.1 lists story articles written from the project's own fixture (no
../shared needed). Crawls run as subprocesses (`python -m crawler crawl`).
"""

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.archive.lock import archive_lock
from crawler.archive.schema import open_db
from crawler.cli.main import cli
from tests.conftest import (
    LOOPBACK_SETTINGS,
    OFFLINE_ENV,
    ROOT,
    rows,
    run_pantau,
    seed_topic,
    start_pantau,
    write_config,
)
from tests.mockweb import MockWeb, Reply, rss
from tests.pastweb import STORY_TITLE, plain_article, story_article

ARTICLES = 30


def story_pages(web: MockWeb, count: int, page=None) -> list[tuple[str, str]]:
    """`count` articles of the story on `web` (`page(number)` makes each); their headlines
    and URLs, as a feed lists them."""
    items = []
    for number in range(count):
        path = f"/kabar/2023/09/18/kim-jong-un-vladivostok-{number}"
        body = page(number) if page else story_article(number, date(2023, 9, 18))
        web.routes[path] = Reply(body=body)
        items.append((STORY_TITLE.format(number=number), web.url(path)))
    return items


def story_feed_web(count: int, page=None):
    """A web (not started) whose feed /kabar/rss.xml lists `count` articles of the story."""
    web = MockWeb()
    items = story_pages(web, count, page)
    web.routes["/kabar/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    return web


@pytest.fixture(scope="module")
def story_web():
    web = story_feed_web(ARTICLES)
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
    return write_config(directory, [source], [seed_topic()])


def test_a_second_crawl_exits_at_once_or_waits(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c"), tmp_path / "archive.db"
    with archive_lock(db, "crawl"):
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
    assert "Traceback" not in result.stderr
    [run] = rows(db, "select * from crawl_runs order by id desc limit 1")
    assert run["status"] == "failed" and "disk is full" in run["message"]
    stored = rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"]
    # What the summary, the source's counts and the run's total say is what was stored.
    assert run["new_articles"] == stored
    assert json.loads(run["per_source"])["kabar"]["new_articles"] == stored
    assert re.search(rf"^kabar: \w+, {ARTICLES + 1} requests, {stored} new, ", result.stdout, re.M)
    assert f" requests, {stored} new articles, " in result.stdout.splitlines()[-1]
    check = sqlite3.connect(db)
    assert check.execute("pragma integrity_check").fetchone() == ("ok",)
    check.execute("insert into articles_fts (articles_fts) values ('integrity-check')")
    check.close()


def test_sigterm_stops_the_crawl_and_records_it_interrupted(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c", "/lambat/rss.xml"), tmp_path / "a.db"
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)]
    for name, value in {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": "60"}.items():
        command += ["-s", f"{name}={value}"]
    slow = "/kabar/2023/09/18/kim-jong-un-vladivostok-lambat"
    asked_before = len(story_web.requests_for(slow))  # the web serves every test here
    crawl = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while len(story_web.requests_for(slow)) <= asked_before:
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
    write_config(tmp_path / "c", [source], [seed_topic()])
    relaxed = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert relaxed.returncode == 0, relaxed.stderr[-2000:]
    assert (
        f"topics changed (kim-jong-un-russia-2023): 0 articles rescored, {ARTICLES} URLs"
        " to judge again (irrelevant or unreadable)"
    ) in relaxed.stdout
    assert rows(db, "select count(*) as n from articles where is_seed = 0")[0]["n"] == ARTICLES
    # On demand, from the stored text: every article gets its score again, nothing fetched.
    before = len(story_web.log)
    again = CliRunner().invoke(cli, ["rescore", "--config", str(config), "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        f"{ARTICLES} articles rescored, 0 URLs to judge again (irrelevant or unreadable)"
    )
    assert len(story_web.log) == before
    unchanged = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert "topics changed" not in unchanged.stdout


def _crawl_on_a_terminal(command: list[str], deadline_seconds: float = 240) -> tuple[int, str]:
    """Run `command` with a pseudo-terminal as its stdout and stderr: what a person sees."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: the crawl, writing to the terminal
        os.environ.update(OFFLINE_ENV)
        os.chdir(ROOT)
        os.execv(command[0], command)
    seen = b""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the crawl has ended
                break
            if not chunk:
                break
            seen += chunk
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def _crawl_command(config, db, *options: str) -> list[str]:
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)]
    for name, value in LOOPBACK_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    return command + list(options)


def test_a_crawl_on_a_terminal_shows_live_progress_and_cron_gets_the_summary(story_web, tmp_path):
    config = config_for(story_web, tmp_path / "c")
    code, screen = _crawl_on_a_terminal(_crawl_command(config, tmp_path / "tty.db"))
    assert code == 0, screen
    # The live table (drawn with escape codes) came and went; the summary stays.
    assert "pantau crawl" in screen and "irrelevant" in screen and "\x1b[" in screen
    assert "kabar: ok, " in screen and f" requests, {ARTICLES} new" in screen
    # Without a terminal (cron): plain lines, no escape codes.
    piped = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "cron.db"))
    assert piped.returncode == 0
    assert "\x1b[" not in piped.stdout + piped.stderr
    assert piped.stdout.splitlines()[0].startswith("kabar: ok, ")


def test_quiet_says_only_the_outcome_and_verbose_logs_to_a_file_without_article_text(
    story_web, tmp_path
):
    config = config_for(story_web, tmp_path / "c")
    quiet = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "q.db"), "-q")
    assert quiet.returncode == 0
    [line] = quiet.stdout.splitlines()
    assert line.startswith("crawl run 1: ok; 1 source (1 ok); ") and quiet.stderr == ""
    log = tmp_path / "logs" / "crawl.log"
    log.parent.mkdir()
    verbose = run_pantau(
        "crawl",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "v.db"),
        "-v",
        "--log-file",
        str(log),
    )
    assert verbose.returncode == 0 and verbose.stderr == ""
    logged = log.read_text("utf-8")
    assert "Spider opened" in logged  # INFO lines
    # Pages are logged by URL and reason; their text stays in the archive.
    text = rows(tmp_path / "v.db", "select text from articles where is_seed = 0 limit 1")[0]
    assert text["text"].splitlines()[1][:60] not in logged
    missing = run_pantau(
        "crawl",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "m.db"),
        "--log-file",
        str(tmp_path / "nowhere" / "crawl.log"),
    )
    assert missing.returncode == 2 and "--log-file" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize(
    "validator, condition",
    [("ETag", "if-none-match"), ("Last-Modified", "if-modified-since")],
)
def test_unchanged_feeds_are_revalidated_and_counted(tmp_path, validator, condition):
    web = MockWeb()
    items = story_pages(web, 3)
    feed = {"version": "Mon, 18 Sep 2023 07:00:00 GMT", "items": items[:2]}
    asked: list[str | None] = []

    def serve_feed(path: str, headers: dict[str, str]) -> Reply:
        sent = {name.lower(): value for name, value in headers.items()}.get(condition)
        asked.append(sent)
        validators = {validator: feed["version"]}
        if sent == feed["version"]:
            return Reply(304, b"", headers=validators)
        body = rss(feed["items"])
        return Reply(body=body, content_type="application/rss+xml", headers=validators)

    web.handlers["/kabar/rss.xml"] = serve_feed
    web.start()
    try:
        config, db = config_for(web, tmp_path / "c"), tmp_path / "a.db"
        first = run_pantau("crawl", "--config", str(config), "--db", str(db))
        assert first.returncode == 0 and "2 new" in first.stdout and asked == [None]
        second = run_pantau("crawl", "--config", str(config), "--db", str(db))
        assert second.returncode == 0, second.stderr[-2000:]
        assert asked[-1] == feed["version"]
        assert "0 new" in second.stdout and "1 not modified" in second.stdout
        per_source = rows(db, "select per_source from crawl_runs where id = 2")[0]
        assert '"not_modified": 1' in per_source["per_source"]
        # A changed feed is fetched whole, and its new article stored.
        feed.update(version="Mon, 18 Sep 2023 08:00:00 GMT", items=items)
        third = run_pantau("crawl", "--config", str(config), "--db", str(db))
        assert "1 new" in third.stdout and "not modified" not in third.stdout
        assert len(rows(db, "select id from articles where is_seed = 0")) == 3
    finally:
        web.stop()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's bookkeeping is left


def _archive_state(db_path) -> dict:
    """What two archives of the same crawl share: articles, URLs, clusters (no timestamps,
    rowids or run rows)."""
    articles = rows(db_path, "select id, url, title, text, source from articles order by id")
    urls = rows(
        db_path,
        "select id, url, status, article_id, source, relevance from urls order by id",
    )
    members: dict = {}
    for row in rows(db_path, "select id, cluster_id from articles where cluster_id is not null"):
        members.setdefault(row["cluster_id"], []).append(row["id"])
    return {"articles": articles, "urls": urls, "clusters": sorted(map(sorted, members.values()))}


def _check_intact(db_path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        for index in ("articles_fts", "articles_stems"):
            conn.execute(f"insert into {index} ({index}) values ('integrity-check')")
        ids = conn.execute(
            "select count(*), count(distinct coalesce(url, id)) from articles"
        ).fetchone()
        assert ids[0] == ids[1]
    finally:
        conn.close()


FILLER = (
    "warga pasar jalan kota desa sekolah rumah sakit petani nelayan banjir hujan jembatan "
    "kereta bandara pelabuhan listrik harga beras minyak gula subsidi anggaran menteri rapat "
    "gubernur bupati polisi tentara kapal pesawat stasiun terminal musim panen ekspor impor"
).split()


def _distinct_story(number: int) -> bytes:
    """An article of the story with text of its own; every tenth is a near-copy of the one
    before (a cluster whatever the order they are stored in)."""
    original = number - 1 if number % 10 == 9 else number
    rng = random.Random(original)
    paragraphs = [
        "Pemimpin Korea Utara Kim Jong-un meninggalkan Vladivostok, Rusia, dengan kereta.",
        *(" ".join(rng.choices(FILLER, k=40)) + "." for _ in range(5)),
    ]
    if original != number:
        more = random.Random(number)
        paragraphs.append("Diperbarui: " + " ".join(more.choices(FILLER, k=15)) + ".")
    return plain_article(STORY_TITLE.format(number=number), paragraphs, date(2023, 9, 18))


def test_sigkill_at_any_moment_loses_nothing_and_later_runs_finish_the_work(tmp_path):
    web = story_feed_web(150, _distinct_story).start()
    try:
        config = config_for(web, tmp_path / "c")
        reference = tmp_path / "reference.db"
        assert run_pantau("crawl", "--config", str(config), "--db", str(reference)).returncode == 0
        db = tmp_path / "killed.db"
        rng = random.Random(14)
        kills = 0
        for attempt in range(12):
            # A random moment of the crawl's progress: after 0 to 25 article requests (0: at
            # a random point of its start-up: migrations, seeding, the feed).
            target = rng.randint(0, 25)
            fetched_before = sum(1 for _, path in web.log if "/kabar/2023/" in path)
            crawl = subprocess.Popen(
                _crawl_command(config, db),
                cwd=ROOT,
                env={**os.environ, **OFFLINE_ENV},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if target == 0:
                time.sleep(rng.uniform(0.05, 1.5))
            deadline = time.monotonic() + 120
            while crawl.poll() is None and time.monotonic() < deadline:
                fetched = sum(1 for _, path in list(web.log) if "/kabar/2023/" in path)
                if fetched - fetched_before >= target:
                    break
                time.sleep(0.02)
            workers = _children(crawl.pid)
            if crawl.poll() is None:
                crawl.send_signal(signal.SIGKILL)
                kills += 1
            crawl.wait(timeout=60)
            # Its extraction workers end with it, and hold nothing.
            deadline = time.monotonic() + 60
            while any(map(_alive, workers)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not any(map(_alive, workers)), "extraction workers outlived the crawl"
            if db.exists():
                _check_intact(db)
        assert kills >= 10
        final = run_pantau("crawl", "--config", str(config), "--db", str(db))
        assert final.returncode == 0, final.stdout + final.stderr[-2000:]
        _check_intact(db)
        killed, uninterrupted = _archive_state(db), _archive_state(reference)
        assert len(uninterrupted["clusters"]) == 15  # the planted near-copies
        for key in ("articles", "urls"):
            missing = [row for row in uninterrupted[key] if row not in killed[key]]
            extra = [row for row in killed[key] if row not in uninterrupted[key]]
            assert not missing and not extra, (key, missing[:3], extra[:3])
        assert killed == uninterrupted
        # Every killed run that had started its record is reconciled; none is left running.
        statuses = [row["status"] for row in rows(db, "select status from crawl_runs")]
        assert "running" not in statuses and statuses[-1] == "ok"
    finally:
        web.stop()


def test_a_second_sigint_forces_the_stop_and_the_run_is_still_recorded(story_web, tmp_path):
    config, db = config_for(story_web, tmp_path / "c", "/lambat/rss.xml"), tmp_path / "a.db"
    command = _crawl_command(config, db, "-s", "DOWNLOAD_TIMEOUT=60")
    slow = "/kabar/2023/09/18/kim-jong-un-vladivostok-lambat"
    asked_before = len(story_web.requests_for(slow))  # the web serves every test here
    crawl = start_pantau(command)
    deadline = time.monotonic() + 120
    while len(story_web.requests_for(slow)) <= asked_before:
        assert crawl.poll() is None and time.monotonic() < deadline, "the crawl never fetched"
        time.sleep(0.1)
    crawl.send_signal(signal.SIGINT)
    time.sleep(0.3)
    crawl.send_signal(signal.SIGINT)  # impatient: Scrapy stops at once
    output, errors = crawl.communicate(timeout=120)
    assert crawl.returncode == 5, output + errors[-3000:]
    assert "Traceback" not in errors
    assert rows(db, "select status from crawl_runs") == [{"status": "interrupted"}]
    _check_intact(db)


def test_what_extraction_notes_on_a_page_is_no_warning_of_the_crawl(tmp_path):
    # A link without an address in the text: trafilatura logs a warning for each such page.
    def noted(number: int) -> bytes:
        page = story_article(number, date(2023, 9, 18))
        return page.replace(b"</p>", b" Lanjut <a>Load More...</a> di sini.</p>", 1)

    web = story_feed_web(3, noted).start()
    try:
        config = config_for(web, tmp_path / "c")
        plain = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
        log = tmp_path / "crawl.log"
        command = ["crawl", "--config", str(config), "--db", str(tmp_path / "b.db")]
        verbose = run_pantau(*command, "-v", "--log-file", str(log))
    finally:
        web.stop()
    assert plain.returncode == 0 and "3 new" in plain.stdout
    assert plain.stderr == ""
    assert verbose.returncode == 0 and "missing link attribute: Load More" in log.read_text()
