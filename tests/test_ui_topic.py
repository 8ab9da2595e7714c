"""A topic's coverage as an analyst meets it: `pantau crawl` of a small web where one
outlet syndicates another's story, then `pantau serve` driven in headless Chromium (the
Debian package, through the playwright package, as tests/test_ui.py does).

The web, on 127.0.0.1: kabarsatu breaks the story (10:00 WIB) and follows it up; kabardua
runs kabarsatu's story 3 h 20 min later, lightly edited (a near-duplicate), and a story of
its own; kabartiga runs an Antara wire story. Written here, so it runs without ../shared.
"""

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser import SHOTS, needs_chromium, shot
from tests.conftest import rows, run_pantau, seed_topic, write_config
from tests.mockweb import MockWeb, Reply, rss
from tests.pastweb import plain_article

pytestmark = needs_chromium
TOPIC = seed_topic()["name"]

STORY = [
    "Pemimpin Korea Utara Kim Jong-un tiba di kosmodrom Vostochny di wilayah Amur, Rusia "
    "timur jauh, pada Rabu untuk bertemu Presiden Rusia Vladimir Putin, menurut kantor "
    "berita KCNA dan media pemerintah Rusia.",
    "Kim Jong-un melakukan perjalanan dengan kereta lapis baja dari Pyongyang melalui "
    "Khasan. Putin menyambut Kim di depan gedung peluncuran roket dan keduanya berjabat "
    "tangan selama beberapa detik sebelum berkeliling kosmodrom.",
    "Kedua pemimpin membahas kerja sama militer, satelit dan ekonomi. Amerika Serikat dan "
    "Korea Selatan khawatir Korea Utara akan memasok amunisi artileri kepada Rusia untuk "
    "perang di Ukraina, sebuah tuduhan yang dibantah Moskow dan Pyongyang.",
    "Setelah pertemuan di Vostochny, Kim Jong-un dijadwalkan mengunjungi Komsomolsk-on-Amur "
    "dan kota Vladivostok, tempat armada Pasifik Rusia bermarkas, sebelum kembali ke Korea "
    "Utara dengan kereta yang sama.",
    "Menteri Pertahanan Rusia Sergei Shoigu juga dijadwalkan menunjukkan pesawat pembom "
    "strategis dan kapal perang kepada Kim Jong-un di Vladivostok, kata juru bicara Kremlin "
    "Dmitry Peskov kepada wartawan di Moskow.",
]
# kabardua's copy: its own lead sentence, the rest as kabarsatu wrote it.
COPY = [
    "Kim Jong-un, pemimpin Korea Utara, tiba di kosmodrom Vostochny di wilayah Amur, Rusia "
    "timur jauh, pada Rabu untuk bertemu Presiden Rusia Vladimir Putin, menurut KCNA.",
    *STORY[1:],
    "Artikel ini disadur dari kabarsatu.",
]
FLEET = [
    "Kim Jong-un meninjau armada Pasifik Rusia di Vladivostok pada Sabtu. Menteri Pertahanan "
    "Sergei Shoigu menunjukkan rudal hipersonik Kinzhal dan pesawat pembom strategis Tu-160 "
    "kepada pemimpin Korea Utara itu di sebuah lapangan udara dekat Vladivostok.",
    "Kim Jong-un juga menaiki fregat Marsekal Shaposhnikov dan mendengarkan penjelasan "
    "tentang persenjataan kapal itu, menurut kantor berita Rusia RIA Novosti.",
    "Kunjungan ke Vladivostok menutup perjalanan Kim di Rusia yang dimulai dengan pertemuan "
    "bersama Vladimir Putin di kosmodrom Vostochny.",
]
INVITATION = [
    "Presiden Rusia Vladimir Putin menerima undangan Kim Jong-un untuk berkunjung ke "
    "Pyongyang, kata Kremlin sehari setelah pertemuan kedua pemimpin di kosmodrom Vostochny.",
    "Juru bicara Kremlin Dmitry Peskov mengatakan waktu kunjungan Putin ke Korea Utara akan "
    "ditentukan lewat saluran diplomatik. Kim Jong-un masih berada di Rusia timur jauh dan "
    "dijadwalkan mengunjungi Vladivostok.",
    "Korea Utara dan Rusia berjanji memperdalam kerja sama, sementara Amerika Serikat "
    "memperingatkan sanksi baru bila terjadi kesepakatan senjata.",
]
WIRE = [
    "VLADIVOSTOK (ANTARA) - Pemimpin Korea Utara Kim Jong-un meninggalkan Vladivostok dengan "
    "kereta lapis baja pada Minggu setelah enam hari di Rusia, menurut media pemerintah Rusia.",
    "Gubernur Primorye Oleg Kozhemyako melepas Kim Jong-un di stasiun Artyom. Selama di "
    "Vladivostok, Kim mengunjungi universitas, akuarium dan pabrik pakan ternak.",
    "Kunjungan Kim ke Rusia dimulai dengan pertemuan bersama Presiden Vladimir Putin di "
    "kosmodrom Vostochny, tempat keduanya membahas kerja sama militer dan satelit.",
]
# outlet, path, headline, paragraphs, published (WIB)
PAGES = [
    (
        "kabarsatu",
        "/kabarsatu/dunia/1001/kim-tiba-di-vostochny",
        "Kim Jong-un Tiba di Vostochny",
        STORY,
        "2023-09-13T10:00:00+07:00",
    ),
    (
        "kabarsatu",
        "/kabarsatu/dunia/1002/putin-terima-undangan",
        "Putin Terima Undangan Kim Jong-un",
        INVITATION,
        "2023-09-14T09:00:00+07:00",
    ),
    (
        "kabardua",
        "/kabardua/internasional/77/kim-bertemu-putin",
        "Kim Jong-un Bertemu Putin di Vostochny",
        COPY,
        "2023-09-13T13:20:00+07:00",
    ),
    (
        "kabardua",
        "/kabardua/internasional/78/kim-tinjau-armada",
        "Kim Jong-un Tinjau Armada Pasifik",
        FLEET,
        "2023-09-16T15:00:00+07:00",
    ),
    (
        "kabartiga",
        "/kabartiga/global/5/kim-tinggalkan-vladivostok",
        "Kim Jong-un Tinggalkan Vladivostok",
        WIRE,
        "2023-09-17T21:00:00+07:00",
    ),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    web = MockWeb()
    for outlet, path, title, paragraphs, published in PAGES:
        web.routes[path] = Reply(body=plain_article(title, paragraphs, published))
    outlets = sorted({page[0] for page in PAGES})
    for outlet in outlets:
        items = [(page[2], web.url(page[1])) for page in PAGES if page[0] == outlet]
        web.routes[f"/{outlet}/rss.xml"] = Reply(
            body=rss(items), content_type="application/rss+xml"
        )
    web.start()
    try:
        base = tmp_path_factory.mktemp("topic-ui")
        sources = [
            {
                "name": outlet,
                "hosts": ["127.0.0.1"],
                "feeds": [web.url(f"/{outlet}/rss.xml")],
                "article_pattern": f"/{outlet}/",
            }
            for outlet in outlets
        ]
        config = write_config(base / "config", sources, [seed_topic()])
        db_path = base / "archive.db"
        result = run_pantau("crawl", "--config", str(config), "--db", str(db_path))
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        web.stop()
    stored = rows(db_path, "select source, title, cluster_id from articles where is_seed = 0")
    # The web is what the tests say it is: every page stored, the copy in kabarsatu's cluster.
    assert len(stored) == len(PAGES), stored
    clusters = {row["title"]: row["cluster_id"] for row in stored}
    assert clusters["Kim Jong-un Bertemu Putin di Vostochny"] is not None
    assert (
        clusters["Kim Jong-un Bertemu Putin di Vostochny"]
        == clusters["Kim Jong-un Tiba di Vostochny"]
    )
    return db_path


def number(text: str) -> int:
    return int(re.search(r"[\d,]+", text).group(0).replace(",", ""))


def listed_ids(page) -> list[str]:
    return [row.get_attribute("data-id") for row in page.locator("table.articles tr.article").all()]


def test_the_home_pages_count_opens_the_topic_page_with_that_count(page, server):
    page.goto(server + "/")
    count = page.locator(f"a[href$='/-/topic/{TOPIC}']", has_text="related article").first
    home_count = number(count.inner_text())
    assert home_count == len(PAGES)
    count.click()
    page.wait_for_url(f"**/-/topic/{TOPIC}")
    assert number(page.locator("h2.coverage .total").inner_text()) == home_count
    assert page.locator("table.articles tr.article").count() == home_count
    assert page.locator(".seed").is_visible()
    assert page.locator("svg.timeline rect").count() > 0
    shot(page, "topic")


def test_a_filter_by_outlet_narrows_the_list(page, server):
    page.goto(f"{server}/-/topic/{TOPIC}")
    everything = page.locator("table.articles tr.article").count()
    page.locator(".topic-filters a.facet", has_text="kabarsatu").click()
    page.wait_for_url("**source=kabarsatu*")
    outlets = page.locator("table.articles td.outlet").all_inner_texts()
    assert outlets == ["kabarsatu", "kabarsatu"] and len(outlets) < everything
    page.locator(".topic-filters a.clear").click()
    page.wait_for_url(f"**/-/topic/{TOPIC}")
    assert page.locator("table.articles tr.article").count() == everything


def test_the_spread_names_the_first_report_and_the_copys_original(page, server):
    page.goto(f"{server}/-/topic/{TOPIC}")
    assert page.locator(".first-report .first-outlet").inner_text() == "kabarsatu"
    table = page.locator("table.spread-table")
    first_row = table.locator("tbody tr").first
    assert first_row.locator(".outlet-name").inner_text() == "kabarsatu"
    assert first_row.locator(".lag").inner_text() == "first report"
    copier = table.locator("tr", has=page.locator(".outlet-name", has_text="kabardua"))
    assert copier.locator(".lag").inner_text() == "+3 h 20 min"
    assert copier.locator(".copies").inner_text().startswith("1 (of kabarsatu)")
    wire = table.locator("tr", has=page.locator(".outlet-name", has_text="kabartiga"))
    assert wire.locator(".credits").inner_text() == "ANTARA 1"
    copy_row = page.locator("table.articles tr.article", has_text="Kim Jong-un Bertemu Putin")
    assert copy_row.locator(".copy-note").inner_text() == "copy of kabarsatu"
    original = page.locator("table.articles tr.article", has_text="Kim Jong-un Tiba di Vostochny")
    assert original.locator(".copy-note").inner_text() == "copied by kabardua"
    assert page.locator("svg.spread circle.copy").count() >= 1
    shot(page, "topic-spread")


def test_the_csv_downloads_with_the_pages_rows(page, server):
    page.goto(f"{server}/-/topic/{TOPIC}?order=oldest")
    shown = listed_ids(page)
    with page.expect_download() as download:
        page.locator(".report-links a.csv").click()
    assert download.value.suggested_filename == f"pantau-{TOPIC}.csv"
    text = Path(download.value.path()).read_text("utf-8")
    report = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in report] == shown and len(shown) == len(PAGES)
    assert report[0]["outlet"] == "kabarsatu"
    assert report[0]["published_at"] == "2023-09-13T10:00:00+07:00"
    copy = next(row for row in report if row["outlet"] == "kabardua" and row["copy_of"])
    assert copy["copy_of"].endswith("/kabarsatu/dunia/1001/kim-tiba-di-vostochny")


def test_printing_leaves_out_the_navigation_and_the_filters(page, server):
    page.goto(f"{server}/-/topic/{TOPIC}")
    for hidden in ("header", "footer", ".topic-filters", ".report-links"):
        assert page.locator(hidden).first.is_visible(), hidden  # on the screen
    assert page.locator(".report-links a.print").is_visible()
    page.emulate_media(media="print")
    for hidden in ("header", "footer", ".topic-filters", ".report-links"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in ("h1", "table.spread-table", "table.articles", "svg.spread"):
        assert page.locator(shown).first.is_visible(), shown
    shot(page, "topic-print")
    page.pdf(path=str(SHOTS / "topic-print.pdf"), format="A4")
