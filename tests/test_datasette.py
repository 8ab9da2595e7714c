"""The archive as `pantau serve` serves it, through Datasette's test client: the built-in
metadata on any archive name, Pantau's pages, and what `--public` takes away."""

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.archive.search import MAX_WORDS
from crawler.cli.main import cli
from crawler.config.load import ConfigError, load_config
from crawler.crawl.runner import seed_archive
from crawler.datasette import BUILT_IN_METADATA
from crawler.datasette.serve import datasette_for, is_loopback, metadata_for
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
    return datasette_for(db_path, metadata, public)


def get(ds, path):
    async def fetch():
        return await ds.client.get(path)

    return asyncio.run(fetch())


def post(ds, path, data=None):
    async def send():
        return await ds.client.post(path, data=data or {})

    return asyncio.run(send())


def raw_get(ds, path: str) -> int:
    """The status Datasette's app answers a GET of `path` with, the path passed on as a
    server passes it (an HTTP client would resolve its `..` first)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    started = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            started.append(message["status"])

    asyncio.run(ds.app()(scope, receive, send))
    return started[0]


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
    # Pantau records its own times in UTC: only a publisher's time is worth its original zone.
    assert other.count("as stored") == 1
    runs = get(ds, "/archive/articles?_col=first_seen_at&source=antaranews").text
    assert "WIB" in runs and "as stored" not in runs


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


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_requests_datasette_would_fail_on_get_the_clients_error(archive, public):
    ds = served(archive, public=public)
    # Writes where none is allowed: the canned queries read, the tables are read-only.
    for path in ("/archive/search", "/archive/search.json?q=Kim", "/archive/articles"):
        response = post(ds, path, {"q": "Kim"})
        assert response.status_code == 405, (path, response.text[:300])
        assert response.headers["allow"] == "GET, HEAD"
    assert post(ds, "/archive/articles.json").json()["error"] == "articles is read-only"
    # A sort by what cannot be sorted by.
    for query in ("_sort=nope", "_sort_desc=nope", "_sort=title&_sort_desc=title"):
        assert get(ds, f"/archive/articles?{query}").status_code == 400, query
    assert get(ds, "/archive/urls?_sort=rowid").status_code == 400  # urls has a primary key
    refused = get(ds, "/archive/articles.json?_sort=nope")
    assert refused.json() == {
        "ok": False,
        "error": "Cannot sort articles by nope",
        "status": 400,
        "title": None,
    }
    for query in ("_timelimit=soon", "_through=nope", '_through={"table": "urls"}'):
        assert get(ds, f"/archive/articles?{query}").status_code == 400, query
    # What Datasette serves still answers.
    assert get(ds, "/archive/articles?_sort=title").status_code == 200
    assert get(ds, "/archive/articles?_sort_desc=published_at&_timelimit=500").status_code == 200
    assert get(ds, "/archive/search?q=Kim&_sort=nope").status_code == 200  # a canned query
    # Paths no route serves, as a server passes them on.
    for path in (
        "/-/static/..",
        "/-/static/%2e%2e/app.py",
        "/-/static-plugins/pantau/..",
        "/archive/..",
        "/../../etc/passwd",
        "/.env",
        "/a/b/c/d",
        "/-/static/app.css/x",
    ):
        assert raw_get(ds, path) == 404, path
    assert raw_get(ds, "/-/static/app.css") == 200


def test_a_canned_query_that_writes_is_allowed_privately_and_refused_in_public(tmp_path):
    db_path = build_archive(tmp_path / "archive.db")
    config = tmp_path / "config"
    config.mkdir()
    metadata = yaml.safe_load(BUILT_IN_METADATA.read_text("utf-8"))
    metadata["databases"]["archive"]["queries"]["add_topic"] = {
        "sql": "insert into topics (name) values (:name)",
        "write": True,
    }
    (config / "metadata.yml").write_text(yaml.safe_dump(metadata), "utf-8")
    response = post(served(db_path, config_dir=config), "/archive/add_topic", {"name": "baru"})
    assert response.status_code == 302, response.text[:300]
    assert sqlite3.connect(db_path).execute("select 1 from topics where name = 'baru'").fetchone()
    with pytest.raises(ConfigError) as refused:
        served(db_path, public=True, config_dir=config)
    assert refused.value.key == "databases.archive.queries.add_topic"


def test_times_another_tool_wrote_are_shown_as_written(archive):
    """The archive is open to sqlite-utils: a time in another format, as a number, at the
    end of time, or as bytes renders as written, and sorts and groups as text."""
    db = sqlite3.connect(archive)
    written = {
        "voi": "13/09/2023 10:00",
        "antaranews": 1694574000,
        "kabar": "9999-12-31T23:59:59-05:00",
    }
    for source, published_at in written.items():
        db.execute(
            "update articles set published_at = ? where source = ? and is_seed = 0",
            [published_at, source],
        )
    db.execute("update articles set published_at = ? where is_seed = 1", [b"2023-09-18"])
    db.commit()
    db.close()
    for public in (False, True):
        ds = served(archive, public=public)
        ids = {
            row["source"] if not row["is_seed"] else "seed": row["id"]
            for row in get(ds, "/archive/articles.json?_shape=array").json()
        }
        pages = [
            "/",
            "/-/search?q=Kim",
            "/-/search?q=Kim&sort=date",
            f"/-/feed/{TOPIC}.atom",
            "/archive/articles",
            "/archive/articles?_sort=published_at",
            f"/archive/coverage?topic={TOPIC}",
            "/archive/coverage_by_outlet",
            *(f"/-/article/{ids[source]}" for source in [*written, "seed"]),
        ]
        for path in pages:
            response = get(ds, path)
            assert response.status_code == 200, (path, response.text[-500:])
        assert "13/09/2023 10:00" in get(ds, f"/-/article/{ids['voi']}").text
        assert "1694574000" in get(ds, f"/-/article/{ids['antaranews']}").text
        assert "9999-12-31T23:59:59-05:00" in get(ds, f"/-/article/{ids['kabar']}").text
        found = get(ds, "/-/search.json?q=Kim&sort=date").json()
        days = dict(map(tuple, found["facets"]["day"]))
        assert {"13/09/2023", "1694574000", "9999-12-31", "2023-09-18"} <= set(days)
        feed = feedparser.parse(get(ds, f"/-/feed/{TOPIC}.atom").text)
        assert feed.bozo == 0 and not any("published" in entry for entry in feed.entries)


def test_a_pasted_page_is_searched_by_its_first_words_and_says_so(archive):
    """3,000 words: the first MAX_WORDS are searched (all "Kim", found), the rest are left
    out (a word no article has, which would find nothing), and the page says so."""
    pasted = quote("Kim " * MAX_WORDS + "tidakadadimanapun " * 3000)
    for public in (False, True):
        ds = served(archive, public=public)
        canned = get(ds, f"/archive/search.json?_shape=array&q={pasted}")
        assert canned.status_code == 200 and len(canned.json()) >= 1
        page = get(ds, f"/archive/search?q={pasted}")
        assert page.status_code == 200
        assert f"Search shortened to the first {MAX_WORDS} words" in page.text
        found = get(ds, f"/-/search.json?q={pasted}")
        assert found.status_code == 200 and found.json()["total"] >= 1
        assert found.json()["query"].count('"kim"') == MAX_WORDS  # the FTS5 query run
        assert f"the first {MAX_WORDS} words" in found.json()["note"]
        page = get(ds, f"/-/search?q={pasted}")
        assert page.status_code == 200 and f"the first {MAX_WORDS} words" in page.text
        assert "tidakadadimanapun" not in page.text  # the box shows what was searched
    ds = served(archive)
    # The SQL function the canned query runs, asked directly: MAX_WORDS phrases.
    sql = quote("select pantau_query(:q) as query")
    run = get(ds, f"/archive.json?_shape=array&sql={sql}&q={pasted}").json()[0]["query"]
    assert run.count('"') == 2 * MAX_WORDS
    assert "shortened" not in get(ds, "/archive/search?q=Kim+Jong-un").text
    assert get(ds, "/-/search.json?q=Kim+Jong-un").json()["note"] is None


def test_binding_other_machines_without_public_warns(tmp_path, monkeypatch):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    started = []
    monkeypatch.setattr("crawler.cli.main.serve_archive", lambda *args: started.append(args))
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
    _, metadata, host, _, is_public = started[-1]
    assert metadata["allow_sql"] is False and "a" in metadata["databases"]
    assert host == "0.0.0.0" and is_public


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_pantau_serve_answers_over_http_and_leaves_nothing_behind(tmp_path, stop):
    """`pantau serve` on a fresh path creates the archive with the seed and serves it;
    stopped by Ctrl-C or by SIGTERM, it leaves nothing in the temporary folder."""
    port = closed_port()
    db_path = tmp_path / "archive.db"
    log = tmp_path / "serve.log"
    temp = tmp_path / "tmp"
    temp.mkdir()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", "--db", str(db_path), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **OFFLINE_ENV, "TMPDIR": str(temp)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/-/search.json?q=Shoigu"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                body = opener.open(url, timeout=10).read()
                break
            except OSError:
                try:  # wait a little for the server, noticing at once if it died
                    server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        assert body is not None, log.read_text(errors="replace")
        rows = json.loads(body)["rows"]
        assert len(rows) == 1 and rows[0]["is_seed"] == 1
        server.send_signal(stop)
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # Ctrl-C is how a server is stopped, not a failure; SIGTERM ends it as SIGTERM does.
    assert server.returncode == (0 if stop == signal.SIGINT else -stop), log.read_text()
    assert list(temp.iterdir()) == []
