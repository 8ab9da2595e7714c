"""A past story's window reached through date indexes, a rendered index and web archives.

The mock web (tests/pastweb.py) holds a September 2023 story: feeds carry only this week's
news; two outlets list the story's days in date indexes (two date formats, one paginated)
among decoys and other news; one outlet builds its index links with JavaScript; two outlets
have story articles only in a fake Wayback Machine and a fake Common Crawl.
"""

import shutil
from datetime import date

import pytest
import yaml

from crawler.config.load import PUBLIC_BACKFILL, ConfigError, load_config
from crawler.discover import webarchives
from crawler.discover.targets import FilledTemplate
from tests.conftest import per_source, rows, run_pantau, seed_topic, write_config
from tests.mockweb import MockWeb, Reply
from tests.pastweb import (
    DECOY_TEXT,
    DECOY_TITLE,
    NAMED_DECOY_TEXT,
    NAMED_DECOY_TITLE,
    OTHER_TEXT,
    OTHER_TITLE,
    STORY_TITLE,
    FakeCommonCrawl,
    FakeWayback,
    feed_of_this_week,
    index_page,
    plain_article,
    story_article,
    timestamp,
)

DAYS = [date(2023, 9, 16), date(2023, 9, 17), date(2023, 9, 18)]
PAGED = "/indeks/arsip?tgl={date:%Y-%m-%d}&page={page}"
DAILY = "/tanggal/{date:%d-%m-%Y}"
SCRIPTED = "/layar/indeks/{date:%Y%m%d}"
CHROMIUM = shutil.which("chromium") is not None


def index_url(template: str, day: date, page: int = 1) -> str:
    return FilledTemplate("archive", template, (("date", day),)).url(page)


def test_wayback_answers_are_read_with_their_resume_key():
    body = b'[["timestamp","original"],["20230917120000","http://x.id:80/a/1"],[],["key2"]]'
    captures, resume = webarchives.parse_wayback(body, "http://127.0.0.1:9/wb/web/")
    assert resume == "key2"
    assert [(c.original, c.fetch_url) for c in captures] == [
        ("http://x.id/a/1", "http://127.0.0.1:9/wb/web/20230917120000id_/http://x.id/a/1")
    ]
    assert captures[0].captured_at == "2023-09-17T12:00:00Z"
    assert webarchives.parse_wayback(b"[]", "http://127.0.0.1:9/wb/web/") == ([], "")
    with pytest.raises(ValueError):
        webarchives.parse_wayback(b'{"error": "rate limited"}', "http://127.0.0.1:9/wb/web/")


def test_the_window_is_asked_in_slices_and_past_slices_only_once():
    slices = webarchives.capture_slices(date(2023, 9, 1), date(2023, 10, 15), date(2026, 11, 30))
    assert slices[0].first == date(2023, 9, 1)
    assert slices[-1].last == date(2023, 10, 22)  # a week of captures past the window
    assert all((s.last - s.first).days < webarchives.SLICE_DAYS for s in slices)
    done = {s.key for s in slices}
    assert not any(webarchives.slice_is_due(s, done, date(2026, 11, 30), 2) for s in slices)
    recent = webarchives.capture_slices(date(2026, 11, 20), None, date(2026, 11, 30))
    assert recent[-1].last == date(2026, 11, 30)
    assert webarchives.slice_is_due(recent[-1], {s.key for s in recent}, date(2026, 11, 30), 2)


def test_common_crawl_crawls_near_the_window_are_chosen():
    collinfo = (
        b'[{"id": "CC-MAIN-2024-10", "cdx-api": "http://127.0.0.1:9/i/CC-MAIN-2024-10-index"},'
        b' {"id": "CC-MAIN-2023-40", "cdx-api": "http://127.0.0.1:9/i/CC-MAIN-2023-40-index"},'
        b' {"id": "CC-MAIN-2023-14", "cdx-api": "http://127.0.0.1:9/i/CC-MAIN-2023-14-index"}]'
    )
    crawls = webarchives.commoncrawl_crawls(
        collinfo, date(2023, 9, 1), date(2023, 10, 15), date(2026, 11, 30)
    )
    assert crawls == ["http://127.0.0.1:9/i/CC-MAIN-2023-40-index"]


