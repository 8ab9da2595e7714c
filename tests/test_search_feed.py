"""The Atom feed of any search (`/-/search.atom`), and what a reader sees around a search:
the article page's breadcrumb and its lines, the facets, the crawl runs' times and counts.
Through Datasette's test client, on the archive of tests/test_datasette.py."""

import itertools
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.datasette.pages import FEED_ENTRIES
from tests.test_datasette import TOPIC, build_archive, get, served

LAST_CRAWL = {"started_at": "2024-01-02T03:00:00Z", "finished_at": "2024-01-02T03:30:00Z"}


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path / "archive.db")


def feed_of(ds, path: str):
    response = get(ds, path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def entry_ids(feed) -> list[str]:
    return [entry.id.removeprefix("urn:pantau:article:") for entry in feed.entries]


def article_ids(db_path: Path) -> dict[str, str]:
    with sqlite3.connect(db_path) as db:
        found = db.execute("select source, is_seed, id from articles").fetchall()
    return {("seed" if is_seed else source): key for source, is_seed, key in found}


def execute(db_path: Path, sql: str, params=()) -> None:
    db = sqlite3.connect(db_path)
    with db:
        db.execute(sql, params)
    db.close()


def record_crawl(db_path: Path, per_source: str = "{}") -> None:
    execute(
        db_path,
        "insert into crawl_runs (started_at, finished_at, status, per_source) "
        "values (?, ?, 'ok', ?)",
        [LAST_CRAWL["started_at"], LAST_CRAWL["finished_at"], per_source],
    )


@pytest.mark.parametrize(
    "query",
    [
        "q=Putin",
        "q=Kim",
        "q=Putin&source=antaranews",
        "q=Kim&source=voi&source=kabar",
        "q=Kim&language=id&since=2023-09-14",
        f"q=Vladivostok&topic={TOPIC}",
        f"topic={TOPIC}",  # no text: whatever the search lists for the filter
    ],
)
def test_a_search_feed_lists_what_the_search_finds_newest_first(archive, query):
    ds = served(archive)
    found = get(ds, f"/-/search.json?{query}&sort=date").json()
    feed = feed_of(ds, f"/-/search.atom?{query}")
    assert sorted(entry_ids(feed)) == sorted(row["id"] for row in found["rows"])
    if "q=" in query:
        assert feed.entries, query
    published = [entry.published for entry in feed.entries]  # every one is dated here
    assert published == sorted(published, reverse=True)
    for entry in feed.entries:  # entries as the topic feed's
        assert entry.id and entry.title and entry.updated and entry.author and entry.summary


def test_a_search_feed_names_its_query_and_links_itself(archive):
    ds = served(archive)
    query = (
        f"q=Kim+Jong-un&source=voi&source=antaranews&topic={TOPIC}&language=id"
        "&since=2023-09-01&until=2023-09-30"
    )
    feed = feed_of(ds, f"/-/search.atom?{query}")
    assert feed.feed.title == (
        'Pantau search: "Kim Jong-un" · from voi, antaranews · '
        f"related to {TOPIC} · language id · 2023-09-01 to 2023-09-30"
    )
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"http://localhost/-/search.atom?{query}"
    assert links["alternate"] == f"http://localhost/-/search?{query}"
    assert {entry.author for entry in feed.entries} == {"voi", "antaranews"}
    # The seed has no web URL: its entry links to its page here.
    assert {entry.link for entry in feed.entries} == {
        "https://voi.id/berita/2/putin",
        "https://antaranews.com/berita/3/putin",
        f"http://localhost/-/article/{article_ids(archive)['seed']}",
    }
    # The page and the order a person chose are not the feed's: newest first, every page.
    assert feed_of(ds, f"/-/search.atom?{query}&page=2&sort=relevance").entries == feed.entries


def test_a_search_feed_holds_the_newest_articles_and_says_how_it_orders_them(tmp_path):
    """FEED_ENTRIES of 60 matches, the newest published; first seen breaks a tie, and an
    article without a date comes after every dated one."""
    db_path = build_archive(tmp_path / "archive.db")
    db = open_db(db_path)
    start = datetime(2023, 1, 1, 10, tzinfo=timezone(timedelta(hours=7)))
    for day in range(60):
        article = {
            "url": f"https://gempa.id/{day}",
            "title": f"Gempa hari ke-{day}",
            "published_at": (start + timedelta(days=day)).isoformat(),
            "text": f"Gempa bumi mengguncang desa nomor {day}. " + f"kejadian{day} " * 30,
            "language": "id",
        }
        save_article(db, article, "gempa", [], {})
    for name, published in (("pagi", "2024-05-01"), ("sore", "2024-05-01"), ("tanpa", None)):
        article = {
            "url": f"https://banjir.id/{name}",
            "title": f"Banjir {name}",
            "published_at": published,
            "text": f"Banjir melanda kota {name}. " + f"genangan{name} " * 30,
            "language": "id",
        }
        save_article(db, article, "banjir", [], {})
    db.close()
    open_db(db_path).close()
    for name, first_seen in (("pagi", "2024-05-01T01:00:00Z"), ("sore", "2024-05-01T09:00:00Z")):
        execute(
            db_path,
            "update articles set first_seen_at = ? where url = ?",
            [first_seen, f"https://banjir.id/{name}"],
        )
    execute(  # seen last of all, but without a date
        db_path,
        "update articles set first_seen_at = '2025-01-01T00:00:00Z' where url like '%tanpa'",
    )
    ds = served(db_path)

    gempa = feed_of(ds, "/-/search.atom?q=gempa")
    assert len(gempa.entries) == FEED_ENTRIES
    assert [entry.title for entry in gempa.entries] == [
        f"Gempa hari ke-{day}" for day in range(59, 59 - FEED_ENTRIES, -1)
    ]

    banjir = feed_of(ds, "/-/search.atom?q=banjir")
    assert [entry.title for entry in banjir.entries] == [
        "Banjir sore",
        "Banjir pagi",
        "Banjir tanpa",
    ]
    assert "published" not in banjir.entries[2]
    assert banjir.entries[2].updated == "2025-01-01T00:00:00Z"


def test_an_empty_feed_and_an_entry_without_time_say_when_the_archive_was_current(archive):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    ds = served(archive)
    # No crawl recorded: now.
    nothing = feed_of(ds, "/-/search.atom?q=tidakadadimanapun")
    assert not nothing.entries
    assert before <= datetime.fromisoformat(nothing.feed.updated) <= datetime.now(timezone.utc)

    record_crawl(archive)
    execute(archive, "insert into topics (name, min_relevance) values ('sepi', 0.3)")
    kabar = article_ids(archive)["kabar"]
    execute(
        archive,
        "update articles set first_seen_at = null, published_at = null where id = ?",
        [kabar],
    )
    ds = served(archive)
    for path in ("/-/search.atom?q=tidakadadimanapun", "/-/feed/sepi.atom"):
        empty = feed_of(ds, path)
        assert not empty.entries and empty.feed.updated == LAST_CRAWL["finished_at"], path
    for path in ("/-/search.atom?q=Vladivostok", f"/-/feed/{TOPIC}.atom"):
        timeless = {entry.id: entry for entry in feed_of(ds, path).entries}
        assert timeless[f"urn:pantau:article:{kabar}"].updated == LAST_CRAWL["finished_at"]
    execute(archive, "update crawl_runs set finished_at = null")  # a crawl under way
    running = feed_of(served(archive), "/-/search.atom?q=tidakadadimanapun")
    assert running.feed.updated == LAST_CRAWL["started_at"]


def test_every_search_page_links_its_feed(archive):
    ds = served(archive)
    page = get(ds, f"/-/search?q=Kim&source=voi&topic={TOPIC}&page=2&sort=date").text
    href = f"/-/search.atom?q=Kim&amp;source=voi&amp;topic={TOPIC}"
    head = page[: page.index("</head>")]
    feed_link = r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="(.+?)">'
    assert re.findall(feed_link, head) == [href]
    assert f'<a class="atom" type="application/atom+xml" href="{href}">' in page
    assert "/-/search.atom" in get(ds, "/-/search").text
    assert feed_of(ds, href.replace("&amp;", "&")).entries


def test_the_article_breadcrumb_leads_back_and_the_raw_row_says_what_it_is(archive):
    ds = served(archive)
    voi = article_ids(archive)["voi"]
    page = get(ds, f"/-/article/{voi}").text
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', page, re.S)
    assert crumbs
    assert " ".join(re.sub(r"<[^>]+>", "", crumbs[0]).split()) == (
        f"Pantau › {TOPIC} › Putin jamu Kim"
    )
    assert f'href="/-/topic/{TOPIC}"' in crumbs[0]
    assert ">row</a>" not in page
    assert f'<a class="raw-row" href="/archive/articles/{voi}">raw row in Datasette</a>' in page
    # Related to no topic: the outlet's articles.
    execute(archive, "update article_topics set relevance = 0.1 where article_id = ?", [voi])
    page = get(ds, f"/-/article/{voi}").text
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', page, re.S)
    assert crumbs and " ".join(re.sub(r"<[^>]+>", "", crumbs[0]).split()) == (
        "Pantau › voi › Putin jamu Kim"
    )
    assert 'href="/archive/articles?source=voi"' in crumbs[0]


MISSABLE = ("url", "first_seen_at", "author", "editor", "credit", "published_at", "source")


def test_the_article_lines_have_no_stray_separators_whatever_is_missing(archive):
    """Every combination of missing fields: no line starts or ends with a separator, none
    is empty, no separator follows another."""
    ids = article_ids(archive)
    execute(
        archive,
        "update articles set editor = 'Budi', credit = 'Antara' where id = ?",
        [ids["voi"]],
    )
    with sqlite3.connect(archive) as db:
        full = db.execute(
            f"select {', '.join(MISSABLE)} from articles where id = ?", [ids["voi"]]
        ).fetchone()
    ds = served(archive)
    for missing in itertools.chain.from_iterable(
        itertools.combinations(MISSABLE, n) for n in range(len(MISSABLE) + 1)
    ):
        values = [None if column in missing else value for column, value in zip(MISSABLE, full)]
        execute(
            archive,
            f"update articles set {', '.join(f'{c} = ?' for c in MISSABLE)} where id = ?",
            [*values, ids["voi"]],
        )
        page = get(ds, f"/-/article/{ids['voi']}").text
        meta = re.search(r'<h1>.*?</h1>\s*<p class="meta">(.*?)</p>', page, re.S)
        assert meta, missing
        lines = [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in meta[1].split("<br>")]
        for line in lines:
            assert line, (missing, lines)
            assert not line.startswith("·") and not line.endswith("·"), (missing, lines)
            assert "· ·" not in line, (missing, lines)
        assert lines[-1].endswith("raw row in Datasette"), (missing, lines)


def test_the_day_facet_reads_as_a_calendar(archive):
    """Two articles on 13 September, one each on the 14th and the 18th: newest first."""
    ds = served(archive)
    days = get(ds, "/-/search.json?q=Kim").json()["facets"]["day"]
    assert days == [["2023-09-18", 1], ["2023-09-14", 1], ["2023-09-13", 2]]
    assert get(ds, "/-/search.json?q=Kim").json()["facets"]["source"][0] == ["voi", 2]
    page = get(ds, "/-/search?q=Kim").text
    shown = re.findall(r'class="facet" href="[^"]*since=([\d-]+)&amp;until=', page)
    assert shown == ["2023-09-18", "2023-09-14", "2023-09-13"]


def test_every_time_column_is_shown_in_wib(archive):
    record_crawl(archive, '{"voi": {"status": "ok"}}')
    execute(archive, "update urls set last_seen_at = '2023-09-13T04:00:00Z'")
    ds = served(archive)
    started, finished = "Selasa, 2 Jan 2024 10:00 WIB", "Selasa, 2 Jan 2024 10:30 WIB"
    for path in ("/archive/latest_runs", "/archive/crawl_runs", "/archive/failing_sources"):
        page = get(ds, path).text
        assert "2024-01-02T03:00:00Z</" not in page and "2024-01-02T03:30:00Z</" not in page
        if path != "/archive/failing_sources":  # it lists failed sources: none here
            assert started in page and finished in page, path
    urls = get(ds, "/archive/urls").text
    assert "Rabu, 13 Sep 2023 11:00 WIB" in urls and "2023-09-13T04:00:00Z</" not in urls
    outlets = get(ds, "/archive/coverage_by_outlet").text
    assert "Rabu, 13 Sep 2023 10:00 WIB" in outlets  # the first of voi's
    voi = article_ids(archive)["voi"]
    execute(
        archive,
        "insert into pages (id, url, article_id, status, body, capture_url, captured_at) "
        "values ('p1', 'https://voi.id/berita/2/putin', ?, 200, x'00', "
        "'http://web.archive.org/web/2023/https://voi.id/berita/2/putin', "
        "'2023-09-13T05:00:00Z')",
        [voi],
    )
    article = get(ds, f"/-/article/{voi}").text
    assert "(captured Rabu, 13 Sep 2023 12:00 WIB" in article


def test_counts_on_runs_and_searches_say_one_thing_in_the_singular(archive):
    record_crawl(archive, '{"voi": {"status": "ok"}}')
    record_crawl(archive, '{"voi": {"status": "ok"}, "kabar": {"status": "failed"}}')
    ds = served(archive)
    runs = get(ds, "/archive/latest_runs").text
    assert "1 of 1 source ok" in runs and "1 of 2 sources ok; failed: kabar" in runs
    assert "1 of 1 sources" not in runs
    one = get(ds, f"/-/search?q={quote('Putin')}&source=antaranews").text
    assert "1 article from antaranews" in one
