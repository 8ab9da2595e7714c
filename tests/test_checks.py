"""`pantau sources check` against a loopback web: what answered, what parsed, how many links.

Every URL here is on 127.0.0.1. (Proxy variables are not set in-process: urllib keeps the
first ones it sees for the rest of the test run.)
"""

import gzip
import json

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from tests.conftest import write_config
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


def test_sources_check_lists_disabled_outlets_and_tries_date_indexes(web, tmp_path):
    web.routes["/indeks"] = Reply(
        body=b"<html><body><a href='/a/2023/09/17/kim'>Kim</a></body></html>"
    )
    sources = [
        {"name": "off", "feeds": [web.url("/rss/news.xml")], "disabled": "feed moved"},
        {"name": "arsip", "hosts": ["127.0.0.1"], "archives": [web.url("/indeks?d={date:%Y%m%d}")]},
    ]
    config = write_config(tmp_path / "config", sources, [])
    result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config)])
    assert "off: disabled (feed moved)" in result.output
    assert "arsip: 1/1 answered and parsed" in result.output
    assert not any("/rss/news.xml" in path for _, path in web.log)


def test_slow_and_huge_answers_are_cut_off_within_their_bounds(web, tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.discover.check.TOTAL_SECONDS", 1.0)
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
