"""A topic's page, its spread and its report, through Datasette's test client on the
archive tests/test_datasette.py builds (the seed, an article and its syndicated copy, a
hostile page), with what each test adds: the same text under another outlet's URL, a
wire credit, a time in UTC that is the next day in WIB, an undated article, one below the
threshold, a page's worth of articles."""

import asyncio
import csv
import io
import re
import sqlite3
from pathlib import Path

import pytest

from crawler.archive import coverage
from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.datasette.topic import PAGE_SIZE, lag_text
from tests.test_datasette import HOSTILE, TOPIC, build_archive, get, served

PUTIN_TEXT = "Presiden Vladimir Putin menjamu Kim Jong-un di kosmodrom Vostochny, Rusia. " * 8
# Related, newest first: malam (20:00 UTC on the 13th is 03:00 WIB on the 14th), kabar
# (the 14th, a day alone: its midnight in WIB), antaranews (12:00 +08:00 on the 13th is
# 11:00 WIB), voi (10:00 WIB), then tanpa (no date). The stored text sorts otherwise.
NEWEST_FIRST = ["malam", "kabar", "antaranews", "voi", "tanpa"]


def article(url: str, title: str, published_at: str | None, text: str) -> dict:
    return {
        "url": url,
        "title": title,
        "published_at": published_at,
        "text": text,
        "language": "id",
    }


@pytest.fixture
def archive(tmp_path) -> Path:
    """build_archive's, and: voi's text also at kopian (an identical copy), a credit on
    antaranews' copy, one at 20:00 UTC, one without a date, one below the threshold."""
    db_path = build_archive(tmp_path / "archive.db")
    db = open_db(db_path)
    kopian = article("https://kopian.example/putin", "Putin jamu Kim", None, PUTIN_TEXT)
    assert save_article(db, kopian, "kopian", [], {TOPIC: 0.4}) == "duplicate"
    db.execute("update articles set credit = 'Antara' where source = 'antaranews'")
    late = article(
        "https://malam.example/kim",
        "Kim tiba di Vladivostok",
        "2023-09-13T20:00:00+00:00",
        "Kim Jong-un tiba di Vladivostok dengan kereta lapis baja dari Khasan pada malam hari.",
    )
    save_article(db, late, "malam", [], {TOPIC: 0.3})
    undated = article(
        "https://tanpa.example/kim",
        "Kim dan Putin",
        None,
        "Kim Jong-un dan Vladimir Putin membahas kerja sama militer di Vostochny, tanpa tanggal.",
    )
    save_article(db, undated, "tanpa", [], {TOPIC: 0.9})
    below = article(
        "https://lain.example/pasar",
        "Harga cabai naik",
        "2023-09-13T09:00:00+07:00",
        "Harga cabai di pasar induk naik menjelang akhir pekan, kata para pedagang di Jakarta.",
    )
    save_article(db, below, "lain", [], {TOPIC: 0.1})
    db.conn.commit()
    db.close()
    return db_path


def listed(page: str) -> list[str]:
    """The outlets of the article rows of a topic page, in order."""
    return re.findall(
        r'<tr class="article" data-id="[0-9a-f]+">\s*<td class="outlet">([^<]*)<', page
    )


def report(ds, query: str = "") -> list[dict]:
    response = get(ds, f"/-/topic/{TOPIC}.csv{query}")
    assert response.status_code == 200, response.text[:300]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_topic_page_counts_what_the_home_page_counts(archive):
    ds = served(archive)
    conn = sqlite3.connect(archive)
    counts = coverage.counts(coverage.coverage(conn, TOPIC))
    assert counts["total"] == 5  # kopian's text is voi's article; cabai is below 0.26
    assert {row["outlet"]: row["articles"] for row in counts["outlets"]} == dict.fromkeys(
        NEWEST_FIRST, 1
    )
    home = get(ds, "/").text
    assert "5 related articles from 5 outlets" in re.sub(r"<[^>]+>", "", home)
    page = get(ds, f"/-/topic/{TOPIC}").text
    assert '<span class="total">5 related articles</span> from 5 outlets' in page
    assert listed(page) == NEWEST_FIRST  # the seed and the unrelated article are not listed
    assert "1 article without a publication date, listed last" in page
    assert "Harga cabai" not in page
    assert 'class="seed"' in page and "JAKARTA - Pemimpin Korea Utara" in page
    assert "<svg" in page.split('class="spread"')[0]  # the timeline


