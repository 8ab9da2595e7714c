"""Outlet files that no longer fit their site, on loopback outlets built for each case.

One crawl of five mock outlets: one whose article URLs changed shape (its pattern rejects
them: counted as `pattern_missed`, and stored all the same), one whose robots.txt disallows
its search template (counted, never fetched), a date index paged by an offset, one whose
date must be percent-encoded in the query string (unescaped, the site serves page 1 for every
page, as detik's index does), and one whose page 2 repeats page 1 beside a rotating "most
read" link. Then `pantau sources check` on the same config, and `--update` on an outlet file.
"""

import json
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.config.load import load_config
from crawler.discover.check import ARCHIVE_DAYS_AGO
from tests.conftest import per_source, rows, run_pantau, seed_topic, write_config
from tests.mockweb import FIXTURES, MockWeb, Reply, rss

KIM = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_text("utf-8")
DAY = date(2023, 9, 18)
TOPICAL = "Kim Jong-un tinggalkan Vladivostok, laporan {}"


def article(number: int) -> Reply:
    """A distinct article of the story (the written Kim page with a paragraph of its own)."""
    html = KIM.replace(
        '<link rel="canonical" href="/pantaunews/internasional/2023/09/18/kim-vladivostok">', ""
    )
    extra = f"<p>Laporan lanjutan nomor {number} pada {DAY:%d-%m-%Y} dari tim liputan kami.</p>"
    return Reply(
        body=html.replace('<div class="content">', '<div class="content">' + extra).encode()
    )


def index(links: list[tuple[str, str]]) -> Reply:
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in links)
    return Reply(body=f"<html><body><h1>Indeks</h1><ul>{items}</ul></body></html>".encode())


class Outlets:
    """The five outlets' pages; `number` keeps every article distinct."""

    def __init__(self, web: MockWeb):
        self.web = web
        self.number = 0

    def story(self, path: str) -> tuple[str, str]:
        self.number += 1
        self.web.routes[path] = article(self.number)
        return self.web.url(path), TOPICAL.format(self.number)

    def build(self) -> None:
        web = self.web
        # berubah: articles moved from /berita/YYYY/MM/DD/slug to /news/{id}/{slug}.
        moved = [self.story(f"/berubah/news/70000{n}/kim-jong-un-vladivostok-{n}") for n in (1, 2)]
        old = self.story("/berubah/berita/2023/09/18/kim-jong-un-pulang")
        other = (web.url("/berubah/news/700009/harga-beras-naik-lagi-hari-ini"), "Harga beras naik")
        web.routes["/berubah/"] = index([*moved, old, other, (web.url("/berubah/tag/kim"), "Kim")])
        # sopan: robots.txt disallows its site search.
        web.routes["/robots.txt"] = Reply(
            body=b"User-agent: *\nDisallow: /sopan/cari\n", content_type="text/plain"
        )
        web.routes["/sopan/rss"] = Reply(body=rss([]), content_type="application/rss+xml")
        # offset: 2, 2 and 1 articles at offsets 0, 10 and 20.
        for offset, count in ((0, 2), (10, 2), (20, 1), (30, 0)):
            links = [self.story(f"/offset/2023/09/18/kim-{offset}-{n}") for n in range(count)]
            web.routes[f"/offset/indeks/2023/09/18/{offset}"] = index(links)
        # kodekan: reads `date` only percent-encoded; else every page is its first page.
        pages = {page: [self.story(f"/kodekan/2023/09/18/kim-{page}")] for page in (1, 2, 3)}

        def kodekan(raw_path: str, headers: dict) -> Reply:
            query = urlsplit(raw_path).query
            page = int(parse_qs(query).get("page", ["1"])[0])
            if "date=09%2F18%2F2023" not in query:
                page = 1
            return index(pages.get(page, []))

        web.handlers["/kodekan/indeks"] = kodekan
        # ulang: every page is page 1 again, beside one "most read" link that changes.
        stable = [self.story(f"/ulang/2023/09/18/kim-tetap-{n}") for n in range(9)]
        for page in range(1, 6):
            rotating = self.story(f"/ulang/2023/09/18/kim-populer-{page}")
            web.routes[f"/ulang/indeks/20230918/{page}"] = index([*stable, rotating])


