"""Re-run extraction over stored pages, without refetching, when the rules improve.

An article is updated in place only when the new extraction is at least as good a bet as
the old one: a failed or much shorter extraction keeps the old row and is reported.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database
from w3lib.encoding import http_content_type_encoding

from crawler.archive.clusters import register_article
from crawler.archive.rows import page_body, text_fingerprint
from crawler.config.load import Source, body_rules
from crawler.extract.article import ExtractionError, extract_multipage

# A new text under half the old length more likely lost the body than found it.
MIN_LENGTH_RATIO = 0.5
UPDATED_FIELDS = ("title", "author", "editor", "credit", "published_at", "text", "language")


@dataclass
class ReextractReport:
    updated: int = 0
    unchanged: int = 0
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (article id, url, why)


def reextract(
    db: Database, source: str | None = None, outlets: list[Source] | None = None
) -> ReextractReport:
    """Re-extract every article that has a stored page (of one source, if given), with the
    configured outlets' body rules and article patterns."""
    report = ReextractReport()
    rules = body_rules(outlets or [])
    patterns = {outlet.name: outlet.article_pattern for outlet in outlets or []}
    for article, page, later_parts in _articles_with_pages(db, source):
        parts = [(part["url"], page_body(part)) for part in later_parts]
        try:
            new = extract_multipage(
                page_body(page),
                page["url"],
                None,
                parts,
                charset=_header_charset(page),
                article_pattern=patterns.get(page["source"]),
                rules=rules,
            )
        except ExtractionError as error:
            report.kept.append((article["id"], page["url"], f"extraction failed: {error}"))
            continue
        if len(new["text"]) < MIN_LENGTH_RATIO * len(article["text"]):
            why = f"much shorter ({len(new['text'])} vs {len(article['text'])} characters)"
            report.kept.append((article["id"], page["url"], why))
            continue
        changes = {key: new[key] for key in UPDATED_FIELDS if new[key] != article.get(key)}
        if not changes:
            report.unchanged += 1
            continue
        changes["fingerprint"] = text_fingerprint(new["text"])
        other = db.execute(
            "select id from articles where fingerprint = ? and id != ?",
            [changes["fingerprint"], article["id"]],
        ).fetchone()
        if other:
            report.kept.append((article["id"], page["url"], f"same text as article {other[0]}"))
            continue
        with db.atomic():
            db.table("articles").update(article["id"], changes)
            if "text" in changes:
                register_article(db, article["id"], changes["text"])
        report.updated += 1
    return report


def _header_charset(page: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in json.loads(page.get("headers") or "{}").items()}
    return http_content_type_encoding(headers.get("content-type"))


# A page belongs to every source that carried its URL, not only the one that fetched it.
SOURCE_CLAUSE = (
    "and (pages.source = :source or exists (select 1 from url_sources "
    "where url_sources.url_id = pages.id and url_sources.source = :source))"
)


def known_sources(db: Database) -> set[str]:
    """Every source the archive has pages or URLs from."""
    rows = db.execute("select source from url_sources union select source from pages")
    return {row[0] for row in rows if row[0]}


def _articles_with_pages(db: Database, source: str | None):
    """(article, first page, later pages); the article's own URL is the preferred first page."""
    rows = db.query(
        f"""
        select articles.id as article_id, pages.id as page_id
        from pages join articles on articles.id = pages.article_id
        where pages.part = 1 {SOURCE_CLAUSE if source else ""}
        order by articles.id, pages.url = articles.url desc, pages.fetched_at desc
        """,
        {"source": source},
    )
    seen: set[str] = set()
    for row in list(rows):
        if row["article_id"] in seen:
            continue
        seen.add(row["article_id"])
        article: dict[str, Any] = db.table("articles").get(row["article_id"])
        later_parts = db.query(
            "select * from pages where article_id = ? and part > 1 order by part, fetched_at",
            [row["article_id"]],
        )
        yield article, db.table("pages").get(row["page_id"]), list(later_parts)
