"""Search the archive the way people type: any text works, exact words rank first.

A query is never handed to FTS5 as syntax (where "Kim Jong-un" means the column "un"):
its words are quoted, each written-together chunk ("Jong-un", "U.S.") as a phrase, a
quoted part as one phrase, the last word also as a prefix (a word still being typed).
Brackets and stray quotes are plain text; AND, OR, NOT and NEAR typed in capitals are
dropped (habits from other search boxes). A word being typed is completed from the
archive's word list, to its most common completions: FTS5's own prefix query would
read every posting of every word that begins so. The stemmed index
(crawler/archive/stems.py) answers the same words as roots; an article matching the
exact words ranks above one that matches only their roots. A search reads the first
MAX_WORDS words of the text (within MAX_CHARACTERS), and says when it left words out.
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sqlite_utils import Database

from crawler.archive import coverage
from crawler.archive.stems import STEMS, completions, indexed_roots, stem_text
from crawler.text import fold

EXACT = "articles_fts"
PAGE_SIZE = 20
# Matches read from each index (the newest): enough for every page a person reads and for
# facets that say where the matches are, bounded however common the words.
MAX_HITS = 2000
# Facet values shown per facet.
FACET_LIMIT = 15
# Markers FTS5 puts around matches in snippets: control characters, which no article text
# holds, so that the text can be escaped first and the markers made into <mark> after.
MARK_START, MARK_END = "\x02", "\x03"
_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r'"([^"]*)"')
OPERATORS = {"AND", "OR", "NOT", "NEAR"}
PREFIX_MIN = 5
# Words a word being typed stands for: enough for the word meant, however many begin so.
PREFIX_WORDS = 20
# What a search reads of the text typed; the rest is left out, and the page says so. Every
# word is one more list of articles for FTS5 to intersect and one more root to find: a
# pasted page would run past Datasette's time limit and hold the threads every other
# search waits for. A person's search is a few words; a pasted paragraph's first 32 find it.
MAX_WORDS = 32
MAX_CHARACTERS = 500


@dataclass
class Query:
    text: str = ""
    source: list[str] = field(default_factory=list)
    topic: str | None = None
    language: str | None = None
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None
    sort: str = "relevance"  # or "date"
    page: int = 1
    size: int = PAGE_SIZE  # results a page


def shortened(text: str) -> tuple[str, str | None]:
    """What a search reads of `text`: its first MAX_WORDS words within MAX_CHARACTERS
    characters (never half a word); and a note saying so when words were left out."""
    end = min(len(text), MAX_CHARACTERS)
    kept_words = 0
    for word in _WORD.finditer(text):
        if kept_words == MAX_WORDS or word.end() > MAX_CHARACTERS:
            end = word.start()
            break
        kept_words += 1
    if not _WORD.search(text, end):
        return text[:end], None
    return text[:end], (
        f"Search shortened to the first {kept_words} words: a search reads at most "
        f"{MAX_WORDS} words and {MAX_CHARACTERS} characters."
    )


def fts_query(
    text: str, prefix_last: bool = True, complete: Callable[[str], list[str]] | None = None
) -> str | None:
    """An FTS5 query for what a person typed: every chunk must match, as a phrase of its
    words; None when the text has no word at all. `complete` gives the words a last word
    stands for; without it (or when it knows none) FTS5 matches it as a prefix."""
    phrases = []
    rest = text
    for quoted in _QUOTED.findall(text):
        phrases.append(_WORD.findall(fold(quoted)))
        rest = rest.replace(f'"{quoted}"', " ")
    # Operators typed out of habit ("Kim AND Putin") are not words of the article.
    chunks = [
        _WORD.findall(fold(chunk))
        for chunk in rest.split()
        if "".join(_WORD.findall(chunk)) not in OPERATORS
    ]
    phrases += [words for words in chunks if words]
    phrases = [words for words in phrases if words]
    if not phrases:
        return None
    parts = [f'"{" ".join(words)}"' for words in phrases]
    last = phrases[-1]
    # A single last word still being typed also matches as a prefix ("Vladiv"); a shorter
    # one than PREFIX_MIN letters would match thousands of words.
    if (
        prefix_last
        and len(last) == 1
        and len(last[0]) >= PREFIX_MIN
        and not text.rstrip().endswith('"')
    ):
        words = complete(last[0]) if complete else []
        if words:
            alternatives = dict.fromkeys([last[0], *words])
            parts[-1] = "(" + " OR ".join(f'"{word}"' for word in alternatives) + ")"
            # FTS5 reads a bracketed group only after an explicit AND.
            return " AND ".join(parts)
        parts[-1] += "*"
    return " ".join(parts)


def stem_query(text: str) -> str | None:
    """The same query over the roots of its words (stop words and numbers are not in the
    stemmed index); None when no word has a root there."""
    return " ".join(f'"{root}"' for root in indexed_roots(text)) or None


def search(db: Database, query: Query) -> dict[str, Any]:
    """One page of results (with highlighted snippets), their total and the facets.

    The exact index is asked for its newest MAX_HITS matches within the filters, ranked
    among themselves; the stemmed index, when there are fewer, for as many more (the
    stem-only matches come after every exact one anyway). The page, the total and the
    facets are made of those (a total of MAX_HITS or more is "more"). However common the
    words, a search reads a bounded part of each index. Without text, the newest articles
    the filters leave (`_listing`).
    """
    text, note = shortened(query.text)
    complete = partial(completions, db, limit=PREFIX_WORDS)
    # The last word of a shortened text is a whole word, not one still being typed.
    exact = fts_query(text, prefix_last=note is None, complete=complete)
    stemmed = stem_query(text)
    searched = {"searched": text, "note": note, "query": exact}
    if exact is None:
        return _listing(db, query, searched)
    where, params = _filters(query)

    def candidates(table: str, match: str) -> list[tuple]:
        # Newest matches first, as the index keeps them: FTS5 stops after `cap` rows and
        # ranks only those. The filters are checked on each match (a CROSS JOIN keeps the
        # index outermost; a rowid IN list would make FTS5 run the query once per row).
        # A time another tool stored as bytes sorts and groups as text too.
        return db.execute(
            "select f.rowid, f.rank, a.id, a.source, cast(a.published_at as text), a.language "
            f"from {table} f cross join articles a on a.rowid = f.rowid "
            f"where {where + ' and ' if where else ''}{table} match :match "
            "order by f.rowid desc limit :cap",
            {**params, "match": match, "cap": MAX_HITS},
        ).fetchall()

    # (rowid, stem_only, score, id, source, published_at, language)
    found = [(hit[0], 0, *hit[1:]) for hit in candidates(EXACT, exact)]
    more = len(found) >= MAX_HITS
    if stemmed and not more:
        exact_rowids = {hit[0] for hit in found}
        stem_hits = candidates(STEMS, stemmed)
        more = len(stem_hits) >= MAX_HITS
        found += [(hit[0], 1, *hit[1:]) for hit in stem_hits if hit[0] not in exact_rowids]
    found.sort(key=lambda hit: (hit[1], hit[2]))  # exact matches first, then by rank
    if query.sort == "date":
        # Newest first; a stable sort keeps the rank order within a day, undated last.
        found.sort(key=lambda hit: hit[5] or "", reverse=True)
    offset = (max(query.page, 1) - 1) * query.size
    page = found[offset : offset + query.size]
    rows = _page_rows(db, page)
    _add_snippets(db, rows, exact, stemmed)
    facets = _facets(db, found)
    return {"rows": rows, "total": len(found), "more": more, "facets": facets, **searched}


def _facets(db: Database, found: list[tuple]) -> dict[str, list[tuple[Any, int]]]:
    """Where the hits (rowid, stem_only, score, id, source, published_at, language) are."""
    return {
        "source": _top(hit[4] for hit in found),
        # The busiest days, read as a calendar: newest first.
        "day": sorted(_top(hit[5][:10] for hit in found if hit[5]), reverse=True),
        "language": _top(hit[6] for hit in found),
        "topic": _top(_related_topics(db, [hit[3] for hit in found])),
    }


def _listing(db: Database, query: Query, searched: dict[str, Any]) -> dict[str, Any]:
    """No text to search: the newest MAX_HITS articles the filters leave, a page of them
    with their openings, and the facets; nothing without a filter. Within a topic, its
    related articles as its page lists them (crawler/archive/coverage.py): the seed is on
    the topic's page, not among them."""
    if not (query.topic or query.source or query.language or query.since or query.until):
        return {"rows": [], "total": 0, "more": False, "facets": {}, **searched}
    where, params = _filters(replace(query, topic=None))
    columns = "a.rowid, 0, 0.0, a.id, a.source, cast(a.published_at as text), a.language"
    if query.topic:
        related = coverage.chosen(coverage.coverage(db.conn, query.topic), query.source)
        params["related"] = json.dumps([article.rowid for article in related])
        sql = (
            f"select {columns} from json_each(:related) related "
            "cross join articles a on a.rowid = related.value"
            f"{' where ' + where if where else ''} order by related.key"
        )
    else:
        # Through the index on published_at, newest first: it stops after MAX_HITS.
        sql = (
            f"select {columns} from articles a{' where ' + where if where else ''} "
            "order by a.published_at desc"
        )
    found = db.execute(f"{sql} limit :cap", {**params, "cap": MAX_HITS}).fetchall()
    offset = (max(query.page, 1) - 1) * query.size
    rows = _page_rows(db, found[offset : offset + query.size])
    for row in rows:
        row["snippet"] = root_snippet(row.pop("text") or "", set())
    more = len(found) >= MAX_HITS
    facets = _facets(db, found)
    return {"rows": rows, "total": len(found), "more": more, "facets": facets, **searched}


