"""Is it an article, which body, which charset: the decisions that must hold on unseen pages.

Built from pages written for these tests (tests/fixtures/) and, where present, the real
pages in ../shared/data/real, read in place.
"""

import asyncio
import json

import pytest
from click.testing import CliRunner

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.cli.main import cli
from crawler.extract.article import ExtractionError, extract_article
from crawler.extract.body import choose_body
from crawler.extract.cleanup import Cleaned, clean_body
from tests.conftest import SHIPPED_RULES
from tests.mockweb import FIXTURES

WRITTEN = FIXTURES / "pages" / "pantaunews"
LISTINGS = FIXTURES / "listings"
KIM = (WRITTEN / "kim-vladivostok.html").read_bytes()
TEASERS = (WRITTEN / "kim-teaser-list.html").read_bytes()
TEASERS_URL = "http://127.0.0.1:8000/pantaunews/internasional/2023/09/14/putin-undangan-pyongyang"
KIM_URL = "http://127.0.0.1:8000/pantaunews/internasional/2023/09/18/kim-vladivostok"
TEASER_HEADLINES = ("Timnas U-23", "Harga Beras", "Banjir Rob", "Gol tunggal", "PANTAUNEWS |")


def test_an_article_that_declares_og_type_website_is_kept_with_a_note():
    page = KIM.replace(b"<head>", b'<head><meta property="og:type" content="website">')
    article = extract_article(page, KIM_URL)
    assert "meninggalkan kota Vladivostok" in article["text"]
    assert any(
        "og:type website" in note and note.startswith("doubtful") for note in article["notes"]
    )


def test_an_article_without_doubts_has_no_notes():
    assert extract_article(KIM, KIM_URL)["notes"] == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", None])
def test_a_home_page_is_refused(url):
    with pytest.raises(ExtractionError):
        extract_article((LISTINGS / "home.html").read_bytes(), url)


def test_a_tag_page_is_refused_even_when_it_declares_an_article():
    page = (LISTINGS / "tag-kim-jong-un.html").read_bytes()
    with pytest.raises(ExtractionError, match="not an article page: .*tag.*lists of other stories"):
        extract_article(page, "http://127.0.0.1:8000/tag/kim-jong-un")


def test_without_its_url_a_tag_page_is_only_doubtful():
    # Its markup and text alone weigh even: a tie is kept, and says why it was doubtful.
    notes = extract_article((LISTINGS / "tag-kim-jong-un.html").read_bytes(), None)["notes"]
    assert notes[0].startswith("doubtful (78% of the page's text is lists of other stories)")


@pytest.mark.parametrize(
    "name, url",
    [
        ("detik/grabsite-detik-homepage-2017.html", "https://www.detik.com/"),
        ("kompas/grabsite-kompas-homepage-2017.html", "http://www.kompas.com/"),
        ("kompas/anpandu-kompas-news-homepage-2015.html", "http://news.kompas.com/"),
        ("tempo/anpandu-tempo-mainpage-listing.html", "http://www.tempo.co/"),
        ("tempo/anpandu-tempoen-mainpage-listing.html", None),
    ],
)
def test_real_home_and_listing_pages_are_refused(real_data, name, url):
    # The other real listings have no URL in the manifest; read alone they weigh even.
    with pytest.raises(ExtractionError):
        extract_article((real_data / "html" / name).read_bytes(), url)


def test_a_teaser_list_inside_the_body_container_is_cut():
    article = extract_article(TEASERS, TEASERS_URL)
    assert article["text"].endswith("akan melanggar sanksi Dewan Keamanan PBB.")
    for teaser in TEASER_HEADLINES:
        assert teaser not in article["text"]
    assert any("other news" in note for note in article["notes"])


def test_a_teaser_list_inside_an_outlet_container_is_cut():
    # The same page in detik's 2015 layout, read through detik's outlet rules.
    page = TEASERS.replace(b'class="detail_text" itemprop="articleBody"', b'id="detikdetailtext"')
    url = "https://news.detik.com/read/2023/09/14/091500/7000001/1148/putin-undangan-pyongyang"
    article = extract_article(page, url, rules=SHIPPED_RULES)
    assert "Putin menerima undangan" in article["text"]
    for teaser in TEASER_HEADLINES:
        assert teaser not in article["text"]