def test_filters_by_outlet_and_by_day_in_wib_and_the_order(archive):
    ds = served(archive)
    assert listed(get(ds, f"/-/topic/{TOPIC}?order=oldest").text) == [
        "voi",
        "antaranews",
        "kabar",
        "malam",
        "tanpa",
    ]
    page = get(ds, f"/-/topic/{TOPIC}?source=voi&source=kabar").text
    assert listed(page) == ["kabar", "voi"]
    assert "2 articles from voi, kabar" in page
    # The home page's count stays; each outlet of the filter can be taken away again.
    assert '<span class="total">5 related articles</span>' in page
    assert f'href="/-/topic/{TOPIC}?source=kabar"' in page  # voi taken away
    assert f'href="/-/topic/{TOPIC}"' in page  # clear filters
    # 20:00 UTC on the 13th is the 14th in Jakarta.
    assert listed(get(ds, f"/-/topic/{TOPIC}?day=2023-09-14").text) == ["malam", "kabar"]
    assert listed(get(ds, f"/-/topic/{TOPIC}?day=2023-09-13").text) == ["antaranews", "voi"]
    days = re.findall(r'class="day[^"]*" href="[^"]*">(\d{4}-\d\d-\d\d) (\d+)<', page)
    assert days == [("2023-09-13", "1"), ("2023-09-14", "1")]  # by date; of voi and kabar
    for bad in ("day=14-09-2023", "day=2023-02-30", "order=random"):
        response = get(ds, f"/-/topic/{TOPIC}.json?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["error"].startswith(bad.split("=")[0]), bad
    assert get(ds, "/-/topic/nope").status_code == 404
    assert get(ds, "/-/topic/nope.csv").status_code == 404


def test_copies_are_named_on_each_row(archive):
    page = get(served(archive), f"/-/topic/{TOPIC}").text
    rows = dict(zip(listed(page), page.split('<tr class="article"')[1:]))
    assert re.search(r"copy of <a [^>]+>voi</a>", rows["antaranews"])
    assert "copied by antaranews, kopian (same text)" in rows["voi"]
    assert "(Antara)" in rows["antaranews"]
    assert "Rabu, 13 Sep 2023 11:00 WIB (12:00 +0800 as stored)" in rows["antaranews"]
    assert "copy of" not in rows["kabar"] and "copied by" not in rows["malam"]


def test_the_spread_names_the_first_report_the_lags_and_who_copied_whom(archive):
    conn = sqlite3.connect(archive)
    spread = coverage.spread(conn, TOPIC, coverage.coverage(conn, TOPIC))
    assert spread["first"]["outlet"] == "voi" and spread["first"]["headline"] == "Putin jamu Kim"
    rows = {row["outlet"]: row for row in spread["outlets"]}
    assert [row["outlet"] for row in spread["outlets"]] == [
        "voi",
        "antaranews",
        "kabar",
        "malam",
        "tanpa",  # no date: no lag
        "kopian",  # no article of its own: the same text as voi's
    ]
    assert [rows[o]["lag_seconds"] for o in ("voi", "antaranews", "kabar", "malam")] == [
        0,
        3600,
        14 * 3600,
        17 * 3600,
    ]
    assert rows["antaranews"]["copied_from"] == [("voi", 1)] and rows["antaranews"]["own"] == 0
    assert rows["antaranews"]["credits"] == [("Antara", 1)]
    assert rows["kopian"]["copies"] == 1 and rows["kopian"]["identical_copies"] == 1
    assert rows["kopian"]["copied_from"] == [("voi", 1)] and rows["kopian"]["articles"] == 0
    assert rows["voi"]["own"] == 1 and rows["voi"]["articles"] == 1  # the seed is not counted
    assert rows["tanpa"]["lag_seconds"] is None and rows["tanpa"]["own"] == 1
    page = get(served(archive), f"/-/topic/{TOPIC}").text
    spread_html = page.split('<section class="spread">')[1].split("</section>")[0]
    assert re.search(r'First report: <strong class="first-outlet">voi</strong>', spread_html)
    table = dict(
        re.findall(r'<td class="outlet-name">([^<]+)</td>(.*?)</tr>', spread_html, flags=re.S)
    )
    assert "first report" in table["voi"]
    assert "+1 h" in table["antaranews"] and "1 (of voi)" in table["antaranews"]
    assert "Antara 1" in table["antaranews"]
    assert "+14 h" in table["kabar"] and "+17 h" in table["malam"]
    assert "1 (of voi), 1 of them the same text" in table["kopian"]
    svg = spread_html.split("<svg")[1]
    assert svg.count('class="first"') == 4 and 'class="copy"' in svg


def test_lags_read_as_people_say_them():
    assert lag_text(None) == ""
    assert lag_text(0) == "+0 min"
    assert lag_text(45 * 60) == "+45 min"
    assert lag_text(3 * 3600 + 20 * 60) == "+3 h 20 min"
    assert lag_text(3 * 3600) == "+3 h"
    assert lag_text(26 * 3600) == "+1 day 2 h"
    assert lag_text(2 * 86400 + 4 * 3600 + 59) == "+2 days 4 h"
    assert lag_text(2 * 86400) == "+2 days"


def test_the_report_as_csv_and_json(archive):
    ds = served(archive)
    response = get(ds, f"/-/topic/{TOPIC}.csv?source=voi&source=antaranews&order=oldest")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="pantau-{TOPIC}-voi-antaranews.csv"'
    )
    header = response.text.splitlines()[0]
    assert (
        header == "outlet,published_at,headline,url,relevance,copy_of,wire_credit,first_seen_at,id"
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["outlet"] for row in rows] == ["voi", "antaranews"]
    voi, antara = rows
    assert voi["published_at"] == "2023-09-13T10:00:00+07:00" and voi["copy_of"] == ""
    assert antara["published_at"] == "2023-09-13T11:00:00+07:00"  # 12:00 +08:00
    assert antara["copy_of"] == "https://voi.id/berita/2/putin"
    assert antara["wire_credit"] == "Antara" and antara["relevance"] == "0.4"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", antara["first_seen_at"])
    every = report(ds)
    assert [row["outlet"] for row in every] == NEWEST_FIRST
    by_outlet = {row["outlet"]: row for row in every}
    assert by_outlet["kabar"]["published_at"] == "2023-09-14"  # a day stays a day
    assert by_outlet["malam"]["published_at"] == "2023-09-14T03:00:00+07:00"
    assert by_outlet["tanpa"]["published_at"] == ""
    assert by_outlet["kabar"]["headline"] == f"Kim Jong-un {HOSTILE}"  # text, as it was
    data = get(ds, f"/-/topic/{TOPIC}.json").json()
    assert data["topic"] == TOPIC
    assert [list(row) for row in data["rows"]] == [coverage.REPORT_COLUMNS] * len(every)
    assert [{k: str(v) for k, v in row.items()} for row in data["rows"]] == every
    # The page links the report with its filters.
    page = get(ds, f"/-/topic/{TOPIC}?source=voi&day=2023-09-13&page=1").text
    assert f'href="/-/topic/{TOPIC}.csv?source=voi&amp;day=2023-09-13" download' in page
    assert f'href="/-/topic/{TOPIC}.json?source=voi&amp;day=2023-09-13"' in page


