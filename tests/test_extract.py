"""Extraction on every real page with ground truth, and on the pages written for these tests.

The ground truth was written by other scrapers (see ../shared/data/real/MANIFEST.md); how it
is compared where it disagrees with Pantau's rules is in tests/truth.py.
"""

import json
import random
import re
from pathlib import Path

import pytest
import trafilatura
from lxml import html as lxml_html

from crawler.extract.article import ExtractionError, extract_article, extract_multipage
from crawler.extract.cleanup import (
    clean_body,
    end_at_closing_code,
    is_furniture,
    without_preamble,
)
from crawler.extract.dates import parse_stamp
from crawler.extract.headline import agree, find_headline
from crawler.extract.pagetype import is_prose
from crawler.text import text_size
from tests.conftest import SHIPPED_RULES
from tests.mockweb import FIXTURES, REAL_DATA, real_articles
from tests.truth import body_scores, date_right, expected_published, expected_title

URL_LINE = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")


def _real_rows():
    if not (REAL_DATA / "manifest.json").exists():
        return []
    return real_articles()


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


@pytest.fixture(scope="module")
def extracted():
    cache = {}

    def extract(row):
        if row["file"] not in cache:
            html = (REAL_DATA / row["file"]).read_bytes()
            cache[row["file"]] = extract_article(html, row["url"], rules=SHIPPED_RULES)
        return cache[row["file"]]

    return extract


REAL = _real_rows()
REAL_IDS = [Path(row["file"]).stem for row in REAL]


@pytest.mark.parametrize("row", REAL, ids=REAL_IDS)
def test_real_page_title_and_date(real_data, extracted, row):
    article = extracted(row)
    truth = row["truth"]
    if truth.get("title"):
        assert article["title"] == expected_title(truth)
    published = expected_published(truth)
    if published:
        assert date_right(article["published_at"], published, Path(row["file"]).stem), (
            article["published_at"],
            published,
        )
    assert article["language"] == row["lang"]


@pytest.mark.parametrize(
    "row",
    [r for r in REAL if r["truth"].get("body_text") or r["truth"].get("paragraphs")],
    ids=lambda row: Path(row["file"]).stem,
)
def test_real_page_body(real_data, extracted, row):
    """The body runs from the truth's first paragraph to its last, and holds no furniture.

    The truth goes through the same cleanup first (its credit codes and "Sumber:" lines are
    furniture by our rules), bare URL lines are left out (a press release's social links),
    and each boundary is checked by its first and last eight words: other scrapers drop a
    link's text mid-paragraph ("kepada KOMPAS.com") or join paragraphs into one line.
    """
    truth = row["truth"]
    body = clean_body(truth.get("body_text") or "\n".join(truth["paragraphs"])).text
    paragraphs = [words(p) for p in body.splitlines() if words(p) and not URL_LINE.match(p)]
    text = words(extracted(row)["text"])
    first, last = paragraphs[0].split(), paragraphs[-1].split()
    assert " ".join(first[:8]) in text  # the lead
    assert " ".join(last[-8:]) in text  # the ending
    for line in extracted(row)["text"].splitlines():
        assert not is_furniture(line), line


@pytest.mark.parametrize(
    "row",
    [r for r in REAL if r["truth"].get("body_text") or r["truth"].get("paragraphs")],
    ids=lambda row: Path(row["file"]).stem,
)
def test_rules_only_add_to_the_generic_path_and_it_to_trafilatura(real_data, extracted, row):
    """Quality gate, page by page (bench/extraction.py prints the same figures): the generic
    path alone never falls below plain trafilatura, and outlet rules never below it."""
    html = (REAL_DATA / row["file"]).read_bytes()
    plain = trafilatura.bare_extraction(html, url=row["url"], with_metadata=True)
    generic = extract_article(html, row["url"])["text"]
    f1 = {
        "plain": body_scores(plain.text if plain else "", row["truth"])[2],
        "generic": body_scores(generic, row["truth"])[2],
        "pantau": body_scores(extracted(row)["text"], row["truth"])[2],
    }
    assert f1["generic"] >= f1["plain"] - 0.005, f1
    assert f1["pantau"] >= f1["generic"] - 0.005, f1


def _written_pages():
    return sorted((FIXTURES / "pages").glob("*/*.json"))