def test_a_short_last_line_before_the_teasers_stays_with_the_story():
    # Inside a container the linked headlines are gone already: stamps and teasers remain.
    story = "\n".join(
        [
            "Presiden Rusia Vladimir Putin menerima undangan Kim Jong-un ke Pyongyang.",
            "Kremlin belum menetapkan tanggal kunjungan tersebut, kata juru bicaranya.",
            "Kedua pemimpin bertemu lebih dari empat jam di kosmodrom Vostochny.",
            "Kim kembali ke Pyongyang. (bgs/rul)",
        ]
    )
    teasers = "\n".join(
        [
            "DETIKNEWS | Kamis 18 Jun 2015, 07:00 WIB",
            "Gol tunggal dicetak pada menit akhir babak kedua.",
            "DETIKNEWS | Kamis 18 Jun 2015, 06:30 WIB",
            "Pedagang menyebut pasokan dari daerah berkurang.",
        ]
    )
    cleaned = clean_body(story + "\n" + teasers)
    assert cleaned.text.endswith("Kim kembali ke Pyongyang.")
    assert "Gol tunggal" not in cleaned.text and "Pedagang" not in cleaned.text


def test_a_lead_opening_with_a_city_date_and_time_is_not_a_teaser():
    lead = "JAKARTA, 18/09/2023 10:00 WIB - Kim Jong-un tiba kembali di Pyongyang pada Senin pagi."
    cleaned = clean_body(lead + "\nParagraf kedua berita ini cukup panjang untuk dibaca.")
    assert cleaned.text.startswith(lead)


def test_a_recommendations_section_of_the_story_is_not_other_news():
    story = "Komisi menyampaikan hasil kajiannya kepada DPR pada Senin, setelah enam bulan bekerja."
    section = ["Rekomendasi:", "Perpanjang masa kerja tim.", "Buka data anggaran kepada publik."]
    cleaned = clean_body("\n".join([story, story, story, *section]))
    assert cleaned.text.endswith("Buka data anggaran kepada publik.")


def test_a_table_in_the_body_is_kept_as_text():
    for rules in (True, False):
        text = extract_article(TEASERS, TEASERS_URL, rules=SHIPPED_RULES if rules else None)["text"]
        assert "| Pertanian | Bantuan gandum 50.000 ton | Desember 2023 |" in text


def test_a_summary_box_named_as_the_body_gives_way_to_the_story():
    summary = b'<div itemprop="articleBody"><p>Kim pulang dari Rusia.</p>' + (
        b"<p>Kim Jong-un meninggalkan kota Vladivostok di Rusia timur jauh pada Minggu.</p></div>"
    )
    page = KIM.replace(b'<div class="content">', summary + b'<div class="content">')
    article = extract_article(page, KIM_URL)
    assert "Kereta lapis baja yang membawa Kim" in article["text"]
    assert any("articleBody markup" in note and "used that" in note for note in article["notes"])


def test_line_breaks_in_the_html_source_are_not_paragraphs():
    wrapped = KIM.replace(
        b"dari stasiun Artyom-Primorsky 1 menuju", b"dari stasiun\n  Artyom-Primorsky 1\n  menuju"
    )
    page = wrapped.replace(
        b'<div class="content">', b'<div class="content" itemprop="articleBody">'
    )
    text = extract_article(page, KIM_URL)["text"]
    assert "dari stasiun Artyom-Primorsky 1 menuju titik perbatasan" in text


def test_a_lead_written_as_loose_text_before_the_first_paragraph_is_kept():
    lead = b"<p>VLADIVOSTOK - Pemimpin Korea Utara Kim Jong-un meninggalkan kota Vladivostok"
    assert lead in KIM
    loose = KIM.replace(
        lead,
        b"<b>VLADIVOSTOK</b> - Pemimpin Korea Utara Kim Jong-un meninggalkan kota Vladivostok",
        1,
    )
    loose = loose.replace(
        b"kata kantor berita KCNA pada Senin.</p>", b"kata kantor berita KCNA pada Senin.", 1
    )
    text = extract_article(loose, KIM_URL)["text"]
    assert text.startswith("VLADIVOSTOK - Pemimpin Korea Utara Kim Jong-un meninggalkan")


