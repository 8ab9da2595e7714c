"""A stemmed copy of the articles' words, indexed beside the exact ones.

Indonesian builds words from a root with affixes: "pemerintahan" and "pemerintah" share
"perintah", "diberitakan" and "berita" share "berita". A search for one should find the
other, while exact matches still rank first (crawler/archive/search.py). Sastrawi gives
the roots.

The stems are indexed in a contentless FTS5 table (no second copy of every text), kept
current from a queue: triggers on `articles` (plain SQL, so any writer fires them, Datasette
or sqlite-utils included) note each insert, edit and deletion, with the words an edited or
deleted row had; `index_stems` stems the queued rows in Python and updates the index. The
archive writer runs it inside the group that brings the queue to STEM_BATCH articles, and
when it closes; `open_db` runs it for what other writers left.

The same pass keeps `search_words`: every word of the archive with its root and the number
of articles that hold it. Search completes a word being typed from it (the most common
words that begin so, crawler/archive/search.py), and a new process reads the roots from it
instead of asking Sastrawi again.
"""

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from crawler.archive.fts import AUTOMERGE, TOKENIZE
from crawler.text import STOPWORDS

STEMS = "articles_stems"
QUEUE = "stem_queue"
WORDS = "search_words"
TRIGGERS = {
    "articles_stems_ai": "after insert on articles begin "
    f"insert into {QUEUE} (article_rowid, was_indexed) values (new.rowid, 0); end",
    "articles_stems_au": "after update of title, text on articles begin "
    f"insert into {QUEUE} (article_rowid, old_title, old_text, was_indexed) "
    "values (old.rowid, old.title, old.text, 1); end",
    "articles_stems_ad": "after delete on articles begin "
    f"insert into {QUEUE} (article_rowid, old_title, old_text, was_indexed) "
    "values (old.rowid, old.title, old.text, 1); end",
}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


_WORD = re.compile(r"\w+")
# Root of each word seen: an archive's vocabulary is small, and Sastrawi is slow per word.
_ROOTS: dict[str, str] = {}
_INDEXED: dict[str, str] = {}


def stem_text(text: str | None) -> str | None:
    """The text's words as roots, folded like the index folds them ("Pemerintahan
    diberitakan" -> "perintah berita"); words Sastrawi does not know stay as they are."""
    if not text:
        return text
    words = _words(text)
    roots = list(map(_ROOTS.get, words))
    if None in roots:
        roots = [_root(word) for word in words]
    return " ".join(roots)  # type: ignore[arg-type]  # no None is left


def indexed_roots(text: str) -> list[str]:
    """The distinct roots of `text` as the stemmed index holds them (no stop words or
    numbers): what a search for it asks that index."""
    roots = dict.fromkeys(_indexed(word) for word in _words(text))
    roots.pop("", None)
    return list(roots)


# Words of texts the archive writer has just tokenised (`remember_words`), by text: the
# pass that indexes them reads them here instead of tokenising each text again.
_TOKENISED: dict[str, tuple[str, ...]] = {}
# Entries kept at most (a writer whose queue never reaches the index pass drops them).
TOKENISED_KEPT = 20_000


def remember_words(text: str, words: list[str]) -> None:
    """`text`'s words as `crawler.text.tokens` gave them, for the next `index_stems`.

    Only ASCII text: there both tokenisers read the same words (lower case, runs of
    letters, digits and "_"); elsewhere `tokens` keeps letters that do not fold to ASCII,
    and the roots' own reading drops them."""
    if text.isascii():
        if len(_TOKENISED) >= TOKENISED_KEPT:
            _TOKENISED.clear()
        # A tuple of strings: the garbage collector stops tracking it; a list it would
        # walk at every full collection while the entry is kept.
        _TOKENISED[text] = tuple(words)


def words_and_roots(title: str | None, text: str | None) -> tuple[list[str], str]:
    """An article's distinct words (for the word list), and the roots of its headline and
    text, each once, without stop words and numbers: what the stemmed index holds of it
    (those only make long, useless lists)."""
    known = _TOKENISED.get(text) if text else None
    if known is None:
        words = list(dict.fromkeys(_words(f"{title or ''}\n{text or ''}")))
    else:
        words = list(dict.fromkeys([*_words(title or ""), *known]))
    roots = list(map(_INDEXED.get, words))
    if None in roots:
        roots = [_indexed(word) for word in words]
    unique = dict.fromkeys(roots)
    unique.pop("", None)
    return words, " ".join(unique)  # type: ignore[arg-type]  # no None is left


def _words(text: str) -> list[str]:
    # "-" is no word character: "Jong-un" gives "jong" and "un" as it is.
    lowered = text.lower()
    if not lowered.isascii():
        # Accents off ("café" -> "cafe"); letters of other scripts have no Indonesian root.
        lowered = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return _WORD.findall(lowered)


