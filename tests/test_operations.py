"""Careless commands and hard conditions lose nothing, and the terminal says only what is
true: no output written over an archive, one writing command per archive whatever path
names it, a full disk ending the run `failed` with counts of what was stored, and a crawl
that keeps each request's log line off the screen and sums itself up in its last line.

Crawls run as subprocesses (`python -m crawler crawl`) against 127.0.0.1.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.archive.lock import archive_lock
from crawler.archive.rows import save_article
from crawler.archive.runs import finish_run, start_run
from crawler.archive.schema import open_db
from crawler.archive.writer import ArchiveWriter, StorageFailure
from crawler.cli.main import cli
from crawler.extract.article import extract_article
from tests.conftest import (
    LOOPBACK_SETTINGS,
    OFFLINE_ENV,
    ROOT,
    closed_port,
    rows,
    run_pantau,
    seed_topic,
    write_config,
)
from tests.test_archive_tools import KIM_HTML, KIM_URL, store
from tests.test_runs import _crawl_on_a_terminal, config_for, story_feed_web


def archive_with_a_page(path: Path) -> None:
    db = open_db(path)
    store(db, KIM_HTML, KIM_URL, extract_article(KIM_HTML, KIM_URL))
    db.close()


def intact(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("pragma integrity_check").fetchone() == ("ok",) and (
            conn.execute("select count(*) from articles").fetchone()[0] == 1
        )
    finally:
        conn.close()


def dead_config(directory: Path) -> Path:
    """A config whose one source answers nothing (a closed loopback port)."""
    dead = {"name": "mati", "feeds": [f"http://127.0.0.1:{closed_port()}/rss.xml"]}
    return write_config(directory, [dead], [seed_topic()])


def test_no_command_writes_its_output_over_an_archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    archive, other = tmp_path / "archive.db", tmp_path / "other.db"
    archive_with_a_page(archive)
    open_db(other).close()
    link = tmp_path / "export.warc"
    link.symlink_to(archive)
    before = {path: path.read_bytes() for path in (archive, other)}
    config = dead_config(tmp_path / "c")
    refused = [
        ["warc", "archive.db"],  # the default --db is archive.db
        ["warc", str(link), "--db", str(archive)],
        ["warc", str(other), "--db", str(archive)],
        ["warc", f"{archive}-wal", "--db", str(archive)],
        ["sources", "check", "--config", str(config), "--json", str(archive)],
    ]
    for args in refused:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "choose another file" in result.output, result.output
    for log_file in (archive, other):
        crawl = [
            "crawl",
            "--config",
            str(config),
            "--db",
            str(archive),
            "--log-file",
            str(log_file),
        ]
        result = run_pantau(*crawl)
        assert result.returncode == 2 and "choose another file" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert {path: path.read_bytes() for path in before} == before
    assert intact(archive) and not Path(f"{archive}-wal").exists()
    assert not rows(archive, "select * from crawl_runs")
    written = CliRunner().invoke(cli, ["warc", "pantau.warc", "--db", str(archive)])
    assert written.exit_code == 0 and "1 responses written" in written.output


def test_one_writing_command_at_a_time_whatever_path_names_the_archive(tmp_path):
    real = tmp_path / "data" / "archive.db"
    real.parent.mkdir()
    archive_with_a_page(real)
    link = tmp_path / "archive.db"
    link.symlink_to(real)
    config = dead_config(tmp_path / "c")
    holder = f"another pantau crawl (pid {os.getpid()}) is running on this archive"
    with archive_lock(real, "crawl"):
        crawl = run_pantau("crawl", "--config", str(config), "--db", str(link))
        assert crawl.returncode == 4, crawl.stdout + crawl.stderr[-2000:]
        assert crawl.stderr.strip() == f"Error: {link}: {holder}; --wait queues behind it"
        for args, path in (
            (["rescore", "--config", str(config), "--db", str(link)], link),
            (["reextract", "--db", str(real)], real),
        ):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 4, result.output
            assert result.output.strip() == f"Error: {path}: {holder}"
    assert not rows(real, "select * from crawl_runs") and intact(real)
    # Released: the same commands run.
    rescored = CliRunner().invoke(cli, ["rescore", "--config", str(config), "--db", str(link)])
    assert rescored.exit_code == 0 and "1 articles rescored" in rescored.output


@pytest.mark.parametrize("command", ["rescore", "reextract", "warc"])
def test_the_help_of_a_command_that_needs_an_archive_says_so(command):
    shown = CliRunner().invoke(cli, [command, "--help"]).output
    assert re.search(r"--db FILE\s+SQLite archive \(must exist\)", shown), shown
    assert "created if missing" not in shown


def _article(number: int) -> dict:
    return {
        "url": f"https://kabar.example/berita/{number}",
        "title": f"Kabar {number}",
        "author": None,
        "published_at": "2023-09-18",
        "text": f"Kabar nomor {number} dari Vladivostok tentang kereta dan pelabuhan.",
        "language": "id",
    }


def test_a_run_counts_what_it_committed_not_what_its_second_holds(tmp_path):
    db = open_db(tmp_path / "archive.db")
    run_id = start_run(db)
    # Another crawl's articles, committed in the second this run started (it queued with
    # --wait behind that crawl): not this run's.
    for number in range(5):
        save_article(db, _article(number), "kabar", [_article(number)["url"]], {})
    counts = {"status": "ok", "requests": 3, "new_articles": 0, "duplicates": 0, "errors": 0}
    assert finish_run(db, run_id, {"kabar": counts}) == ("ok", None)
    assert db["crawl_runs"].get(run_id)["new_articles"] == 0
    db.close()


def test_the_writer_counts_only_the_articles_it_committed(tmp_path):
    writer = ArchiveWriter(open_db(tmp_path / "archive.db"), batch_articles=100, batch_seconds=60)
    writer.save_article(_article(1), "kabar", [_article(1)["url"]], {})
    writer.commit()
    # The next group is lost (the disk is full at its third write).
    assert writer.save_article(_article(2), "kabar", [_article(2)["url"]], {}) == "new"

    def refused(db):
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(StorageFailure):
        writer._write(refused)
    assert writer.committed_articles("new", "kabar") == 1
    writer.close()
    assert rows(tmp_path / "archive.db", "select count(*) as n from articles")[0]["n"] == 1


def test_a_run_whose_full_record_does_not_fit_is_still_closed_failed(tmp_path):
    db = open_db(tmp_path / "archive.db")
    run_id = start_run(db)
    # The disk has room for the run's status, not for its per-source counts.
    db.execute(
        "create trigger no_room before update of per_source on crawl_runs "
        "when new.per_source is not null "
        "begin select raise(abort, 'database or disk is full'); end"
    )
    counts = {"status": "ok", "requests": 3, "new_articles": 2, "duplicates": 0, "errors": 0}
    status, failure = finish_run(db, run_id, {"kabar": counts})
    assert (status, failure) == ("failed", "storage failure: database or disk is full")
    run = db["crawl_runs"].get(run_id)
    assert run["status"] == "failed" and run["message"] == failure and run["finished_at"]
    db.close()


def _with_faults(faults: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m crawler ARGS` with `faults` (Python run first) in place."""
    code = textwrap.dedent(faults) + "\nfrom crawler.cli.main import cli\ncli(sys.argv[1:])\n"
    command = [sys.executable, "-c", "import sys\n" + code, *args]
    for name, value in LOOPBACK_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV},
    )