def test_a_container_running_far_past_the_generic_body_is_trimmed():
    story = "Kim Jong-un meninggalkan Vladivostok pada Minggu setelah kunjungan hampir sepekan."
    generic = Cleaned("\n".join([story] * 4))
    extra = [
        f"Pengumuman lomba mewarnai nomor {n} untuk anak sekolah dasar se-kota." for n in range(8)
    ]
    named = Cleaned("\n".join([story] * 4 + extra))
    chosen, notes = choose_body(named, generic, "pantaunews rules")
    assert chosen.text == generic.text
    assert notes == ["pantaunews rules: cut 8 trailing line(s) the generic body lacks"]


def test_a_container_close_to_the_generic_body_is_trusted():
    generic = Cleaned("Satu dua tiga empat lima.\nEnam tujuh delapan sembilan sepuluh.")
    named = Cleaned("Satu dua tiga empat lima.\nEnam tujuh delapan sembilan.")
    assert choose_body(named, generic, "x rules") == (named, [])


@pytest.mark.parametrize(
    "ending",
    ["(bgs/rul)", "(ant)", "(Mvi/Ali)", "(*)", "(ant/ros/ulf)", " (c02/rdr)"],
)
def test_closing_staff_codes_go_in_all_their_forms(ending):
    cleaned = clean_body(f"Paragraf pertama berita.\nKalimat terakhir berita ini.{ending}")
    assert cleaned.text == "Paragraf pertama berita.\nKalimat terakhir berita ini."


@pytest.mark.parametrize(
    "line, furniture",
    [
        ("Fotografer: Grandyos Zafna", True),
        ("Redaksi: redaksi[at]detikfinance.com", True),
        ("SolusiUKM · Iklan Baris · Blog · Forum · Sindikasi", True),
        ("KONTAK: info@merhametveadalet.com", False),
        ("Kim tiba pukul 10.00 · disambut Putin · lalu makan siang", False),
    ],
)
def test_photographer_lines_hidden_contacts_and_one_line_menus_are_furniture(line, furniture):
    text = f"Paragraf pertama berita ini cukup panjang.\n{line}\nParagraf terakhir."
    assert (line not in clean_body(text).text) is furniture


def test_embed_markers_go_wherever_they_sit():
    cleaned = clean_body(
        "Kim tiba di stasiun. [Gambas:Video CNN] Ia disambut pejabat.\n[Gambas:Instagram]"
    )
    assert cleaned.text == "Kim tiba di stasiun.  Ia disambut pejabat."


def test_staff_lines_in_a_table_go_to_author_and_editor():
    cleaned = clean_body(
        "Isi berita yang cukup panjang.\n| Penulis | : Aditya Maulana |\n| Editor | : Agung |"
    )
    assert (cleaned.text, cleaned.reporters, cleaned.editors) == (
        "Isi berita yang cukup panjang.",
        ["Aditya Maulana"],
        ["Agung"],
    )


CURLY = "Kim menyebut kunjungan itu \u201cbersejarah\u201d \u2013 kata KCNA."


def _page_in(encoding: str, declare: bool = False) -> bytes:
    meta = f'<meta charset="{encoding}">' if declare else ""
    html = KIM.decode("utf-8").replace('<meta charset="utf-8">', meta)
    html = html.replace("<p>VLADIVOSTOK - ", f"<p>{CURLY}</p><p>VLADIVOSTOK - ")
    return html.encode(encoding)


def test_a_charset_only_in_the_http_header_is_used():
    page = _page_in("windows-1252")
    assert CURLY in extract_article(page, KIM_URL, charset="windows-1252")["text"]
    # Where the header's charset and windows-1252 (the fallback) differ: 0xA4 is € or ¤.
    euro = page.replace(
        b"<p>VLADIVOSTOK - ", "<p>Harga tiket €5.</p><p>VLADIVOSTOK - ".encode("iso-8859-15")
    )
    assert "Harga tiket €5." in extract_article(euro, KIM_URL, charset="iso-8859-15")["text"]
    assert "Harga tiket ¤5." in extract_article(euro, KIM_URL)["text"]


