"""The archive's shape: migrations, full-text search, and opening it in WAL mode.

Tables are created by numbered migrations (sqlite-utils Migrations), so an archive made by
an older Pantau is brought up to date by `ensure_db_shape`, which every command runs.
"""

from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from crawler.archive.fts import ensure_fts
from crawler.archive.stems import ensure_stems, index_stems

NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


def utc_now() -> str:
    """The same timestamp as NOW_SQL, from Python: ISO 8601, UTC, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


migrations = Migrations("crawler")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("articles").create(
        {
            "id": str,
            "url": str,
            "source": str,
            "title": str,
            "author": str,
            "published_at": str,
            "text": str,
            "language": str,
            "is_seed": int,
            "fingerprint": str,
            "first_seen_at": str,
            "fetched_at": str,
        },
        pk="id",
        not_null={"text", "is_seed", "fingerprint"},
        defaults={"is_seed": 0, "first_seen_at": NOW_SQL},
    )
    db.table("articles").create_index(["fingerprint"], unique=True)
    db.table("articles").create_index(["published_at"])
    db.table("article_topics").create(
        {"article_id": str, "topic": str, "relevance": float},
        pk=("article_id", "topic"),
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"relevance"},
    )
    db.table("urls").create(
        {
            "id": str,
            "url": str,
            "article_id": str,
            "source": str,
            "status": str,
            "reason": str,
            "relevance": float,
            "first_seen_at": str,
            "last_seen_at": str,
        },
        pk="id",
        not_null={"url", "status"},
        defaults={"first_seen_at": NOW_SQL, "last_seen_at": NOW_SQL},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("urls").create_index(["article_id"])
    db.table("crawl_runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "requests": int,
            "new_articles": int,
            "duplicates": int,
            "dropped": int,
            "errors": int,
            "per_source": str,
        },
        pk="id",
    )
    db.table("sources").create(
        {
            "name": str,
            "hosts": str,
            "feeds": str,
            "sitemaps": str,
            "listings": str,
            "article_pattern": str,
            "updated_at": str,
        },
        pk="name",
    )
    db.table("topics").create(
        {"name": str, "seed": str, "keywords": str, "min_relevance": float, "updated_at": str},
        pk="name",
    )


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) an archive in WAL mode, so Datasette reads while we write."""
    db = Database(path)
    db.enable_wal()
    # With WAL, NORMAL loses at most the last commits on power loss, never consistency,
    # and spares an fsync per article.
    db.execute("pragma synchronous = normal")
    # The near-duplicate index is read at random on every insert: keep more of it in memory.
    # 256 MiB: also holds a whole group's changed pages until it commits (archive/writer.py).
    db.execute("pragma cache_size = -262144")
    ensure_db_shape(db)
    return db


def ensure_db_shape(db: Database) -> None:
    """Apply pending migrations and (re)create the full-text indexes (exact and stemmed) and
    their triggers. Safe to repeat."""
    migrations.apply(db)
    ensure_fts(db)
    ensure_stems(db)
    with db.atomic():
        index_stems(db)  # what other writers left, and a new index's first fill


