"""The full-text index matches the articles exactly, whether written in a group or not."""

import sqlite3

import pytest
from sqlite_utils import Database

from crawler.archive.fts import AUTOMERGE, COLUMNS, TOKENIZE, TRIGGERS
from crawler.archive.rows import save_article
from crawler.archive.schema import ensure_db_shape, open_db
from tests.test_archive import article, writer_at


def index_matches_articles(db: Database) -> bool:
    """FTS5's own check, comparing the index with the content table (rank 1)."""
    try:
        db.execute("insert into articles_fts (articles_fts, rank) values ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def found(db: Database, query: str) -> list[str]:
    return [row["title"] for row in db["articles"].search(query)]


def test_the_check_catches_a_stale_index(tmp_path):
    db = open_db(tmp_path / "archive.db")
    save_article(db, article(1), "voi", [], {})
    assert index_matches_articles(db)
    db.execute("drop trigger articles_au")
    db.execute("update articles set text = 'teks lain sama sekali'")
    assert not index_matches_articles(db)


def test_a_group_is_indexed_when_it_commits(tmp_path):
    path = tmp_path / "archive.db"
    before = open_db(path)
    save_article(before, article(1), "voi", [], {})  # outside a group: indexed at once
    assert found(before, "artikel1") == ["Kim 1"]
    before.close()

    writer = writer_at(path)
    for number in (2, 3):
        page = article(number)
        writer.save_article(page, "voi", [page["url"]], {})
    assert found(writer.db, "artikel2") == []  # waiting for the commit
    # In the same group: article 1 (indexed before) and article 3 (not yet) are edited,
    # and clusters are rewritten; the index must end with the latest text of each.
    for number, edit in ((1, "dieditlagi"), (3, "diedit")):
        page = article(number)
        page["text"] += f" {edit}"
        writer.save_article(page, "voi", [page["url"]], {})
    writer.db.execute("update articles set cluster_id = 7")
    writer.close()

    db = Database(path)
    assert index_matches_articles(db)
    assert sorted(found(db, "kim")) == ["Kim 1", "Kim 2", "Kim 3"]
    assert found(db, "diedit") == ["Kim 3"]
    assert found(db, "dieditlagi") == ["Kim 1"]
    assert db.execute("select count(*) from fts_deferral").fetchone()[0] == 0
    assert db.execute("select count(*) from article_versions").fetchone()[0] == 2


def test_other_writers_are_indexed_at_once_after_a_group(tmp_path):
    path = tmp_path / "archive.db"
    writer = writer_at(path)
    writer.save_article(article(1), "voi", [], {})
    writer.commit()
    other = Database(path)
    save_article(other, article(2), "voi", [], {})
    assert found(other, "artikel2") == ["Kim 2"]
    assert index_matches_articles(other)
    writer.close()


def test_a_rolled_back_group_leaves_no_mark_and_no_index(tmp_path):
    path = tmp_path / "archive.db"
    writer = writer_at(path)
    writer.save_article(article(1), "voi", [], {})
    writer.db.conn.execute("ROLLBACK")  # what a crash amounts to
    writer.close()
    db = open_db(path)
    assert db.execute("select count(*) from fts_deferral").fetchone()[0] == 0
    save_article(db, article(2), "voi", [], {})
    assert found(db, "kim") == ["Kim 2"]
    assert index_matches_articles(db)


@pytest.mark.parametrize("damage", ["plain sqlite-utils triggers", "triggers dropped"])
def test_an_older_archive_gets_the_current_triggers(tmp_path, damage):
    db = open_db(tmp_path / "archive.db")
    save_article(db, article(1), "voi", [], {})
    for name in TRIGGERS:
        db.execute(f"drop trigger {name}")
    if damage == "plain sqlite-utils triggers":
        db["articles"].enable_fts(COLUMNS, create_triggers=True, replace=True, tokenize=TOKENIZE)
    else:
        db.execute("update articles set text = 'teks lain sama sekali'")  # index now stale
    ensure_db_shape(db)
    triggers = {trigger.name: trigger.sql for trigger in db["articles"].triggers}
    assert all("fts_deferral" in triggers[name] for name in TRIGGERS)
    assert db.execute("select v from articles_fts_config where k = 'automerge'").fetchone() == (
        AUTOMERGE,
    )
    assert index_matches_articles(db)
    save_article(db, article(2), "voi", [], {})
    assert "Kim 2" in found(db, "kim")
