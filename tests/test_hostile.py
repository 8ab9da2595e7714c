"""Hostile pages in one crawl: each is stored, or recorded with its reason; none crashes it.

One mock outlet on 127.0.0.1 serves, beside ordinary articles: stories of 5 and 25 pages, a
story whose 3 pages of 8 MB pass the combined cap, an article dated 9999-12-31, a URL that
answers JSON, gzip bombs as sitemaps (gzipped bodies, and x-gzip Content-Encoding), valid
articles holding a form feed, a "&#2;" or a NUL in their first 4 KB, an article with 10,000
"Baca juga" links that all 404, and links that answer 404 and 410. It is crawled twice, each
a `python -m crawler crawl` of its own; the second run must fetch none of those pages again.
"""

import asyncio
import os
import re
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler.archive.rescore import rescore
from crawler.archive.rows import failed_extraction_urls, known_url_ids
from crawler.archive.schema import open_db
from crawler.archive.writer import ArchiveWriter
from crawler.config.load import Source
from crawler.crawl.context import CrawlContext
from crawler.crawl.items import Page
from crawler.crawl.pipelines import ArchivePipeline, ExtractionFailed, ExtractPipeline
from crawler.crawl.spider import MAX_RELATED_LINKS, NewsSpider, count_failure
from crawler.discover.pagination import MAX_PAGES
from crawler.urls import url_id
from tests.conftest import (
    LOOPBACK_SETTINGS,
    OFFLINE_ENV,
    ROOT,
    per_source,
    rows,
    seed_topic,
    write_config,
)
from tests.mockweb import FIXTURES, MockWeb, Reply, rss

KIM = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_text("utf-8")
BERITA = "/keras/berita"
# Generous: a crawl peaks near 250 MB here, its extraction workers included. One that held
# every story whole would still fit; one that grew with the pages it read would not.
PEAK_RSS_LIMIT_MB = 1024
BOMB_UNPACKED_BYTES = 200 * 1024 * 1024
BIG_PAGE_BYTES = 8 * 1024 * 1024


def article(number: int, change=lambda html: html) -> bytes:
    """The written Kim article, made distinct by a paragraph of its own, then `change`d."""
    html = KIM.replace(
        '<link rel="canonical" href="/pantaunews/internasional/2023/09/18/kim-vladivostok">', ""
    )
    extra = f"<p>Laporan lanjutan nomor {number} dari tim liputan kami di Primorye.</p>"
    return change(html.replace('<div class="content">', '<div class="content">' + extra)).encode()


