"""A small web of Indonesian news on 127.0.0.1 for crawl tests.

Real pages are read in place from ../shared/data/real; the feeds, sitemaps, listing page,
duplicates and hostile URLs around them are written here. Every response is served for
real over HTTP by a threaded server, and every request is logged with its time.
"""

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures"
REAL_DATA = Path(
    os.environ.get("PANTAU_REAL_DATA", Path(__file__).resolve().parents[2] / "shared/data/real")
)
HUGE_BODY_BYTES = 30 * 1024 * 1024
SLOW_SECONDS = 12.0
RETRY_AFTER_SECONDS = 1


class _Server(ThreadingHTTPServer):
    # Many crawlers connect at once: a short listen queue resets connections.
    request_queue_size = 256


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds between chunks of DRIP_BYTES: a server that sends its body slowly.
    drip: float = 0.0


DRIP_BYTES = 64
Route = Reply | Callable[[], Reply]
NOT_FOUND = Reply(404, b"<html><body>Tidak ditemukan</body></html>")


class MockWeb:
    """Routes paths to replies; `url(path)` gives the absolute loopback URL."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        # Path -> function of the request's path (with query) and headers: an API.
        self.handlers: dict[str, Callable[[str, dict[str, str]], Reply]] = {}
        self.log: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[float]:
        with self._lock:
            return [when for when, logged in self.log if logged == path]

    def start(self) -> "MockWeb":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self):
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                # A route may name a query ("?page=2"); otherwise the path alone decides.
                path = urlsplit(self.path).path
                with web._lock:
                    web.log.append((time.monotonic(), self.path))
                route = web.routes.get(self.path) or web.routes.get(path) or NOT_FOUND
                if path in web.handlers:
                    reply = web.handlers[path](self.path, dict(self.headers))
                else:
                    reply = route() if callable(route) else route
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if not reply.drip:
                        self.wfile.write(reply.body)
                    for start in range(0, len(reply.body) if reply.drip else 0, DRIP_BYTES):
                        self.wfile.write(reply.body[start : start + DRIP_BYTES])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up (timeout, size limit): that is the point

            def log_message(self, *args):
                pass

        return Handler


def rss(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link></item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Mock</title>'
        f"{entries}</channel></rss>"
    ).encode()


def sitemap_index(children: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


def google_news_sitemap(urls: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<url><loc>{escape(url)}</loc><news:news><news:publication><news:name>Mock</news:name>"
        "<news:language>id</news:language></news:publication>"
        f"<news:title>{escape(title)}</news:title></news:news></url>"
        for title, url in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{entries}</urlset>"
    ).encode()


def manifest_rows() -> list[dict]:
    """Every row of ../shared/data/real/manifest.json (pages, feeds, listings)."""
    return json.loads((REAL_DATA / "manifest.json").read_text(encoding="utf-8"))


def real_articles() -> list[dict]:
    """Manifest rows of the real article pages that have ground truth."""
    return [
        {**row, "truth": json.loads((REAL_DATA / row["ground_truth"]).read_text("utf-8"))}
        for row in manifest_rows()
        if row["page_type"] == "article" and row.get("ground_truth")
    ]


def build_news_site(web: MockWeb) -> dict:
    """Populate `web` and return what a test needs to know about it (paths by role)."""
    site: dict = {"articles": {}, "outlets": {}}
    by_outlet: dict[str, list[str]] = {}
    for row in real_articles():
        path = f"/{row['outlet']}/{Path(row['file']).stem}"
        web.routes[path] = Reply(body=(REAL_DATA / row["file"]).read_bytes())
        site["articles"][path] = row
        by_outlet.setdefault(row["outlet"], []).append(path)
    site["outlets"] = by_outlet

    # pantaunews: a feed with a tracking-parameter duplicate, an AMP variant, a 429 page.
    written = FIXTURES / "pages" / "pantaunews"
    kim = json.loads((written / "kim-vladivostok.json").read_text("utf-8"))
    site["kim"] = kim["url_path"]
    site["kim_amp"] = "/pantaunews/amp/internasional/2023/09/18/kim-vladivostok"
    site["busy"] = "/pantaunews/internasional/2023/09/19/sibuk"
    web.routes[site["kim"]] = Reply(body=(written / "kim-vladivostok.html").read_bytes())
    web.routes[site["kim_amp"]] = Reply(body=(written / "kim-vladivostok-amp.html").read_bytes())
    web.routes[site["busy"]] = _busy_then(
        Reply(body=(REAL_DATA / _first(site, "okezone")).read_bytes())
    )
    # Multi-page articles: one in three pages, one that offers a single-page view.
    site["multipage"] = _add_multipage_article(web, "/pantaunews/ekonomi/2023/09/20/rubel-korut")
    site["single_view"] = _add_multipage_article(
        web, "/pantaunews/internasional/2023/09/21/shoigu-pyongyang", single_view=True
    )
    feed = [
        ("Kim", site["kim"]),
        ("Kim (utm)", site["kim"] + "?utm_source=twitter&utm_medium=social"),
        ("Kim (fbclid)", site["kim"] + "?fbclid=IwAR0abc#komentar"),
        ("Kim AMP", site["kim_amp"]),
        ("Sibuk", site["busy"]),
        ("Rubel", site["multipage"]["path"]),
        ("Shoigu", site["single_view"]["path"]),
    ]
    web.routes["/pantaunews/rss.xml"] = Reply(
        body=rss([(title, web.url(path)) for title, path in feed]),
        content_type="application/rss+xml",
    )

    # antaranews and detik: a feed and a listing page over the real pages, plus hostile URLs.
    hostile = _add_hostile(web)
    site["hostile"] = hostile
    web.routes["/antaranews/rss.xml"] = Reply(
        body=rss(
            [(p, web.url(p)) for p in by_outlet["antaranews"]]
            + [(h, web.url(p)) for h, p in hostile.items()]
        ),
        content_type="application/rss+xml",
    )
    real_feed = REAL_DATA / "feeds" / "antaranews-anpandu-antara-mainpage-rss.xml"
    web.routes["/antaranews/real-rss.xml"] = Reply(
        body=real_feed.read_bytes(), content_type="application/rss+xml"
    )
    # A real listing page: its links lead to the live kompas.com, outside the test's hosts.
    real_listing = REAL_DATA / "html" / "kompas" / "anpandu-kompas-mainpage-listing.html"
    web.routes["/kompas/indeks"] = Reply(body=real_listing.read_bytes())
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in by_outlet["detik"])
    web.routes["/detik/indeks"] = Reply(
        body=f"<html><body><ul>{links}<li><a href='/detik/tentang'>Tentang</a></li>"
        f"</ul></body></html>".encode()
    )

    # Every other outlet through a sitemap index and Google News sitemaps.
    sitemap_outlets = [o for o in by_outlet if o not in ("antaranews", "detik")]
    for outlet in sitemap_outlets:
        web.routes[f"/sitemaps/{outlet}.xml"] = Reply(
            body=google_news_sitemap([(p, web.url(p)) for p in by_outlet[outlet]]),
            content_type="application/xml",
        )
    web.routes["/sitemap-index.xml"] = Reply(
        body=sitemap_index([web.url(f"/sitemaps/{o}.xml") for o in sitemap_outlets]),
        content_type="application/xml",
    )

    # mirror: another outlet on the same host carrying identical copies of antaranews pages.
    site["mirrored"] = by_outlet["antaranews"][:2]
    for path in site["mirrored"]:
        web.routes["/mirror" + path] = web.routes[path]
    web.routes["/mirror/rss.xml"] = Reply(
        body=rss([(p, web.url("/mirror" + p)) for p in site["mirrored"]]),
        content_type="application/rss+xml",
    )

    # broken: a malformed feed and a sitemap of random bytes.
    web.routes["/broken/rss.xml"] = Reply(
        body=b"<rss><channel><item><title>unclosed", content_type="application/rss+xml"
    )
    web.routes["/broken/sitemap.xml"] = Reply(body=os.urandom(2048), content_type="application/xml")
    return site


MULTIPAGE_PARAGRAPHS = [
    [
        "MOSKOW - Rusia dan Korea Utara membahas perdagangan dalam mata uang rubel setelah "
        "pertemuan Kim Jong-un dan Vladimir Putin di kosmodrom Vostochny.",
        "Menteri Sumber Daya Alam Rusia Alexander Kozlov mengatakan kedua negara sepakat "
        "menghidupkan kembali komisi antarpemerintah yang lama tidak bersidang.",
    ],
    [
        "Jalur kereta dari Khasan ke Rajin disebut sebagai salah satu jalur utama untuk "
        "pengiriman barang antara Primorye dan pelabuhan di pantai timur Korea Utara.",
        "Para analis di Seoul menilai kesepakatan itu sulit berjalan tanpa melanggar sanksi "
        "Dewan Keamanan PBB terhadap Pyongyang.",
    ],
    [
        "Kremlin menyatakan kerja sama dengan Pyongyang dijalankan dengan memperhatikan "
        "kewajiban internasional Rusia.",
        "Washington dan Seoul memperingatkan konsekuensi jika senjata berpindah tangan.",
    ],
]


def _article_page(path: str, title: str, paragraphs: list[str], nav: str) -> bytes:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title} - Pantau News'
        f'</title><link rel="canonical" href="{path}">'
        '<meta property="article:published_time" content="2023-09-20T10:00:00+07:00">'
        f"</head><body><article><h1>{title}</h1><div class='content'>{body}</div>{nav}"
        "</article></body></html>"
    ).encode()


def _add_multipage_article(web: MockWeb, path: str, single_view: bool = False) -> dict:
    """Three pages linked by "Halaman selanjutnya", or a single-page view of all three."""
    title = (
        "Rusia dan Korea Utara Bahas Perdagangan Rubel"
        if not single_view
        else ("Shoigu Dijadwalkan Kunjungi Pyongyang Usai Lawatan Kim")
    )
    pages = [f"{path}?page={n}" if n > 1 else path for n in (1, 2, 3)]
    for number, (page, paragraphs) in enumerate(zip(pages, MULTIPAGE_PARAGRAPHS), start=1):
        numbers = " ".join(f'<a href="{p}">{n}</a>' for n, p in enumerate(pages, start=1))
        nav = f"<div class='paging'>Halaman: {numbers}</div>"
        if number < 3:
            nav += f'<a class="next" href="{pages[number]}">Halaman selanjutnya</a>'
        if single_view:
            nav += f'<a href="{path}?page=all">Tampilkan semua</a>'
        web.routes[page] = Reply(body=_article_page(path, title, paragraphs, nav))
    if single_view:
        everything = [p for paragraphs in MULTIPAGE_PARAGRAPHS for p in paragraphs]
        web.routes[f"{path}?page=all"] = Reply(body=_article_page(path, title, everything, ""))
    return {"path": path, "pages": pages, "paragraphs": MULTIPAGE_PARAGRAPHS, "title": title}


def _add_hostile(web: MockWeb) -> dict[str, str]:
    """Hostile article URLs: each must be logged, counted and skipped."""
    paths = {
        "slow": "/antaranews/berita/1/lambat",
        "loop": "/antaranews/berita/2/putar-a",
        "huge": "/antaranews/berita/3/raksasa",
        "pdf": "/antaranews/berita/4/dokumen.pdf",
        "random": "/antaranews/berita/5/acak",
        "error": "/antaranews/berita/6/galat",
        "empty": "/antaranews/berita/7/kosong",
        "image": "/antaranews/berita/8/foto.jpg",
        "missing": "/antaranews/berita/9/hilang",
    }
    web.routes[paths["slow"]] = _slow
    web.routes[paths["loop"]] = Reply(302, headers={"Location": "/antaranews/berita/2/putar-b"})
    web.routes["/antaranews/berita/2/putar-b"] = Reply(302, headers={"Location": paths["loop"]})
    web.routes[paths["huge"]] = _huge_body
    web.routes[paths["pdf"]] = Reply(
        body=b"%PDF-1.4\n" + os.urandom(4096), content_type="application/pdf"
    )
    web.routes[paths["random"]] = Reply(body=os.urandom(65536))
    web.routes[paths["error"]] = Reply(500, b"<html><body>Galat server</body></html>")
    web.routes[paths["empty"]] = Reply(body=b"")
    web.routes[paths["image"]] = Reply(
        body=b"\xff\xd8\xff\xe0" + os.urandom(8192), content_type="image/jpeg"
    )
    return paths


def _slow() -> Reply:
    # Longer than the test crawl's DOWNLOAD_TIMEOUT; bounded, so the thread ends by itself.
    time.sleep(SLOW_SECONDS)
    return Reply(body=b"<html><body>terlambat</body></html>")


def _huge_body() -> Reply:
    # Tens of MB, above the crawler's DOWNLOAD_MAXSIZE; built on request, not kept.
    chunk = b"<p>" + b"isi raksasa " * 5000 + b"</p>\n"
    return Reply(body=(chunk * (HUGE_BODY_BYTES // len(chunk) + 1))[:HUGE_BODY_BYTES])


def _busy_then(reply: Reply) -> Callable[[], Reply]:
    """429 with Retry-After the first time, then the page."""
    calls = []

    def route() -> Reply:
        calls.append(1)
        if len(calls) == 1:
            return Reply(
                429, b"Too Many Requests", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        return reply

    return route


def _first(site: dict, outlet: str) -> str:
    return site["articles"][site["outlets"][outlet][0]]["file"]