def test_a_headline_is_never_a_spreadsheet_formula(archive):
    db = sqlite3.connect(archive)
    db.execute("update articles set title = '=HYPERLINK(\"http://x\")' where source = 'malam'")
    db.commit()
    db.close()
    ds = served(archive)
    by_outlet = {row["outlet"]: row for row in report(ds)}
    assert by_outlet["malam"]["headline"] == '\'=HYPERLINK("http://x")'
    json_rows = get(ds, f"/-/topic/{TOPIC}.json").json()["rows"]
    assert {row["headline"] for row in json_rows} >= {'=HYPERLINK("http://x")'}


def test_scraped_text_is_never_html_on_the_topic_page(archive):
    page = get(served(archive), f"/-/topic/{TOPIC}").text
    assert "<script>window.pwned" not in page and 'onerror="window.pwned' not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;window.pwned" in page


def test_a_big_topic_is_paged_and_the_report_has_every_article(tmp_path):
    db_path = build_archive(tmp_path / "archive.db")
    db = open_db(db_path)
    count = 2 * PAGE_SIZE + 35
    for number in range(count):
        day = 1 + number % 28
        item = article(
            f"https://banyak.example/{number}",
            f"Berita Kim nomor {number}",
            f"2023-08-{day:02d}T{number % 24:02d}:00:00+07:00",
            f"Kim Jong-un dan Rusia, laporan nomor {number} dari kantor berita tentang {day}.",
        )
        save_article(db, item, f"outlet{number % 3}", [], {TOPIC: 0.5})
    db.conn.commit()
    db.close()
    ds = served(db_path)
    total = count + 3  # and build_archive's three
    first = get(ds, f"/-/topic/{TOPIC}").text
    assert len(listed(first)) == PAGE_SIZE and "page 1 of 3" in first
    assert f'href="/-/topic/{TOPIC}?page=2">next' in first.replace(' class="next"', "")
    last = get(ds, f"/-/topic/{TOPIC}?page=3").text
    assert len(listed(last)) == total - 2 * PAGE_SIZE
    ids = [
        re.findall(r'data-id="([0-9a-f]+)"', get(ds, f"/-/topic/{TOPIC}?page={n}").text)
        for n in (1, 2, 3)
    ]
    assert [row["id"] for row in report(ds)] == [i for page in ids for i in page]
    assert len(report(ds)) == total