@pytest.mark.parametrize(
    "expected_path", _written_pages(), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_written_page(expected_path):
    expected = json.loads(expected_path.read_text("utf-8"))
    html = expected_path.with_suffix(".html").read_bytes()
    article = extract_article(html, "http://127.0.0.1:8000" + expected["url_path"])
    assert article["url"] == "http://127.0.0.1:8000" + expected["url_path"]
    for key in ("title", "author", "published_at", "language"):
        assert article[key] == expected[key], key
    for snippet in expected["contains"]:
        assert snippet in article["text"]
    for snippet in expected["not_contains"]:
        assert snippet not in article["text"]
    assert article["text"].count("\n") >= 3  # paragraphs stay separate


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty page"),
        (b"   \n", "empty page"),
        (b"\x00\x01\x02binary" * 100, "binary content"),
        (
            b"<html><body><nav><a href='/'>Beranda</a> <a href='/x'>Indeks</a></nav></body></html>",
            "no article text|too little",
        ),
        (
            b"<html><head><title>Judul</title></head><body><p>Terlalu pendek.</p></body></html>",
            "no article text|too little",
        ),
    ],
)
def test_pages_without_an_article_raise(body, reason):
    with pytest.raises(ExtractionError, match=reason):
        extract_article(body, "https://voi.id/berita/1/x")


def test_extract_without_url_uses_an_absolute_canonical():
    html = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_bytes()
    # The written page's canonical is relative: without a URL there is nothing to resolve it on.
    assert extract_article(html, None)["url"] is None
    absolute = html.replace(b'href="/pantaunews', b'href="https://pantau.example/pantaunews')
    assert extract_article(absolute, None)["url"].startswith("https://pantau.example/")


def test_a_front_page_that_declares_itself_a_website_is_not_an_article():
    page = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_bytes()
    home = page.replace(b"<head>", b'<head><meta property="og:type" content="website">')
    with pytest.raises(ExtractionError, match="og:type website; the URL is a site's front page"):
        extract_article(home, "http://127.0.0.1:8000/")


def test_real_tempo_home_page_is_not_an_article(real_data):
    page = (real_data / "html" / "tempo" / "anpandu-tempo-mainpage-listing.html").read_bytes()
    with pytest.raises(ExtractionError):
        extract_article(page, "http://www.tempo.co/")


KIM_PAGE = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_text("utf-8")
KIM_URL = "http://127.0.0.1:8000/pantaunews/internasional/2023/09/18/kim-vladivostok"


@pytest.mark.parametrize(
    "old, new",
    [
        ("kota Vladivostok", "kota\x0cVladivostok"),  # a form feed
        ("kota Vladivostok", "kota&#2;Vladivostok"),
        ("kota Vladivostok", "kota&#x1F;Vladivostok"),
        ("kota Vladivostok", "kota\x1bVladivostok"),
        ("<head>", '<head><meta name="x" content="a\x00b">'),  # a NUL in the first 4 KB
    ],
)
def test_control_characters_do_not_cost_an_article(old, new):
    article = extract_article(KIM_PAGE.replace(old, new).encode(), KIM_URL)
    assert "meninggalkan kota Vladivostok" in article["text"]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", article["text"] + article["title"])


def test_bytes_that_are_not_text_are_still_binary():
    noise = random.Random(21).randbytes(65536)
    utf16 = KIM_PAGE.encode("utf-16-le")  # no byte-order mark, no declared charset
    for body in (noise, utf16):
        with pytest.raises(ExtractionError, match="binary content"):
            extract_article(body, KIM_URL)


def test_a_declared_codec_that_is_not_a_charset_is_passed_over():
    # "base64" is a codec Python knows, not a text encoding; the page is not valid UTF-8.
    page = KIM_PAGE.replace('charset="utf-8"', 'charset="base64"').replace("Senin.", "Senin\xe9.")
    article = extract_article(page.encode("cp1252"), KIM_URL)
    assert "Senin\xe9." in article["text"]


@pytest.mark.parametrize(
    "stamp", ["9999-12-31T23:59:59Z", "9999-12-31", "0001-01-01T00:00:00+07:00", "2999-01-01"]
)
def test_a_publication_time_out_of_range_is_no_time(stamp):
    page = KIM_PAGE.replace("2023-09-18T14:30:00+07:00", stamp)
    # The visible dateline ("Senin, 18 Sep 2023 14:30 WIB") is the page's time then.
    assert extract_article(page.encode(), KIM_URL)["published_at"] == "2023-09-18T14:30:00+07:00"
    assert parse_stamp(stamp) is None


