import pytest

from crawler.archive.rows import record_url, save_article, save_seed, text_fingerprint
from crawler.archive.schema import ensure_db_shape
from crawler.config.load import SeedInfo, Topic
from tests.conftest import SEED

TEXT = "JAKARTA - Pemimpin Korea Utara Kim Jong-un meninggalkan Vladivostok. " * 10


def article(url="https://voi.id/berita/1/kim", text=TEXT):
    return {
        "url": url,
        "title": "Kim pulang",
        "author": None,
        "published_at": "2023-09-18",
        "text": text,
        "language": "id",
    }


def test_migrations_and_fts_are_idempotent(fresh_db):
    ensure_db_shape(fresh_db)
    ensure_db_shape(fresh_db)
    assert {"articles", "urls", "crawl_runs", "sources", "article_topics", "articles_fts"} <= set(
        fresh_db.table_names()
    )
    triggers = {t.name for t in fresh_db["articles"].triggers}
    assert {"articles_ai", "articles_ad", "articles_au"} <= triggers
    assert "remove_diacritics" in fresh_db["articles_fts"].schema
    assert "porter" not in fresh_db["articles_fts"].schema


def test_transform_drops_fts_triggers_and_shape_restores_them(fresh_db):
    ensure_db_shape(fresh_db)
    save_article(fresh_db, article(), "voi", ["https://voi.id/berita/1/kim"], {})
    fresh_db["articles"].transform(types={"is_seed": int})
    assert not {t.name for t in fresh_db["articles"].triggers} & {"articles_ai"}
    ensure_db_shape(fresh_db)
    assert {"articles_ai", "articles_ad", "articles_au"} <= {
        t.name for t in fresh_db["articles"].triggers
    }
    assert fresh_db["articles"].search("Vladivostok")


def test_upsert_twice_keeps_one_row_and_first_seen_at(fresh_db):
    ensure_db_shape(fresh_db)
    assert (
        save_article(fresh_db, article(), "voi", ["https://voi.id/berita/1/kim"], {"t": 0.5})
        == "new"
    )
    first = fresh_db["articles"].get(list(fresh_db["articles"].pks_and_rows_where())[0][0])
    assert (
        save_article(
            fresh_db, article(), "voi", ["https://voi.id/berita/1/kim?utm_source=x"], {"t": 0.5}
        )
        == "duplicate"
    )
    assert fresh_db["articles"].count == 1
    again = fresh_db["articles"].get(first["id"])
    assert again["first_seen_at"] == first["first_seen_at"]
    assert fresh_db["urls"].count == 1
    assert fresh_db["article_topics"].count == 1


def test_identical_text_under_two_outlets_is_one_article(fresh_db):
    ensure_db_shape(fresh_db)
    save_article(fresh_db, article(), "voi", ["https://voi.id/berita/1/kim"], {})
    copy = article(url="https://mirror.example/kim", text=TEXT.replace("  ", " ").upper())
    assert save_article(fresh_db, copy, "mirror", ["https://mirror.example/kim"], {}) == "duplicate"
    assert fresh_db["articles"].count == 1
    assert {row["source"] for row in fresh_db["urls"].rows} == {"voi", "mirror"}


def test_fingerprint_ignores_case_spacing_and_punctuation():
    assert text_fingerprint("Kim  Jong-un, di Rusia.") == text_fingerprint("kim jong un di rusia")
    assert text_fingerprint("Kim di Rusia") != text_fingerprint("Kim di Korea")


def test_fts_finds_indonesian_words_without_accents(fresh_db):
    ensure_db_shape(fresh_db)
    save_article(fresh_db, article(text=TEXT + " Café Vladivostok."), "voi", [], {})
    assert len(list(fresh_db["articles"].search("cafe"))) == 1


def test_seed_is_stored_once_without_its_share_label(fresh_db):
    ensure_db_shape(fresh_db)
    topic = Topic(
        name="kim", seed=SEED, seed_info=SeedInfo(source="voi", published_at="2023-09-18")
    )
    first = save_seed(fresh_db, topic, {"kim": 1.0})
    assert save_seed(fresh_db, topic, {"kim": 1.0}) == first
    [seed] = fresh_db["articles"].rows
    assert seed["is_seed"] == 1 and seed["url"] is None
    assert seed["text"].startswith("JAKARTA - ")


def test_record_url_keeps_first_seen_at(fresh_db):
    ensure_db_shape(fresh_db)
    record_url(fresh_db, "https://voi.id/x", "voi", "error", reason="HTTP 500")
    first = list(fresh_db["urls"].rows)[0]
    record_url(fresh_db, "https://voi.id/x", "voi", "dropped", reason="not HTML")
    again = list(fresh_db["urls"].rows)[0]
    assert again["first_seen_at"] == first["first_seen_at"] and again["status"] == "dropped"


def test_a_crash_mid_save_leaves_no_half_article(fresh_db, monkeypatch):
    ensure_db_shape(fresh_db)

    def crash(*args, **kwargs):
        raise RuntimeError("disk gone")

    # The article row is written before its URLs; the crash comes between the two.
    monkeypatch.setattr("crawler.archive.rows.record_url", crash)
    with pytest.raises(RuntimeError):
        save_article(fresh_db, article(), "voi", ["https://voi.id/berita/1/kim"], {"t": 0.5})
    assert fresh_db["articles"].count == 0
    assert fresh_db["article_topics"].count == 0
    assert list(fresh_db["articles"].search("Vladivostok")) == []


def test_config_is_recorded_with_templates_and_window(fresh_db):
    from crawler.archive.runs import save_config
    from crawler.config.load import load_config
    from tests.conftest import ROOT

    ensure_db_shape(fresh_db)
    save_config(fresh_db, load_config(ROOT / "config"))
    detik = fresh_db["sources"].get("detik")
    assert detik["tags"] == '["https://www.detik.com/tag/{tag}"]'
    assert "{date:%m/%d/%Y}" in detik["archives"]
    assert "{query}" in fresh_db["sources"].get("kompas")["search"]
    topic = fresh_db["topics"].get("kim-jong-un-russia-2023")
    assert (topic["since"], topic["until"]) == ("2023-09-01", "2023-10-15")