@pytest.fixture(scope="module")
def small_story_web():
    web = story_feed_web(3).start()
    yield web
    web.stop()


def test_a_run_the_full_disk_would_not_record_is_recorded_failed_by_the_next(
    small_story_web, tmp_path
):
    config, db = config_for(small_story_web, tmp_path / "c"), tmp_path / "archive.db"
    full_at_the_end = """
        import sqlite3
        import crawler.crawl.runner as runner

        def refused(*args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

        runner.finish_run = refused
    """
    crawl = _with_faults(full_at_the_end, "crawl", "--config", str(config), "--db", str(db))
    assert crawl.returncode == 3, crawl.stdout + crawl.stderr[-3000:]
    assert "Traceback" not in crawl.stderr
    assert "storage failure: database or disk is full" in crawl.stdout
    assert crawl.stdout.splitlines()[-1].startswith("crawl run 1: failed; ")
    assert rows(db, "select status from crawl_runs") == [{"status": "running"}]
    assert "run 1 failed: storage failure" in (tmp_path / "archive.db.lock").read_text()
    # Room again: the next run records the one before as failed, never killed or running.
    again = run_pantau("crawl", "--config", str(config), "--db", str(db))
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    runs = rows(db, "select id, status, message from crawl_runs order by id")
    assert runs == [
        {"id": 1, "status": "failed", "message": "storage failure: database or disk is full"},
        {"id": 2, "status": "ok", "message": None},
    ]
    assert "run 1 failed" not in (tmp_path / "archive.db.lock").read_text()


