"""Near-duplicates, clusters and versions."""

import sqlite3

import pytest

from crawler.archive.clusters import articles_sharing_keys, register_article
from crawler.archive.rows import save_article
from crawler.archive.schema import ensure_db_shape, migrations, open_db
from crawler.archive.sketch import INDEXED, is_near_duplicate, similarity, sketch
from crawler.archive.writer import ArchiveWriter, StorageFailure

WIRE = [
    "JAKARTA - Pemimpin Korea Utara Kim Jong-un meninggalkan Vladivostok pada Minggu setelah "
    "kunjungan hampir sepekan di Rusia timur jauh, menurut kantor berita KCNA.",
    "Kereta lapis baja yang membawa Kim berangkat dari stasiun Artyom-Primorsky 1 menuju titik "
    "perbatasan Khasan, sekitar 250 kilometer ke arah selatan.",
    "Selama di Primorye, Kim meninjau pesawat pengebom strategis di bandara Knevichi bersama "
    "Menteri Pertahanan Rusia Sergei Shoigu dan kapal fregat Marsekal Shaposhnikov.",
    "Ia juga mengunjungi universitas federal, akuarium dan sebuah pabrik pakan ternak di "
    "Vladivostok sebelum upacara perpisahan di stasiun kereta.",
    "Menteri Luar Negeri Rusia Sergei Lavrov mengatakan Moskow akan mengembangkan kerja sama "
    "yang setara dengan Korea Utara meskipun ada sanksi Dewan Keamanan PBB.",
    "Amerika Serikat dan Korea Selatan memperingatkan bahwa kerja sama militer antara "
    "Pyongyang dan Moskow akan melanggar sanksi PBB dan memiliki konsekuensi.",
]
OTHER_ON_SAME_EVENT = [
    "VLADIVOSTOK - Kunjungan Kim Jong-un ke Rusia berakhir dengan sejumlah hadiah dari "
    "pemerintah daerah Primorye, termasuk lima pesawat nirawak dan rompi antipeluru.",
    "Gubernur Oleg Kozhemyako menyerahkan hadiah itu di stasiun Artyom sebelum kereta Kim "
    "berangkat ke perbatasan, kata media Rusia pada Minggu.",
    "Para pengamat di Seoul menilai lawatan itu menandai babak baru hubungan militer kedua "
    "negara yang selama ini dibatasi sanksi internasional.",
    "Washington meminta Moskow tidak memasok senjata ke Pyongyang dan mengancam sanksi tambahan "
    "terhadap pihak yang terlibat dalam transfer semacam itu.",
]


def text(paragraphs):
    return "\n".join(paragraphs)


@pytest.mark.parametrize(
    "edited",
    [
        text(WIRE),  # the same body re-wrapped
        text(
            ["JAKARTA (ANTARA) - Kim Jong-un pulang dari Rusia, kata KCNA pada Senin."] + WIRE[1:]
        ),
        text(WIRE + ["Kim sebelumnya bertemu Vladimir Putin di kosmodrom Vostochny, Rabu lalu."]),
        text(WIRE[:-1]),  # the last paragraph dropped
        text(WIRE).replace("JAKARTA -", "SEOUL (Reuters) -") + "\n(ant/Mvi)",
    ],
)
def test_edited_copies_are_near_duplicates(edited):
    assert is_near_duplicate(*similarity(sketch(text(WIRE)), sketch(edited)))


def test_another_article_on_the_same_event_is_not():
    jaccard, containment = similarity(sketch(text(WIRE)), sketch(text(OTHER_ON_SAME_EVENT)))
    assert not is_near_duplicate(jaccard, containment)
    assert jaccard < 0.1


def test_sketches_are_stable_and_small():
    first, again = sketch(text(WIRE)), sketch(text(WIRE))
    assert first.hashes.tolist() == again.hashes.tolist()  # same in every process
    assert len(first.hashes) <= 64 and first.shingles > 64
    assert similarity(first, sketch("")) == (0.0, 0.0)


