"""A full `pantau crawl` against the mock web on 127.0.0.1, run twice."""

from pathlib import Path

import pytest

from crawler.urls import normalize_url, url_id
from tests.conftest import closed_port, per_source, rows, run_pantau, seed_topic, write_config
from tests.mockweb import REAL_DATA, RETRY_AFTER_SECONDS, MockWeb, Reply, real_articles, rss


@pytest.fixture(scope="module")
def crawled(news_web, tmp_path_factory):
    web, site = news_web
    base = tmp_path_factory.mktemp("crawl")
    dead = f"http://127.0.0.1:{closed_port()}/rss.xml"
    loopback = ["127.0.0.1"]
    sources = [
        {
            "name": "pantaunews",
            "hosts": loopback,
            "feeds": [web.url("/pantaunews/rss.xml")],
            "article_pattern": "/pantaunews/",
        },
        {
            "name": "antaranews",
            "hosts": loopback,
            "feeds": [web.url("/antaranews/rss.xml"), web.url("/antaranews/real-rss.xml")],
            "article_pattern": "^http://[^/]+/antaranews/",
        },
        {
            "name": "detik",
            "hosts": loopback,
            "listings": [web.url("/detik/indeks")],
            "article_pattern": "/detik/[a-z]+-",
        },
        {
            "name": "others",
            "hosts": loopback,
            "sitemaps": [web.url("/sitemap-index.xml")],
            "listings": [web.url("/kompas/indeks")],
        },
        {"name": "mirror", "hosts": loopback, "feeds": [web.url("/mirror/rss.xml")]},
        {
            "name": "broken",
            "hosts": loopback,
            "feeds": [web.url("/broken/rss.xml")],
            "sitemaps": [web.url("/broken/sitemap.xml")],
        },
        {"name": "dead", "feeds": [dead]},
    ]
    # Two topics: the seed story (strict) and an empty one with min_relevance 0 that keeps all.
    topics = [seed_topic(), {"name": "semua", "min_relevance": 0}]
    config = write_config(base / "config", sources, topics)
    db_path = base / "archive.db"
    first = run_pantau("crawl", "--config", str(config), "--db", str(db_path))
    counts_after_first = {
        table: rows(db_path, f"select count(*) as n from {table}")[0]["n"]
        for table in ("articles", "urls", "article_topics")
    }
    requests_after_first = len(web.log)
    second = run_pantau("crawl", "--config", str(config), "--db", str(db_path))
    return {
        "web": web,
        "site": site,
        "db": db_path,
        "first": first,
        "second": second,
        "counts_after_first": counts_after_first,
        "requests_after_first": requests_after_first,
    }