def test_the_page_declaration_wins_over_the_header_and_valid_utf8_over_both():
    declared = _page_in("windows-1252", declare=True)
    assert CURLY in extract_article(declared, KIM_URL, charset="iso-8859-5")["text"]
    utf8 = _page_in("utf-8").replace(b"<head>", b'<head><meta charset="iso-8859-1">')
    assert CURLY in extract_article(utf8, KIM_URL, charset="iso-8859-1")["text"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_decode(encoding):
    page = _page_in("utf-8").decode("utf-8").encode(encoding)
    if encoding == "utf-16-be":
        page = b"\xfe\xff" + page
    article = extract_article(page, KIM_URL)
    assert CURLY in article["text"]
    assert article["title"] == "Kim Jong-un Tinggalkan Vladivostok, Pulang dengan Kereta Lapis Baja"


def test_utf16_without_a_byte_order_mark_decodes_by_the_header_charset():
    page = _page_in("utf-8").decode("utf-8").encode("utf-16-le")
    assert CURLY in extract_article(page, KIM_URL, charset="utf-16-le")["text"]
    with pytest.raises(ExtractionError, match="binary content"):
        extract_article(page, KIM_URL)


def test_extract_command_takes_the_header_charset_and_prints_notes(tmp_path):
    page = tmp_path / "kim.html"
    page.write_bytes(_page_in("windows-1252"))
    result = CliRunner().invoke(
        cli, ["extract", str(page), "--url", KIM_URL, "--charset", "windows-1252"]
    )
    assert result.exit_code == 0, result.output
    article = json.loads(result.output)
    assert CURLY in article["text"] and article["notes"] == []
    wrong = CliRunner().invoke(cli, ["extract", str(page), "--charset", "klingon"])
    assert wrong.exit_code == 2 and "unknown charset: 'klingon'" in wrong.output


def test_notes_of_a_kept_article_go_to_urls_reason(tmp_path):
    page = KIM.replace(b"<head>", b'<head><meta property="og:type" content="website">')
    article = extract_article(page, KIM_URL)
    db = open_db(tmp_path / "archive.db")
    save_article(db, article, "pantaunews", [KIM_URL], {})
    reason = db.execute("select reason from urls where url = ?", [KIM_URL]).fetchone()[0]
    assert "og:type website" in reason
    assert db.execute("select count(*) from articles").fetchone()[0] == 1
    columns = {row[1] for row in db.execute("pragma table_info(articles)")}
    assert "notes" not in columns


def test_the_crawl_hands_the_header_charset_and_the_article_pattern_to_extraction(tmp_path):
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from crawler.archive.writer import ArchiveWriter
    from crawler.config.load import Source
    from crawler.crawl.context import CrawlContext
    from crawler.crawl.items import Page
    from crawler.crawl.pipelines import ExtractPipeline
    from crawler.crawl.spider import NewsSpider

    crawler = get_crawler(NewsSpider)
    source = Source(name="pantaunews", hosts=["127.0.0.1"], article_pattern=r"/internasional/")
    writer = ArchiveWriter(open_db(tmp_path / "a.db"), batch_articles=10, batch_seconds=60)
    CrawlContext(writer, [source], []).attach(crawler)
    crawler.spider = NewsSpider(source=source)
    page = Page(
        url=KIM_URL,
        source="pantaunews",
        status=200,
        content_type="text/html; charset=windows-1252",
        body=_page_in("windows-1252"),
        fetched_at="2023-09-18T08:00:00Z",
    )
    pipeline = build_from_crawler(ExtractPipeline, crawler)
    article = asyncio.run(pipeline.process_item(page)).article
    assert CURLY in article["text"]
    website = KIM.replace(b"<head>", b'<head><meta property="og:type" content="website">')
    page.body, page.content_type = website, "text/html"
    notes = asyncio.run(pipeline.process_item(page)).article["notes"]
    assert "the URL matches the source's article pattern" in notes[0]
    writer.close()
