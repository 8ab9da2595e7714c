"""Rows of the archive: articles, their URLs, pages and relevance, and the seeds.

Every write here is safe to repeat. Keys are derived, never counted: `urls.id` is the hash
of the normalised URL, `articles.id` the hash of the normalised body text, so the same text
under two URLs is one article, and the seed (which has no URL) has a key too.
"""

import gzip
import hashlib
import json
import re
from datetime import date
from typing import Any

from sqlite_utils import Database

from crawler.archive.clusters import forget_stock_keys, register_article, save_version
from crawler.archive.schema import utc_now
from crawler.archive.stems import remember_words
from crawler.config.load import Topic
from crawler.text import tokens
from crawler.urls import normalize_url, url_id

URL_STATUSES = ("article", "dropped", "error", "irrelevant")


def text_fingerprint(text: str | list[str]) -> str:
    """SHA-1 of the body with case, accents, punctuation and spacing folded away."""
    words = tokens(text) if isinstance(text, str) else text
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


def article_id(fingerprint: str) -> str:
    return fingerprint[:16]


def known_url_ids(db: Database, urls: list[str]) -> set[str]:
    """Which of `urls` need no fetch as new: seen before and not merely failed."""
    ids = {url_id(u) for u in urls}
    if not ids:
        return set()
    placeholders = ",".join("?" * len(ids))
    rows = db.execute(
        f"select id from urls where status != 'error' and id in ({placeholders})", list(ids)
    )
    return {row[0] for row in rows}


def recent_article_urls(db: Database, source: str, days: int) -> list[str]:
    """URLs of the source's articles first seen in the last `days` days (to refetch)."""
    if days <= 0:
        return []
    rows = db.execute(
        "select url from articles where source = ? and url is not null and is_seed = 0 "
        "and first_seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
        [source, f"-{days} days"],
    )
    return [row[0] for row in rows]


# How the `urls.reason` of a page whose extraction raised begins.
EXTRACTION_FAILED = "extraction failed"


def failed_extraction_urls(db: Database, source: str, days: int) -> list[str]:
    """URLs of the source whose extraction failed in the last `days` days: a normal crawl
    leaves them (they would fail the same way), a refresh tries them again."""
    if days <= 0:
        return []
    rows = db.execute(
        "select url from urls where source = ? and status = 'dropped' and reason like ? "
        "and last_seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
        [source, f"{EXTRACTION_FAILED}%", f"-{days} days"],
    )
    return [row[0] for row in rows]


def save_article(
    db: Database,
    article: dict[str, Any],
    source: str | None,
    seen_urls: list[str],
    relevance: dict[str, float],
    parts: list[dict[str, Any]] | None = None,
) -> str:
    """Store one extracted article atomically; return "new" or "duplicate".

    `parts` are the responses it came from, in order (url, status, headers, body,
    fetched_at; more than one for a multi-page article): kept, gzipped, in `pages` for
    re-extraction and WARC export.

    The article's id is found through its URLs first (a page fetched again keeps its id even
    if its text was edited), then through its text (an identical copy elsewhere), else it
    is derived from the text.
    """
    # What extraction found doubtful goes with the URLs, not into the article row.
    notes = "; ".join(article.get("notes") or []) or None
    article = {key: value for key, value in article.items() if key != "notes"}
    words = tokens(article["text"])  # tokenised once for fingerprint and sketch
    fingerprint = text_fingerprint(words)
    seen_urls_normal = {normalize_url(u) for u in seen_urls}
    urls = list(dict.fromkeys(normalize_url(u) for u in [article.get("url"), *seen_urls] if u))
    try:
        with db.atomic():
            by_url = _article_id_for_urls(db, urls)
            by_text = _article_id_for_fingerprint(db, fingerprint)
            key = by_url or by_text or article_id(fingerprint)
            row = {**article, "id": key, "fingerprint": fingerprint, "fetched_at": utc_now()}
            if by_url is None and by_text is None:
                # First seen when fetched, on one clock: the column's default is read a moment
                # later, and on a busy machine that moment can fall in the next second.
                first_seen = {"first_seen_at": row["fetched_at"]}
                _insert_article(db, {**row, "source": source, "is_seed": 0, **first_seen})
                register_article(db, key, words)
                remember_words(article["text"], words)
            elif article.get("url") in seen_urls_normal and by_text in (None, key):
                # The canonical page itself, fetched again: the row holds its latest text and
                # article_versions the one it replaces. (An AMP or mobile variant only adds its
                # URL; it never replaces the text.)
                current = db.table("articles").get(key)
                if current["fingerprint"] != fingerprint:
                    save_version(db, current)
                    db.table("articles").update(key, row)
                    register_article(db, key, words)
                    remember_words(article["text"], words)
                else:
                    db.table("articles").update(key, {"fetched_at": row["fetched_at"]})
            save_relevance(db, key, relevance)
            for url in urls:
                record_url(db, url, source, "article", article_id=key, reason=notes)
            for number, part in enumerate(parts or [], start=1):
                save_page(db, part, source, key, number)
    except BaseException:
        forget_stock_keys(db)  # the keys it indexed are rolled back
        raise
    return "new" if by_url is None and by_text is None else "duplicate"


def save_relevance(db: Database, key: str, relevance: dict[str, float]) -> None:
    for topic, score in relevance.items():
        db.table("article_topics").upsert(
            {"article_id": key, "topic": topic, "relevance": score}, pk=("article_id", "topic")
        )


