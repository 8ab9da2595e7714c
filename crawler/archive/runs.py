"""What each crawl did and what the config said then: `crawl_runs`, `sources`, `topics`.

A run is recorded as running when it starts and closed with its totals, per-source counts
and status (ok, partial, failed) when it ends.
"""

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler.archive.rescore import topic_signature
from crawler.archive.schema import utc_now
from crawler.config.load import Config, Source

# A source's status when it had nothing to crawl (no entry points): neither ok nor failed.
IDLE = "idle"


def save_config(db: Database, config: Config) -> None:
    """Record what the outlets and topics.yml said at this run."""
    now = utc_now()
    with db.atomic():
        db.table("sources").delete_where()
        db.table("sources").insert_all(
            (_source_row(source, now) for source in config.sources), pk="name"
        )
        db.table("topics").delete_where()
        db.table("topics").insert_all(
            (
                {
                    "name": topic.name,
                    "seed": str(topic.seed.relative_to(config.directory)) if topic.seed else None,
                    **topic_signature(topic),
                    "updated_at": now,
                }
                for topic in config.topics
            ),
            pk="name",
        )


def start_run(db: Database) -> int:
    with db.atomic():
        table = db.table("crawl_runs").insert({"started_at": utc_now(), "status": "running"})
        return int(table.last_pk or 0)


def mark_killed_runs(db: Database, unrecorded: tuple[int, str] | None = None) -> int:
    """Runs still "running" when no crawl is (the caller holds the archive's lock) died
    without a word: they are "killed"; except `unrecorded`, (run id, why), a run the
    archive refused to close (a full disk): it is "failed"."""
    now = utc_now()
    with db.atomic():
        if unrecorded:
            db.execute(
                "update crawl_runs set status = 'failed', message = ?, finished_at = ? "
                "where id = ? and status = 'running'",
                [unrecorded[1], now, unrecorded[0]],
            )
        cursor = db.execute(
            "update crawl_runs set status = 'killed', finished_at = ? where status = 'running'",
            [now],
        )
    return cursor.rowcount


def run_status(per_source: dict[str, dict[str, Any]], failure: str | None = None) -> str:
    """ok, partial (some sources failed), failed (all did, or the archive refused a write:
    `failure`), interrupted (a signal stopped it). A source with nothing to crawl counts
    for neither."""
    if failure:
        return "failed"
    statuses = [counts["status"] for counts in per_source.values() if counts["status"] != IDLE]
    if "interrupted" in statuses:
        return "interrupted"
    worked = statuses.count("ok")
    return "ok" if worked == len(statuses) else ("partial" if worked else "failed")


def finish_run(
    db: Database, run_id: int, per_source: dict[str, dict[str, Any]], failure: str | None = None
) -> tuple[str, str | None]:
    """Close a crawl_runs row with totals and per-source counts (each source's counts say
    what the archive holds: articles of a refused group are not counted). Returns the run's
    status (`run_status`) and its failure, if the archive refused a write: one of the
    crawl's, or this record's own. When even the status cannot be written, raises
    sqlite3.Error (the caller leaves a note for the next run: archive/lock.py)."""
    totals = {
        key: sum(counts.get(key, 0) for counts in per_source.values())
        for key in ("requests", "new_articles", "duplicates", "dropped", "errors")
    }
    status = run_status(per_source, failure)
    try:
        with db.atomic():
            db.table("crawl_runs").update(
                run_id,
                {
                    "finished_at": utc_now(),
                    "status": status,
                    "message": failure,
                    **totals,
                    "per_source": json.dumps(per_source, ensure_ascii=False, sort_keys=True),
                },
            )
        return status, failure
    except sqlite3.Error as error:
        failure = failure or f"storage failure: {error}"
    # A full disk may still take the smaller write: that the run failed, and why.
    with db.atomic():
        db.table("crawl_runs").update(
            run_id, {"finished_at": utc_now(), "status": "failed", "message": failure}
        )
    return "failed", failure


def last_results(db_path: Path) -> dict[str, dict[str, Any]]:
    """Each source's counts in the last crawl run that recorded it (none without an
    archive). Opened read-only: listing never creates or changes an archive."""
    if not db_path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            runs = conn.execute(
                "select per_source from crawl_runs where per_source is not null order by id desc"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return {}
    results: dict[str, dict[str, Any]] = {}
    for (per_source,) in runs:
        try:
            counts = json.loads(per_source)
        except ValueError:
            continue
        for name, values in counts.items() if isinstance(counts, dict) else []:
            if isinstance(values, dict):
                results.setdefault(name, values)
    return results


def _source_row(source: Source, now: str) -> dict[str, Any]:
    return {
        "name": source.name,
        "hosts": json.dumps(source.hosts),
        "feeds": json.dumps(source.feeds),
        "sitemaps": json.dumps(source.sitemaps),
        "listings": json.dumps(source.listings),
        "tags": json.dumps(source.tags),
        "search": json.dumps(source.search),
        "archives": json.dumps(source.archives),
        "article_pattern": source.article_pattern,
        "updated_at": now,
    }


def drift_notes(name: str, counts: dict[str, Any]) -> list[str]:
    """What a run noticed about a source, one sentence each: "detik: article_pattern
    rejected 14 topical links that were articles (e.g. URL)"."""
    said = {
        "pattern_missed": (
            "article_pattern rejected 1 topical link that was an article",
            "article_pattern rejected {n} topical links that were articles",
        ),
        "robots_refused": ("robots.txt refused 1 request", "robots.txt refused {n} requests"),
        "index_repeats": (
            "1 index page repeated the previous page's links",
            "{n} index pages repeated the previous page's links",
        ),
    }
    lines = []
    for key, (one, many) in said.items():
        n = counts.get(key) or 0
        if n:
            sentence = (one if n == 1 else many).format(n=n)
            lines.append(f"{name}: {sentence} (e.g. {counts.get(f'{key}_example')})")
    return lines
