"""Group commit: what another reader sees, what a failure or a kill loses, and nothing more."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlite_utils import Database

from crawler.archive import rows as archive_db
from crawler.archive.schema import open_db
from crawler.archive.sketch import INDEXED
from crawler.archive.writer import ArchiveWriter
from tests.conftest import ROOT

WORDS = "Kim Jong-un meninggalkan Vladivostok dengan kereta lapis baja menuju Pyongyang".split()


def article(number: int) -> dict:
    # Each text its own: a different word order per article, so no two are near-duplicates.
    words = (f"{WORDS[(number + i) % len(WORDS)]}{number}x{i}" for i in range(80))
    text = f"artikel{number} " + " ".join(words)
    return {
        "url": f"https://voi.id/berita/{number}/kim",
        "title": f"Kim {number}",
        "author": None,
        "published_at": "2023-09-18",
        "text": text,
        "language": "id",
    }


def writer_at(path, batch_articles: int = 100, batch_seconds: float = 3600) -> ArchiveWriter:
    """A writer whose groups commit by size only, unless a test says otherwise."""
    return ArchiveWriter(open_db(path), batch_articles, batch_seconds)


def save(writer: ArchiveWriter, number: int) -> str:
    page = article(number)
    return writer.save_article(page, "voi", [page["url"]], {"kim": 0.5})


def counts(path) -> dict[str, int]:
    """What a second connection (Datasette, the next run) sees."""
    reader = Database(path)
    try:
        return {
            table: reader.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("articles", "urls", "article_topics", "dedup_signatures")
        } | {"fts": len(list(reader["articles"].search("kim")))}
    finally:
        reader.close()


def whole_articles(count: int) -> dict[str, int]:
    """What `counts` shows when `count` articles are stored with everything they need."""
    return dict.fromkeys(("articles", "urls", "article_topics", "dedup_signatures", "fts"), count)


def test_a_group_is_seen_by_others_when_it_is_full(tmp_path):
    path = tmp_path / "archive.db"
    writer = writer_at(path, batch_articles=3)
    save(writer, 1)
    save(writer, 2)
    assert counts(path)["articles"] == 0
    # The writer's own connection (the spiders' lookups) sees the open group.
    assert writer.db.execute("select count(*) from articles").fetchone()[0] == 2
    save(writer, 3)
    assert counts(path) == whole_articles(3)
    save(writer, 4)
    writer.close()
    assert counts(path)["articles"] == 4


def test_a_group_is_committed_when_it_is_old_enough(tmp_path):
    path = tmp_path / "archive.db"
    writer = writer_at(path, batch_articles=1000, batch_seconds=0.05)
    save(writer, 1)
    writer.commit_if_due()
    assert counts(path)["articles"] == 0
    time.sleep(0.06)
    writer.commit_if_due()
    assert counts(path)["articles"] == 1
    writer.close()


def test_a_failed_article_is_rolled_back_alone(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    writer = writer_at(path, batch_articles=1000)
    save(writer, 1)
    real_record_url = archive_db.record_url

    def failing(db, url, *args, **kwargs):
        if "/2/" in url:
            raise RuntimeError("disk gone")
        return real_record_url(db, url, *args, **kwargs)

    # The article row, its FTS entry and its sketch are written before its URLs.
    monkeypatch.setattr("crawler.archive.rows.record_url", failing)
    with pytest.raises(RuntimeError):
        save(writer, 2)
    save(writer, 3)
    writer.close()
    assert counts(path) == whole_articles(2)
    reader = Database(path)
    assert [row["title"] for row in reader["articles"].search("Kim")] in (
        ["Kim 1", "Kim 3"],
        ["Kim 3", "Kim 1"],
    )
    assert reader.execute("select count(*) from dedup_keys").fetchone()[0] == 2 * INDEXED
    reader.close()


KILLED_MID_GROUP = """
import os, sys
sys.path.insert(0, {root!r})
from tests.test_archive import save, writer_at
writer = writer_at({path!r}, batch_articles=2)
for number in (1, 2, 3):
    save(writer, number)
print("saved", flush=True)
sys.stdin.read()  # killed here, with article 3 in the open group
"""


def test_a_kill_loses_only_the_open_group_and_never_half_an_article(tmp_path):
    path = tmp_path / "archive.db"
    script = textwrap.dedent(KILLED_MID_GROUP).format(root=str(ROOT), path=str(path))
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout.readline().strip() == "saved"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
    assert counts(path) == whole_articles(2)
    reader = Database(path)
    assert reader.execute("pragma integrity_check").fetchone()[0] == "ok"
    # The lost article's URL was never recorded: the next run fetches it again.
    urls = {row["url"] for row in reader["urls"].rows}
    reader.close()
    assert article(3)["url"] not in urls and article(2)["url"] in urls


def test_a_second_writer_waits_for_the_first_group(tmp_path):
    """Two crawls on one archive (cron overlapping): the second waits, neither fails."""
    path = tmp_path / "archive.db"
    first = writer_at(path)
    save(first, 1)  # holds the write lock until its group commits
    outcome: list[object] = []

    def second_crawl():
        try:
            second = writer_at(path)
            save(second, 2)
            second.close()
            outcome.append("saved")
        except Exception as error:  # reported by the assertion below
            outcome.append(error)

    thread = threading.Thread(target=second_crawl)
    thread.start()
    time.sleep(0.3)
    assert outcome == []  # still waiting for the lock
    first.close()
    thread.join(timeout=30)
    assert outcome == ["saved"]
    assert counts(path)["articles"] == 2


def wal_size_after_groups(path, groups: int, checkpointer_running: bool) -> int:
    writer = writer_at(path, batch_articles=20)
    if not checkpointer_running:
        writer.checkpointer.stop()
    for number in range(groups * 20):
        save(writer, number)  # every 20th commits a group; no pause between groups
    largest = os.path.getsize(f"{path}-wal")
    writer.close()
    return largest


def test_the_checkpointer_keeps_the_wal_from_growing(tmp_path, monkeypatch):
    # Commits leave copying the WAL to the checkpointer (crawler/archive/writer.py), and a writer
    # that never waits for it would keep SQLite from starting the WAL again.
    monkeypatch.setattr("crawler.archive.writer.WAL_RESET_FRAMES", 100)
    # However late the thread looks at the WAL, the writer waits every 4 groups.
    monkeypatch.setattr("crawler.archive.writer.GROUPS_BETWEEN_COPIES", 4)
    without = wal_size_after_groups(tmp_path / "without.db", 30, checkpointer_running=False)
    with_thread = wal_size_after_groups(tmp_path / "with.db", 30, checkpointer_running=True)
    assert with_thread * 4 < without
    assert not os.path.exists(tmp_path / "with.db-wal")  # closed: all copied, WAL removed
    assert counts(tmp_path / "with.db")["articles"] == 600


def test_checkpoint_commits_the_open_group_first(tmp_path):
    path = tmp_path / "archive.db"
    writer = writer_at(path)
    save(writer, 1)
    writer.checkpoint()
    assert counts(path)["articles"] == 1
    writer.close()