def test_common_crawl_answers_are_read():
    assert webarchives.parse_page_count(b'{"pages": 3, "pageSize": 5, "blocks": 14}\n') == 3
    with pytest.raises(ValueError):
        webarchives.parse_page_count(b"[1, 2]")
    line = (
        b'{"url": "https://x.id:443/a/1", "timestamp": "20230920000000",'
        b' "filename": "crawl-data/w.warc.gz", "offset": "10", "length": "5"}\n'
    )
    [capture] = webarchives.parse_commoncrawl(line, "http://127.0.0.1:9/data/")
    assert capture.original == "https://x.id/a/1"
    assert capture.fetch_url == "http://127.0.0.1:9/data/crawl-data/w.warc.gz"
    assert capture.range_header == "bytes=10-14"
    with pytest.raises(ValueError):
        webarchives.warc_response(b"not a warc record")


def test_hosts_covered_by_a_parent_domain_are_asked_once():
    assert webarchives.query_hosts(["news.detik.com", "detik.com", "20.detik.com"]) == ["detik.com"]


def test_backfill_config_routes(tmp_path):
    def load(text: str | None):
        config = write_config(tmp_path / "c", [{"name": "a", "feeds": ["https://a.id/rss"]}], [])
        if text is None:
            (config / "crawl.yml").write_text("contact_url: https://example.org/x\n")
        else:
            (config / "crawl.yml").write_text(text)
        return load_config(config).crawl.backfill

    assert load(None) == PUBLIC_BACKFILL
    assert load("backfill: false") == {}
    assert load("backfill: {wayback: true}") == {"wayback": PUBLIC_BACKFILL["wayback"]}
    mirror = load("backfill: {commoncrawl: {index: 'http://127.0.0.1:9/i/'}}")
    assert mirror == {
        "commoncrawl": {
            "index": "http://127.0.0.1:9/i/",
            "data": PUBLIC_BACKFILL["commoncrawl"]["data"],
        }
    }
    for text, key in [
        ("backfill: {archive_today: true}", "backfill.archive_today"),
        ("backfill: {wayback: {cdx: ftp://x}}", "backfill.wayback.cdx"),
        ("backfill: [wayback]", "backfill"),
    ]:
        with pytest.raises(ConfigError) as raised:
            load(text)
        assert raised.value.key == key


