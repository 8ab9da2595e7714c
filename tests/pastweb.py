"""A past story's window on 127.0.0.1, reached the three ways a crawl reaches past days.

Outlets whose feeds carry only this week's news, and whose date index pages list the
window's days among many other stories; a fake Wayback Machine (CDX API and replay) and a
fake Common Crawl (collection list, index and WARC files served by byte range) holding
story articles that no live page links any more. Articles are written here from the
project's own fixture (no ../shared needed); used by tests/test_backfill.py and
bench/backfill.py.
"""

import gzip
import io
import json
import uuid
from datetime import date
from html import escape
from urllib.parse import parse_qs, urlsplit

from tests.mockweb import FIXTURES, MockWeb, Reply, rss

KIM = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_text("utf-8")
STORY_TITLE = "Kim Jong-un dan Vladivostok, laporan {number}"
# Other stories that share a word with the topic: a broad one (not worth a fetch) and a
# name (fetched, scored, and found to be about something else).
DECOY_TITLE = "Rusia Naikkan Ekspor Gandum, laporan {number}"
NAMED_DECOY_TITLE = "Kim Jong-un Tinjau Pabrik Pupuk di Hamhung, laporan {number}"
OTHER_TITLE = "Harga Cabai di Pasar Induk Turun, laporan {number}"
DECOY_TEXT = [
    "Pemerintah Rusia menaikkan kuota ekspor gandum ke negara-negara Afrika Utara mulai bulan"
    " depan, menurut kementerian pertanian negara itu pada Senin.",
    "Kenaikan kuota itu diperkirakan menekan harga gandum dunia yang sempat melonjak pada awal"
    " tahun, kata seorang analis komoditas di Jakarta.",
    "Importir tepung terigu di Indonesia menyambut kabar itu karena biaya bahan baku roti dan mi"
    " instan bisa turun dalam beberapa bulan ke depan.",
    "Asosiasi pengusaha tepung meminta pemerintah memantau harga di tingkat pengecer agar"
    " penurunan harga benar-benar dirasakan konsumen.",
]
NAMED_DECOY_TEXT = [
    "Pemimpin Korea Utara Kim Jong-un meninjau pabrik pupuk kimia di Hamhung dan meminta"
    " produksi dinaikkan menjelang musim tanam, lapor media pemerintah.",
    "Pabrik itu memasok pupuk bagi koperasi pertanian di provinsi Hamgyong Selatan yang"
    " mengalami gagal panen tahun lalu akibat banjir.",
    "Para pengamat pertanian menilai kekurangan pupuk masih menjadi hambatan utama produksi"
    " beras dan jagung di negara itu.",
    "Media pemerintah menayangkan foto para pekerja pabrik yang bertepuk tangan menyambut"
    " kunjungan tersebut di halaman pabrik.",
]
OTHER_TEXT = [
    "Harga cabai rawit di Pasar Induk Kramat Jati turun tajam pekan ini setelah pasokan dari"
    " sentra produksi di Jawa Tengah kembali normal.",
    "Pedagang mengatakan harga turun dari Rp80.000 menjadi Rp45.000 per kilogram dalam tiga"
    " hari, sementara pembeli mulai ramai kembali.",
    "Dinas ketahanan pangan memperkirakan harga akan stabil hingga akhir bulan bila cuaca tetap"
    " mendukung panen di daerah penghasil.",
]


def story_article(number: int, day: date) -> bytes:
    """A distinct article of the story, dated `day`, built on the written Kim article."""
    html = KIM.replace(
        '<link rel="canonical" href="/pantaunews/internasional/2023/09/18/kim-vladivostok">', ""
    ).replace("2023-09-18T14:30:00+07:00", f"{day:%Y-%m-%d}T14:30:00+07:00")
    extra = f"<p>Laporan lanjutan nomor {number} pada {day:%d-%m-%Y} dari tim liputan kami.</p>"
    return html.replace('<div class="content">', '<div class="content">' + extra).encode()


def plain_article(title: str, paragraphs: list[str], published: date | str) -> bytes:
    """A story page published on a day (at 09:00 WIB) or at an ISO 8601 time."""
    stamp = published if isinstance(published, str) else f"{published:%Y-%m-%d}T09:00:00+07:00"
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><meta property="article:published_time" content="{stamp}">'
        f"</head><body><article><h1>{escape(title)}</h1><div class='content'>{body}</div>"
        "</article></body></html>"
    ).encode()


def index_page(links: list[tuple[str, str]], scripted: bool = False) -> Reply:
    """A date index page; `scripted`: its links exist only once its script has run."""
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(title)}</a></li>' for href, title in links
    )
    if not scripted:
        return Reply(body=f"<html><body><h1>Indeks</h1><ul>{items}</ul></body></html>".encode())
    script = f"document.getElementById('list').innerHTML = {json.dumps(items)};"
    return Reply(
        body=(
            f"<html><body><h1>Indeks</h1><ul id='list'></ul><script>{script}</script></body></html>"
        ).encode()
    )


