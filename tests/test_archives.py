"""Date index pages: a topic's window walked once, on-topic headlines fetched, days recorded.

Two outlets on 127.0.0.1 list a past story's days in their date index, in two date formats
(one paginated); their articles are written from tests/fixtures (no ../shared needed).
"""

from datetime import date

import pytest

from crawler.config.load import ConfigError, Source, Topic, load_config
from crawler.discover.archives import days_to_walk, window
from crawler.discover.targets import FilledTemplate, targets_for
from tests.conftest import rows, run_pantau, seed_topic, write_config
from tests.mockweb import FIXTURES, MockWeb, Reply


def archive_url(template: str, day: date, page: int = 1) -> str:
    return FilledTemplate("archive", template, (("date", day),)).url(page)


KIM = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_text("utf-8")
DAYS = [date(2023, 9, 16), date(2023, 9, 17), date(2023, 9, 18)]
PAGED = "/arsip/indeks?date={date:%Y-%m-%d}&page={page}"
DAILY = "/arsipdua/{date:%d-%m-%Y}"
# Longer than DEPTH_LIMIT (4): paging one day's index is not following links.
LONG = "/panjang/indeks/{date:%Y%m%d}/{page}"
LONG_PAGES = 7
# Site search with the window's dates and pages.
SEARCH = "/cari?q={query}&dari={since:%Y-%m-%d}&sampai={until:%Y-%m-%d}&hal={page}"


def search_url(query: str, page: int) -> str:
    values = (("query", query), ("since", DAYS[0]), ("until", DAYS[-1]))
    return FilledTemplate("search", SEARCH, values).url(page)


def test_search_templates_get_the_window_or_the_last_30_days():
    source = Source(name="s", search=["https://x.id/cari?q={query}&dari={since:%d/%m/%Y}"])
    windowed = targets_for([Topic(name="t", keywords=["Kim"], since=date(2023, 9, 16))])
    assert windowed.template_urls(source, date(2023, 9, 20)) == [
        ("https://x.id/cari?q=Kim&dari=16%2F09%2F2023", "search")
    ]
    recent = targets_for([Topic(name="t", keywords=["Kim"])])
    assert recent.template_urls(source, date(2023, 9, 20)) == [
        ("https://x.id/cari?q=Kim&dari=21%2F08%2F2023", "search")
    ]


def test_archive_urls_and_days_to_walk():
    day = date(2023, 9, 8)
    # A value in the query string is sent percent-encoded; in the path, as it is.
    assert archive_url("https://x.id/indeks?date={date:%m/%d/%Y}&p={page}", day, 2) == (
        "https://x.id/indeks?date=09%2F08%2F2023&p=2"
    )
    assert archive_url("https://x.id/indeks/{date:%Y/%m/%d}/{offset:10}", day, 3) == (
        "https://x.id/indeks/2023/09/08/20"
    )
    assert window([], date(2026, 11, 30)) == []
    walked = {date(2023, 9, 16), date(2023, 9, 17), date(2023, 9, 18)}
    days = sorted({date(2023, 9, 15), *walked})
    # Never walked, and the last two days before today again: their pages still grow.
    assert days_to_walk(days, walked, date(2023, 9, 18)) == days
    assert days_to_walk(days, walked, date(2023, 9, 30)) == [date(2023, 9, 15)]


def test_a_window_without_until_runs_to_today(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a", "feeds": ["https://a.id/rss"]}], [])
    (config / "topics.yml").write_text("topics: [{name: t, keywords: [x], since: 2026-11-28}]")
    topics = load_config(config).topics
    assert window(topics, date(2026, 11, 30)) == [
        date(2026, 11, 28),
        date(2026, 11, 29),
        date(2026, 11, 30),
    ]


@pytest.mark.parametrize(
    "template, problem",
    [
        ("https://x.id/indeks", "must contain {date:FORMAT}"),
        ("https://x.id/indeks/{date:%Y}/{kanal}", "unknown placeholder {kanal}"),
    ],
)
def test_a_bad_archive_template_is_one_clear_error(tmp_path, template, problem):
    config = write_config(tmp_path / "c", [{"name": "a", "archives": [template]}], [])
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert raised.value.key == "sources[0] (a).archives[0]"
    assert problem in raised.value.problem


def _article(number: int, day: date) -> bytes:
    """A distinct story article of that day, built on the written Kim article."""
    html = KIM.replace(
        '<link rel="canonical" href="/pantaunews/internasional/2023/09/18/kim-vladivostok">', ""
    )
    extra = f"<p>Laporan lanjutan nomor {number} pada {day:%d-%m-%Y} dari tim liputan kami.</p>"
    return html.replace('<div class="content">', '<div class="content">' + extra).encode()


def _index(links: list[tuple[str, str]]) -> Reply:
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in links)
    return Reply(body=f"<html><body><h1>Indeks</h1><ul>{items}</ul></body></html>".encode())


@pytest.fixture(scope="module")
def archive_web():
    web = date_index_web().start()
    yield web
    web.stop()