LEDES = (FIXTURES / "pages" / "pantaunews" / "retno-myanmar-ledes.html").read_text("utf-8")
LEDES_URL = "http://127.0.0.1:8000/pantaunews/internasional/2023/09/05/retno-myanmar"
OTHER_LEDES = ("TIM nasional Indonesia U-23", "HARGA beras medium", "PEMERINTAH Provinsi DKI")


def test_other_stories_ledes_after_the_closing_code_are_cut_and_said():
    article = extract_article(LEDES.encode(), LEDES_URL)
    assert article["text"].endswith("menjadi korban konflik yang berkepanjangan.")
    assert not any(lede in article["text"] for lede in OTHER_LEDES)
    assert (
        "cut 3 line(s) after the closing code (H-4): other stories' ledes, by links"
        in (article["notes"])
    )


def test_text_after_a_code_that_continues_the_story_stays():
    page = (FIXTURES / "pages" / "pantaunews" / "retno-myanmar-lanjutan.html").read_bytes()
    article = extract_article(page, LEDES_URL + "-lanjutan")
    # The continuation sits in a small block beside a link, as a teaser does: its words
    # (the story's people, "Sementara itu") keep it.
    assert "(Ant)" not in article["text"]
    assert "Sementara itu, Sekretaris Jenderal ASEAN Kao Kim Hourn" in article["text"]
    assert article["text"].endswith("tetapi junta diminta menunjukkan kemajuan lebih dulu.")
    assert not any(lede in article["text"] for lede in OTHER_LEDES)


def test_ledes_without_links_beside_them_stay_with_a_note():
    # The same teaser blocks without their links: the text alone does not decide.
    teasers = LEDES.index('<div class="list-news">')
    page = LEDES[:teasers] + re.sub(r"</?a\b[^>]*>", "", LEDES[teasers:])
    article = extract_article(page.encode(), LEDES_URL)
    assert all(lede in article["text"] for lede in OTHER_LEDES)
    assert (
        "kept 3 line(s) after the closing code (H-4): 3 read like other stories' ledes, "
        "but not all of them sit by a link"
    ) in article["notes"]


def _split_story(page: str, first_paragraphs: int) -> tuple[str, str]:
    """Page 1 (the first paragraphs of the story, the sidebar) and page 2 (the rest of the
    story, with the other stories' teasers after it) of LEDES's layout."""
    paragraphs = [m.start() for m in re.finditer(r"<p>[A-Z\"]", page)]
    start, split = paragraphs[0], paragraphs[first_paragraphs]
    sidebar = page.index('<div class="col-4">')
    return page[:split] + "</div></div>" + page[sidebar:], page[:start] + page[split:]


def test_a_later_page_is_cut_at_its_closing_code_as_page_one_is():
    first, second = _split_story(LEDES, 3)
    article = extract_multipage(first.encode(), LEDES_URL, None, [(LEDES_URL + "?page=2", second)])
    assert article["text"].startswith("MENTERI Luar Negeri Retno Marsudi mendesak")
    assert article["text"].endswith("menjadi korban konflik yang berkepanjangan.")
    assert "Ia menambahkan bahwa ASEAN" in article["text"]
    assert not any(lede in article["text"] for lede in OTHER_LEDES)
    assert (
        "page 2: cut 3 line(s) after the closing code (H-4): other stories' ledes, by links"
        in article["notes"]
    )


def test_a_later_page_loses_the_byline_above_its_text():
    # Later pages repeat the byline as a paragraph of their own above the text.
    first, second = _split_story(LEDES, 3)
    byline = "<p>Andi Prasetyo | Selasa, 05 Sep 2023, 19:40 WIB</p>"
    second = second.replace("<p>Ia menambahkan", f"{byline}<p>Ia menambahkan", 1)
    article = extract_multipage(first.encode(), LEDES_URL, None, [(LEDES_URL + "?page=2", second)])
    page_two = article["text"].split("Retno kepada wartawan seusai pertemuan.\n", 1)[1]
    assert page_two.startswith("Ia menambahkan bahwa ASEAN")
    assert any(note.startswith("page 2: dropped 1 menu or byline") for note in article["notes"])


