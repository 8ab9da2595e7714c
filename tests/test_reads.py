"""What pages read from the archive is kept until the archive changes, and no longer:
crawler/datasette/reads.py alone, and the topic page, its report and the home page served
while another connection (a crawl) writes."""

import csv
import io
import re
import sqlite3

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.datasette import reads
from crawler.datasette.reads import ArchiveReads
from tests.test_datasette import TOPIC, build_archive, get, served


def counted(conn: sqlite3.Connection, calls: list[str]):
    def read() -> int:
        calls.append("read")
        return conn.execute("select count(*) from items").fetchone()[0]

    return read


def test_a_read_is_kept_until_another_connection_or_this_one_writes(tmp_path):
    path = tmp_path / "archive.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("pragma journal_mode = wal")
    writer.execute("create table items (n integer)")
    reader = sqlite3.connect(path, isolation_level=None)
    remember = ArchiveReads().for_connection(reader)
    calls: list[str] = []
    assert remember("items", counted(reader, calls)) == 0
    assert remember("items", counted(reader, calls)) == 0
    assert calls == ["read"]
    writer.execute("insert into items values (1)")  # a crawl commits
    assert remember("items", counted(reader, calls)) == 1
    reader.execute("insert into items values (2)")  # the reader's own write
    assert remember("items", counted(reader, calls)) == 2
    assert calls == ["read"] * 3


def test_only_the_last_few_reads_of_a_connection_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(reads, "KEPT", 2)
    conn = sqlite3.connect(tmp_path / "archive.db")
    conn.execute("create table items (n integer)")
    remember = ArchiveReads().for_connection(conn)
    calls: list[str] = []
    for key in ["a", "b", "a", "c", "a", "b"]:
        remember(key, lambda key=key: calls.append(key))
    # "a" stays as the most recent; "b" made way for "c" and is read again.
    assert calls == ["a", "b", "c", "b"]


def test_the_topic_page_report_and_home_show_what_a_crawl_just_stored(tmp_path):
    path = build_archive(tmp_path / "archive.db")
    ds = served(path)

    def shown() -> tuple[int, int, str]:
        page = get(ds, f"/-/topic/{TOPIC}").text
        total = int(re.search(r'<span class="total">(\d+) related', page).group(1))
        rows = list(csv.DictReader(io.StringIO(get(ds, f"/-/topic/{TOPIC}.csv").text)))
        home = re.sub(r"<[^>]+>", "", get(ds, "/").text)
        return total, len(rows), re.search(r"(\d+) related articles? from", home).group(1)

    before = shown()
    assert shown() == before  # read again from what was kept
    db = open_db(path)  # the crawl, in another connection
    story = {
        "url": "https://kabarbaru.example/kim",
        "title": "Kim Jong-un meninggalkan Vladivostok",
        "published_at": "2023-09-17T10:00:00+07:00",
        "text": "Kim Jong-un meninggalkan Vladivostok dengan kereta lapis baja. " * 6,
        "language": "id",
    }
    save_article(db, story, "kabarbaru", [], {TOPIC: 0.5})
    db.conn.commit()
    db.close()
    assert shown() == (before[0] + 1, before[1] + 1, str(before[0] + 1))