def article(url, paragraphs, published_at):
    return {
        "url": url,
        "title": "Kim pulang",
        "author": None,
        "published_at": published_at,
        "text": text(paragraphs),
        "language": "id",
    }


@pytest.fixture
def db(fresh_db):
    ensure_db_shape(fresh_db)
    return fresh_db


def test_syndicated_copies_form_a_cluster_with_the_earliest_as_canonical(db):
    wire = article("https://antaranews.com/berita/1/kim", WIRE, "2023-09-18T09:00:00+07:00")
    copy = article(
        "https://voi.id/berita/2/kim", WIRE[:-1] + ["Sumber: ANTARA"], "2023-09-18T14:30:00+07:00"
    )
    other = article(
        "https://kompas.com/read/2023/09/18/3/kim", OTHER_ON_SAME_EVENT, "2023-09-18T10:00:00+07:00"
    )
    early = article(
        "https://tempo.co/read/4/kim",
        WIRE + ["Tambahan paragraf baru."],
        "2023-09-18T08:00:00+07:00",
    )
    assert save_article(db, copy, "voi", [copy["url"]], {}) == "new"
    assert save_article(db, wire, "antaranews", [wire["url"]], {}) == "new"
    assert save_article(db, other, "kompas", [other["url"]], {}) == "new"
    assert save_article(db, early, "tempo", [early["url"]], {}) == "new"
    assert db["articles"].count == 4  # near-duplicates stay separate articles
    members = {r["source"]: r["cluster_id"] for r in db["articles"].rows}
    assert members["kompas"] is None
    assert members["voi"] == members["antaranews"] == members["tempo"] is not None
    [cluster] = db["clusters"].rows
    canonical = db["articles"].get(cluster["canonical_id"])
    assert canonical["source"] == "tempo"  # the earliest published
    assert cluster["size"] == 3
    assert cluster["outlets"] == '["antaranews", "tempo", "voi"]'
    assert cluster["first_published_at"] == "2023-09-18T08:00:00+07:00"
    assert cluster["last_published_at"] == "2023-09-18T14:30:00+07:00"


def test_an_article_linking_two_clusters_merges_them(db):
    a = [p + " Satu." for p in WIRE]
    b = [p + " Dua." for p in OTHER_ON_SAME_EVENT]
    for index, paragraphs in enumerate([a, a[:-1], b, b[:-1]]):
        save_article(db, article(f"https://x{index}.id/a", paragraphs, None), f"s{index}", [], {})
    assert db["clusters"].count == 2
    save_article(db, article("https://bridge.id/a", a + b, None), "bridge", [], {})
    assert db["clusters"].count == 1
    assert {r["cluster_id"] for r in db["articles"].rows} == {list(db["clusters"].rows)[0]["id"]}


def test_a_changed_text_keeps_every_version(db):
    url = "https://voi.id/berita/2/kim"
    first = article(url, WIRE, "2023-09-18T14:30:00+07:00")
    save_article(db, first, "voi", [url], {})
    [row] = db["articles"].rows
    edited = article(url, WIRE[:-1] + ["Pembaruan: KCNA merilis foto baru."], first["published_at"])
    assert save_article(db, edited, "voi", [url], {}) == "duplicate"
    save_article(db, edited, "voi", [url], {})  # unchanged: no new version
    [now] = db["articles"].rows
    assert now["id"] == row["id"] and now["first_seen_at"] == row["first_seen_at"]
    assert now["text"].endswith("KCNA merilis foto baru.")
    [version] = db["article_versions"].rows
    assert version["article_id"] == row["id"] and version["text"] == row["text"]
    assert version["fetched_at"] == row["fetched_at"] and version["replaced_at"]
    assert list(db["articles"].search("foto baru"))


