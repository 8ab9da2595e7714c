"""Full-text search over articles: FTS5 kept current by triggers, batched inside group commits.

The index is sqlite-utils' (`enable_fts`; unicode61 with remove_diacritics folds case and
accents, porter is English-only) and so are the triggers' statements, with two changes
(bench/dedup-scale.py measures their effect):

- Inside a group commit (crawler/archive/writer.py) new articles are indexed when the group
  commits, in one statement. SQLite's FTS5 writes its pending index to disk at every
  savepoint and every statement that runs a trigger, so indexing article by article would
  write a tiny segment per article. The writer marks its group with a row in
  `fts_deferral`, inside its own transaction, so no other connection ever sees it; the
  triggers skip the rows inserted after the mark, and `index_deferred` indexes them just
  before the commit. Every other writer (Datasette, sqlite-utils, `pantau reextract`) is
  indexed at once.
- The update trigger fires on title and text only: a new cluster_id or fetched_at does not
  reindex the article.

And FTS5 merges its segments less eagerly (`automerge` 16, not 4): a commit merges less
often, while a search reads a few more segments.
"""

from sqlite_utils import Database

TABLE = "articles"
COLUMNS = ["title", "text"]
TOKENIZE = "unicode61 remove_diacritics 2"
AUTOMERGE = 16
FTS = f"{TABLE}_fts"
MARK = "fts_deferral"

_NOT_DEFERRED = "when not exists (select 1 from fts_deferral where {row}.rowid > after_rowid)"
_INSERT = (
    f"insert into [{FTS}] (rowid, [title], [text]) values (new.rowid, new.[title], new.[text]);"
)
_DELETE = (
    f"insert into [{FTS}] ([{FTS}], rowid, [title], [text]) "
    "values ('delete', old.rowid, old.[title], old.[text]);"
)
TRIGGERS = {
    f"{TABLE}_ai": f"after insert on [{TABLE}] {_NOT_DEFERRED.format(row='new')} "
    f"begin {_INSERT} end",
    f"{TABLE}_ad": f"after delete on [{TABLE}] {_NOT_DEFERRED.format(row='old')} "
    f"begin {_DELETE} end",
    f"{TABLE}_au": f"after update of [title], [text] on [{TABLE}] "
    f"{_NOT_DEFERRED.format(row='old')} begin {_DELETE} {_INSERT} end",
}


def ensure_fts(db: Database) -> None:
    """Create the index and its triggers, or bring them up to date. Safe to repeat."""
    table = db.table(TABLE)
    names = {trigger.name: trigger.sql for trigger in table.triggers}
    if not table.detect_fts():
        table.enable_fts(COLUMNS, tokenize=TOKENIZE)
    elif not set(TRIGGERS) <= set(names):
        # table.transform() drops the triggers, leaving a stale index: rebuild it.
        db.execute(f"insert into [{FTS}] ([{FTS}]) values ('rebuild')")
    elif all(MARK in names[name] for name in TRIGGERS) and _automerge(db) == AUTOMERGE:
        return
    with db.atomic():
        db.execute(f"insert into [{FTS}] ([{FTS}], rank) values ('automerge', ?)", [AUTOMERGE])
        for name, body in TRIGGERS.items():
            db.execute(f"drop trigger if exists [{name}]")
            db.execute(f"create trigger [{name}] {body}")


def _automerge(db: Database) -> int | None:
    row = db.execute(f"select v from [{FTS}_config] where k = 'automerge'").fetchone()
    return row[0] if row else None


def defer_indexing(db: Database) -> None:
    """In an open transaction: articles inserted from now on wait for `index_deferred`."""
    if not db.execute(f"select 1 from {MARK}").fetchone():
        db.execute(
            f"insert into {MARK} (after_rowid) select coalesce(max(rowid), 0) from [{TABLE}]"
        )


def index_deferred(db: Database) -> None:
    """Index, in one statement, the articles inserted since `defer_indexing`."""
    row = db.execute(f"select min(after_rowid) from {MARK}").fetchone()
    if row[0] is None:
        return
    db.execute(f"delete from {MARK}")
    db.execute(
        f"insert into [{FTS}] (rowid, [title], [text]) "
        f"select rowid, [title], [text] from [{TABLE}] where rowid > ?",
        [row[0]],
    )
