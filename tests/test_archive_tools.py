"""`pantau reextract` and `pantau warc` over an archive with stored pages."""

import gzip

from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.reextract import reextract
from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.archive.warc import write_warc
from crawler.cli.main import cli
from crawler.extract.article import extract_article
from tests.mockweb import FIXTURES

KIM_HTML = (FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html").read_bytes()
KIM_URL = "http://127.0.0.1:8000/pantaunews/internasional/2023/09/18/kim-vladivostok"
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Server": "t"}


def store(db, html: bytes, url: str, article: dict) -> str:
    page = {
        "url": url,
        "status": 200,
        "headers": HEADERS,
        "body": html,
        "fetched_at": "2023-09-18T08:00:00Z",
    }
    save_article(db, article, "pantaunews", [url], {}, [page])
    return db.execute("select article_id from pages where url = ?", [url]).fetchone()[0]


def test_reextract_updates_an_article_from_its_stored_page(tmp_path):
    db = open_db(tmp_path / "a.db")
    stale = {**extract_article(KIM_HTML, KIM_URL), "title": "Old title - Pantau News"}
    stale["text"] = stale["text"] + "\nBaca juga: Putin Terima Undangan Kim ke Pyongyang"
    key = store(db, KIM_HTML, KIM_URL, stale)
    report = reextract(db)
    assert (report.updated, report.unchanged, report.kept) == (1, 0, [])
    row = db.table("articles").get(key)
    assert row["title"] == "Kim Jong-un Tinggalkan Vladivostok, Pulang dengan Kereta Lapis Baja"
    assert "Baca juga" not in row["text"]
    assert list(db.table("articles").search("Pyongyang"))  # FTS follows the update
    assert reextract(db).unchanged == 1


def test_reextract_keeps_the_old_text_when_extraction_fails_or_shrinks(tmp_path):
    db = open_db(tmp_path / "a.db")
    good = extract_article(KIM_HTML, KIM_URL)
    # The stored page has become a navigation page: extraction now fails.
    nav = b"<html><body><nav><a href='/'>Beranda</a></nav></body></html>"
    failed = store(db, nav, KIM_URL, good)
    # Another article whose stored text is four times what its page now yields.
    long_article = {**good, "url": KIM_URL + "-2", "text": good["text"] * 4}
    shrunk = store(db, KIM_HTML, KIM_URL + "-2", long_article)
    report = reextract(db)
    assert report.updated == 0
    kept = {article_id: why for article_id, _, why in report.kept}
    assert kept[failed].startswith("extraction failed")
    assert kept[shrunk].startswith("much shorter")
    assert db.table("articles").get(failed)["text"] == good["text"]
    assert db.table("articles").get(shrunk)["text"] == good["text"] * 4


def test_reextract_by_source(tmp_path):
    db = open_db(tmp_path / "a.db")
    store(db, KIM_HTML, KIM_URL, {**extract_article(KIM_HTML, KIM_URL), "title": "x"})
    assert reextract(db, source="detik").updated == 0
    assert reextract(db, source="pantaunews").updated == 1


def test_warc_holds_every_stored_response(tmp_path):
    db = open_db(tmp_path / "a.db")
    store(db, KIM_HTML, KIM_URL, extract_article(KIM_HTML, KIM_URL))
    out = tmp_path / "pantau.warc.gz"
    assert write_warc(db, out) == 1
    with open(out, "rb") as stream:
        records = list(ArchiveIterator(stream))
    assert [r.rec_type for r in records] == ["warcinfo", "response"]
    response = records[1]
    assert response.rec_headers.get_header("WARC-Target-URI") == KIM_URL
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("Content-Encoding") is None
    assert response.http_headers.get_header("Content-Length") == str(len(KIM_HTML))
    with open(out, "rb") as stream:
        body = (
            next(r for r in ArchiveIterator(stream) if r.rec_type == "response")
            .content_stream()
            .read()
        )
    assert body == KIM_HTML
    assert gzip.decompress(out.read_bytes())[:8] == b"WARC/1.0"


def test_cli_reextract_and_warc(tmp_path):
    db_path = tmp_path / "a.db"
    db = open_db(db_path)
    store(db, KIM_HTML, KIM_URL, {**extract_article(KIM_HTML, KIM_URL), "title": "x"})
    db.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["reextract", "--db", str(db_path)], catch_exceptions=False)
    assert result.output.strip().endswith("1 updated, 0 unchanged, 0 kept")
    result = runner.invoke(
        cli, ["warc", str(tmp_path / "o.warc"), "--db", str(db_path)], catch_exceptions=False
    )
    assert "1 responses written" in result.output
    assert (tmp_path / "o.warc").read_bytes().startswith(b"WARC/1.0")
    missing = runner.invoke(cli, ["warc", "x.warc", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "archive not found" in missing.output