def test_stock_phrases_do_not_make_candidates(db):
    stock = "Baca berita lengkapnya di aplikasi kami dan ikuti kanal kami untuk kabar terbaru."
    for index in range(70):
        body = [
            f"Berita nomor {index} tentang hal {index * 7} yang berbeda sama sekali {index}.",
            stock,
        ]
        db["articles"].insert(
            {"id": f"a{index}", "text": text(body), "fingerprint": f"f{index}", "is_seed": 0}
        )
        register_article(db, f"a{index}", text(body))
    assert db["clusters"].count == 0


def test_an_older_near_duplicate_index_is_carried_over(fresh_db):
    # Before m007 the index named articles by id; an upgraded archive still finds them.
    migrations.apply(fresh_db, stop_before="m007_dedup_by_rowid")
    wire = sketch(text(WIRE))
    fresh_db["articles"].insert(
        {"id": "wire", "text": text(WIRE), "fingerprint": "f-wire", "is_seed": 0}
    )
    fresh_db["dedup_signatures"].insert(
        {"article_id": "wire", "shingles": wire.shingles, "signature": wire.to_blob()}
    )
    fresh_db["dedup_keys"].insert_all(
        {"key": key, "article_id": "wire"} for key in wire.probe_keys()[:INDEXED]
    )
    ensure_db_shape(fresh_db)
    assert fresh_db["dedup_keys"].count == INDEXED
    copy = article("https://voi.id/berita/2/kim", WIRE[:-1] + ["Sumber: ANTARA"], None)
    save_article(fresh_db, copy, "voi", [copy["url"]], {})
    [cluster] = fresh_db["clusters"].rows
    assert cluster["size"] == 2
    assert {row["cluster_id"] for row in fresh_db["articles"].rows} == {cluster["id"]}


def _with_stock(index: int) -> list[str]:
    stock = "Baca berita lengkapnya di aplikasi kami dan ikuti kanal kami untuk kabar terbaru."
    return [f"Berita nomor {index} tentang hal {index * 7} yang berbeda sama sekali.", stock]


def _shared_keys(db) -> list[int]:
    return [
        row[0] for row in db.execute("select key from dedup_keys group by key having count(*) > 1")
    ]


def test_a_stock_phrase_is_looked_up_again_once_an_edit_removes_its_keys(db, monkeypatch):
    monkeypatch.setattr("crawler.archive.clusters.COMMON_KEY", 2)
    url = "https://x.id/berita/0"
    save_article(db, article(url, _with_stock(0), None), "x", [url], {})
    save_article(db, article("https://x.id/berita/1", _with_stock(1), None), "x", [], {})
    keys = _shared_keys(db)
    assert keys and set(articles_sharing_keys(db, keys).values()) == {None}  # stock phrases
    # The first article, edited: its old keys go with its old text.
    edited = article(url, ["Kabar lain sama sekali, nomor delapan.", "Dan nomor sembilan."], None)
    save_article(db, edited, "x", [url], {})
    assert [len(rowids or []) for rowids in articles_sharing_keys(db, keys).values()] == [1] * len(
        keys
    )


def test_a_stock_phrase_found_in_a_group_that_rolls_back_is_forgotten(tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.archive.clusters.COMMON_KEY", 2)
    writer = ArchiveWriter(open_db(tmp_path / "archive.db"), batch_articles=100, batch_seconds=60)
    writer.save_article(article("https://x.id/berita/0", _with_stock(0), None), "x", [], {})
    writer.commit()
    # In one group, a second article makes the phrase common...
    writer.save_article(article("https://x.id/berita/1", _with_stock(1), None), "x", [], {})
    keys = _shared_keys(writer.db)
    assert keys and set(articles_sharing_keys(writer.db, keys).values()) == {None}

    # ...and the group is lost (a full disk, say): one article holds the phrase again.
    def refused(db):
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(StorageFailure):
        writer._write(refused)
    found = articles_sharing_keys(writer.db, keys)
    assert [len(rowids or []) for rowids in found.values()] == [1] * len(keys)
    writer.close()