def _top(values) -> list[tuple[Any, int]]:
    counts = Counter(value for value in values if value is not None)
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:FACET_LIMIT]


def _page_rows(db: Database, page: list) -> list[dict[str, Any]]:
    if not page:
        return []
    marks = ",".join("?" * len(page))
    details = {
        row["rowid"]: row
        for row in db.query(
            # A time stored as bytes is shown as text (and JSON has no bytes).
            "select rowid, id, title, source, cast(published_at as text) as published_at, url, "
            "is_seed, language, "
            # A seed often has no headline: its opening words stand in.
            "coalesce(title, substr(text, 1, 90) || '…') as heading, text "
            f"from articles where rowid in ({marks})",
            [hit[0] for hit in page],
        )
    }
    return [{**details[hit[0]], "stem_only": hit[1]} for hit in page]


def _related_topics(db: Database, ids: list[str]) -> list[str]:
    """Each article's topics at or above the topic's threshold."""
    topics: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        topics += [
            row[0]
            for row in db.execute(
                "select t.topic from article_topics t left join topics on topics.name = t.topic "
                f"where t.article_id in ({marks}) "
                "and t.relevance >= coalesce(topics.min_relevance, 0)",
                chunk,
            )
        ]
    return topics


def _filters(query: Query) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if query.source:
        names = {f"source{i}": name for i, name in enumerate(query.source)}
        clauses.append(f"a.source in ({', '.join(':' + key for key in names)})")
        params.update(names)
    if query.language:
        clauses.append("a.language = :language")
        params["language"] = query.language
    if query.since:
        clauses.append("substr(a.published_at, 1, 10) >= :since")
        params["since"] = query.since
    if query.until:
        clauses.append("substr(a.published_at, 1, 10) <= :until")
        params["until"] = query.until
    if query.topic:
        # Related to the topic: at or above its threshold (the seed is its own topic's).
        clauses.append(
            "exists (select 1 from article_topics t left join topics on topics.name = t.topic"
            " where t.article_id = a.id and t.topic = :topic"
            " and t.relevance >= coalesce(topics.min_relevance, 0))"
        )
        params["topic"] = query.topic
    return " and ".join(clauses), params


