"""The main crawl path on pages written for these tests: it runs without ../shared.

A feed on 127.0.0.1 lists two written articles (one declares og:type "website"), the AMP
variant of one of them, a copy of it with tracking parameters, a tag page and a redirect
loop; a second source on the same host lists the first article too. `pantau crawl` runs
twice.
"""

import json

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.urls import url_id
from tests.conftest import per_source, rows, run_pantau, seed_topic, write_config
from tests.mockweb import FIXTURES, MockWeb, Reply, rss

WRITTEN = FIXTURES / "pages" / "pantaunews"
TAG = "/pantaunews/tag/kim-jong-un"
LOOP = "/pantaunews/internasional/2023/09/18/putar-putar"


def _path(name: str) -> str:
    return json.loads((WRITTEN / f"{name}.json").read_text("utf-8"))["url_path"]


@pytest.fixture(scope="module")
def own_web():
    web = MockWeb()
    kim, putin = _path("kim-vladivostok"), _path("kim-teaser-list")
    amp = "/pantaunews/amp/internasional/2023/09/18/kim-vladivostok"
    web.routes[kim] = Reply(body=(WRITTEN / "kim-vladivostok.html").read_bytes())
    web.routes[amp] = Reply(body=(WRITTEN / "kim-vladivostok-amp.html").read_bytes())
    web.routes[putin] = Reply(body=(WRITTEN / "kim-teaser-list.html").read_bytes())
    web.routes[TAG] = Reply(body=(FIXTURES / "listings" / "tag-kim-jong-un.html").read_bytes())
    web.routes[LOOP] = Reply(302, headers={"Location": LOOP + "-lagi"})
    web.routes[LOOP + "-lagi"] = Reply(302, headers={"Location": LOOP})
    items = [
        ("Kim Jong-un Tinggalkan Vladivostok", web.url(kim)),
        ("Kim Jong-un Tinggalkan Vladivostok", web.url(kim + "?utm_source=rss")),
        ("Kim Jong-un Tinggalkan Vladivostok (AMP)", web.url(amp)),
        ("Putin Terima Undangan Kim ke Pyongyang", web.url(putin)),
        ("Kim Jong-un", web.url(TAG)),
        ("Kim Jong-un Berputar-putar di Vladivostok", web.url(LOOP)),
    ]
    web.routes["/pantaunews/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    web.routes["/cermin/rss.xml"] = Reply(body=rss(items[:1]), content_type="application/rss+xml")
    web.start()
    yield web, {"kim": kim, "amp": amp, "putin": putin}
    web.stop()


@pytest.fixture(scope="module")
def crawled(own_web, tmp_path_factory):
    web, paths = own_web
    base = tmp_path_factory.mktemp("own")
    source = {
        "name": "pantaunews",
        "hosts": ["127.0.0.1"],
        "feeds": [web.url("/pantaunews/rss.xml")],
        "article_pattern": "/pantaunews/",
    }
    # Another source on the same host (a mirror, a section) that links the same article.
    mirror = {"name": "cermin", "hosts": ["127.0.0.1"], "feeds": [web.url("/cermin/rss.xml")]}
    # An outlet kept in the config but switched off.
    off = {"name": "mati", "feeds": [web.url("/mati/rss.xml")], "disabled": "feed moved"}
    # The seed's story, and a topic without terms that keeps everything (as in test_crawl).
    config = write_config(
        base / "config",
        [source, mirror, off],
        [seed_topic(), {"name": "semua", "min_relevance": 0}],
    )
    db = base / "archive.db"
    first = run_pantau("crawl", "--config", str(config), "--db", str(db))
    stored = rows(db, "select id, url, title from articles where is_seed = 0 order by url")
    second = run_pantau("crawl", "--config", str(config), "--db", str(db))
    return {
        "web": web,
        "paths": paths,
        "db": db,
        "first": first,
        "second": second,
        "stored": stored,
    }


def test_both_articles_are_stored_once(crawled):
    assert crawled["first"].returncode == 0, crawled["first"].stderr[-3000:]
    web, paths = crawled["web"], crawled["paths"]
    assert [row["url"] for row in crawled["stored"]] == sorted(
        [web.url(paths["kim"]), web.url(paths["putin"])]
    )
    # The tracking-parameter copy and the AMP variant lead to the same article.
    for path in (paths["kim"] + "?utm_source=rss", paths["amp"]):
        linked = rows(
            crawled["db"], "select article_id from urls where id = ?", [url_id(web.url(path))]
        )
        assert linked and linked[0]["article_id"] == next(
            row["id"] for row in crawled["stored"] if row["url"] == web.url(paths["kim"])
        ), path


def test_the_tag_page_is_refused_and_the_doubtful_article_says_why(crawled):
    web, paths = crawled["web"], crawled["paths"]
    tag = rows(
        crawled["db"], "select status, reason from urls where id = ?", [url_id(web.url(TAG))]
    )
    assert tag[0]["status"] == "dropped"
    assert "not an article page" in tag[0]["reason"] and "tag" in tag[0]["reason"]
    putin = rows(
        crawled["db"],
        "select status, reason from urls where id = ?",
        [url_id(web.url(paths["putin"]))],
    )
    assert putin[0]["status"] == "article"
    assert "og:type website" in putin[0]["reason"]


def test_a_disabled_outlet_is_listed_and_not_crawled(crawled):
    assert "mati: disabled (feed moved)" in crawled["first"].stdout
    assert crawled["web"].requests_for("/mati/rss.xml") == []


def test_a_url_two_sources_link_is_fetched_once_and_kept_for_both(crawled):
    web, db = crawled["web"], crawled["db"]
    assert len(web.requests_for(crawled["paths"]["kim"])) == 1
    key = url_id(web.url(crawled["paths"]["kim"]))
    carried = rows(db, "select source from url_sources where url_id = ? order by 1", [key])
    assert [row["source"] for row in carried] == ["cermin", "pantaunews"]
    # Whichever fetched it, reextract finds it for either source; an unknown one is an error.
    for source in ("cermin", "pantaunews"):
        result = CliRunner().invoke(cli, ["reextract", "--db", str(db), "--source", source])
        assert result.exit_code == 0, result.output
        counts = [int(word) for word in result.output.splitlines()[-1].split() if word.isdigit()]
        assert sum(counts) >= 1, (source, result.output)  # updated, unchanged or kept
    unknown = CliRunner().invoke(cli, ["reextract", "--db", str(db), "--source", "nope"])
    assert unknown.exit_code == 2 and "no pages from a source 'nope'" in unknown.output


def test_a_redirect_loop_fails_and_is_counted(crawled):
    web = crawled["web"]
    loop = rows(
        crawled["db"], "select status, reason from urls where id = ?", [url_id(web.url(LOOP))]
    )
    assert loop and loop[0]["status"] == "error"
    assert "redirect" in loop[0]["reason"].lower()
    run = per_source(crawled["db"], 1)["pantaunews"]
    assert run["errors"] >= 1


def test_the_second_run_stores_nothing_and_refetches_no_article(crawled):
    second = crawled["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    assert rows(crawled["db"], "select count(*) as n from articles where is_seed = 0")[0]["n"] == 2
    web, paths = crawled["web"], crawled["paths"]
    for path in (paths["kim"], paths["putin"], TAG):
        assert len(web.requests_for(path)) == 1, path
