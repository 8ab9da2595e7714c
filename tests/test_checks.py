"""`pantau sources check` against a loopback web: what answered, what parsed, how many links.

Every URL here is on 127.0.0.1. (Proxy variables are not set in-process: urllib keeps the
first ones it sees for the rest of the test run.)
"""

import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.discover.check import ARCHIVE_DAYS_AGO
from crawler.fetch import TooMuch, fetch
from tests.conftest import seed_topic, write_config
from tests.mockweb import NOT_FOUND, MockWeb, Reply, rss


@pytest.fixture
def web():
    web = MockWeb()
    web.routes["/rss/empty.xml"] = Reply(body=rss([]), content_type="application/rss+xml")
    web.routes["/rss/news.xml"] = Reply(
        body=rss(
            [
                ("Kim tinggalkan Vladivostok", web.url("/internasional/2023/09/18/kim-pulang")),
                ("Indeks", web.url("/indeks")),
            ]
        ),
        content_type="application/rss+xml",
    )
    web.routes["/rss/broken.xml"] = Reply(body=b"<html><body>Bukan feed</body></html>")
    web.start()
    yield web
    web.stop()


def test_sources_check_reports_each_entry_point(web, tmp_path):
    feeds = ["/rss/empty.xml", "/rss/news.xml", "/rss/broken.xml", "/rss/gone.xml"]
    config = write_config(
        tmp_path / "config",
        [{"name": "pantaunews", "feeds": [web.url(path) for path in feeds]}],
        [],
    )
    result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pantaunews: 2/4 answered and parsed"
    assert f"  feed     ok, 0 article links  {web.url('/rss/empty.xml')}" in lines
    assert f"  feed     ok, 1 article links  {web.url('/rss/news.xml')}" in lines
    assert f"  feed     FAILED (not a feed)  {web.url('/rss/broken.xml')}" in lines
    assert f"  feed     FAILED (HTTP {NOT_FOUND.status})  {web.url('/rss/gone.xml')}" in lines


def _links_page(links: list[tuple[str, str]]) -> Reply:
    anchors = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in links)
    return Reply(body=f"<html><body><ul>{anchors}</ul></body></html>".encode())


MOST_READ = [("/a/2023/01/05/harga-emas-hari-ini", "Harga Emas Hari Ini")]


def test_sources_check_lists_disabled_outlets_and_judges_date_indexes(web, tmp_path):
    past = date.today() - timedelta(days=ARCHIVE_DAYS_AGO)
    day_links = [(f"/a/{past:%Y/%m/%d}/berita-{n}", f"Berita {n}") for n in range(3)]
    web.routes["/indeks"] = _links_page(day_links + MOST_READ)  # the day, and furniture
    web.routes["/indeks-lama"] = _links_page([("/a/2019/01/02/lama-1", "Lama"), *MOST_READ])
    web.routes["/indeks-tanpa-tanggal"] = _links_page([("/a/berita-panjang-sekali-123456", "X")])
    sources = [
        {"name": "off", "feeds": [web.url("/rss/news.xml")], "disabled": "feed moved"},
        {
            "name": "arsip",
            "hosts": ["127.0.0.1"],
            "archives": [
                web.url("/indeks?d={date:%Y%m%d}"),
                web.url("/indeks-lama?d={date:%Y%m%d}"),
                web.url("/indeks-tanpa-tanggal?d={date:%Y%m%d}"),
            ],
        },
    ]
    config = write_config(tmp_path / "config", sources, [])
    result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config)])
    assert "off: disabled (feed moved)" in result.output
    assert "arsip: 2/3 answered and parsed" in result.output
    lines = result.output.splitlines()
    assert any(
        f"d={past:%Y%m%d}" in line and "ok, 4 article links [dated yes]" in line for line in lines
    )
    assert any("FAILED (most links are not of that day) [dated NO]" in line for line in lines)
    assert any("ok, 1 article links [dated ?]" in line for line in lines)
    assert not any("/rss/news.xml" in path for _, path in web.log)


@pytest.fixture
def search_web(web):
    """Three site searches: one that works, one that ignores its query, one whose results
    lead to another site."""
    kim = [
        ("/a/2023/09/18/kim-jong-un-tinggalkan-vladivostok", "Kim Jong-un Tinggalkan Vladivostok")
    ]
    bola = [("/a/2023/09/18/timnas-menang-tipis", "Timnas Menang Tipis")]
    pages = {"Kim+Jong-un": kim, "qxzvw+jklmpt": [], "sepak+bola": bola}
    for query, results in pages.items():
        web.routes[f"/cari?q={query}"] = _links_page(results + MOST_READ)
        web.routes[f"/luar?q={query}"] = _links_page(
            [(f"http://localhost:{web.server.server_port}{href}", t) for href, t in results]
            + MOST_READ
        )
    web.routes["/abai"] = _links_page(kim + bola + MOST_READ)  # the same page for any query
    return web