def test_without_the_page_ledes_after_a_code_stay_with_a_note():
    story = (
        "Presiden Joko Widodo meresmikan Bendungan Way Sekampung di Pringsewu, Lampung, "
        "pada Kamis. Bendungan itu mengairi 55 ribu hektare sawah di tiga kabupaten.\n"
        "Menurut Presiden, bendungan tersebut juga menyediakan air baku bagi warga. (Z-6)\n"
        "HARGA cabai rawit di pasar induk Kramat Jati turun menjadi Rp40 ribu per kilogram."
    )
    cleaned = clean_body(story)
    end_at_closing_code(cleaned, None)
    assert cleaned.text.endswith(
        "HARGA cabai rawit di pasar induk Kramat Jati turun menjadi Rp40 ribu per kilogram."
    )
    assert "(Z-6)" not in cleaned.text
    assert cleaned.notes == [
        "kept 1 line(s) after the closing code (Z-6): 1 read like other stories' ledes, "
        "but the page was not there to show their links"
    ]


@pytest.mark.parametrize("ending", ["(H-4)", "(Ant/H-2)", "(Z-6)", "(DEN)", "(kid/nwy)", "(rr)"])
def test_desk_codes_with_numbers_close_a_story(ending):
    cleaned = clean_body(f"Paragraf pertama berita.\nKalimat terakhir berita ini. {ending}")
    assert cleaned.text == "Paragraf pertama berita.\nKalimat terakhir berita ini."


def _marked_up_story(body: str) -> str:
    return (
        "<html><head><title>Kim Jong-un tinjau pabrik amunisi</title></head><body>"
        "<h1>Kim Jong-un tinjau pabrik amunisi</h1>"
        f"<div itemprop='articleBody'>{body}</div></body></html>"
    )


CAPTIONED = [
    f"<figure><img src='/{n}.jpg'><figcaption>Kim Jong-un di pabrik, foto ke-{n} dari KCNA, "
    f"saat meninjau jalur produksi peluru artileri bersama para pejabat. Foto: KCNA/AP"
    "</figcaption></figure>"
    for n in range(1, 5)
]


def test_a_storys_photo_captions_are_not_its_text():
    prose = "".join(
        f"<p>Paragraf ke-{n}: Kim Jong-un meminta pabrik itu melipatgandakan produksi peluru "
        "artileri untuk memenuhi kebutuhan tentara dalam waktu dekat, lapor KCNA.</p>"
        for n in range(1, 5)
    )
    page = _marked_up_story(CAPTIONED[0] + prose + CAPTIONED[1])
    article = extract_article(page, "https://pantau.test/berita/kim-pabrik")
    assert "Paragraf ke-4" in article["text"]
    assert "Foto: KCNA/AP" not in article["text"]


def test_a_photo_storys_captions_are_its_text():
    article = extract_article(
        _marked_up_story("".join(CAPTIONED)), "https://pantau.test/foto/kim-pabrik"
    )
    assert article["text"].count("Foto: KCNA/AP") == 4


def test_a_photo_story_keeps_its_captions_and_loses_its_widgets():
    page = (FIXTURES / "pages" / "pantaunews" / "kim-pabrik-foto.html").read_bytes()
    article = extract_article(page, "http://127.0.0.1:8000/pantaunews/foto/2023/09/25/kim-pabrik")
    captions = [line for line in article["text"].splitlines() if "Kim Jong-un" in line]
    assert len(captions) == 4
    assert article["text"].splitlines() == captions  # no menu, no byline above them
    assert any(note.startswith("dropped 4 menu or byline line(s)") for note in article["notes"])
    assert any(
        note.startswith('dropped 18 share or gallery widget line(s): "17", "Shares", "Facebook"')
        for note in article["notes"]
    )


STORY = "Pemimpin Korea Utara Kim Jong-un meninjau sebuah pabrik amunisi, lapor KCNA."


@pytest.mark.parametrize(
    "above, dropped",
    [
        (["Beranda", "Foto", "Video"], ["Beranda", "Foto", "Video"]),
        (["Yudha Pratama | Senin, 25 Sep 2023, 08:05 WIB"], None),
        (["Beranda", "Berita", "Rina | Senin, 25 Sep 2023 08:05 WIB"], None),
    ],
)
def test_menus_and_bylines_above_the_first_sentence_are_dropped(above, dropped):
    text, lines = without_preamble("\n".join([*above, STORY, "Beranda", "Foto"]))
    assert text == "\n".join([STORY, "Beranda", "Foto"])  # below the first sentence: kept
    assert lines == (dropped or above)


