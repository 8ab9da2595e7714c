"""Date, title and cleanup rules on real strings from Indonesian newsrooms."""

import pytest
from lxml import html as lxml_html

from crawler.extract.cleanup import clean_body, find_credit
from crawler.extract.dates import find_published_at
from crawler.extract.headline import clean_title


def page(body: str = "", head: str = "") -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


@pytest.mark.parametrize(
    "dateline, expected",
    [
        ("Senin, 18 Sep 2023 14:30 WIB", "2023-09-18T14:30:00+07:00"),
        ("18/09/2023, 14:30 WIB", "2023-09-18T14:30:00+07:00"),
        ("Kompas.com - 18/09/2023, 14:30 WIB", "2023-09-18T14:30:00+07:00"),
        ("Senin 18 September 2023 | 14:30 WIB", "2023-09-18T14:30:00+07:00"),
        ("Selasa, 16 Februari 2016 | 14:38 WIB", "2016-02-16T14:38:00+07:00"),
        ("Kamis, 5 November 2015 - 15:56 wib", "2015-11-05T15:56:00+07:00"),
        ("on 16 Feb 2016 at 09:10 WIB", "2016-02-16T09:10:00+07:00"),
        ("Wednesday, 04 November, 2015 |  07:28 WIB", "2015-11-04T07:28:00+07:00"),
        ("Minggu, 18 Juli 2021 – 18:52 WIB", "2021-07-18T18:52:00+07:00"),
        ("Rabu, 20 Sep 2023 09:15 WITA", "2023-09-20T09:15:00+08:00"),
        ("Rabu, 20 Sep 2023 10:15 WIT", "2023-09-20T10:15:00+09:00"),
        ("Rabu, 19 Juni 2024 |06:23 WIB", "2024-06-19T06:23:00+07:00"),
        ("Published on Sep. 29, 2025, 17:09", "2025-09-29T17:09:00+07:00"),
        ("September 18, 2023 at 14:30 WIB", "2023-09-18T14:30:00+07:00"),
    ],
)
def test_visible_datelines(dateline, expected):
    assert find_published_at(page(f"<div class='date'>{dateline}</div>"), None) == expected


def test_a_published_at_meta_name_is_read():
    head = '<meta name="published-at" content="2025-09-29T17:09:28+07:00">'
    assert find_published_at(page(head=head), None) == "2025-09-29T17:09:28+07:00"


def test_structured_data_comes_first():
    head = '<meta property="article:published_time" content="2023-09-18T07:30:00+00:00">'
    tree = page("<div>Senin, 18 Sep 2023 10:00 WIB</div>", head)
    # A real UTC stamp becomes WIB.
    assert find_published_at(tree, "2023-09-18") == "2023-09-18T14:30:00+07:00"


def test_a_z_that_is_really_local_time_is_not_shifted():
    # detik's pubdate says "Z" but the page shows the same clock time in WIB.
    head = '<meta name="pubdate" content="2015-11-05 T10:08:58Z">'
    tree = page("<div>Kamis, 05 Nov 2015 10:08 WIB</div>", head)
    assert find_published_at(tree, "2015-11-05") == "2015-11-05T10:08:58+07:00"


def test_naive_stamps_are_wib_and_a_day_stays_a_day():
    head = '<meta name="publishdate" content="2022/12/10 13:19:56">'
    assert find_published_at(page("", head), "2022-12-10") == "2022-12-10T13:19:56+07:00"
    assert find_published_at(page("<p>Tanpa jam.</p>"), "2023-09-18") == "2023-09-18"
    assert find_published_at(page("<p>Tanpa tanggal.</p>"), None) is None


def test_a_related_article_time_on_another_day_is_ignored():
    tree = page("<li>Jumat, 30/10/2015 09:59 WIB Pengguna Bitcoin</li>")
    assert find_published_at(tree, "2015-11-05") == "2015-11-05"


