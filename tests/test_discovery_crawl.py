"""From the seed alone: a crawl of a mixed outlet keeps the related coverage and nothing else."""

import shutil

import pytest
import yaml

from crawler.urls import url_id
from tests.conftest import ROOT, SHIPPED_MIN_RELEVANCE, rows, run_pantau, write_config
from tests.mockweb import MockWeb
from tests.storyweb import build_story_site


@pytest.fixture(scope="module")
def story_crawl(real_data, tmp_path_factory):
    web = MockWeb()
    site = build_story_site(web)
    web.start()
    base = tmp_path_factory.mktemp("story")
    source = {
        "name": "kabar",
        "hosts": ["127.0.0.1"],
        "feeds": [web.url("/kabar/rss.xml")],
        "tags": [web.url("/kabar/tag/{tag}")],
        "search": [web.url("/kabar/cari?q={query}")],
        "article_pattern": "/kabar/berita/\\d+/",
    }
    config = write_config(base / "config", [source], [])
    # The shipped topic, exactly: its seed, keywords, window and threshold.
    shutil.copy(ROOT / "config" / "topics.yml", config / "topics.yml")
    db = base / "archive.db"
    result = run_pantau("crawl", "--config", str(config), "--db", str(db))
    web.stop()
    return {"web": web, "site": site, "db": db, "result": result}


def test_all_related_coverage_is_stored_and_nothing_else(story_crawl):
    assert story_crawl["result"].returncode == 0, story_crawl["result"].stderr[-2000:]
    db, web, site = story_crawl["db"], story_crawl["web"], story_crawl["site"]
    stored = {r["url"] for r in rows(db, "select url from articles where is_seed = 0")}
    assert stored == {web.url(p["path"]) for p in site["related"]}
    scores = rows(
        db,
        "select relevance from article_topics join articles on id = article_id where is_seed = 0",
    )
    assert all(r["relevance"] >= SHIPPED_MIN_RELEVANCE for r in scores)


def test_hard_negatives_are_fetched_scored_and_remembered(story_crawl):
    db, web, site = story_crawl["db"], story_crawl["web"], story_crawl["site"]
    fetched = [p for p in site["others"] if web.requests_for(p["path"])]
    assert fetched, "headlines naming Kim or Putin should be fetched"
    for page in fetched:
        [row] = rows(
            db, "select status, relevance from urls where id = ?", [url_id(web.url(page["path"]))]
        )
        assert row["status"] == "irrelevant", page["title"]
        assert row["relevance"] < SHIPPED_MIN_RELEVANCE, page["title"]


def test_off_topic_headlines_are_not_fetched(story_crawl):
    web, site = story_crawl["web"], story_crawl["site"]
    for page in site["unrelated_real"]:
        assert web.requests_for(page["path"]) == [], page["title"]
    unrelated = [p for p in site["others"] if p["label"] == "negative"]
    assert all(web.requests_for(p["path"]) == [] for p in unrelated)


def test_tag_search_and_related_links_find_articles_in_no_feed(story_crawl):
    web, site, db = story_crawl["web"], story_crawl["site"], story_crawl["db"]
    assert web.requests_for("/kabar/tag/kim-jong-un")
    assert any(path.startswith("/kabar/cari?q=") for _, path in web.log)
    for page in site["tagged"] + site["searched"] + [site["hidden"]]:
        assert rows(db, "select 1 from articles where url = ?", [web.url(page["path"])]), page[
            "title"
        ]
    # The hidden article was reached through the first article's "Baca juga" link only.
    assert site["hidden"] not in site["tagged"] + site["searched"]


def test_topic_query_terms_were_used_for_search(story_crawl):
    web = story_crawl["web"]
    searched = sorted(path for _, path in web.log if path.startswith("/kabar/cari"))
    assert "/kabar/cari?q=Kim+Jong-un" in searched
    topics = yaml.safe_load((ROOT / "config" / "topics.yml").read_text())["topics"]
    assert topics[0]["keywords"][0] == "Kim Jong-un"