def test_a_lock_file_that_cannot_be_written_stops_nothing(small_story_web, tmp_path):
    config, db = config_for(small_story_web, tmp_path / "c"), tmp_path / "archive.db"
    no_space = """
        import errno
        import os

        def refused(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        os.pwrite = refused
    """
    crawl = _with_faults(no_space, "crawl", "--config", str(config), "--db", str(db))
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr[-3000:]
    assert "Traceback" not in crawl.stderr
    assert rows(db, "select status from crawl_runs") == [{"status": "ok"}]


NAMESPACE_SCRIPT = """
set -u
mount -t tmpfs -o size=1m tmpfs "$MNT" || exit 97
cd "$ROOT"
crawl() {{
    "$PYTHON" -m crawler crawl --config "$CONFIG" --db "$MNT/archive.db" {settings} \\
        > "$OUT/$1.out" 2> "$OUT/$1.err"
    echo $? > "$OUT/$1.rc"
}}
crawl filling
dd if=/dev/zero of="$MNT/filler" bs=4k 2> /dev/null
crawl full
rm "$MNT/filler"
# Room for certain: the first crawl filled the disk with the archive itself.
mount -o remount,size=64m "$MNT" || exit 98
crawl room
"$PYTHON" -c "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \\
print(json.dumps([r[0] for r in c.execute('select status from crawl_runs order by id')]))" \\
    "$MNT/archive.db" > "$OUT/statuses"
"""


