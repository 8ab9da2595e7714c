"""Extraction does each piece of work once, and none whose result it does not read: one
parse per page, trafilatura's metadata without the parts Pantau never uses, publication
times without searching the page when its markup answers. (How fast that is, is
bench/extraction.py's business; these tests count work, never time it.)"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import trafilatura
from lxml import html as lxml_html

from crawler.extract import article as article_module
from crawler.extract import dates
from crawler.extract.article import DATE_PARAMS, extract_article, parse_html
from crawler.extract.dates import find_published_at
from tests.mockweb import real_articles

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPH = (
    "Pemerintah Kabupaten Sleman membuka jembatan baru yang menghubungkan dua kecamatan di "
    "lereng Merapi, sehingga warga tidak lagi memutar sejauh dua belas kilometer setiap hari."
)


def story(closing: str = "", head: str = "") -> bytes:
    paragraphs = "".join(f"<p>{PARAGRAPH} Bagian {n}.</p>" for n in range(5))
    return (
        f"<html><head><title>Jembatan Baru Sleman Dibuka untuk Warga Lereng Merapi</title>"
        f'<meta property="og:type" content="article">{head}</head><body><article>'
        "<h1>Jembatan Baru Sleman Dibuka untuk Warga Lereng Merapi</h1>"
        '<div class="meta"><span class="author">Rina Hartati</span></div>'
        f"{paragraphs}{closing}</article></body></html>"
    ).encode()


def count_calls(monkeypatch, owners: list, *names: str) -> list:
    """Log every call of the functions `names` on `owners` (a module that imports one counts
    as its owner too) into one list. A name an owner lacks is skipped."""
    calls: list = []

    def counting(original):
        def counted(*args, **kwargs):
            calls.append(args)
            return original(*args, **kwargs)

        return counted

    for owner in owners:
        for name in names:
            if hasattr(owner, name):
                monkeypatch.setattr(owner, name, counting(getattr(owner, name)))
    return calls


def test_a_page_is_parsed_once_when_trafilatura_looks_twice(real_data, monkeypatch):
    # okezone's page: trafilatura's first pick is the teaser grid, its precise mode finds
    # the story. Both passes read the one tree parsed from the page's bytes.
    page = (real_data / "html/okezone/anpandu-okezone-singlepage2.html").read_bytes()
    parses = count_calls(monkeypatch, [lxml_html], "document_fromstring")
    passes = count_calls(monkeypatch, [trafilatura], "bare_extraction")
    article = extract_article(page, "http://celebrity.okezone.com/read/2017/02/17/33/1620900/x")
    assert "trafilatura's first pick was too short; used its precise mode" in article["notes"]
    assert len(passes) == 2
    # (trafilatura's helpers parse small fragments of their own)
    assert len([args for args in parses if len(args[0]) > len(page) // 2]) == 1


def test_the_author_is_searched_for_only_when_the_body_names_no_reporter(monkeypatch):
    searches = count_calls(monkeypatch, [trafilatura.metadata, article_module], "extract_author")
    url = "https://kabarsleman.example/berita/2024/05/06/jembatan-baru"
    staffed = extract_article(story("<p>Pewarta: Budi Santoso</p>"), url)
    assert staffed["author"] == "Budi Santoso"
    assert searches == []
    unstaffed = extract_article(story(), url)
    assert unstaffed["author"] == "Rina Hartati"  # trafilatura's search of the page
    assert len(searches) == 1


def test_metadata_is_what_trafilatura_finds(real_data):
    # The title, author and day are trafilatura's own, found the way its extract_metadata
    # finds them: a trafilatura upgrade that changes its steps shows here.
    for row in real_articles():
        tree = parse_html((real_data / row["file"]).read_bytes())
        for url in (row["url"], None):
            ours = article_module._metadata(tree, url, with_author=True)
            theirs = trafilatura.extract_metadata(tree, url, DATE_PARAMS)
            assert (ours.title, ours.author, ours.date, ours.url) == (
                theirs.title,
                theirs.author,
                theirs.date,
                theirs.url,
            ), row["file"]


def page(body: str, head: str = "") -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_a_stamp_in_the_markup_needs_no_search_of_the_page(monkeypatch):
    searches = count_calls(monkeypatch, [dates], "datelines")
    body = "<div>Senin, 18 Sep 2023 14:30 WIB</div><p>Isi berita.</p>"
    local = '<meta property="article:published_time" content="2023-09-18T14:30:00+07:00">'
    assert find_published_at(page(body, local), "2023-09-18") == "2023-09-18T14:30:00+07:00"
    # A UTC stamp whose clock time the page never shows is UTC: WIB is seven hours on.
    utc = '<meta property="article:published_time" content="2023-09-18T07:30:00Z">'
    assert find_published_at(page(body, utc), "2023-09-18") == "2023-09-18T14:30:00+07:00"
    assert searches == []
    # One whose clock time the page shows may be WIB labelled "Z": the datelines decide.
    shown = '<meta name="pubdate" content="2023-09-18T14:30:00Z">'
    assert find_published_at(page(body, shown), "2023-09-18") == "2023-09-18T14:30:00+07:00"
    assert len(searches) == 1
    # Without a stamp the datelines are the answer.
    assert find_published_at(page(body), "2023-09-18") == "2023-09-18T14:30:00+07:00"
    assert len(searches) == 2


def test_a_scripts_strings_are_no_dateline():
    cookie = '<script>document.cookie = "seen=1; expires=Thu, 01 Jan 1970 00:00:01 GMT";</script>'
    assert find_published_at(page(f"{cookie}<p>Isi berita.</p>"), None) is None
    shown = f"{cookie}<p>Kamis, 5 November 2015 - 15:56 WIB</p>"
    assert find_published_at(page(shown), None) == "2015-11-05T15:56:00+07:00"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Updated September 18, 2023, 14:30 WIB", "2023-09-18T14:30:00+07:00"),
        ("(Sep. 18, 2023 at 9:05)", "2023-09-18T09:05:00+07:00"),
        # A month name is a word of its own, not the end of a longer one.
        ("xxxxSeptember 18, 2023, 14:30", None),
    ],
)
def test_month_first_datelines(text, expected):
    assert find_published_at(page(f"<p>{text}</p>"), None) == expected


def test_the_bench_reads_another_page_set_and_names_what_was_refused(tmp_path):
    article_truth = "\n".join(f"{PARAGRAPH} Bagian {n}." for n in range(5))
    (tmp_path / "jembatan.html").write_bytes(story())
    (tmp_path / "jembatan.json").write_text(
        json.dumps(
            {
                "url": "https://kabarsleman.example/berita/2024/05/06/jembatan-baru",
                "title": "Jembatan Baru Sleman Dibuka untuk Warga Lereng Merapi",
                "text": article_truth,
                "published": "2024-05-06",
                "language": "id",
            }
        )
    )
    # A page whose article none of the extractors can see (the text is in a script).
    script = f"<script>var s='{PARAGRAPH}';</script>"
    hidden = f"<html><head><title>Kosong</title></head><body>{script}</body></html>"
    (tmp_path / "tersembunyi.html").write_text(hidden)
    truth = {"url": "https://kabarsleman.example/berita/1/kosong", "text": PARAGRAPH}
    (tmp_path / "tersembunyi.json").write_text(json.dumps(truth))
    result = subprocess.run(
        [sys.executable, "bench/extraction.py", "--pages", str(tmp_path), "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"2 pages with ground truth in {tmp_path}")
    rows = {line.split("  ")[0]: line.split() for line in lines[2:8]}
    assert {"pantau", "pantau generic only", "trafilatura", "readability-lxml"} <= set(rows)
    # P R F1 title date leaks refused mean median x-mean x-median
    assert rows["trafilatura"][-2:] == ["1.00", "1.00"]
    # F1 is 1 on the article and 0 on the refused page
    assert float(rows["pantau"][3]) == pytest.approx(0.5, abs=0.01)
    assert "pantau refused 1 page(s) with an article:" in lines
    assert lines[lines.index("pantau refused 1 page(s) with an article:") + 1].strip() == (
        "tersembunyi.html"
    )