def story_page(path: str, number: int, pages: int, padding: int = 0) -> bytes:
    """Page `number` of the story at `path`, of `pages` pages ("?page=N", "Halaman
    selanjutnya"), with `padding` bytes of inline script (a page's bundled JSON)."""
    story = path.rsplit("/", 1)[1]
    title = f"Kim Jong-un dan Putin, laporan berseri {story}"
    paragraphs = (
        f"Bagian {number} laporan {story}: delegasi Korea Utara yang dipimpin Kim Jong-un "
        "melanjutkan pembicaraan dengan pejabat Rusia di Vladivostok tentang pelabuhan.",
        f"Catatan redaksi untuk bagian {number}: kedua pihak membahas jalur kereta dari Khasan "
        "ke Rajin serta pengiriman bahan pangan ke Pyongyang pada bulan berikutnya.",
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    nav = ""
    if number < pages:
        nav = f'<a class="next" href="{path}?page={number + 1}">Halaman selanjutnya</a>'
    chunk = 1024 * 1024
    scripts = "".join(
        f"<script>var data{n} = '{'x' * min(chunk, padding - n * chunk)}';</script>"
        for n in range(-(-padding // chunk))
    )
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title} - Keras'
        '</title><meta property="article:published_time" content="2023-09-18T10:00:00+07:00">'
        f"</head><body><article><h1>{title}</h1><div class='content'>{body}</div>{nav}"
        f"</article>{scripts}</body></html>"
    ).encode()


def gzip_bomb(unpacked: int) -> bytes:
    """A sitemap that gunzips to `unpacked` bytes from under 1 MB."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # a gzip container
    entry = b"<url><loc>http://127.0.0.1/keras/berita/1/bom</loc></url>"
    chunk = entry * (2**20 // len(entry))
    packed = [
        packer.compress(
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        )
    ]
    packed += [packer.compress(chunk) for _ in range(unpacked // len(chunk))]
    return b"".join([*packed, packer.flush()])


@dataclass
class Site:
    web: MockWeb
    valid: dict[str, str]  # path -> a snippet its stored text must hold
    stories: dict[str, int]  # path -> pages it has
    related: list[str]  # the "Baca juga" links, all 404
    paths: dict[str, str]  # role -> path

    def article_paths(self) -> list[str]:
        pages = [
            f"{path}?page={n}" if n > 1 else path
            for path, count in self.stories.items()
            for n in range(1, count + 1)
        ]
        return [*self.valid, *pages, *self.related, *self.paths.values()]


def build_site(web: MockWeb) -> Site:
    valid = {}
    for number, (name, change, snippet) in enumerate(
        [
            ("biasa-pertama", lambda h: h, "Laporan lanjutan nomor 1 "),
            ("biasa-kedua", lambda h: h, "Laporan lanjutan nomor 2 "),
            (
                "tanggal-mustahil",
                lambda h: h.replace("2023-09-18T14:30:00+07:00", "9999-12-31T23:59:59Z"),
                "Laporan lanjutan nomor 3 ",
            ),
            (
                "ganti-halaman",
                lambda h: h.replace("kota Vladivostok", "kota\x0cVladivostok"),
                "meninggalkan kota Vladivostok",
            ),
            (
                "referensi-kendali",
                lambda h: h.replace("Artyom-Primorsky 1", "Artyom-Primorsky&#2; 1"),
                "stasiun Artyom-Primorsky",
            ),
            (
                "nul-di-kepala",
                lambda h: h.replace("<head>", '<head><meta name="x" content="a\x00b">'),
                "Laporan lanjutan nomor 6 ",
            ),
        ],
        start=1,
    ):
        path = f"{BERITA}/10000{number}/{name}"
        web.routes[path] = Reply(body=article(number, change))
        valid[path] = snippet
    # A declared codec that is no text encoding, and one byte that is not UTF-8.
    codec = f"{BERITA}/100012/kodek-bukan-charset"
    body = article(12, lambda h: h.replace('<meta charset="utf-8">', '<meta charset="base64">'))
    web.routes[codec] = Reply(
        body=body.replace(b"Primorye.", b"Primorye\xa0."), content_type="text/html"
    )
    valid[codec] = "Laporan lanjutan nomor 12 "
    # 10,000 on-topic "Baca juga" links, none of which exists.
    related = [f"{BERITA}/9{n:05d}/kim-jong-un-dan-putin-bagian-{n}" for n in range(10_000)]
    items = "".join(
        f'<li><a href="{href}">Kim Jong-un dan Putin bahas kerja sama bagian {n}</a></li>'
        for n, href in enumerate(related)
    )
    aside = f'<aside class="baca-juga"><h3>Baca juga</h3><ul>{items}</ul></aside>'
    baca = f"{BERITA}/100008/baca-juga-sepuluh-ribu"
    web.routes[baca] = Reply(body=article(8, lambda h: h.replace("</main>", aside + "</main>")))
    valid[baca] = "Laporan lanjutan nomor 8 "
    stories = {
        f"{BERITA}/200005/lima-halaman": 5,
        f"{BERITA}/200025/dua-puluh-lima-halaman": 25,
        f"{BERITA}/200003/tiga-halaman-besar": 3,
    }
    for path, pages in stories.items():
        padding = BIG_PAGE_BYTES if path.endswith("tiga-halaman-besar") else 0
        for number in range(1, pages + 1):
            page = f"{path}?page={number}" if number > 1 else path
            web.routes[page] = Reply(body=story_page(path, number, pages, padding))
    paths = {
        "json": f"{BERITA}/100009/data-kim-jong-un",
        "missing": f"{BERITA}/100010/sudah-dihapus-redaksi",
        "gone": f"{BERITA}/100011/ditarik-dari-peredaran",
    }
    web.routes[paths["json"]] = Reply(
        body=b'{"judul": "Kim Jong-un", "isi": [1, 2, 3]}', content_type="application/json"
    )
    web.routes[paths["gone"]] = Reply(410, b"<html><body>Ditarik</body></html>")
    feed = [*valid, *stories, *paths.values()]
    web.routes["/keras/rss.xml"] = Reply(
        body=rss([(f"Kim Jong-un di Vladivostok {n}", web.url(p)) for n, p in enumerate(feed)]),
        content_type="application/rss+xml",
    )
    bomb = gzip_bomb(BOMB_UNPACKED_BYTES)
    web.routes["/keras/sitemap.xml.gz"] = Reply(body=bomb, content_type="application/x-gzip")
    web.routes["/keras/sitemap-berita.xml"] = Reply(
        body=bomb, content_type="application/xml", headers={"Content-Encoding": "x-gzip"}
    )
    return Site(web, valid, stories, related, paths)


def crawl(config: Path, db: Path, log: Path) -> tuple[int, str, str, float]:
    """`python -m crawler crawl` over the mock web: (exit code, stdout, stderr, peak RSS in
    MB of the crawl and its extraction workers, from wait4 on that process alone)."""
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)]
    for name, value in {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": "60"}.items():
        command += ["-s", f"{name}={value}"]
    out, err = log.with_suffix(".out"), log.with_suffix(".err")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, stdout=stdout, stderr=stderr
        )
    # A crawl that hangs is killed, and fails the test (its exit code says so).
    watchdog = threading.Timer(900, process.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    peak_mb = usage.ru_maxrss / 1024
    print(f"peak RSS of the crawl ({db.name}, {log.stem}): {peak_mb:.0f} MB")
    return process.returncode, out.read_text("utf-8"), err.read_text("utf-8", "replace"), peak_mb


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    web = MockWeb()
    site = build_site(web)
    web.start()
    base = tmp_path_factory.mktemp("hostile")
    source = {
        "name": "keras",
        "hosts": ["127.0.0.1"],
        "feeds": [web.url("/keras/rss.xml")],
        "sitemaps": [web.url("/keras/sitemap.xml.gz"), web.url("/keras/sitemap-berita.xml")],
        "article_pattern": "/keras/berita/",
    }
    # The seed story, and a topic that keeps everything (so every related link is wanted).
    topics = [seed_topic(), {"name": "semua", "min_relevance": 0}]
    config = write_config(base / "config", [source], topics)
    db = base / "archive.db"
    try:
        first = crawl(config, db, base / "first")
        after_first = {path: len(web.requests_for(path)) for path in site.article_paths()}
        second = crawl(config, db, base / "second")
        after_second = {path: len(web.requests_for(path)) for path in site.article_paths()}
    finally:
        web.stop()
    return {
        "site": site,
        "db": db,
        "first": first,
        "second": second,
        "after_first": after_first,
        "after_second": after_second,
    }


def url_row(crawled, path: str) -> dict | None:
    found = rows(
        crawled["db"],
        "select status, reason, article_id from urls where id = ?",
        [url_id(crawled["site"].web.url(path))],
    )
    return found[0] if found else None


def stored(crawled, path: str) -> dict:
    row = url_row(crawled, path)
    assert row and row["status"] == "article", (path, row)
    return rows(crawled["db"], "select * from articles where id = ?", [row["article_id"]])[0]


def test_both_runs_end_without_a_traceback_in_bounded_memory(crawled):
    for run in ("first", "second"):
        code, stdout, stderr, peak_mb = crawled[run]
        assert code == 0, stdout + stderr[-3000:]
        assert "Traceback" not in stderr and "Spider error" not in stderr, stderr[-3000:]
        assert peak_mb < PEAK_RSS_LIMIT_MB


def test_every_valid_article_is_stored_whole(crawled):
    for path, snippet in crawled["site"].valid.items():
        article = stored(crawled, path)
        assert snippet in article["text"], path
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", article["text"]), path


def test_a_date_out_of_range_is_no_date(crawled):
    article = stored(crawled, f"{BERITA}/100003/tanggal-mustahil")
    # The visible dateline ("Senin, 18 Sep 2023 14:30 WIB") is the page's time then.
    assert article["published_at"] == "2023-09-18T14:30:00+07:00"


def test_a_long_story_is_read_past_depth_limit(crawled):
    path = f"{BERITA}/200005/lima-halaman"
    text = stored(crawled, path)["text"]
    positions = [text.index(f"Bagian {n} laporan lima-halaman") for n in range(1, 6)]
    assert positions == sorted(positions)
    assert "story cut" not in (url_row(crawled, path)["reason"] or "")


def test_a_story_past_max_pages_keeps_its_first_pages_with_a_note(crawled):
    path = f"{BERITA}/200025/dua-puluh-lima-halaman"
    article = stored(crawled, path)
    parts = rows(crawled["db"], "select part from pages where article_id = ?", [article["id"]])
    assert sorted(r["part"] for r in parts) == list(range(1, MAX_PAGES + 1))
    assert f"Bagian {MAX_PAGES} laporan" in article["text"]
    assert f"Bagian {MAX_PAGES + 1} laporan" not in article["text"]
    assert f"story cut at {MAX_PAGES} pages" in url_row(crawled, path)["reason"]
    web = crawled["site"].web
    assert all(not web.requests_for(f"{path}?page={n}") for n in range(MAX_PAGES + 1, 26))


def test_a_story_past_the_combined_size_keeps_what_fits_with_a_note(crawled):
    path = f"{BERITA}/200003/tiga-halaman-besar"
    article = stored(crawled, path)
    parts = rows(crawled["db"], "select part from pages where article_id = ?", [article["id"]])
    assert sorted(r["part"] for r in parts) == [1, 2]  # 16 MB; the third page makes 24
    assert "Bagian 2 laporan" in article["text"] and "Bagian 3 laporan" not in article["text"]
    assert "story cut at 2 pages: page 3 takes it past 20 MB" in url_row(crawled, path)["reason"]


def test_what_is_not_an_article_is_recorded_with_its_reason(crawled):
    paths = crawled["site"].paths
    expected = {
        paths["json"]: ("dropped", "not HTML (application/json)"),
        paths["missing"]: ("dropped", "HTTP 404"),
        paths["gone"]: ("dropped", "HTTP 410"),
        "/keras/sitemap.xml.gz": ("error", "malformed sitemap: over 10 MB unpacked"),
    }
    for path, (status, reason) in expected.items():
        row = url_row(crawled, path)
        assert row and row["status"] == status and reason in row["reason"], (path, row)


def test_related_links_are_capped_and_their_404s_remembered(crawled):
    related = crawled["site"].related
    requested = [path for path in related if crawled["after_first"][path]]
    assert len(requested) == MAX_RELATED_LINKS
    for path in requested:
        assert url_row(crawled, path) == {
            "status": "dropped",
            "reason": "HTTP 404",
            "article_id": None,
        }


def test_the_counts_add_up(crawled):
    counts = per_source(crawled["db"], 1)["keras"]
    # Failed URLs: the related links, the 404 and the 410, and the two bombs; each once.
    assert counts["errors"] == MAX_RELATED_LINKS + 4
    assert counts["errors"] <= counts["requests"]
    assert counts["dropped"] == 1  # the JSON answer
    assert counts["new_articles"] == len(crawled["site"].valid) + len(crawled["site"].stories)


def test_the_second_run_fetches_none_of_them_again(crawled):
    again = {
        path: crawled["after_second"][path] - count
        for path, count in crawled["after_first"].items()
        if crawled["after_second"][path] != count
    }
    assert again == {}
    assert per_source(crawled["db"], 2)["keras"]["new_articles"] == 0


# Cheaper checks of the same rules, without a crawl.


def _failure(url: str, error: Exception) -> Failure:
    failure = Failure(error)
    failure.request = scrapy.Request(url)  # type: ignore[attr-defined]  # as Scrapy sets it
    return failure


def test_errors_count_failed_urls_and_an_unresolvable_host_once():
    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, source=Source(name="x", hosts=["x.id"]))
    count_failure(spider, _failure("https://x.id/rss", DNSLookupError("no results for x.id")))
    for n in range(30):  # what BackoffRetryMiddleware does to the host's other requests
        ignored = IgnoreRequest("DNS lookup failed earlier for x.id")
        count_failure(spider, _failure(f"https://x.id/indeks/{n}", ignored))
    assert crawler.stats.get_value("pantau/errors") == 1
    response = scrapy.http.Response("https://y.id/a", status=404)
    for _ in range(2):
        count_failure(spider, _failure("https://y.id/a", HttpError(response)))
    count_failure(spider, _failure("https://y.id/b", TimeoutError()))
    assert crawler.stats.get_value("pantau/errors") == 3


def crash_in_extraction(job, rules=None, profiles=None):
    """A parser's bug, as extraction may meet one (module level: workers import it)."""
    raise RecursionError("maximum recursion depth exceeded while calling a Python object")


@pytest.mark.parametrize("processes", [0, 1])
def test_a_page_whose_extraction_raises_is_recorded_and_not_fetched_again(tmp_path, processes):
    crawler = get_crawler(NewsSpider)
    source = Source(name="keras", hosts=["127.0.0.1"])
    writer = ArchiveWriter(open_db(tmp_path / "a.db"), batch_articles=10, batch_seconds=60)
    context = CrawlContext(writer, [source], [], extract_processes=processes)
    context.extraction.work = crash_in_extraction
    context.attach(crawler)
    crawler.spider = NewsSpider(source=source)
    url = "http://127.0.0.1/keras/berita/1/rekursi"
    page = Page(url, "keras", 200, "text/html", article(1), "2023-09-18T08:00:00Z", seen_urls=[url])
    extract = build_from_crawler(ExtractPipeline, crawler)
    archive = build_from_crawler(ArchivePipeline, crawler)
    try:
        with pytest.raises(ExtractionFailed) as raised:
            asyncio.run(extract.process_item(page))
        archive.item_dropped(page, None, raised.value)
        writer.commit()
        [row] = writer.db.execute("select status, reason from urls").fetchall()
        assert row[0] == "dropped" and "RecursionError" in row[1], row
        assert known_url_ids(writer.db, [url]) == {url_id(url)}  # the next crawl skips it
        # ... and a refresh (`--refresh-days`) tries it again.
        assert failed_extraction_urls(writer.db, "keras", 1) == [url]
        assert failed_extraction_urls(writer.db, "other", 1) == []
        # ... as does `pantau rescore`, which forgets it: the next crawl fetches it.
        assert rescore(writer.db, []).urls_freed == 1
        assert known_url_ids(writer.db, [url]) == set()
        assert crawler.stats.get_value("pantau/pages_dropped") == 1
    finally:
        context.extraction.close()
        writer.close()
