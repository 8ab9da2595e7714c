"""Search as people type it: forgiving queries, Indonesian roots, facets, and a measure.

The articles are written here (no ../shared needed). The labelled queries are what a
person expects to find; recall and MRR are computed with and without the stemmed index.
"""

import sqlite3

import pytest
from sqlite_utils import Database

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.archive.search import (
    EXACT,
    MARK_END,
    MARK_START,
    MAX_CHARACTERS,
    MAX_WORDS,
    Query,
    fts_query,
    search,
    shortened,
)
from crawler.archive.stems import STEMS, completions, index_stems

ARTICLES = {
    "kim": (
        "Kim Jong-un Tinggalkan Vladivostok",
        "Pemimpin Korea Utara Kim Jong-un meninggalkan Vladivostok dengan kereta lapis baja.",
        "2023-09-18T14:30:00+07:00",
        "voi",
    ),
    "pemerintahan": (
        "Pemerintahan Baru Dilantik",
        "Pemerintahan baru dilantik di Jakarta dan segera menyusun kabinet kerja.",
        "2023-09-20T09:00:00+07:00",
        "kompas",
    ),
    "pemerintah": (
        "Pemerintah Umumkan Subsidi",
        "Pemerintah mengumumkan subsidi pupuk bagi petani di seluruh provinsi.",
        "2023-09-19T10:00:00+07:00",
        "detik",
    ),
    "diberitakan": (
        "Kabar Banjir di Kampung Melayu",
        "Seperti diberitakan sebelumnya, banjir merendam permukiman di Kampung Melayu.",
        "2023-09-17T08:00:00+07:00",
        "tempo",
    ),
    "kunjungan": (
        "Putin Terima Kunjungan Tamu dari Pyongyang",
        "Presiden Vladimir Putin menerima kunjungan kenegaraan dari Pyongyang di Kosmodrom.",
        "2023-09-13T16:00:00+07:00",
        "antaranews",
    ),
    "cafe": (
        "Kafe di Bandung",
        "Sebuah café di Bandung menyajikan kopi dari Garut dan Kintamani.",
        "2023-09-21T11:00:00+07:00",
        "detik",
    ),
}
# What a person types, and the articles they expect (best first).
LABELLED = [
    ("Kim Jong-un", ["kim"]),
    ("pemerintah", ["pemerintah", "pemerintahan"]),
    ("berita banjir", ["diberitakan"]),
    ("berkunjung Putin", ["kunjungan"]),
    ("cafe Bandung", ["cafe"]),
    ("Vladiv", ["kim"]),
    ('"kereta lapis baja"', ["kim"]),
    ("dilantik pemerintahan", ["pemerintahan"]),
]


def _page(key: str) -> dict:
    title, text, published, _ = ARTICLES[key]
    return {
        "url": f"https://x.id/berita/{key}",
        "title": title,
        "text": text,
        "published_at": published,
        "language": "id",
        "author": None,
    }


@pytest.fixture
def archive(tmp_path) -> Database:
    db = open_db(tmp_path / "archive.db")
    for key, (*_, source) in ARTICLES.items():
        save_article(db, _page(key), source, [], {"t": 0.5 if key == "kim" else 0.1})
    db["topics"].insert({"name": "t", "min_relevance": 0.3}, alter=True)
    with db.atomic():
        index_stems(db)
    return db


def _keys(db: Database, result: dict) -> list[str]:
    return [row["url"].rsplit("/", 1)[1] for row in result["rows"]]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Kim Jong-un", '"kim" "jong un"'),
        ('"Kim Jong-un" Vladivostok', '"kim jong un" "vladivostok"*'),
        ("Kim AND (OR NOT* ^", '"kim"'),
        ("kim and putin", '"kim" "and" "putin"*'),
        ("kim and Jong", '"kim" "and" "jong"'),
        ("Café", '"cafe"'),
        ("Cafés", '"cafes"*'),
        ("Vladiv", '"vladiv"*'),
        ('kimmy "', '"kimmy"'),
        ('"" () -', None),
    ],
)
def test_any_text_becomes_a_safe_query(typed, expected):
    assert fts_query(typed) == expected


def test_a_word_being_typed_stands_for_its_completions():
    def complete(prefix):
        return {"vladi": ["vladimir", "vladivostok"]}.get(prefix, [])

    assert fts_query("Kim Vladi", complete=complete) == (
        '"kim" AND ("vladi" OR "vladimir" OR "vladivostok")'
    )
    # Nothing known begins so: FTS5's own prefix match.
    assert fts_query("Kim Pyong", complete=complete) == '"kim" "pyong"*'


def test_the_word_list_counts_articles_and_completes_the_most_common(archive):
    counts = dict(archive.execute("select word, articles from search_words").fetchall())
    assert counts["pemerintah"] == 1 and counts["pemerintahan"] == 1
    assert counts["di"] == 5 and counts["vladivostok"] == 1
    assert completions(archive, "pemer", 1) == ["pemerintah"]  # a tie: alphabetical
    archive["articles"].delete_where("url like '%/pemerintah'")
    with archive.atomic():
        index_stems(archive)  # an article deleted: its words counted out
    assert completions(archive, "pemer", 5) == ["pemerintahan"]
    # Typed as a prefix, the completions find the articles (Vladivostok, Vladimir).
    assert set(_keys(archive, search(archive, Query("Vladi")))) == {"kim", "kunjungan"}
    assert _keys(archive, search(archive, Query("dilantik Pemerint"))) == ["pemerintahan"]