def _root(word: str) -> str:
    root = _ROOTS.get(word)
    if root is None:
        root = _ROOTS[word] = _stemmer().stem(word) or word
    return root


def _indexed(word: str) -> str:
    """The word's root as the stemmed index holds it; "" for a stop word or a number."""
    found = _INDEXED.get(word)
    if found is None:
        root = _root(word)
        found = _INDEXED[word] = "" if root in STOPWORDS or root.isdigit() else root
    return found


def ensure_stems(db: Database) -> None:
    """Create the index, its queue, triggers and word list; (re)index every article when
    the index or the word list is new."""
    if not db[QUEUE].exists():
        db.execute(
            f"create table {QUEUE} (seq integer primary key, article_rowid integer not null, "
            "old_title text, old_text text, was_indexed integer not null)"
        )
    if not (db[STEMS].exists() and db[WORDS].exists()):
        with db.atomic():
            if db[STEMS].exists():
                # The word list counts what the index holds: both start again together.
                db.execute(f"insert into {STEMS} ({STEMS}) values ('delete-all')")
            else:
                # Each article's distinct roots, without positions: stem-only matches rank
                # after exact ones anyway, and the index costs the writer half as much.
                db.execute(
                    f"create virtual table {STEMS} using fts5(words, content='', "
                    f"detail=none, tokenize='{TOKENIZE}')"
                )
                # Merge segments less eagerly, as the exact index does (fts.py says why).
                db.execute(f"insert into {STEMS} ({STEMS}, rank) values ('automerge', {AUTOMERGE})")
            db.execute(f"drop table if exists {WORDS}")
            db.execute(
                f"create table {WORDS} (word text primary key, root text not null, "
                "articles integer not null) without rowid"
            )
            db.execute(f"delete from {QUEUE}")
            db.execute(
                f"insert into {QUEUE} (article_rowid, was_indexed) select rowid, 0 from articles"
            )
    existing = {trigger.name for trigger in db.table("articles").triggers}
    for name, body in TRIGGERS.items():
        if name not in existing:
            db.execute(f"create trigger [{name}] {body}")


def queued_stems(db: Database) -> int:
    return db.execute(f"select count(*) from {QUEUE}").fetchone()[0]


def index_stems(db: Database) -> int:
    """Bring the stemmed index and the word list up to date with the queue; returns how
    many rows it indexed.

    A row's first queued change says what the index holds for it: nothing (inserted since),
    or the words it had before (edited or deleted since). Those are removed, then the
    row's current words indexed, whatever happened in between. One statement each: FTS5
    writes its pending terms out at every statement, so row-by-row inserts would leave a
    tiny index segment per article.
    """
    last = db.execute(f"select max(seq) from {QUEUE}").fetchone()[0]
    if last is None:
        return 0
    _remember_roots(db)
    counts: Counter[str] = Counter()

    def roots_counted(title: str | None, text: str | None, change: int) -> str:
        words, roots = words_and_roots(title, text)
        if change > 0:
            counts.update(words)
        else:
            counts.subtract(words)
        return roots

    db.conn.create_function("pantau_roots", 3, roots_counted)
    db.execute(
        f"insert into {STEMS} ({STEMS}, rowid, words) "
        "select 'delete', article_rowid, pantau_roots(old_title, old_text, -1) "
        f"from {QUEUE} where seq in (select min(seq) from {QUEUE} where seq <= ? "
        "group by article_rowid) and was_indexed = 1",
        [last],
    )
    cursor = db.execute(
        f"insert into {STEMS} (rowid, words) "
        "select rowid, pantau_roots(title, text, 1) from articles "
        f"where rowid in (select article_rowid from {QUEUE} where seq <= ?)",
        [last],
    )
    db.execute(f"delete from {QUEUE} where seq <= ?", [last])
    _TOKENISED.clear()
    db.conn.executemany(
        f"insert into {WORDS} (word, root, articles) values (?, ?, ?) "
        "on conflict (word) do update set articles = articles + excluded.articles",
        [(word, _root(word), n) for word, n in counts.items() if n and not word.isdigit()],
    )
    return cursor.rowcount


# The archives whose roots this process has read (by file).
_REMEMBERED: set[str] = set()


def _remember_roots(db: Database) -> None:
    """Read the roots an archive knows, once per process: Sastrawi is slow per word."""
    key = db.execute("pragma database_list").fetchone()[2]
    if key in _REMEMBERED:
        return
    _REMEMBERED.add(key)
    for word, root in db.execute(f"select word, root from {WORDS}"):
        _ROOTS.setdefault(word, root)


def completions(db: Database, prefix: str, limit: int) -> list[str]:
    """The archive's `limit` most common words that begin with `prefix` (folded)."""
    rows = db.execute(
        f"select word from {WORDS} where word >= ? and word < ? and articles > 0 "
        "order by articles desc, word limit ?",
        [prefix, prefix + "\U0010ffff", limit],
    )
    return [row[0] for row in rows]