def date_index_web() -> MockWeb:
    """Two outlets' date indexes of the story's days (one paginated), a long index and a site
    search."""
    web = MockWeb()
    number = 0
    for day in DAYS:
        story = []
        for outlet in ("arsip", "arsip", "arsip", "arsipdua"):
            number += 1
            path = f"/{outlet}/{day:%Y/%m/%d}/kim-jong-un-vladivostok-{number}"
            web.routes[path] = Reply(body=_article(number, day))
            story.append((web.url(path), f"Kim Jong-un dan Vladivostok, laporan {number}"))
        unrelated = (web.url(f"/arsip/{day:%Y/%m/%d}/harga-beras-naik-lagi"), "Harga Beras Naik")
        first, second = [story[0], unrelated, story[1]], [story[2]]
        web.routes[archive_url(PAGED, day, 1)] = _index(first)
        web.routes[archive_url(PAGED, day, 2)] = _index(second)
        web.routes[archive_url(PAGED, day, 3)] = _index(second)  # nothing new: the walk ends
        web.routes[archive_url(DAILY, day)] = _index([story[3]])
    for page in range(1, LONG_PAGES + 1):
        number += 1
        path = f"/panjang/{DAYS[0]:%Y/%m/%d}/kim-jong-un-vladivostok-{number}"
        web.routes[path] = Reply(body=_article(number, DAYS[0]))
        link = (web.url(path), f"Kim Jong-un di Vladivostok, halaman {page}")
        # The last page repeats the one before: nothing new, the walk ends.
        web.routes[archive_url(LONG, DAYS[0], page)] = _index([link] if page < LONG_PAGES else [])
    web.routes[archive_url(LONG, DAYS[0], LONG_PAGES)] = web.routes[
        archive_url(LONG, DAYS[0], LONG_PAGES - 1)
    ]
    for day in DAYS[1:]:
        web.routes[archive_url(LONG, day, 1)] = _index([])  # a day without the story
    found = []
    for page in (1, 2):
        number += 1
        path = f"/cari/{DAYS[1]:%Y/%m/%d}/kim-jong-un-vladivostok-{number}"
        web.routes[path] = Reply(body=_article(number, DAYS[1]))
        found.append((web.url(path), f"Hasil pencarian {page}"))  # search results need no term
        web.routes[search_url("Kim Jong-un", page)] = _index(found[-1:])
    web.routes[search_url("Kim Jong-un", 3)] = _index(found[-1:])
    return web


@pytest.fixture(scope="module")
def walked(archive_web, tmp_path_factory):
    web = archive_web
    base = tmp_path_factory.mktemp("archives")
    sources = [
        {"name": "arsip", "hosts": ["127.0.0.1"], "archives": [web.url(PAGED)]},
        {"name": "arsipdua", "hosts": ["127.0.0.1"], "archives": [web.url(DAILY)]},
        {"name": "panjang", "hosts": ["127.0.0.1"], "archives": [web.url(LONG)]},
        {"name": "cari", "hosts": ["127.0.0.1"], "search": [web.url(SEARCH)]},
    ]
    topic = {**seed_topic(), "since": "2023-09-16", "until": "2023-09-18"}
    config = write_config(base / "config", sources, [topic])
    db = base / "archive.db"
    first = run_pantau("crawl", "--config", str(config), "--db", str(db))
    stored = rows(db, "select source, count(*) as n from articles where is_seed = 0 group by 1")
    second = run_pantau("crawl", "--config", str(config), "--db", str(db))
    return {"web": web, "db": db, "first": first, "second": second, "stored": stored}


def test_the_story_is_found_through_the_date_index(walked):
    assert walked["first"].returncode == 0, walked["first"].stderr[-3000:]
    stored = {row["source"]: row["n"] for row in walked["stored"]}
    assert stored == {"arsip": 9, "arsipdua": 3, "panjang": LONG_PAGES - 1, "cari": 2}


def test_off_topic_headlines_are_never_fetched(walked):
    for day in DAYS:
        assert walked["web"].requests_for(f"/arsip/{day:%Y/%m/%d}/harga-beras-naik-lagi") == []


def test_each_day_is_recorded_with_its_pages(walked):
    days = rows(walked["db"], "select source, day, pages, links from archive_days order by 1, 2")
    assert [(d["source"], d["day"], d["pages"], d["links"]) for d in days] == [
        *[("arsip", day.isoformat(), 3, 4) for day in DAYS],
        *[("arsipdua", day.isoformat(), 1, 1) for day in DAYS],
        ("panjang", DAYS[0].isoformat(), LONG_PAGES, LONG_PAGES - 1),
        *[("panjang", day.isoformat(), 1, 0) for day in DAYS[1:]],
    ]


def test_a_second_run_walks_no_day_of_a_past_window_again(walked):
    assert "arsip: ok" in walked["second"].stdout  # nothing was due, and that is no failure
    assert walked["second"].returncode == 0, walked["second"].stderr[-3000:]
    web = walked["web"]
    for day in DAYS:
        for path in (
            archive_url(PAGED, day, 1),
            archive_url(PAGED, day, 3),
            archive_url(DAILY, day),
        ):
            assert len(web.requests_for(path)) == 1, path
    stored = rows(walked["db"], "select count(*) as n from articles where is_seed = 0")
    assert stored[0]["n"] == 12 + LONG_PAGES - 1 + 2