def test_a_truly_full_disk_exits_3_in_one_line_and_leaves_no_run_running(tmp_path):
    """On a 1 MiB tmpfs in a mount namespace of its own (skipped where none can be made)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1)")
    probe = subprocess.run(
        [unshare, "--mount", "--map-root-user", "sh", "-c", f"mount -t tmpfs tmpfs {tmp_path}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.decode(errors='replace')}")
    web = story_feed_web(200).start()
    try:
        config = config_for(web, tmp_path / "c")
        (tmp_path / "mnt").mkdir()
        (tmp_path / "out").mkdir()
        settings = " ".join(f"-s {name}={value}" for name, value in LOOPBACK_SETTINGS.items())
        environment = {
            **os.environ,
            **OFFLINE_ENV,
            "MNT": str(tmp_path / "mnt"),
            "OUT": str(tmp_path / "out"),
            "CONFIG": str(config),
            "ROOT": str(ROOT),
            "PYTHON": sys.executable,
        }
        script = NAMESPACE_SCRIPT.format(settings=settings)
        done = subprocess.run(
            [unshare, "--mount", "--map-root-user", "bash", "-c", script],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        web.stop()
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    said = {step: (out / f"{step}.out").read_text() for step in ("filling", "full", "room")}
    errors = {step: (out / f"{step}.err").read_text() for step in ("filling", "full", "room")}
    codes = {step: int((out / f"{step}.rc").read_text()) for step in ("filling", "full", "room")}
    # 200 articles do not fit in 1 MiB: the run fails, claiming only what it stored.
    assert codes["filling"] == 3, said["filling"] + errors["filling"][-3000:]
    assert "storage failure" in said["filling"] and "Traceback" not in errors["filling"]
    # Not a byte left: one line, exit 3.
    assert codes["full"] == 3, said["full"] + errors["full"][-3000:]
    [line] = errors["full"].splitlines()
    assert "storage failure" in line or "lock file" in line, line
    assert codes["room"] == 0, said["room"] + errors["room"][-3000:]
    statuses = json.loads((out / "statuses").read_text())
    assert statuses[0] == "failed" and statuses[-1] == "ok", statuses
    assert set(statuses[1:-1]) <= {"failed"}, statuses  # never left running


def test_an_offline_crawl_keeps_request_errors_off_the_screen_and_sums_itself_up(tmp_path):
    web = story_feed_web(4).start()
    try:
        dead_port = closed_port()
        sources = [
            {"name": "kabar", "hosts": ["127.0.0.1"], "feeds": [web.url("/kabar/rss.xml")]},
            {
                "name": "mati",
                "feeds": [f"http://127.0.0.1:{dead_port}/rss.xml"],
                "listings": [f"http://127.0.0.1:{dead_port}/indeks"],
            },
            {"name": "kosong", "hosts": ["kosong.example"]},
        ]
        config = write_config(tmp_path / "c", sources, [seed_topic()])
        db = tmp_path / "archive.db"
        plain = run_pantau("crawl", "--config", str(config), "--db", str(db))
        log = tmp_path / "crawl.log"
        logged = run_pantau(
            "crawl", "--config", str(config), "--db", str(tmp_path / "b.db"), "--log-file", str(log)
        )
        asked = [path for _, path in web.log if path != "/robots.txt"]
    finally:
        web.stop()
    assert plain.returncode == 0, plain.stdout + plain.stderr[-3000:]
    # On the screen: no line of Scrapy's log (helper lines of the config check aside).
    assert not [line for line in plain.stderr.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert "Traceback" not in plain.stderr and "ERROR" not in plain.stderr
    lines = plain.stdout.splitlines()
    counts = json.loads(rows(db, "select per_source from crawl_runs")[0]["per_source"])
    # Each URL asked counts once (robots.txt and retries aside), as each error does.
    assert counts["kabar"]["requests"] == len(asked) // 2 == 5  # two crawls: feed, 4 articles
    assert counts["mati"]["requests"] == 2 and counts["mati"]["errors"] == 2
    assert "kabar: ok, 5 requests, 4 new, " in plain.stdout
    assert [line for line in lines if line.startswith("mati: failed, 2 requests, ")]
    assert "kosong: nothing to crawl (no entry points)" in lines
    assert counts["kosong"]["status"] == "idle"
    [seed] = rows(db, "select id from articles where is_seed = 1")
    assert lines[-1] == (
        "crawl run 1: partial; 3 sources (1 ok, 1 failed, 1 nothing to crawl); 7 requests, "
        "4 new articles, 0 duplicates, 0 irrelevant, 0 dropped, 2 errors; "
        f"seed: stored (id {seed['id']})"
    )
    # With a log file, each failed request is in it, and still not on the screen.
    assert logged.returncode == 0 and "Gave up retrying" not in logged.stderr
    assert f"127.0.0.1:{dead_port}/rss.xml" in log.read_text()


def test_on_a_terminal_the_live_table_shows_no_log_lines(tmp_path):
    dead = {"name": "mati", "feeds": [f"http://127.0.0.1:{closed_port()}/rss.xml"]}
    config = write_config(tmp_path / "c", [dead], [seed_topic()])
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config)]
    command += ["--db", str(tmp_path / "archive.db")]
    for name, value in LOOPBACK_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    code, screen = _crawl_on_a_terminal(command)
    assert code == 1, screen
    assert "pantau crawl" in screen and "\x1b[" in screen  # the live table came and went
    assert "Gave up retrying" not in screen and "[scrapy" not in screen
    assert "mati: failed, 1 request, " in screen