@pytest.mark.parametrize(
    "text",
    [
        f"Eksklusif\n{STORY}",  # one label alone may be the story's kicker
        f"JAKARTA, Senin (25/9/2023) 08:05 WIB - {STORY} Pabrik itu diminta bekerja keras.",
        "雅万高铁累计发送旅客\n突破一百万人次\n本网雅加达12月18日电。",  # words without spaces
        "Daftar\nPemenang",  # no sentence at all: nothing to tell a menu from
    ],
)
def test_what_opens_a_story_is_not_taken_for_a_menu(text):
    assert without_preamble(text) == (text, [])


@pytest.mark.parametrize(
    "line",
    [
        "17Shares / Facebook Twitter Google+ Email Copy Link",
        "LOAD MORELIHAT SEMUA",
        "Like (0) Dislike (0)",
        "1,2K dibaca",
        "Salin tautan",
        "2 / 12",
    ],
)
def test_widget_lines_are_furniture(line):
    cleaned = clean_body(f"Paragraf pertama berita ini cukup panjang.\n{line}\nParagraf terakhir.")
    assert cleaned.text == "Paragraf pertama berita ini cukup panjang.\nParagraf terakhir."
    assert is_furniture(line)
    assert cleaned.notes[0].startswith("dropped 1 share or gallery widget line(s)")


def test_numbers_and_platforms_a_story_lists_stay():
    text = (
        "Kominfo memblokir sejumlah platform yang belum mendaftar, yaitu:\n"
        "Steam\nPayPal\nFacebook\n"
        "Jumlah pengguna internet per tahun:\n| 2022 | 210 juta |\n| 2023 | 221 juta |\n2024"
    )
    cleaned = clean_body(text)
    assert cleaned.text == text
    assert cleaned.notes == []


# Headlines: the heading above the story, unless no metadata title agrees with it.

HEADLINES = FIXTURES / "pages" / "headlines"


def _headline_notes(article: dict) -> list[str]:
    return [note for note in article["notes"] if note.startswith("headline")]


def test_a_title_left_over_from_another_story_loses_to_the_heading_above_the_text():
    # <title> names the "most read" story, whose h1 comes before the article's in the page.
    page = (HEADLINES / "title-of-another-story.html").read_bytes()
    url = "https://wartapesisir.example/regional/2024/02/12/banjir-rob-semarang"
    article = extract_article(page, url)
    assert article["title"] == "Banjir Rob Rendam Ratusan Rumah di Pesisir Semarang"
    [note] = _headline_notes(article)
    assert note.startswith('headline from the heading above the text "Banjir Rob Rendam')
    assert 'disagreeing: <title> "Harga Beras Premium Naik Lagi Jelang Ramadan' in note


def test_a_title_with_the_site_name_agrees_with_the_heading():
    page = (HEADLINES / "title-with-site-name.html").read_bytes()
    url = "https://kabarpriangan.example/bandung/2024/03/04/bus-listrik-rute-sekolah"
    article = extract_article(page, url)
    assert article["title"] == "Pemkot Bandung Tambah 40 Bus Listrik untuk Rute Sekolah"
    assert article["notes"] == []


def test_a_truncated_json_ld_headline_gives_way_to_the_whole_heading():
    page = (HEADLINES / "truncated-json-ld.html").read_bytes()
    article = extract_article(page, "https://serambitengah.example/ekonomi/2024/04/22/kopi-gayo")
    assert article["title"] == (
        "Petani Kopi Gayo Raup Untung dari Harga Ekspor yang Melonjak, "
        "Pemerintah Daerah Siapkan Program Pendampingan"
    )
    # The cut JSON-LD headline agrees with it; the template's <title> does not.
    [note] = _headline_notes(article)
    assert 'disagreeing: <title> "Berita Aceh Terkini Hari Ini"' in note  # site name gone
    assert "JSON-LD" not in note