def query_of(path: str) -> dict[str, str]:
    """A request path's query parameters (the last value of each)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(path).query).items()}


def timestamp(day: date, hour: int = 12) -> str:
    return f"{day:%Y%m%d}{hour:02d}0000"


class FakeWayback:
    """A CDX API answering JSON rows, paged by resume key, and its `id_` replay."""

    def __init__(self, web: MockWeb, prefix: str = "/wayback", rows_per_page: int | None = None):
        self.web, self.prefix = web, prefix
        self.captures: list[tuple[str, str]] = []  # (timestamp, original)
        self.rows_per_page = rows_per_page
        web.handlers[f"{prefix}/cdx"] = self.answer

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "cdx": self.web.url(f"{self.prefix}/cdx"),
            "replay": self.web.url(f"{self.prefix}/web/"),
        }

    def add(self, original: str, when: str, body: bytes) -> None:
        self.captures.append((when, original))
        self.web.routes[f"{self.prefix}/web/{when}id_/{original}"] = Reply(body=body)

    def answer(self, path: str, headers: dict[str, str]) -> Reply:
        query = query_of(path)
        host, first, last = query["url"], query["from"], query["to"] + "235959"
        rows = [
            [when, original]
            for when, original in sorted(self.captures)
            if first <= when <= last and urlsplit(original).hostname == host
        ]
        start = int(query.get("resumeKey") or 0)
        size = self.rows_per_page or int(query.get("limit", 10**9))
        page = [["timestamp", "original"], *rows[start : start + size]]
        if start + size < len(rows):
            page += [[], [str(start + size)]]
        return Reply(body=json.dumps(page).encode(), content_type="text/plain")


def warc_response_record(url: str, when: str, body: bytes) -> bytes:
    """One WARC/1.0 response record, as a crawler writes it (each gzipped on its own)."""
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    day = f"{when[:4]}-{when[4:6]}-{when[6:8]}T{when[8:10]}:{when[10:12]}:{when[12:14]}Z"
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nWARC-Date: {day}\r\n"
        f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    )
    return head.encode() + http + b"\r\n\r\n"


class FakeCommonCrawl:
    """A collection list, one crawl's index (JSON lines) and its WARC file by byte range."""

    def __init__(
        self, web: MockWeb, crawl_id: str, prefix: str = "/cc", lines_per_page: int = 1000
    ):
        self.web, self.prefix, self.crawl_id = web, prefix, crawl_id
        self.lines_per_page = lines_per_page
        self.lines: list[dict] = []
        self.warc = io.BytesIO()
        filename = f"crawl-data/{crawl_id}/segments/1/warc/part-00000.warc.gz"
        self.filename = filename
        collections = [
            {"id": crawl_id, "cdx-api": web.url(f"{prefix}/index/{crawl_id}-index")},
            {"id": "CC-MAIN-2019-04", "cdx-api": web.url(f"{prefix}/index/CC-MAIN-2019-04-index")},
        ]
        web.routes[f"{prefix}/index/collinfo.json"] = Reply(
            body=json.dumps(collections).encode(), content_type="application/json"
        )
        web.handlers[f"{prefix}/index/{crawl_id}-index"] = self.answer_index
        web.handlers[f"{prefix}/data/{filename}"] = self.answer_range

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "index": self.web.url(f"{self.prefix}/index/"),
            "data": self.web.url(f"{self.prefix}/data/"),
        }

    def add(self, original: str, when: str, body: bytes) -> None:
        offset = self.warc.tell()
        self.warc.write(gzip.compress(warc_response_record(original, when, body), mtime=0))
        self.lines.append(
            {
                "url": original,
                "timestamp": when,
                "filename": self.filename,
                "offset": str(offset),
                "length": str(self.warc.tell() - offset),
            }
        )

    def answer_index(self, path: str, headers: dict[str, str]) -> Reply:
        """pywb's answers: a page count (showNumPages), or one page of lines."""
        query = query_of(path)
        lines = [line for line in self.lines if urlsplit(line["url"]).hostname == query["url"]]
        if not lines:
            return Reply(404, b'{"message": "No Captures found"}', "application/json")
        pages = (len(lines) + self.lines_per_page - 1) // self.lines_per_page
        if query.get("showNumPages") == "true":
            answer = {"pages": pages, "pageSize": 5, "blocks": pages}
            return Reply(body=json.dumps(answer).encode(), content_type="text/x-ndjson")
        start = int(query.get("page", 0)) * self.lines_per_page
        page = lines[start : start + self.lines_per_page]
        body = "".join(json.dumps(line) + "\n" for line in page).encode()
        return Reply(body=body, content_type="text/x-ndjson")

    def answer_range(self, path: str, headers: dict[str, str]) -> Reply:
        spec = {k.lower(): v for k, v in headers.items()}.get("range", "")
        data = self.warc.getvalue()
        if not spec.startswith("bytes="):
            return Reply(body=data, content_type="application/octet-stream")
        first, last = (int(n) for n in spec[len("bytes=") :].split("-"))
        return Reply(
            206,
            data[first : last + 1],
            "application/octet-stream",
            headers={"Content-Range": f"bytes {first}-{last}/{len(data)}"},
        )


def feed_of_this_week(web: MockWeb, outlet: str, today: date) -> str:
    """A feed with only this week's news (none of the story): returns its path."""
    items = []
    for number in range(3):
        path = f"/{outlet}/{today:%Y/%m/%d}/harga-cabai-{number}"
        web.routes[path] = Reply(
            body=plain_article(OTHER_TITLE.format(number=number), OTHER_TEXT, today)
        )
        items.append((OTHER_TITLE.format(number=number), web.url(path)))
    web.routes[f"/{outlet}/rss.xml"] = Reply(body=rss(items), content_type="application/rss+xml")
    return f"/{outlet}/rss.xml"