def test_first_run_exits_zero_and_reports_each_source(crawled):
    first = crawled["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    lines = {line.split(":")[0]: line for line in first.stdout.splitlines()}
    assert lines["pantaunews"].startswith("pantaunews: ok")
    assert lines["dead"].startswith("dead: failed")
    assert "Connection" in lines["dead"] or "refused" in lines["dead"]
    assert lines["broken"].startswith("broken: failed")
    assert "Traceback" not in first.stderr


def test_every_real_article_is_stored_once_with_its_title(crawled):
    site = crawled["site"]
    stored = rows(crawled["db"], "select * from articles where is_seed = 0")
    by_url = {row["url"]: row for row in stored}
    for path, row in site["articles"].items():
        # The real pages' canonical links point at the live outlets, which are not among this
        # test's hosts, so each article keeps its loopback URL.
        article = by_url.get(normalize_url(crawled["web"].url(path)))
        if article is None:
            # An identical copy stored under another URL (the 429 page serves okezone's first).
            linked = rows(
                crawled["db"],
                "select article_id from urls where id = ?",
                [url_id(crawled["web"].url(path))],
            )
            assert linked and linked[0]["article_id"], path
            continue
        expected = row["truth"].get("title")
        if expected and not expected.startswith("In Picture: "):
            assert article["title"] == expected, path
        assert article["language"] in ("id", "en")
        assert len(article["text"]) > 100  # a photo story's text is its caption
    # The real pages + the written Kim article and two multi-page articles; the rest were
    # copies or hostile.
    assert len(stored) == len(site["articles"]) + 3


def test_seed_article_is_in_the_archive(crawled):
    seeds = rows(crawled["db"], "select * from articles where is_seed = 1")
    assert len(seeds) == 1
    seed = seeds[0]
    assert seed["url"] is None and seed["title"] is None
    assert seed["source"] == "voi" and seed["published_at"] == "2023-09-18"
    assert seed["text"].startswith("JAKARTA - Pemimpin Korea Utara Kim Jong-un")
    relevance = rows(
        crawled["db"],
        "select relevance from article_topics where article_id = ? and topic = ?",
        [seed["id"], "kim-jong-un-russia-2023"],
    )
    assert relevance[0]["relevance"] > 0.99


def test_url_variants_are_one_article(crawled):
    web, site, db = crawled["web"], crawled["site"], crawled["db"]
    # utm_* and fbclid variants normalise to the plain URL: fetched once in the first run.
    assert len(web.requests_for(site["kim"])) == 1
    kim = rows(db, "select * from articles where title like 'Kim Jong-un Tinggalkan%'")
    assert len(kim) == 1
    assert kim[0]["url"] == web.url(site["kim"])
    assert kim[0]["published_at"] == "2023-09-18T14:30:00+07:00"
    assert kim[0]["author"] == "Rina Hartati"
    # The AMP page has shorter text but declares the article as canonical.
    urls = {r["url"] for r in rows(db, "select url from urls where article_id = ?", [kim[0]["id"]])}
    assert urls == {web.url(site["kim"]), web.url(site["kim_amp"])}


def test_identical_copy_in_another_outlet_is_one_article_with_both_urls(crawled):
    web, site, db = crawled["web"], crawled["site"], crawled["db"]
    for path in site["mirrored"]:
        found = rows(
            db,
            "select article_id, source from urls where id in (?, ?) order by source",
            [url_id(web.url(path)), url_id(web.url("/mirror" + path))],
        )
        assert [r["source"] for r in found] == ["antaranews", "mirror"]
        assert found[0]["article_id"] == found[1]["article_id"] is not None
        # The article belongs to whichever outlet was crawled first; both URLs lead to it.
        article = rows(db, "select source from articles where id = ?", [found[0]["article_id"]])
        assert article[0]["source"] in ("antaranews", "mirror")
    counts = per_source(db, 1)
    mirror, antara = counts["mirror"], counts["antaranews"]
    assert mirror["new_articles"] + mirror["duplicates"] == 2
    assert antara["duplicates"] == 2 - mirror["duplicates"]


def test_429_waits_for_retry_after_then_stores_the_page(crawled):
    web, site, db = crawled["web"], crawled["site"], crawled["db"]
    first, second = web.requests_for(site["busy"])[:2]
    assert second - first >= RETRY_AFTER_SECONDS
    status = rows(
        db, "select status, article_id from urls where id = ?", [url_id(web.url(site["busy"]))]
    )
    assert status[0]["status"] == "article" and status[0]["article_id"]


@pytest.mark.parametrize(
    "name, status",
    [
        ("slow", "error"),
        ("loop", "error"),
        ("huge", "error"),
        ("error", "error"),
        ("missing", "dropped"),  # a 404 is remembered: not fetched again
        ("pdf", "dropped"),
        ("image", "dropped"),
        ("random", "dropped"),
        ("empty", "dropped"),
    ],
)
def test_hostile_urls_are_recorded_and_skipped(crawled, name, status):
    web, site, db = crawled["web"], crawled["site"], crawled["db"]
    found = rows(
        db,
        "select status, reason, article_id from urls where id = ?",
        [url_id(web.url(site["hostile"][name]))],
    )
    assert found, f"{name} was not recorded"
    assert found[0]["status"] == status
    assert found[0]["article_id"] is None
    assert found[0]["reason"]


def test_hostile_pages_are_counted_in_the_run(crawled):
    antara = per_source(crawled["db"], 1)["antaranews"]
    assert antara["status"] == "ok"
    assert antara["errors"] >= 5  # slow, loop, huge, 500, 404
    assert antara["dropped"] >= 4  # pdf, image, random bytes, empty body
    assert antara["new_articles"] + antara["duplicates"] == len(
        crawled["site"]["outlets"]["antaranews"]
    )
    run = rows(crawled["db"], "select * from crawl_runs where id = 1")[0]
    assert run["status"] == "partial" and run["finished_at"] >= run["started_at"]


def test_second_run_adds_no_rows_and_refetches_nothing_known(crawled):
    second = crawled["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    db = crawled["db"]
    for table, count in crawled["counts_after_first"].items():
        assert rows(db, f"select count(*) as n from {table}")[0]["n"] == count, table
    runs = rows(db, "select * from crawl_runs order by id")
    assert [r["id"] for r in runs] == [1, 2]
    assert runs[1]["new_articles"] == 0
    # Only entry points and URLs that failed are requested again, never a stored article.
    web, site = crawled["web"], crawled["site"]
    for path in [site["kim"], *site["articles"]]:
        assert len(web.requests_for(path)) == 1, path


def test_first_seen_at_survives_the_second_run(crawled):
    db = crawled["db"]
    stamps = rows(db, "select first_seen_at, fetched_at from articles where is_seed = 0")
    assert all(r["first_seen_at"] and r["first_seen_at"] <= r["fetched_at"] for r in stamps)


def test_all_sources_failing_exits_non_zero(tmp_path):
    config = write_config(
        tmp_path / "config",
        [{"name": "dead", "feeds": [f"http://127.0.0.1:{closed_port()}/rss.xml"]}],
        [seed_topic()],
    )
    result = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("dead: failed")
    # The seed is archived even when nothing could be crawled.
    assert (
        rows(tmp_path / "a.db", "select count(*) as n from articles where is_seed = 1")[0]["n"] == 1
    )


def test_multipage_article_is_stored_as_one(crawled):
    web, db, article = crawled["web"], crawled["db"], crawled["site"]["multipage"]
    [row] = rows(db, "select * from articles where title = ?", [article["title"]])
    assert row["url"] == web.url(article["path"])
    positions = [row["text"].index(p) for part in article["paragraphs"] for p in part]
    assert positions == sorted(positions)  # all three pages, in order
    for page in article["pages"]:
        assert len(web.requests_for(page)) == 1, page
    stored = rows(db, "select url, part from pages where article_id = ? order by part", [row["id"]])
    assert [(r["url"], r["part"]) for r in stored] == [
        (web.url(page), part) for part, page in enumerate(article["pages"], start=1)
    ]
    linked = rows(db, "select url from urls where article_id = ?", [row["id"]])
    assert {r["url"] for r in linked} >= {normalize_url(web.url(p)) for p in article["pages"]}


def test_single_page_view_is_preferred_to_paging(crawled):
    web, db, article = crawled["web"], crawled["db"], crawled["site"]["single_view"]
    [row] = rows(db, "select * from articles where title = ?", [article["title"]])
    assert row["url"] == web.url(article["path"])
    for part in article["paragraphs"]:
        for paragraph in part:
            assert paragraph in row["text"]
    assert len(web.requests_for(article["path"] + "?page=all")) == 1
    assert web.requests_for(article["pages"][1]) == []  # page 2 was never needed


def test_refresh_days_refetches_recent_articles_and_keeps_versions(tmp_path):
    from tests.mockweb import FIXTURES, MockWeb, Reply, rss

    html = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_bytes()
    path = "/pantaunews/internasional/2023/09/18/kim-vladivostok"
    web = MockWeb()
    web.routes["/rss.xml"] = Reply(body=rss([("Kim", web.url(path))]))
    web.routes[path] = Reply(body=html)
    web.start()
    try:
        source = {"name": "pantaunews", "hosts": ["127.0.0.1"], "feeds": [web.url("/rss.xml")]}
        config = write_config(tmp_path / "config", [source], [{"name": "semua"}])
        db = tmp_path / "a.db"
        args = ("crawl", "--config", str(config), "--db", str(db))
        assert run_pantau(*args).returncode == 0
        web.routes[path] = Reply(body=html.replace(b"pada Senin.</p>", b"pada Senin pagi.</p>"))
        assert run_pantau(*args).returncode == 0  # no refresh: the known URL is not fetched
        assert len(web.requests_for(path)) == 1
        assert run_pantau(*args, "--refresh-days", "1").returncode == 0
    finally:
        web.stop()
    assert len(web.requests_for(path)) == 2
    [article] = rows(db, "select * from articles where is_seed = 0")
    assert "pada Senin pagi." in article["text"]
    [version] = rows(db, "select * from article_versions")
    assert version["article_id"] == article["id"] and "pada Senin." in version["text"]


def test_extraction_in_worker_processes_stores_what_the_reactors_thread_does(tmp_path):
    if not (REAL_DATA / "manifest.json").exists():
        pytest.skip(f"real pages not found at {REAL_DATA} (../shared is not in a user's clone)")
    # Only well-behaved pages, and time enough for a busy machine: the two crawls must see
    # the same pages for their archives to be compared.
    web = MockWeb()
    items = []
    for row in real_articles():
        path = f"/{row['outlet']}/{Path(row['file']).stem}"
        web.routes[path] = Reply(body=(REAL_DATA / row["file"]).read_bytes())
        items.append((row["truth"].get("title") or path, web.url(path)))
    web.routes["/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    web.start()
    try:
        source = {"name": "semua", "hosts": ["127.0.0.1"], "feeds": [web.url("/rss.xml")]}
        topics = [seed_topic(), {"name": "semua", "min_relevance": 0}]
        config = write_config(tmp_path / "c", [source], topics)
        archives = {}
        for processes in ("2", "0"):
            archives[processes] = tmp_path / f"processes-{processes}.db"
            result = run_pantau(
                "crawl",
                "--config",
                str(config),
                "--db",
                str(archives[processes]),
                settings={"PANTAU_EXTRACT_PROCESSES": processes, "DOWNLOAD_TIMEOUT": "120"},
            )
            assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    finally:
        web.stop()
    assert len(rows(archives["2"], "select id from articles where is_seed = 0")) >= 20
    # Which of two URLs of one text is saved first (articles.url) depends on timing: the
    # URLs of each article are compared instead.
    for query in (
        "select id, text from articles order by id",
        "select url, status, article_id from urls order by url",
    ):
        assert rows(archives["2"], query) == rows(archives["0"], query)


def test_a_bad_number_of_extraction_processes_is_one_line(crawled, tmp_path):
    config = next(crawled["db"].parent.glob("config"))
    result = run_pantau(
        "crawl",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "a.db"),
        settings={"PANTAU_EXTRACT_PROCESSES": "two"},
    )
    assert result.returncode == 2
    assert "PANTAU_EXTRACT_PROCESSES=two" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "a.db").exists()