def test_an_archive_from_before_the_word_list_gets_one(tmp_path):
    path = tmp_path / "archive.db"
    db = open_db(path)
    save_article(db, _page("kim"), "voi", [], {})
    db.execute("drop table search_words")
    db.conn.commit()
    db.close()
    db = open_db(path)
    assert completions(db, "vladi", 5) == ["vladivostok"]
    assert _keys(db, search(db, Query("Kim"))) == ["kim"]
    db.execute(f"insert into {STEMS} ({STEMS}) values ('integrity-check')")


def test_queries_that_broke_fts_syntax_answer(archive):
    for typed in ("Kim Jong-un", 'Kim "Jong', "NEAR(", "a OR", "*", "kim:un", "'; drop"):
        search(archive, Query(typed))  # no sqlite3.OperationalError


def test_a_search_reads_its_first_words_and_says_what_it_left_out():
    typed = "Kim Jong-un " + " ".join(f"kata{i}" for i in range(3000))
    kept, note = shortened(typed)
    assert len(kept.split()) == MAX_WORDS - 1  # "Jong-un" is two words
    assert kept.startswith("Kim Jong-un kata0 ") and kept.rstrip().endswith("kata28")
    assert note and f"the first {MAX_WORDS} words" in note
    # Long words: cut within MAX_CHARACTERS, never inside a word.
    long_words = " ".join(f"{'panjang' * 3}{i:02d}" for i in range(30))
    kept, note = shortened(long_words)
    assert len(kept) <= MAX_CHARACTERS and kept.split() == long_words[: len(kept)].split()
    assert note and f"the first {len(kept.split())} words" in note
    # What fits is read as typed, quotes and all; trailing punctuation is no word left out.
    for typed in ('"kereta lapis baja"', "Kim " * MAX_WORDS, "Kim" + "!" * 1000):
        assert shortened(typed) == (typed[:MAX_CHARACTERS], None)


def test_a_pasted_page_reaches_fts5_as_its_first_words(archive):
    """The query run has MAX_WORDS phrases however long the text: the words past them (a
    word no article has) are left out, so the article is found."""
    pasted = "Vladivostok " * MAX_WORDS + "tidakadadimanapun " * 3000
    result = search(archive, Query(pasted))
    assert result["query"].count('"vladivostok"') == MAX_WORDS
    assert "tidakadadimanapun" not in result["query"]
    assert _keys(archive, result) == ["kim"] and result["note"]
    assert search(archive, Query("Vladivostok"))["note"] is None


def test_the_seed_story_is_found_with_highlights(archive):
    result = search(archive, Query("Kim Jong-un"))
    assert _keys(archive, result) == ["kim"]
    snippet = result["rows"][0]["snippet"]
    assert f"{MARK_START}Kim{MARK_END} {MARK_START}Jong-un{MARK_END}" in snippet


def test_roots_find_other_forms_and_exact_matches_rank_first(archive):
    assert _keys(archive, search(archive, Query("pemerintah"))) == ["pemerintah", "pemerintahan"]
    result = search(archive, Query("berita"))
    assert _keys(archive, result) == ["diberitakan"]
    assert f"{MARK_START}diberitakan{MARK_END}" in result["rows"][0]["snippet"]


def test_facets_filters_dates_and_sort(archive):
    result = search(archive, Query("pemerintah"))
    assert dict(result["facets"]["source"]) == {"detik": 1, "kompas": 1}
    assert dict(result["facets"]["day"]) == {"2023-09-19": 1, "2023-09-20": 1}
    assert _keys(archive, search(archive, Query("pemerintah", source=["kompas"]))) == [
        "pemerintahan"
    ]
    assert _keys(archive, search(archive, Query("pemerintah", since="2023-09-20"))) == [
        "pemerintahan"
    ]
    by_date = search(archive, Query("pemerintah", sort="date"))
    assert _keys(archive, by_date) == ["pemerintahan", "pemerintah"]
    # Related to a topic: at or above its threshold.
    assert _keys(archive, search(archive, Query("Vladivostok", topic="t"))) == ["kim"]
    assert _keys(archive, search(archive, Query("pemerintah", topic="t"))) == []


def _measure(db: Database) -> tuple[float, float]:
    """(recall within the first page, mean reciprocal rank) over the labelled queries."""
    found = reciprocal = 0.0
    expected_total = 0
    for typed, expected in LABELLED:
        keys = _keys(db, search(db, Query(typed)))
        found += sum(key in keys for key in expected)
        expected_total += len(expected)
        first = next((rank for rank, key in enumerate(keys, 1) if key == expected[0]), None)
        reciprocal += 1 / first if first else 0.0
    return found / expected_total, reciprocal / len(LABELLED)


