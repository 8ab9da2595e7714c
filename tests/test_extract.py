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

from crawler.extract.article import ExtractionError, extract_article
from crawler.extract.cleanup import clean_body, is_furniture
from crawler.extract.dates import parse_iso
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
    assert parse_iso(stamp, []) is None
