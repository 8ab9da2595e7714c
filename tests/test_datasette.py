"""The archive as `pantau serve` serves it, through Datasette's test client: the built-in
metadata on any archive name, Pantau's pages, and what `--public` takes away."""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.cli.main import cli
from crawler.config.load import load_config
from crawler.crawl.runner import seed_archive
from crawler.datasette import BUILT_IN_METADATA, PLUGINS_DIR, TEMPLATES_DIR
from crawler.datasette.serve import is_loopback, metadata_for
from tests.conftest import OFFLINE_ENV, ROOT, closed_port

QUERIES = sorted(
    yaml.safe_load(BUILT_IN_METADATA.read_text("utf-8"))["databases"]["archive"]["queries"]
)
TOPIC = "kim-jong-un-russia-2023"
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def build_archive(db_path: Path) -> Path:
    """The shipped topic's seed, an article and its syndicated copy, and a hostile page."""
    seed_archive(load_config(ROOT / "config"), db_path)
    db = open_db(db_path)
    db["topics"].insert({"name": TOPIC, "min_relevance": 0.26}, pk="name", replace=True, alter=True)
    text = "Presiden Vladimir Putin menjamu Kim Jong-un di kosmodrom Vostochny, Rusia. " * 8
    putin = {
        "url": "https://voi.id/berita/2/putin",
        "title": "Putin jamu Kim",
        "author": "Rina",
        "published_at": "2023-09-13T10:00:00+07:00",
        "text": text,
        "language": "id",
    }
    save_article(db, putin, "voi", [], {TOPIC: 0.4})
    copy = {
        **putin,
        "url": "https://antaranews.com/berita/3/putin",
        "title": "Putin sambut Kim",
        "text": text + " Sumber: ANTARA.",
        "published_at": "2023-09-13T12:00:00+08:00",
    }
    save_article(db, copy, "antaranews", [], {TOPIC: 0.4})
    hostile = {
        "url": "javascript:alert(1)",
        "title": f"Kim Jong-un {HOSTILE}",
        "author": None,
        "published_at": "2023-09-14",
        "text": f"Kim Jong-un di Vladivostok {HOSTILE} <a href='javascript:alert(2)'>klik</a>",
        "language": "id",
    }
    save_article(db, hostile, "kabar", [], {TOPIC: 0.5})
    db.close()
    open_db(db_path).close()  # the stemmed index catches up, as `pantau serve` does
    return db_path


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path / "archive.db")


def served(db_path: Path, public: bool = False, config_dir: Path | None = None) -> Datasette:
    """Datasette as `pantau serve` starts it (a config directory without metadata.yml)."""
    metadata = metadata_for(config_dir or db_path.parent, db_path.stem, public)
    return Datasette(
        [str(db_path)],
        metadata=metadata,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        settings={"default_allow_sql": not public},
    )


def get(ds, path):
    async def fetch():
        return await ds.client.get(path)

    return asyncio.run(fetch())


@pytest.mark.parametrize("name", QUERIES)
def test_every_canned_query_answers_with_and_without_its_parameters(archive, name):
    ds = served(archive)
    params = {
        "search": "q=Kim Jong-un",
        "coverage": f"topic={TOPIC}",
        "outlets_per_article": "article_id=x",
        "versions": "article_id=x",
    }
    for query in (params.get(name, ""), "q=&topic=&article_id="):
        response = get(ds, f"/archive/{name}.json?_shape=array&{query}")
        assert response.status_code == 200, response.text
    rows = get(ds, f"/archive/{name}.json?_shape=array&{params.get(name, '')}").json()
    if name in ("search", "coverage", "seed_articles", "syndicated", "coverage_by_outlet"):
        assert rows, name
    if name == "coverage":  # an empty topic is the first topic
        assert get(ds, "/archive/coverage.json?_shape=array&topic=").json() == rows


def test_search_forgives_what_people_type(archive):
    ds = served(archive)
    for typed in ("Kim Jong-un", '"Kim Jong', "Kim AND (", "vladiv", "Vladivostok"):
        response = get(ds, f"/-/search.json?q={typed}")
        assert response.status_code == 200, typed
        assert response.json()["total"] >= 1, typed
    page = get(ds, "/-/search?q=Kim+Jong-un")
    assert "<mark>Kim</mark>" in page.text
    assert "&lt;b&gt;" not in page.text and "<b>Vladivostok</b>" not in page.text
    seed = get(ds, "/-/search.json?q=Vladivostok").json()["rows"]
    assert any(row["is_seed"] for row in seed)


def test_facets_and_filters(archive):
    ds = served(archive)
    result = get(ds, "/-/search.json?q=Putin").json()
    # The seed (voi) names Putin too.
    assert dict(map(tuple, result["facets"]["source"])) == {"voi": 2, "antaranews": 1}
    only = get(ds, "/-/search.json?q=Putin&source=antaranews").json()
    assert [row["source"] for row in only["rows"]] == ["antaranews"]
    dated = get(ds, "/-/search.json?q=Putin&since=2023-09-14").json()
    assert [row["is_seed"] for row in dated["rows"]] == [1]  # the seed, of 18 September


def test_home_page_puts_each_topic_at_the_centre(archive):
    page = get(served(archive), "/")
    assert page.status_code == 200
    assert TOPIC in page.text and "Seed" in page.text and "<svg" in page.text
    assert '<input type="search"' in page.text
    assert f"/-/feed/{TOPIC}.atom" in page.text