@pytest.mark.parametrize(
    "meta_title, site_name, url, expected",
    [
        (
            "Samsul Arif Tak Beban Lawan Arema - Kompas.com",
            "KOMPAS.com",
            "http://bola.kompas.com/r",
            "Samsul Arif Tak Beban Lawan Arema",
        ),
        (
            "Polres Lhokseumawe Serahkan Anggota - Kompas.com Regional",
            "KOMPAS.com",
            None,
            "Polres Lhokseumawe Serahkan Anggota",
        ),
        (
            "City Siap Tawarkan Kontrak Baru | Republika Online",
            "Republika Online",
            None,
            "City Siap Tawarkan Kontrak Baru",
        ),
        (
            "Jamaah Haji Ikuti Pemeriksaan | ihram.co.id",
            None,
            None,
            "Jamaah Haji Ikuti Pemeriksaan",
        ),
        (
            "KapanLagi.com: FOTO: Dian Sastrowardoyo Saat Berusia 13 Tahun",
            "KapanLagi.com",
            None,
            "FOTO: Dian Sastrowardoyo Saat Berusia 13 Tahun",
        ),
        (
            "Polisi soal Pistol: Cuma Diperlihatkan - detikNews",
            "detikNews",
            "https://news.detik.com/x",
            "Polisi soal Pistol: Cuma Diperlihatkan",
        ),
        (
            "Saat pengadilan pertemukan Brotoseno - ANTARA News",
            None,
            "http://www.antaranews.com/b",
            "Saat pengadilan pertemukan Brotoseno",
        ),
        (
            "Kim Jong Un: Rusia dan Korea Utara Bersatu",
            None,
            "https://voi.id/b",
            "Kim Jong Un: Rusia dan Korea Utara Bersatu",
        ),
        # Scripts written without spaces, and hosts under a country's second level.
        (
            "习近平致贺信为中拉深化航天合作指明方向--时政--人民网",
            None,
            "http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html",
            "习近平致贺信为中拉深化航天合作指明方向",
        ),
        (
            "高知と宮崎に1メートルの津波注意報 気象庁：朝日新聞デジタル",
            "朝日新聞デジタル",
            None,
            "高知と宮崎に1メートルの津波注意報 気象庁",
        ),
        # A colon inside a headline is no separator from a section's name.
        (
            "南海トラフ、一時調査 巨大地震：基準達せず",
            None,
            None,
            "南海トラフ、一時調査 巨大地震：基準達せず",
        ),
        ("持ち株社長も引責 - 日本経済新聞", "日本経済新聞", None, "持ち株社長も引責"),
        (
            "Man kept six women chained in a basement - The Mirror",
            None,
            "https://www.mirror.co.uk/news/us-news/man-kept-six-women-chained-36501522",
            "Man kept six women chained in a basement",
        ),
    ],
)
def test_titles_lose_site_names(meta_title, site_name, url, expected):
    head = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    assert clean_title(meta_title, page("", head), url) == expected


def test_cleanup_removes_furniture_and_keeps_people_and_credit():
    cleaned = clean_body(
        "\n".join(
            [
                "JAKARTA (ANTARA) - Presiden menerima kunjungan Menteri Luar Negeri Rusia.",
                "Baca juga: Putin Terima Undangan Kim",
                "ADVERTISEMENT",
                "SCROLL TO CONTINUE WITH CONTENT",
                "Kunjungan itu membahas kerja sama ekonomi kedua negara.",
                "Presiden didampingi Menlu di Istana Merdeka. (ANTARA FOTO/Hafidz Mubarak A)",
                "Halaman: 1 2 3",
                "Halaman selanjutnya",
                "Pertemuan berlangsung selama satu jam. (ant/Mvi)",
                "Pewarta: Nur Imansyah",
                "Editor: Budi Santoso, Rina Hartati",
            ]
        )
    )
    assert cleaned.text.splitlines() == [
        "JAKARTA (ANTARA) - Presiden menerima kunjungan Menteri Luar Negeri Rusia.",
        "Kunjungan itu membahas kerja sama ekonomi kedua negara.",
        "Pertemuan berlangsung selama satu jam.",
    ]
    assert cleaned.reporters == ["Nur Imansyah"]
    assert cleaned.editors == ["Budi Santoso", "Rina Hartati"]
    assert cleaned.credit == "ANTARA"


def test_sentences_that_mention_furniture_words_stay():
    text = (
        "Foto itu diambil saat Kim tiba di stasiun, kata pejabat.\n"
        "Halaman istana dipenuhi wartawan sejak pagi.\n"
        "Ia menyebut Dewan Keamanan (PBB)."
    )
    assert clean_body(text).text == text


@pytest.mark.parametrize(
    "text, credit",
    [
        ("Mataram, NTB (ANTARA News) - Sebanyak 29 penerbangan dibatalkan.", "ANTARA"),
        ("kata KCNA, seperti melansir Reuters 18 September.", "Reuters"),
        ("Dikutip dari AFP, Kremlin membantah.", "AFP"),
        ("Hal itu dilansir dari AFP, Senin.", "AFP"),
        ("Tidak ada kredit di sini.", None),
    ],
)
def test_wire_credit(text, credit):
    assert find_credit(text) == credit


def test_reporter_and_editor_on_one_line():
    cleaned = clean_body("Isi berita yang cukup panjang.\nReporter: Rina Hartati | Editor: Budi")
    assert (cleaned.reporters, cleaned.editors) == (["Rina Hartati"], ["Budi"])
    assert cleaned.text == "Isi berita yang cukup panjang."


def test_a_year_in_the_text_is_not_a_publication_date():
    from crawler.extract.article import extract_article

    paragraph = "<p>Pertemuan di Vladivostok pada 2019 membahas perundingan nuklir Korea Utara.</p>"
    head = "<head><title>Kim dan Putin</title></head>"
    html = f"<html>{head}<body><h1>Kim dan Putin</h1>{paragraph * 6}</body></html>"
    assert extract_article(html.encode(), "https://x.id/berita/123456/kim")["published_at"] is None