OUTLETS = [
    {
        "name": "berubah",
        "hosts": ["127.0.0.1"],
        "listings": ["{base}/berubah/"],
        "article_pattern": "/berubah/berita/\\d{{4}}/",
    },
    {
        "name": "sopan",
        "hosts": ["127.0.0.1"],
        "feeds": ["{base}/sopan/rss"],
        "search": ["{base}/sopan/cari?q={{query}}"],
    },
    {
        "name": "offset",
        "hosts": ["127.0.0.1"],
        "archives": ["{base}/offset/indeks/{{date:%Y/%m/%d}}/{{offset:10}}"],
    },
    {
        "name": "kodekan",
        "hosts": ["127.0.0.1"],
        "archives": ["{base}/kodekan/indeks?date={{date:%m/%d/%Y}}&page={{page}}"],
    },
    {
        "name": "ulang",
        "hosts": ["127.0.0.1"],
        "archives": ["{base}/ulang/indeks/{{date:%Y%m%d}}/{{page}}"],
    },
]


def outlets_for(web: MockWeb) -> list[dict]:
    return [
        {
            key: [item.format(base=web.base) for item in value]
            if isinstance(value, list) and key != "hosts"
            else value
            for key, value in outlet.items()
        }
        | (
            {"article_pattern": outlet["article_pattern"].format()}
            if "article_pattern" in outlet
            else {}
        )
        for outlet in OUTLETS
    ]


@pytest.fixture(scope="module")
def drifted(tmp_path_factory):
    web = MockWeb()
    Outlets(web).build()
    web.start()
    base = tmp_path_factory.mktemp("drift")
    topic = {**seed_topic(), "since": DAY.isoformat(), "until": DAY.isoformat()}
    config = write_config(base / "config", outlets_for(web), [topic])
    db = base / "archive.db"
    crawl = run_pantau("crawl", "--config", str(config), "--db", str(db))
    stored = rows(db, "select source, count(*) as n from articles where is_seed = 0 group by 1")
    yield {
        "web": web,
        "config": config,
        "db": db,
        "crawl": crawl,
        "stored": {row["source"]: row["n"] for row in stored},
        "counts": per_source(db, 1),
    }
    web.stop()


def test_a_pattern_gone_stale_is_reported_and_its_topical_articles_still_stored(drifted):
    assert drifted["crawl"].returncode == 0, drifted["crawl"].stderr[-3000:]
    counts = drifted["counts"]["berubah"]
    web = drifted["web"]
    moved = [web.url(f"/berubah/news/70000{n}/kim-jong-un-vladivostok-{n}") for n in (1, 2)]
    assert counts["pattern_missed"] == 2 and counts["pattern_missed_example"] in moved
    assert drifted["stored"]["berubah"] == 3  # the two moved ones and the one of the old shape
    line = "berubah: article_pattern rejected 2 topical links that were articles (e.g. {})"
    assert line.format(counts["pattern_missed_example"]) in drifted["crawl"].stdout
    # The headline gate: a rejected link about something else is not fetched.
    assert web.requests_for("/berubah/news/700009/harga-beras-naik-lagi-hari-ini") == []


def test_a_search_template_robots_txt_disallows_is_counted_and_never_fetched(drifted):
    counts = drifted["counts"]["sopan"]
    assert counts["robots_refused"] >= 1 and counts["errors"] == 0
    assert counts["robots_refused_example"].startswith(drifted["web"].url("/sopan/cari?q="))
    assert "sopan: robots.txt refused" in drifted["crawl"].stdout
    assert not [path for _, path in drifted["web"].log if path.startswith("/sopan/cari")]


def test_an_index_paged_by_offset_is_walked_to_its_end(drifted):
    assert drifted["stored"]["offset"] == 5
    for offset in (0, 10, 20, 30):
        assert len(drifted["web"].requests_for(f"/offset/indeks/2023/09/18/{offset}")) == 1


def test_a_date_in_the_query_string_is_percent_encoded(drifted):
    assert drifted["stored"]["kodekan"] == 3
    assert drifted["counts"]["kodekan"]["index_repeats"] == 0


def test_a_page_that_repeats_the_previous_one_ends_the_day(drifted):
    web = drifted["web"]
    assert len(web.requests_for("/ulang/indeks/20230918/2")) == 1
    assert web.requests_for("/ulang/indeks/20230918/3") == []
    counts = drifted["counts"]["ulang"]
    assert counts["index_repeats"] == 1
    assert counts["index_repeats_example"] == web.url("/ulang/indeks/20230918/2")
    days = rows(drifted["db"], "select day, pages from archive_days where source = 'ulang'")
    assert days == [{"day": DAY.isoformat(), "pages": 2}]


def test_the_home_page_says_what_the_crawl_noticed(drifted):
    from tests.test_datasette import get, served

    page = get(served(drifted["db"], config_dir=drifted["config"]), "/")
    assert page.status_code == 200
    notes = [line for line in page.text.splitlines() if "berubah: article_pattern" in line]
    assert notes and "rejected 2 topical links that were articles" in notes[0]
    assert "sopan: robots.txt refused" in page.text