def _add_snippets(db: Database, rows: list[dict], exact: str, stemmed: str | None) -> None:
    """A snippet per row (in place of its text) with its matches between MARK_START and
    MARK_END: FTS5's own for exact matches, the first words around a word of the same root
    otherwise."""
    exact_rows = [row["rowid"] for row in rows if not row["stem_only"]]
    snippets = {}
    if exact_rows:
        marks = ",".join("?" * len(exact_rows))
        # The match runs once over the page's range of rows (FTS5 would run it again for
        # each row of a `rowid in` list); `+rowid` keeps the list out of the index's hands.
        found = db.execute(
            f"select rowid, snippet({EXACT}, 1, ?, ?, '…', 24) from {EXACT} "
            f"where {EXACT} match ? and rowid between ? and ? and +rowid in ({marks})",
            [MARK_START, MARK_END, exact, min(exact_rows), max(exact_rows), *exact_rows],
        )
        snippets = dict(found.fetchall())
    stems = set((stemmed or "").replace('"', "").split())
    for row in rows:
        text = row.pop("text") or ""
        row["snippet"] = snippets.get(row["rowid"]) or root_snippet(text, stems)


def root_snippet(text: str, stems: set[str], words: int = 30) -> str:
    """The first run of `words` words around a word whose root is among `stems`, its
    matching words marked."""
    tokens = text.split()
    hits = [i for i, token in enumerate(tokens) if _root(token) in stems]
    start = max(0, hits[0] - 5) if hits else 0
    shown = []
    for i in range(start, min(len(tokens), start + words)):
        token = tokens[i]
        shown.append(f"{MARK_START}{token}{MARK_END}" if i in hits else token)
    return ("…" if start else "") + " ".join(shown) + ("…" if start + words < len(tokens) else "")


def _root(token: str) -> str:
    return stem_text(token) or ""