def test_article_page_reads_like_an_article(archive):
    ds = served(archive)
    voi = get(ds, "/archive/articles.json?_shape=array&source=voi&is_seed=0").json()[0]
    page = get(ds, f"/-/article/{voi['id']}").text
    assert "<title>Putin jamu Kim</title>" in page
    assert "Rabu, 13 Sep 2023 10:00 WIB" in page
    assert page.index("Also published by") < page.index("Presiden Vladimir Putin menjamu")
    assert "antaranews" in page and "Putin sambut Kim" in page
    # Its own URL is never listed as a copy of itself.
    assert page.count('href="https://voi.id/berita/2/putin"') == 1
    copy = get(ds, "/archive/articles.json?_shape=array&source=antaranews").json()[0]
    other = get(ds, f"/-/article/{copy['id']}").text
    assert "Rabu, 13 Sep 2023 11:00 WIB (12:00 +0800 as stored)" in other


def test_a_seed_without_headline_is_titled_by_its_opening(archive):
    ds = served(archive)
    seed = get(ds, "/archive/articles.json?_shape=array&is_seed=1").json()[0]
    page = get(ds, f"/-/article/{seed['id']}").text
    assert "<title>JAKARTA - Pemimpin Korea Utara Kim Jong-un" in page


def test_scraped_text_is_never_html(archive):
    ds = served(archive)
    hostile = get(ds, "/archive/articles.json?_shape=array&source=kabar").json()[0]
    for path in (f"/-/article/{hostile['id']}", "/-/search?q=Kim", "/", "/archive/articles"):
        page = get(ds, path).text
        assert "<script>window.pwned" not in page, path
        assert 'onerror="window.pwned' not in page, path
        assert 'href="javascript:' not in page, path


def test_tables_show_an_opening_and_wib_times(archive):
    page = get(served(archive), "/archive/articles?is_seed=0&source=voi").text
    assert "Rabu, 13 Sep 2023 10:00 WIB" in page
    # An opening (the sentence repeats 8 times in the text), not the whole text.
    assert 0 < page.count("Presiden Vladimir Putin menjamu") < 8


def test_atom_feed_per_topic(archive):
    body = get(served(archive), f"/-/feed/{TOPIC}.atom").text
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.id and feed.feed.title and feed.feed.updated
    assert {entry.title for entry in feed.entries} >= {"Putin jamu Kim", "Putin sambut Kim"}
    assert all(entry.id and entry.title and entry.updated for entry in feed.entries)
    assert get(served(archive), "/-/feed/nope.atom").status_code == 404


def test_any_archive_name_gets_the_metadata(tmp_path):
    other = build_archive(tmp_path / "other.db")
    ds = served(other)
    assert get(ds, "/other/search.json?_shape=array&q=Vladivostok").status_code == 200
    assert "Related coverage of a topic" in get(ds, "/other").text
    assert get(ds, "/").status_code == 200


def test_public_mode_is_read_only_and_hides_raw_pages(archive):
    ds = served(archive, public=True)
    assert get(ds, "/archive.json?sql=select+1").status_code == 403
    assert get(ds, "/archive/pages").status_code == 403
    assert get(ds, "/archive/stem_queue").status_code == 403
    assert get(ds, "/archive/articles.json").status_code == 200
    assert get(ds, "/-/search.json?q=Kim").status_code == 200


def test_binding_other_machines_without_public_warns(tmp_path, monkeypatch):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    started = []
    monkeypatch.setattr(os, "execv", lambda *args: started.append(args))
    config = tmp_path / "config"
    config.mkdir()
    for name in ("topics.yml", "crawl.yml"):
        (config / name).write_bytes((ROOT / "config" / name).read_bytes())
    (config / "seeds").mkdir()
    for seed in (ROOT / "config" / "seeds").iterdir():
        (config / "seeds" / seed.name).write_bytes(seed.read_bytes())
    (config / "sources.yml").write_text("sources: [{name: a, feeds: ['https://a.id/rss']}]")
    db = str(tmp_path / "a.db")
    runner = CliRunner()
    loud = runner.invoke(cli, ["serve", "--config", str(config), "--db", db, "--host", "0.0.0.0"])
    assert "Warning: serving on 0.0.0.0" in loud.output
    public = runner.invoke(
        cli, ["serve", "--config", str(config), "--db", db, "--host", "0.0.0.0", "--public"]
    )
    assert "Warning" not in public.output and "(public, read-only)" in public.output
    command = started[-1][1]
    written = Path(command[command.index("-m", command.index("serve")) + 1])
    metadata = json.loads(written.read_text())
    written.unlink()
    assert metadata["allow_sql"] is False and "a" in metadata["databases"]


def test_pantau_serve_answers_over_http(tmp_path):
    """`pantau serve` on a fresh path creates the archive with the seed and serves it."""
    port = closed_port()
    db_path = tmp_path / "archive.db"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", "--db", str(db_path), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **OFFLINE_ENV},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/-/search.json?q=Shoigu"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                body = opener.open(url, timeout=5).read()
                break
            except OSError:
                try:  # wait a little for the server, noticing at once if it died
                    server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        assert body is not None, log.read_text(errors="replace")
        rows = json.loads(body)["rows"]
        assert len(rows) == 1 and rows[0]["is_seed"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