def save_page(
    db: Database, page: dict[str, Any], source: str | None, key: str, part: int = 1
) -> None:
    """Keep a fetched response (status, headers, gzipped body) under its URL's id; the
    source that first fetched it stays."""
    row = {
        "id": url_id(page["url"]),
        "url": page["url"],
        "article_id": key,
        "source": source,
        "part": part,
        "status": page["status"],
        "headers": json.dumps(page.get("headers") or {}, ensure_ascii=False),
        # zlib's default level: gzip's 9 costs a crawl twice the CPU for 1% smaller pages.
        "body": gzip.compress(page["body"], compresslevel=6, mtime=0),
        "fetched_at": page["fetched_at"],
        "capture_url": page.get("capture_url"),
        "captured_at": page.get("captured_at"),
    }
    updated = ", ".join(f"{name} = excluded.{name}" for name in row if name not in ("id", "source"))
    db.execute(
        f"insert into pages ({', '.join(row)}) values ({', '.join(':' + name for name in row)}) "
        f"on conflict (id) do update set {updated}",
        row,
    )


def page_body(row: dict[str, Any]) -> bytes:
    return gzip.decompress(row["body"])


def record_url(
    db: Database,
    url: str,
    source: str | None,
    status: str,
    article_id: str | None = None,
    reason: str | None = None,
    relevance: float | None = None,
) -> None:
    """Remember a URL; first_seen_at and the first source are kept, last_seen_at and status
    move on; every source that carried it is in `url_sources`."""
    assert status in URL_STATUSES, status
    normal = normalize_url(url)
    # One statement instead of sqlite-utils' upsert: this runs for every URL of every page,
    # and `urls` has no FTS triggers to upset. first_seen_at keeps its first value.
    db.execute(
        """
        insert into urls (id, url, source, status, reason, relevance, article_id, last_seen_at)
        values (:id, :url, :source, :status, :reason, :relevance, :article_id, :now)
        on conflict (id) do update set
          url = excluded.url, source = coalesce(urls.source, excluded.source),
          status = excluded.status,
          reason = excluded.reason, relevance = excluded.relevance,
          article_id = coalesce(excluded.article_id, urls.article_id),
          last_seen_at = excluded.last_seen_at
        """,
        {
            "id": url_id(normal),
            "url": normal,
            "source": source,
            "status": status,
            "reason": reason,
            "relevance": relevance,
            "article_id": article_id,
            "now": utc_now(),
        },
    )
    if source is not None:
        record_url_source(db, url_id(normal), source)


def record_url_source(db: Database, key: str, source: str) -> None:
    db.execute("insert or ignore into url_sources (url_id, source) values (?, ?)", [key, source])


def save_seed(db: Database, topic: Topic, relevance: dict[str, float]) -> str | None:
    """Put a topic's seed article in the archive (is_seed = 1); returns its id."""
    text = topic.seed_text()
    if not text:
        return None
    # The seed arrived with the outlet's share-button label on its first line.
    text = re.sub(r"\A\s*Bagikan:?\s*\n", "", text).strip()
    fingerprint = text_fingerprint(text)
    existing = _article_id_for_fingerprint(db, fingerprint)
    key = existing or article_id(fingerprint)
    info = topic.seed_info
    with db.atomic():
        db.table("articles").upsert(
            {
                "id": key,
                "url": normalize_url(info.url) if info.url else None,
                "source": info.source,
                "title": info.title,
                "author": info.author,
                "published_at": info.published_at,
                "text": text,
                "language": info.language,
                "is_seed": 1,
                "fingerprint": fingerprint,
            },
            pk="id",
        )
        save_relevance(db, key, relevance)
        if existing is None:
            register_article(db, key, text)
    return key


def _insert_article(db: Database, row: dict[str, Any]) -> None:
    # One prepared statement rather than sqlite-utils' insert, which looks the table up on
    # every call: this runs once per article of every crawl (bench/dedup-scale.py).
    columns = ", ".join(f"[{column}]" for column in row)
    placeholders = ", ".join(f":{column}" for column in row)
    db.execute(f"insert into articles ({columns}) values ({placeholders})", row)


def _article_id_for_urls(db: Database, urls: list[str]) -> str | None:
    for url in urls:
        rows = list(db.execute("select article_id from urls where id = ?", [url_id(url)]))
        if rows and rows[0][0]:
            return rows[0][0]
    return None


def _article_id_for_fingerprint(db: Database, fingerprint: str) -> str | None:
    rows = list(db.execute("select id from articles where fingerprint = ?", [fingerprint]))
    return rows[0][0] if rows else None


def walked_days(db: Database, source: str) -> set[date]:
    """The days of the source's date index that a crawl has walked."""
    rows = db.execute("select day from archive_days where source = ?", [source])
    return {date.fromisoformat(row[0]) for row in rows}


def record_walked_day(db: Database, source: str, day: str, pages: int, links: int) -> None:
    db.table("archive_days").upsert(
        {"source": source, "day": day, "pages": pages, "links": links, "walked_at": utc_now()},
        pk=("source", "day"),
    )


def backfill_done(db: Database, route: str, source: str) -> set[tuple[str, str]]:
    """(host, slice) pairs a web archive was asked for the source's captures."""
    rows = db.execute(
        "select host, slice from backfill_queries where route = ? and source = ?", [route, source]
    )
    return {(row[0], row[1]) for row in rows}


def record_backfill_query(
    db: Database, route: str, source: str, host: str, slice: str, captures: int
) -> None:
    db.table("backfill_queries").upsert(
        {
            "route": route,
            "source": source,
            "host": host,
            "slice": slice,
            "captures": captures,
            "queried_at": utc_now(),
        },
        pk=("route", "source", "host", "slice"),
    )