def test_without_an_agreeing_heading_the_titles_most_agree_on_win():
    # The story's headline is no heading; the only heading before it is a banner's.
    page = (HEADLINES / "title-with-site-name.html").read_text("utf-8")
    page = page.replace("<h1>Pemkot", '<div class="judul">Pemkot')
    page = page.replace("Sekolah</h1>", "Sekolah</div>")
    banner = '<div class="breaking"><h1>Gempa Magnitudo 5,2 Guncang Sukabumi Pagi Ini</h1></div>'
    page = page.replace("<main>", banner + "<main>")
    url = "https://kabarpriangan.example/bandung/2024/03/04/bus-listrik-rute-sekolah"
    article = extract_article(page.encode(), url)
    assert article["title"] == "Pemkot Bandung Tambah 40 Bus Listrik untuk Rute Sekolah"
    assert _headline_notes(article) == [
        'headline from og:title "Pemkot Bandung Tambah 40 Bus Listrik untuk Rute Sekolah"; '
        'disagreeing: the heading above the text "Gempa Magnitudo 5,2 Guncang Sukabumi Pagi Ini"'
    ]


def test_a_lone_template_title_loses_to_the_heading():
    # Nobody agrees with anybody: what the reader sees beats the template's <title>.
    page = (HEADLINES / "truncated-json-ld.html").read_text("utf-8")
    page = re.sub(r"<script type=\"application/ld\+json\">.*?</script>", "", page, flags=re.S)
    headline = find_headline(
        lxml_html.document_fromstring(page), None, "TAKENGON - Petani kopi arabika di dataran"
    )
    assert headline.text.startswith("Petani Kopi Gayo Raup Untung")
    assert headline.notes[0].startswith("headline from the heading above the text")


@pytest.mark.parametrize(
    "one, other, same",
    [
        (
            "Kim Jong Un Tiba di Vladivostok, Disambut Putin",
            "Kim Jong Un Tiba di Vladivos...",
            True,
        ),
        ("In Picture: KPK Periksa Pejabat MA", "KPK Periksa Pejabat MA", True),
        (
            "Banjir Rob Rendam Rumah di Semarang - Warta Pesisir",
            "Banjir Rob Rendam Rumah di Semarang",
            True,
        ),
        ("Kim Jong Un Tiba di Vladivostok", "Kim Jong Un Undang Putin ke Pyongyang", False),
        ("Harga Beras Premium Naik Lagi", "Banjir Rob Rendam Ratusan Rumah", False),
        ("雅万高铁累计发送旅客突破一百万人次", "雅万高铁累计发送旅客突破一百万人次_国际新闻", True),
        ("雅万高铁累计发送旅客突破一百万人次", "东盟外长会议在雅加达开幕", False),
    ],
)
def test_titles_agree_when_they_name_the_same_story(one, other, same):
    assert agree(one, other) is same


# Words in every script: Chinese, Japanese and Thai are written without spaces.

SCRIPTS = FIXTURES / "pages" / "scripts"


@pytest.mark.parametrize(
    "name, title, first, last",
    [
        (
            "zh-news.html",
            "雅万高铁累计发送旅客突破一百万人次",
            "本网雅加达12月18日电",
            "相关评估报告预计明年上半年完成。",
        ),
        (
            "ja-news.html",
            "札幌で記録的な大雪 交通機関に大きな乱れ",
            "北海道の札幌市では十八日未明から",
            "十分注意するよう呼びかけている。",
        ),
    ],
)
def test_chinese_and_japanese_stories_are_not_too_little_text(name, title, first, last):
    article = extract_article((SCRIPTS / name).read_bytes(), None)
    assert article["title"] == title
    assert first in article["text"]
    assert article["text"].endswith(last)
    assert article["notes"] == []


def test_a_chinese_story_without_markup_hints_is_kept_for_its_prose():
    page = (SCRIPTS / "zh-news.html").read_text("utf-8")
    page = re.sub(r'<meta property="(og:type|article:published_time)"[^>]*>', "", page)
    assert extract_article(page.encode(), None)["notes"] == []


@pytest.mark.parametrize("url", ["https://news.huanya.example/guoji/", None])
def test_a_chinese_section_page_is_still_refused(url):
    with pytest.raises(ExtractionError, match="not an article page: no paragraph of prose"):
        extract_article((SCRIPTS / "zh-nav.html").read_bytes(), url)