def test_the_gate_judges_each_search_template(search_web, tmp_path):
    web = search_web
    sources = [
        {"name": "cari", "hosts": ["127.0.0.1"], "search": [web.url("/cari?q={query}")]},
        {"name": "abai", "hosts": ["127.0.0.1"], "search": [web.url("/abai?q={query}")]},
        {"name": "luar", "hosts": ["127.0.0.1"], "search": [web.url("/luar?q={query}")]},
    ]
    config = write_config(tmp_path / "config", sources, [seed_topic()])
    report = tmp_path / "check.json"
    result = CliRunner().invoke(
        cli, ["sources", "check", "--config", str(config), "--json", str(report)]
    )
    lines = result.output.splitlines()
    assert lines[lines.index("cari: 1/1 answered and parsed") + 1].startswith(
        "  search   ok, 1 article links [relevant yes, nonsense yes, differs yes, on site yes,"
        " robots ?]"
    )
    abai = lines[lines.index("abai: 0/1 answered and parsed") + 1]
    assert "FAILED (no result names the topic; an unrelated query returns the same links)" in abai
    luar = lines[lines.index("luar: 0/1 answered and parsed") + 1]
    assert (
        "FAILED (results on other sites) [relevant yes, nonsense yes, differs yes, on site NO,"
        " robots ?]" in luar
    )
    assert lines[-1] == (
        "1 of 3 entry points answered and parsed (1 of 3 passed the gate);"
        " nothing worked for abai, luar"
    )
    written = {row["source"]: row for row in json.loads(report.read_text("utf-8"))}
    assert written["abai"]["verdicts"] == {
        "relevant": False,
        "nonsense": True,
        "differs": False,
        "on_site": None,
        "robots": None,  # the mock web has no robots.txt
    }


def test_slow_and_huge_answers_are_cut_off_within_their_bounds(web, tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.fetch.TOTAL_SECONDS", 1.0)
    monkeypatch.setattr("crawler.discover.check.MAX_BYTES", 1024 * 1024)
    # 40 chunks a quarter of a second apart: 10 s to send, cut after about 1 s.
    web.routes["/rss/slow.xml"] = Reply(body=rss([("x", "y")]).ljust(40 * 64), drip=0.25)
    bomb = gzip.compress(b"<urlset>" + b" " * (50 * 1024 * 1024))
    web.routes["/sitemap-bomb.xml.gz"] = Reply(body=bomb, content_type="application/gzip")
    sources = [
        {
            "name": "berat",
            "feeds": [web.url("/rss/slow.xml")],
            "sitemaps": [web.url("/sitemap-bomb.xml.gz")],
        }
    ]
    config = write_config(tmp_path / "config", sources, [])
    report = tmp_path / "check.json"
    result = CliRunner().invoke(
        cli, ["sources", "check", "--config", str(config), "--json", str(report)]
    )
    assert "FAILED (slower than 1 s)" in result.output
    assert "FAILED (unpacks to more than 1 MB)" in result.output
    assert result.output.splitlines()[-1] == (
        "0 of 2 entry points answered and parsed; nothing worked for berat"
    )
    assert result.exit_code == 1
    written = json.loads(report.read_text("utf-8"))
    assert {(r["kind"], r["ok"]) for r in written} == {("feed", False), ("sitemap", False)}


def test_sources_check_exits_1_when_nothing_answers(web, tmp_path):
    config = write_config(
        tmp_path / "config", [{"name": "gone", "feeds": [web.url("/rss/gone.xml")]}], []
    )
    result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config)])
    assert result.exit_code == 1


# A server that drips its status line: a byte every DRIP_SECONDS, DRIP_BYTES of them at
# most (60 s), far past any deadline a test sets, so only a working deadline ends a fetch
# sooner; the server's own end is a hard stop, not a timing the test relies on.
DRIP_SECONDS = 0.2
DRIP_BYTES = 300


@contextlib.contextmanager
def dripping_status_line(connections: int = 4) -> Iterator[str]:
    """A loopback base URL whose every answer is a status line sent a byte at a time; up
    to `connections` of them, each in a thread that ends by itself."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(DRIP_SECONDS)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def drip(connection: socket.socket) -> None:
        with connection:
            for byte in b"HTTP/1.1 200 " + b"O" * DRIP_BYTES:
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up
                time.sleep(DRIP_SECONDS)

    def accept() -> None:
        with listener:
            for _ in range(DRIP_BYTES):  # as long as one drip, at most
                if stop.is_set() or len(threads) == connections:
                    return
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                threads.append(threading.Thread(target=drip, args=(connection,), daemon=True))
                threads[-1].start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(DRIP_SECONDS * DRIP_BYTES + 10)
        for thread in threads:
            thread.join(DRIP_SECONDS * DRIP_BYTES + 10)
        assert not any(thread.is_alive() for thread in [acceptor, *threads])


def test_a_fetch_has_one_deadline_from_its_first_byte():
    # urllib's timeout is per read on the socket: a byte every 0.2 s never trips it.
    with dripping_status_line() as base:
        with pytest.raises(TooMuch, match="slower than 2 s"):
            fetch(base + "/rss.xml", "Pantau-test", seconds=2.0)


def test_sources_check_gives_up_on_a_server_dripping_its_status_line(tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.fetch.TOTAL_SECONDS", 2.0)
    with dripping_status_line() as base:
        config = write_config(tmp_path / "config", [{"name": "drip", "feeds": [base + "/rss"]}], [])
        result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config)])
    assert f"  feed     FAILED (slower than 2 s)  {base}/rss" in result.output.splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output