def test_sources_check_reports_robots_stale_patterns_and_repeating_indexes(drifted):
    web = drifted["web"]
    # The check reads a date index for a day a week ago: the same pages serve that day.
    past = date.today() - timedelta(days=ARCHIVE_DAYS_AGO)
    for path in [path for path in web.routes if "/indeks/2023" in path or "/20230918/" in path]:
        day_path = path.replace("2023/09/18", f"{past:%Y/%m/%d}")
        web.routes[day_path.replace("20230918", f"{past:%Y%m%d}")] = web.routes[path]
    before = len(web.log)
    result = CliRunner().invoke(
        cli,
        [
            "sources",
            "check",
            "--config",
            str(drifted["config"]),
            "--json",
            str(drifted["db"].with_suffix(".json")),
        ],
    )
    assert result.exit_code == 0, result.output
    checks = {
        (c["source"], c["kind"]): c
        for c in json.loads(drifted["db"].with_suffix(".json").read_text())
    }
    assert checks[("sopan", "search")]["error"] == "robots.txt disallows it"
    assert checks[("sopan", "search")]["verdicts"] == {"robots": False}
    assert checks[("berubah", "listing")]["verdicts"] is None  # judged for robots, not shown
    assert not [path for _, path in web.log[before:] if path.startswith("/sopan/cari")]
    stale = checks[("berubah", "listing")]
    assert (stale["links"], stale["rejected"], stale["ok"]) == (1, 3, True)  # too few to call
    assert checks[("ulang", "archive")]["verdicts"]["advances"] is False
    assert "page 2 repeats page 1" in checks[("ulang", "archive")]["error"]
    assert checks[("offset", "archive")]["verdicts"]["advances"] is True


OUTLET_FILE = """\
# A maintainer's note on this outlet: kept as written.
name: contoh
hosts: [127.0.0.1]
feeds:
  - {base}/sopan/rss  # the site's only feed
evidence:
  # what public code showed
  - source: "someone/scraper src/contoh.py"
    seen: 2026-07-24
    says: "feed at /sopan/rss"
  - {{source: live, seen: 2026-01-02, says: "an older live check"}}
examples:
  articles:
    - {{url: "{base}/berubah/news/700001/kim-jong-un-vladivostok-1", source: "mock"}}
"""


def test_sources_check_update_writes_live_evidence_and_keeps_comments(drifted, tmp_path):
    web = drifted["web"]
    config = tmp_path / "config"
    (config / "outlets").mkdir(parents=True)
    path = config / "outlets" / "contoh.yml"
    original = OUTLET_FILE.format(base=web.base)
    path.write_text(original, "utf-8")
    result = CliRunner().invoke(cli, ["sources", "check", "--config", str(config), "--update"])
    assert result.exit_code == 0, result.output
    assert f"contoh: evidence updated in {path}" in result.output
    updated = path.read_text("utf-8")
    today = date.today().isoformat()
    live = [line for line in updated.splitlines() if "source: live" in line]
    assert (
        len(live) == 1 and f"seen: {today}" in live[0] and "every entry point answered" in live[0]
    )
    # Every other line as it was: only the older live entry gave way to the new one.
    kept = [line for line in updated.splitlines() if "source: live" not in line]
    assert kept == [line for line in original.splitlines() if "source: live" not in line]
    [outlet] = load_config(config).sources
    assert outlet.newest_evidence().isoformat() == today


def test_sources_list_gives_one_line_per_outlet_with_its_last_crawl(drifted):
    result = CliRunner().invoke(
        cli, ["sources", "list", "--config", str(drifted["config"]), "--db", str(drifted["db"])]
    )
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0]: line for line in result.output.splitlines()}
    assert set(lines) == {"berubah", "sopan", "offset", "kodekan", "ulang"}
    assert lines["offset"] == "offset: enabled; archives 1; evidence none; last crawl: ok, 5 new"
    assert lines["sopan"].startswith(
        "sopan: enabled; feeds 1, search 1; evidence none; last crawl:"
    )


def test_a_shared_runs_writer_keeps_each_count_and_the_first_example():
    from collections import Counter, defaultdict

    from crawler.crawl.ingest import _store
    from crawler.crawl.shared import Envelope

    stats: dict = defaultdict(Counter)
    texts: dict = defaultdict(dict)
    for n in (1, 2):  # two crawlers of a shared run report their counts
        counts = {"pantau/pattern_missed": n, "pantau/pattern_missed_example": f"https://a.id/{n}"}
        _store(None, Envelope("stats", "a", stats=counts), stats, texts)
    assert stats["a"]["pantau/pattern_missed"] == 3
    assert texts["a"] == {"pantau/pattern_missed_example": "https://a.id/1"}