@migrations()
def m002_people_credit_and_pages(db: Database) -> None:
    articles = db.table("articles")
    articles.add_column("editor", str)
    articles.add_column("credit", str)
    # Raw responses, gzipped, apart from `articles` so that table stays light to browse.
    db.table("pages").create(
        {
            "id": str,
            "url": str,
            "article_id": str,
            "source": str,
            "part": int,
            "status": int,
            "headers": str,
            "body": bytes,
            "fetched_at": str,
        },
        pk="id",
        not_null={"url", "part", "status", "body"},
        defaults={"part": 1},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("pages").create_index(["article_id"])


@migrations()
def m003_near_duplicates_and_versions(db: Database) -> None:
    db.table("articles").add_column("cluster_id", int)
    db.table("articles").create_index(["cluster_id"])
    db.table("dedup_signatures").create(
        {"article_id": str, "shingles": int, "signature": bytes},
        pk="article_id",
        not_null={"shingles", "signature"},
    )
    # One row per (key, article): the index that finds candidate near-duplicates.
    db.execute(
        "create table dedup_keys (key integer not null, article_id text not null, "
        "primary key (key, article_id)) without rowid"
    )
    db.table("clusters").create(
        {
            "id": int,
            "canonical_id": str,
            "size": int,
            "outlets": str,
            "first_published_at": str,
            "last_published_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("canonical_id", "articles", "id")],
    )
    db.table("article_versions").create(
        {
            "id": int,
            "article_id": str,
            "title": str,
            "author": str,
            "published_at": str,
            "text": str,
            "fingerprint": str,
            "fetched_at": str,
            "replaced_at": str,
        },
        pk="id",
        not_null={"article_id", "text"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_versions").create_index(["article_id"])


@migrations()
def m004_templates_and_windows(db: Database) -> None:
    # Tag/search templates and a topic's window are stored beside the m001 columns.
    db.table("sources").add_column("tags", str)
    db.table("sources").add_column("search", str)
    db.table("topics").add_column("since", str)
    db.table("topics").add_column("until", str)


@migrations()
def m005_lighter_dedup_index(db: Database) -> None:
    # Old keys are deleted through the old sketch (crawler/archive/clusters.py), so this index would
    # only cost every insert INDEXED random writes.
    db.execute("drop index if exists dedup_keys_article")


@migrations()
def m006_fts_deferral(db: Database) -> None:
    # Marks a group commit's transaction: its articles are indexed when it commits
    # (crawler/archive/fts.py). Never holds a committed row.
    db.execute("create table fts_deferral (after_rowid integer not null)")


@migrations()
def m007_dedup_by_rowid(db: Database) -> None:
    # The near-duplicate index names articles by rowid (crawler/archive/clusters.py says why).
    db.execute(
        "create table dedup_signatures_by_rowid (article_rowid integer primary key, "
        "shingles integer not null, signature blob not null)"
    )
    db.execute(
        "insert into dedup_signatures_by_rowid select articles.rowid, shingles, signature "
        "from dedup_signatures join articles on articles.id = dedup_signatures.article_id"
    )
    db.execute(
        "create table dedup_keys_by_rowid (key integer not null, article_rowid integer not null, "
        "primary key (key, article_rowid)) without rowid"
    )
    db.execute(
        "insert into dedup_keys_by_rowid select key, articles.rowid from dedup_keys "
        "join articles on articles.id = dedup_keys.article_id order by key, articles.rowid"
    )
    for table in ("dedup_signatures", "dedup_keys"):
        db.execute(f"drop table {table}")
        db.execute(f"alter table {table}_by_rowid rename to {table}")


@migrations()
def m008_archive_days(db: Database) -> None:
    # Which days of an outlet's date index a crawl has walked (crawler/discover/archives.py).
    db.table("archive_days").create(
        {"source": str, "day": str, "pages": int, "links": int, "walked_at": str},
        pk=("source", "day"),
        not_null={"source", "day", "walked_at"},
    )
    # Date index templates are recorded with the other templates of an outlet.
    db.table("sources").add_column("archives", str)


@migrations()
def m009_backfill(db: Database) -> None:
    # Which slices of a window each web archive was asked for (crawler/discover/webarchives.py).
    db.table("backfill_queries").create(
        {
            "route": str,
            "source": str,
            "host": str,
            "slice": str,
            "captures": int,
            "queried_at": str,
        },
        pk=("route", "source", "host", "slice"),
        not_null={"route", "source", "host", "slice", "queried_at"},
    )
    # A page read from a web archive: where the archive keeps it, and when it was captured.
    db.table("pages").add_column("capture_url", str)
    db.table("pages").add_column("captured_at", str)


@migrations()
def m010_run_message(db: Database) -> None:
    # Why a run failed as a whole (the archive refused a write), beside per-source messages.
    db.table("crawl_runs").add_column("message", str)


@migrations()
def m011_url_sources(db: Database) -> None:
    # Every source that carried a URL (urls.source keeps the first): outlets may share a host.
    db.table("url_sources").create(
        {"url_id": str, "source": str, "first_seen_at": str},
        pk=("url_id", "source"),
        not_null={"url_id", "source"},
        defaults={"first_seen_at": NOW_SQL},
    )
    db.execute(
        "insert or ignore into url_sources (url_id, source) "
        "select id, source from urls where source is not null"
    )


@migrations()
def m012_topic_seed_fingerprint(db: Database) -> None:
    # What the seed said at the last run: a changed seed is a changed topic (rescore.py).
    db.table("topics").add_column("seed_sha1", str)


@migrations()
def m013_topic_coverage_index(db: Database) -> None:
    # A topic's related articles are read through this index alone (crawler/archive/coverage.py):
    # the table's key starts with the article, and a topic's articles are a small part of it.
    db.execute(
        "create index if not exists article_topics_coverage "
        "on article_topics (topic, relevance, article_id)"
    )