def test_stemming_measured_on_labelled_queries(archive):
    with_stems = _measure(archive)
    archive.execute(f"insert into {STEMS} ({STEMS}) values ('delete-all')")
    exact_only = _measure(archive)
    assert with_stems == (1.0, 1.0)
    # Without roots, "berita banjir", "berkunjung Putin" and "pemerintahan" for
    # "pemerintah" are missed.
    assert exact_only[0] < 0.8 and exact_only[1] < 0.8


def test_the_stemmed_index_follows_every_writer(tmp_path):
    path = tmp_path / "archive.db"
    db = open_db(path)
    save_article(db, _page("pemerintahan"), "kompas", [], {})
    db.close()
    # A writer that knows nothing of Pantau: sqlite-utils edits and deletes articles.
    other = Database(path)
    other.execute("update articles set text = 'Pemerintahan baru diberitakan stabil.'")
    other.execute(
        "insert into articles (id, title, text, is_seed, fingerprint) "
        "values ('x', 'Kunjungan', 'Sebuah kunjungan kerja.', 0, 'f')"
    )
    other.execute("delete from articles where id = 'x'")
    other.conn.commit()
    other.close()
    db = open_db(path)  # indexes what the other writer left
    assert _keys(db, search(db, Query("berita"))) == ["pemerintahan"]
    assert search(db, Query("kunjung"))["total"] == 0
    for table in (EXACT, STEMS):
        try:
            db.execute(f"insert into {table} ({table}) values ('integrity-check')")
        except sqlite3.DatabaseError as error:  # pragma: no cover - the assertion says it
            pytest.fail(f"{table}: {error}")


def test_common_words_are_bounded_and_say_so(archive, monkeypatch):
    monkeypatch.setattr("crawler.archive.search.MAX_HITS", 1)
    result = search(archive, Query("pemerintah"))
    assert result["more"] and 1 <= result["total"] <= 2  # the newest of each index
    monkeypatch.setattr("crawler.archive.search.MAX_HITS", 1000)
    assert not search(archive, Query("pemerintah"))["more"]


def test_the_writer_indexes_roots_in_batches_and_all_at_close(tmp_path, monkeypatch):
    from crawler.archive.writer import ArchiveWriter

    monkeypatch.setattr("crawler.archive.writer.STEM_BATCH", 3)
    writer = ArchiveWriter(open_db(tmp_path / "archive.db"), batch_articles=1, batch_seconds=60)
    keys = list(ARTICLES)
    for key in keys[:2]:
        writer.save_article(_page(key), ARTICLES[key][3], [], {})
    queued = writer.db.execute("select count(*) from stem_queue").fetchone()[0]
    assert queued == 2  # committed with the articles, not yet indexed
    writer.save_article(_page(keys[2]), ARTICLES[keys[2]][3], [], {})
    assert writer.db.execute("select count(*) from stem_queue").fetchone()[0] == 0
    writer.save_article(_page(keys[3]), ARTICLES[keys[3]][3], [], {})
    writer.close()
    db = Database(tmp_path / "archive.db")
    assert db.execute("select count(*) from stem_queue").fetchone()[0] == 0
    assert _keys(db, search(db, Query("berita"))) == ["diberitakan"]


def _stemmed_index(db: Database) -> tuple[list, list]:
    """What the stemmed index and the word list hold: (root, articles) and word rows."""
    db.execute(
        f"create virtual table if not exists temp.vocab using fts5vocab(main, {STEMS}, 'row')"
    )
    roots = db.execute("select term, doc from temp.vocab order by term").fetchall()
    words = db.execute("select * from search_words where articles > 0 order by word").fetchall()
    return roots, words


def test_the_words_the_writer_read_index_what_a_fresh_reading_would(tmp_path):
    from crawler.archive.writer import ArchiveWriter

    texts = {
        "ascii": "Kim Jong-un tiba di stasiun_kereta pukul 10.30, diberitakan KCNA 2023.",
        "accents": "Pemerintahan Søren di Straße 日本 dikunjungi café-café, kata Müller.",
        "edited": "Kunjungan pertama ke pabrik pesawat Komsomolsk-on-Amur diberitakan.",
    }
    path = tmp_path / "archive.db"
    writer = ArchiveWriter(open_db(path), batch_articles=1, batch_seconds=60)
    for key, text in texts.items():
        page = {**_page("kim"), "url": f"https://x.id/berita/{key}", "text": text}
        writer.save_article(page, "x", [page["url"]], {})
    edited = {**_page("kim"), "url": "https://x.id/berita/edited", "text": "Kunjungan kedua."}
    writer.save_article(edited, "x", [edited["url"]], {})  # its old roots leave the index
    writer.close()
    db = open_db(path)
    as_written = _stemmed_index(db)
    db.execute(f"insert into {STEMS} ({STEMS}) values ('integrity-check')")
    # Read again from the articles alone: the index and the word list made anew.
    db.execute("drop table temp.vocab")
    db.execute(f"drop table {STEMS}")
    db.conn.commit()
    db.close()
    db = open_db(path)
    assert as_written == _stemmed_index(db)
    assert {"sren", "strae", "jong", "stasiun_kereta"} <= {word for word, *_ in as_written[1]}
