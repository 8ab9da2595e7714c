"""The archive as Datasette serves it: config/metadata.yml tested like code."""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from datasette.app import Datasette

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.config.load import load_config
from crawler.crawl.runner import seed_archive
from crawler.datasette import PLUGINS_DIR, TEMPLATES_DIR
from tests.conftest import OFFLINE_ENV, ROOT, closed_port

METADATA = yaml.safe_load((ROOT / "config" / "metadata.yml").read_text("utf-8"))
TOPIC = "kim-jong-un-russia-2023"


@pytest.fixture
def archive(tmp_path):
    db_path = tmp_path / "archive.db"
    seed_archive(load_config(ROOT / "config"), db_path)
    db = open_db(db_path)
    text = "Presiden Vladimir Putin menjamu Kim Jong-un di kosmodrom Vostochny, Rusia. " * 8
    putin = {
        "url": "https://voi.id/berita/2/putin",
        "title": "Putin jamu Kim",
        "author": None,
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
        "published_at": "2023-09-13T12:00:00+07:00",
    }
    save_article(db, copy, "antaranews", [], {TOPIC: 0.4})
    db.close()
    return db_path


def get(ds, path):
    async def fetch():
        return await ds.client.get(path)

    return asyncio.run(fetch())


@pytest.mark.parametrize("name", sorted(METADATA["databases"]["archive"]["queries"]))
def test_every_canned_query_runs(archive, name):
    ds = Datasette([str(archive)], metadata=METADATA)
    params = {
        "search": "q=Vostochny",
        "coverage": f"topic={TOPIC}",
        "outlets_per_article": "article_id=x",
        "versions": "article_id=x",
    }
    response = get(ds, f"/archive/{name}.json?_shape=array&{params.get(name, '')}")
    assert response.status_code == 200, response.text
    rows = response.json()
    if name in ("search", "coverage", "seed_articles", "syndicated"):
        assert rows, name


def test_full_text_search_finds_the_seed_and_the_article(archive):
    ds = Datasette([str(archive)], metadata=METADATA)
    rows = get(ds, "/archive/search.json?_shape=array&q=Vladivostok").json()
    assert any(row["is_seed"] == 1 for row in rows)
    rows = get(ds, "/archive/articles.json?_shape=array&_search=Vostochny").json()
    assert sorted(row["title"] for row in rows) == ["Putin jamu Kim", "Putin sambut Kim"]


def test_an_article_page_shows_who_else_published_it(archive):
    ds = Datasette(
        [str(archive)],
        metadata=METADATA,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )
    rows = get(ds, "/archive/articles.json?_shape=array&source=voi&is_seed=0").json()
    page = get(ds, f"/archive/articles/{rows[0]['id']}")
    assert page.status_code == 200
    assert "Also published by" in page.text
    assert "antaranews" in page.text and "Putin sambut Kim" in page.text
    syndicated = get(ds, "/archive/syndicated.json?_shape=array").json()
    assert syndicated[0]["size"] == 2 and syndicated[0]["canonical_outlet"] == "voi"
    seed = get(ds, "/archive/articles.json?_shape=array&is_seed=1").json()[0]
    assert "Also published by" not in get(ds, f"/archive/articles/{seed['id']}").text


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
    url = f"http://127.0.0.1:{port}/archive/articles.json?_shape=array&_search=Shoigu"
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
        rows = json.loads(body)
        assert len(rows) == 1 and rows[0]["is_seed"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