def test_search_without_text_lists_a_topics_related_articles(archive):
    ds = served(archive)
    found = get(ds, f"/-/search.json?topic={TOPIC}").json()
    assert found["total"] == 5 and not found["more"]
    topic_ids = [row["id"] for row in report(ds)]
    assert [row["id"] for row in found["rows"]] == topic_ids  # newest first, as the topic
    assert dict(map(tuple, found["facets"]["source"])) == dict.fromkeys(NEWEST_FIRST, 1)
    narrowed = get(ds, f"/-/search.json?topic={TOPIC}&source=kabar").json()
    assert [row["source"] for row in narrowed["rows"]] == ["kabar"]
    page = get(ds, f"/-/search?topic={TOPIC}").text
    assert f"5 articles related to {TOPIC}" in page
    assert "Presiden Vladimir Putin menjamu" in page  # an opening stands for a snippet
    # Without a filter, nothing: the archive is not a list to scroll.
    assert get(ds, "/-/search.json").json()["total"] == 0
    assert get(ds, "/-/search.json?q=&sort=date").json()["total"] == 0
    # An outlet alone lists its articles, the seed among them, newest first.
    voi = get(ds, "/-/search.json?source=voi").json()
    assert [row["published_at"][:10] for row in voi["rows"]] == ["2023-09-18", "2023-09-13"]


def test_a_topics_articles_are_read_through_its_index(archive):
    conn = sqlite3.connect(archive)
    plan = " ".join(
        row[3]
        for row in conn.execute(
            f"explain query plan select a.rowid from {coverage.RELATED}",
            {"topic": TOPIC, "threshold": 0.26},
        )
    )
    assert "COVERING INDEX article_topics_coverage (topic=? AND relevance>?)" in plan


def test_datasettes_connections_keep_a_topics_articles_in_memory(archive):
    """A topic's page reads each related article at random places: each connection keeps
    128 MiB of pages (in KiB, negative), not SQLite's 2 MiB."""
    database = served(archive).get_database()
    size = asyncio.run(
        database.execute_fn(lambda conn: conn.execute("pragma cache_size").fetchone())
    )
    assert size[0] == -131072