def test_render_must_be_a_flag(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a", "render": "yes"}], [])
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert raised.value.key == "sources[0] (a).render"


@pytest.fixture(scope="module")
def past_story(tmp_path_factory):
    web = MockWeb()
    wayback = FakeWayback(web, rows_per_page=2)  # pages by resume key
    commoncrawl = FakeCommonCrawl(web, "CC-MAIN-2023-39", lines_per_page=2)  # two pages
    story: dict[str, list[str]] = {}
    decoys: list[str] = []  # name a broad word of the topic: not worth a fetch
    named: list[str] = []  # name a person of the topic, in another story: fetched, scored
    others: list[str] = []
    number = 0

    def article(outlet: str, day: date, kind: str) -> tuple[str, str]:
        nonlocal number
        number += 1
        slug = {
            "story": "kim-jong-un-vladivostok",
            "decoy": "rusia-gandum",
            "named": "kim-jong-un-pupuk",
            "other": "cabai",
        }
        path = f"/{outlet}/{day:%Y/%m/%d}/{slug[kind]}-{number}"
        if kind == "story":
            web.routes[path] = Reply(body=story_article(number, day))
            story.setdefault(outlet, []).append(web.url(path))
            return web.url(path), STORY_TITLE.format(number=number)
        title, text = {
            "decoy": (DECOY_TITLE, DECOY_TEXT),
            "named": (NAMED_DECOY_TITLE, NAMED_DECOY_TEXT),
            "other": (OTHER_TITLE, OTHER_TEXT),
        }[kind]
        title = title.format(number=number)
        web.routes[path] = Reply(body=plain_article(title, text, day))
        (named if kind == "named" else decoys if kind == "decoy" else others).append(path)
        return web.url(path), title

    for day in DAYS:
        first = [article("indeks", day, k) for k in ("story", "other", "decoy", "named")]
        second = [article("indeks", day, k) for k in ("other", "story")]
        web.routes[index_url(PAGED, day, 1)] = index_page(first)
        web.routes[index_url(PAGED, day, 2)] = index_page(second)
        web.routes[index_url(PAGED, day, 3)] = index_page(second)  # nothing new: the walk ends
        web.routes[index_url(DAILY, day)] = index_page(
            [article("tanggal", day, k) for k in ("other", "story", "decoy", "named")]
        )
        web.routes[index_url(SCRIPTED, day)] = index_page(
            [article("layar", day, k) for k in ("story", "other")], scripted=True
        )
        # Story articles that only the web archives still hold: their live URLs are gone.
        for outlet, archive in (("arsipweb", wayback), ("arsipcc", commoncrawl)):
            url, _ = article(outlet, day, "story")
            archive.add(url, timestamp(day), story_article(number, day))
            del web.routes[urlsplit_path(url)]
    # The Wayback Machine also holds one article the live index lists: fetched once.
    overlap = story["indeks"][0]
    wayback.add(overlap, timestamp(DAYS[0], 18), story_article(1, DAYS[0]))

    today = date.today()
    outlets = {
        "indeks": {"archives": [web.url(PAGED)], "article_pattern": r"/indeks/\d{4}/"},
        "tanggal": {"archives": [web.url(DAILY)], "article_pattern": r"/tanggal/\d{4}/"},
        "layar": {
            "archives": [web.url(SCRIPTED)],
            "article_pattern": r"/layar/\d{4}/",
            "render": True,
        },
        "arsipweb": {"article_pattern": r"/arsipweb/\d{4}/"},
        "arsipcc": {"article_pattern": r"/arsipcc/\d{4}/"},
    }
    sources = [
        {
            "name": name,
            "hosts": ["127.0.0.1"],
            "feeds": [web.url(feed_of_this_week(web, name, today))],
            **values,
        }
        for name, values in outlets.items()
    ]
    web.start()
    base = tmp_path_factory.mktemp("backfill")
    topic = {**seed_topic(), "since": DAYS[0].isoformat(), "until": DAYS[-1].isoformat()}
    crawl = {"backfill": {"wayback": wayback.endpoints, "commoncrawl": commoncrawl.endpoints}}
    config = write_config(base / "config", sources, [topic], crawl)
    db = base / "archive.db"
    first = run_pantau("crawl", "--config", str(config), "--db", str(db))
    first_log = list(web.log)
    stored_first = _stored(db)
    second = run_pantau("crawl", "--config", str(config), "--db", str(db))
    second_log = web.log[len(first_log) :]
    web.stop()
    return {
        "web": web,
        "db": db,
        "first": first,
        "second": second,
        "story": story,
        "decoys": decoys,
        "named": named,
        "others": others,
        "first_log": first_log,
        "second_log": second_log,
        "wayback": wayback,
        "commoncrawl": commoncrawl,
        "overlap": overlap,
        "stored_first": stored_first,
    }


def urlsplit_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _stored(db) -> dict[str, set[str]]:
    stored: dict[str, set[str]] = {}
    for row in rows(db, "select source, url from articles where is_seed = 0"):
        stored.setdefault(row["source"], set()).add(row["url"])
    return stored


def test_one_crawl_stores_the_story_from_every_route(past_story):
    result = past_story["first"]
    assert result.returncode == 0, result.stderr[-3000:]
    expected = {outlet: set(urls) for outlet, urls in past_story["story"].items()}
    if not CHROMIUM:
        expected.pop("layar")
    assert _stored(past_story["db"]) == expected
    [run] = rows(past_story["db"], "select id from crawl_runs order by id limit 1")
    assert per_source(past_story["db"], run["id"])["backfill"]["status"] == "ok"


def test_archived_articles_keep_their_own_url_and_the_capture(past_story):
    db, web = past_story["db"], past_story["web"]
    pages = rows(
        db,
        "select pages.url, capture_url, captured_at, pages.source from pages join articles"
        " on articles.id = article_id where articles.source in ('arsipweb', 'arsipcc')",
    )
    assert len(pages) == 2 * len(DAYS)
    for page in pages:
        route = "wayback" if page["source"] == "arsipweb" else "cc"
        assert page["capture_url"].startswith(web.url(f"/{route}/")), page
        assert page["captured_at"].startswith("2023-09-1"), page
        # The live URL, gone, was never asked for: the archive's copy stands in for it.
        assert past_story["web"].requests_for(urlsplit_path(page["url"])) == []


def test_an_article_both_live_and_archived_is_fetched_once(past_story):
    web, overlap = past_story["web"], past_story["overlap"]
    live = len(web.requests_for(urlsplit_path(overlap)))
    archived = len([p for _, p in past_story["first_log"] if p.endswith("id_/" + overlap)])
    assert live + archived == 1


def test_other_stories_are_skipped_by_headline_or_scored(past_story):
    db, web = past_story["db"], past_story["web"]
    for path in past_story["others"] + past_story["decoys"]:
        assert web.requests_for(path) == [], path
    for path in past_story["named"]:
        assert len(web.requests_for(path)) == 1, path
    statuses = {r["status"] for r in rows(db, "select status from urls where url like '%pupuk%'")}
    assert statuses == {"irrelevant"}


@pytest.mark.skipif(not CHROMIUM, reason="Chromium not installed (apt-get install chromium)")
def test_the_scripted_index_is_read_through_the_browser(past_story):
    assert _stored(past_story["db"])["layar"] == set(past_story["story"]["layar"])


def test_a_second_run_asks_no_index_or_archive_again_and_stores_nothing(past_story):
    second = past_story["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    asked = [path for _, path in past_story["second_log"]]
    indexes = {
        index_url(t, day, n) for t in (PAGED, DAILY, SCRIPTED) for day in DAYS for n in (1, 2, 3)
    }
    assert not indexes & set(asked)
    assert not [p for p in asked if p.startswith(("/wayback/cdx", "/cc/index/CC-MAIN"))]
    assert not [p for p in asked if "id_/" in p or p.startswith("/cc/data/")]
    assert _stored(past_story["db"]) == past_story["stored_first"]
    queries = rows(past_story["db"], "select route, count(*) as n from backfill_queries group by 1")
    assert {row["route"]: row["n"] for row in queries} == {"wayback": 5, "commoncrawl": 5}
    # Every outlet is on the one loopback host: each asked for all of its captures, over
    # two pages of the CDX answer (two rows a page, by resume key).
    counted = rows(
        past_story["db"], "select captures from backfill_queries where route = 'wayback'"
    )
    assert {row["captures"] for row in counted} == {len(DAYS) + 1}
    cdx = [path for _, path in past_story["first_log"] if path.startswith("/wayback/cdx")]
    assert len(cdx) == 5 * 2 and sum("resumeKey=" in path for path in cdx) == 5
    # Common Crawl: how many pages, then each page.
    counted = rows(
        past_story["db"], "select captures from backfill_queries where route != 'wayback'"
    )
    assert {row["captures"] for row in counted} == {len(DAYS)}
    index = [p for _, p in past_story["first_log"] if p.startswith("/cc/index/CC-MAIN-2023-39")]
    assert sum("showNumPages=true" in p for p in index) == 5
    assert sum("page=1" in p for p in index) == 5


def test_crawl_yml_may_switch_backfill_off(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a", "feeds": ["https://a.id/rss"]}], [])
    assert yaml.safe_load((config / "crawl.yml").read_text())["backfill"] is False
    assert load_config(config).crawl.backfill == {}
