"""Near-duplicate clusters and article versions in the archive.

- Identical text under several URLs is one article (crawler/db.py).
- Near-duplicates (syndicated or lightly edited copies, crawler/dedup.py) stay separate
  articles joined in `clusters`; each member's `cluster_id` points there, and the cluster's
  canonical member is the earliest published (then the first seen).
- An article fetched again with changed text keeps its row, updated, and the text it had
  goes to `article_versions` with the time it was fetched.
"""

import json
from typing import Any

from sqlite_utils import Database

from crawler.dedup import (
    COMMON_KEY,
    MIN_SHARED_KEYS,
    Sketch,
    is_near_duplicate,
    similarity,
    sketch,
)
from crawler.schema import utc_now

VERSIONED_FIELDS = ("title", "author", "published_at", "text", "fingerprint", "fetched_at")


def register_article(
    db: Database, article_id: str, text: str | list[str]
) -> list[tuple[str, float, float]]:
    """Index an article's sketch and put it in a cluster with its near-duplicates, if any.

    Returns the near-duplicates found: (article id, Jaccard, containment).
    """
    new = sketch(text)
    matches = near_duplicates(db, article_id, new)
    index_sketch(db, article_id, new)
    if matches:
        join_cluster(db, article_id, [other for other, _, _ in matches])
    return matches


def index_sketch(db: Database, article_id: str, new: Sketch) -> None:
    previous = db.execute(
        "select signature, shingles from dedup_signatures where article_id = ?", [article_id]
    ).fetchone()
    if previous:
        # An edited article: its old keys go, found through its old sketch (an index on
        # dedup_keys.article_id would cost every insert INDEXED more random writes). The
        # whole sketch, in case an older Pantau indexed more of it.
        db.conn.executemany(
            "delete from dedup_keys where key = ? and article_id = ?",
            [(int(key), article_id) for key in Sketch.from_blob(*previous).hashes],
        )
    db.execute(
        "insert into dedup_signatures (article_id, shingles, signature) values (?, ?, ?) "
        "on conflict (article_id) do update set shingles = excluded.shingles, "
        "signature = excluded.signature",
        [article_id, new.shingles, new.to_blob()],
    )
    db.conn.executemany(
        "insert or ignore into dedup_keys (key, article_id) values (?, ?)",
        [(key, article_id) for key in new.keys()],
    )


def near_duplicates(db: Database, article_id: str, new: Sketch) -> list[tuple[str, float, float]]:
    keys = new.keys()
    if not keys:
        return []
    # One statement: up to COMMON_KEY articles per key (a key shared by that many is a stock
    # phrase, not evidence), the articles sharing MIN_SHARED_KEYS of the rest, their sketches.
    per_key = (
        f"select * from (select key, article_id from dedup_keys where key = ? limit {COMMON_KEY})"
    )
    query = f"""
        with hits as ({" union all ".join([per_key] * len(keys))}),
        common as (select key from hits group by key having count(*) >= {COMMON_KEY}),
        candidates as (
          select article_id from hits where key not in common and article_id != ?
          group by article_id having count(*) >= {MIN_SHARED_KEYS}
        )
        select article_id, signature, shingles from dedup_signatures
        where article_id in candidates order by article_id
    """
    found = []
    for other, blob, shingles in db.execute(query, [*keys, article_id]):
        jaccard, containment = similarity(new, Sketch.from_blob(blob, shingles))
        if is_near_duplicate(jaccard, containment):
            found.append((other, round(jaccard, 3), round(containment, 3)))
    return found


def join_cluster(db: Database, article_id: str, others: list[str]) -> int:
    """Put the article and its near-duplicates in one cluster, merging clusters they are in."""
    members = [article_id, *others]
    placeholders = ",".join("?" * len(members))
    existing = sorted(
        {
            row[0]
            for row in db.execute(
                f"select cluster_id from articles where id in ({placeholders}) "
                "and cluster_id is not null",
                members,
            )
        }
    )
    if existing:
        cluster_id = existing[0]
        for merged in existing[1:]:
            db.execute(
                "update articles set cluster_id = ? where cluster_id = ?", [cluster_id, merged]
            )
            db.table("clusters").delete(merged)
    else:
        cluster_id = int(db.table("clusters").insert({"size": 0}).last_pk or 0)
    db.execute(
        f"update articles set cluster_id = ? where id in ({placeholders})", [cluster_id, *members]
    )
    refresh_cluster(db, cluster_id)
    return cluster_id


def refresh_cluster(db: Database, cluster_id: int) -> None:
    """Recompute a cluster's canonical member, size, outlets and publication span."""
    rows = list(
        db.query(
            "select id, source, published_at, first_seen_at from articles where cluster_id = ? "
            "order by published_at is null, published_at, first_seen_at, id",
            [cluster_id],
        )
    )
    outlets = sorted({row["source"] for row in rows if row["source"]})
    published = sorted(row["published_at"] for row in rows if row["published_at"])
    db.table("clusters").update(
        cluster_id,
        {
            "canonical_id": rows[0]["id"],
            "size": len(rows),
            "outlets": json.dumps(outlets),
            "first_published_at": published[0] if published else None,
            "last_published_at": published[-1] if published else None,
            "updated_at": utc_now(),
        },
    )


def save_version(db: Database, current: dict[str, Any]) -> None:
    """Keep an article's text as it was before a refetch replaced it."""
    db.table("article_versions").insert(
        {
            "article_id": current["id"],
            **{key: current.get(key) for key in VERSIONED_FIELDS},
            "replaced_at": utc_now(),
        }
    )