def test_text_size_counts_words_in_every_script():
    assert text_size("Presiden Joko Widodo meresmikan jalan tol baru") == 7
    assert text_size("雅万高铁累计发送旅客") == 5  # two characters a word
    assert text_size("札幌で大雪。") == 3  # punctuation is no word
    assert text_size("ＪＲ北海道も運転を見合わせ") == 1 + 6  # "ＪＲ", then 11 characters
    assert text_size("กรุงเทพฯ ฝนตกหนัก") == 8  # Thai: 16 letters and signs


def test_a_sentence_in_chinese_or_japanese_is_prose_and_a_headline_is_not():
    assert is_prose(
        "北海道の札幌市では十八日未明から強い雪が降り続き、四十五センチの降雪を観測した。"
    )
    assert is_prose("公司负责人在记者会上表示，周末和节假日的客流明显高于工作日。")
    assert not is_prose("东盟外长会议在雅加达开幕　聚焦地区经济合作")
    assert not is_prose("国际新闻")


@pytest.mark.parametrize("line", ["Yuk, Simak Juga Video ini!", "Ayo baca juga: Kim ke Rusia"])
def test_a_call_to_read_more_is_furniture(line):
    assert is_furniture(line)
    assert not is_furniture("Mari kita lihat juga data itu.")


def test_a_paragraph_of_chinese_prose_is_not_teaser_sized():
    story = "\n".join(
        ["印度尼西亚雅万高速铁路运营公司宣布，累计发送旅客已突破一百万人次。" * 3] * 3
    )
    prose = "公司负责人表示，" + "周末和节假日的客流明显高于工作日，部分班次的上座率超过九成。" * 3
    cleaned = clean_body(f"{story}\nRelated News\n{prose}")
    assert cleaned.text.endswith(prose)


def test_a_headline_the_text_opens_with_is_still_the_heading_of_its_box():
    # No og:site_name and a host that names no site: only the heading tells "- Kabar Kita"
    # is no part of the headline.
    title = "Rusia dan Korea Utara Bahas Perdagangan Rubel"
    paragraphs = "".join(
        f"<p>{text}</p>"
        for text in (
            "MOSKOW - Rusia dan Korea Utara membahas perdagangan dalam mata uang rubel setelah"
            " pertemuan Kim Jong-un dan Vladimir Putin di kosmodrom Vostochny pekan lalu.",
            "Menteri Sumber Daya Alam Rusia Alexander Kozlov mengatakan kedua negara sepakat"
            " menghidupkan kembali komisi antarpemerintah yang lama tidak bersidang.",
            "Jalur kereta dari Khasan ke Rajin disebut sebagai salah satu jalur utama untuk"
            " pengiriman barang antara Primorye dan pelabuhan di pantai timur Korea Utara.",
        )
    )
    page = (
        f'<html lang="id"><head><meta charset="utf-8"><title>{title} - Kabar Kita</title>'
        '<meta property="article:published_time" content="2023-09-20T10:00:00+07:00">'
        f"</head><body><article><h1>{title}</h1><div class='content'>{paragraphs}</div>"
        "</article></body></html>"
    )
    article = extract_article(page, "http://127.0.0.1:8000/kabar/ekonomi/2023/09/20/rubel-korut")
    assert article["title"] == title


def test_text_after_a_comment_in_a_paragraph_is_kept():
    # Pages rendered by React leave empty comments between a link and the rest of a sentence.
    sentences = [
        "Kim Jong-un tiba di Vladivostok dengan kereta lapis baja pada Rabu pagi waktu setempat.",
        "Ia disambut pejabat Rusia di stasiun dan langsung menuju kosmodrom Vostochny di Amur.",
        "Pertemuan dengan Presiden Vladimir Putin membahas kerja sama militer dan pangan.",
    ]
    paragraphs = "".join(f"<p>{sentence}</p>" for sentence in sentences)
    tail = (
        '<p>Ekonomi Korea Utara belum pulih <a href="/berita/pandemi">dari pandemi</a><!-- -->,'
        " tetapi sanksi dan harga pangan yang tinggi terus menekan pertumbuhan tahun ini.</p>"
    )
    page = (
        '<html lang="id"><head><meta charset="utf-8"><title>Kim Jong-un Tiba di Vladivostok'
        "</title></head><body><article><h1>Kim Jong-un Tiba di Vladivostok</h1>"
        f"{paragraphs}{tail}</article></body></html>"
    )
    article = extract_article(page, "https://kabar.example/berita/2023/09/13/kim-vladivostok")
    assert "tetapi sanksi dan harga pangan yang tinggi" in article["text"]
