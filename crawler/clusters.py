"""Near-duplicate clusters and article versions in the archive.

- Identical text under several URLs is one article (crawler/db.py).
- Near-duplicates (syndicated or lightly edited copies, crawler/dedup.py) stay separate
  articles joined in `clusters`; each member's `cluster_id` points there, and the cluster's
  canonical member is the earliest published (then the first seen).
- An article fetched again with changed text keeps its row, updated, and the text it had
  goes to `article_versions` with the time it was fetched.
"""

import json
from collections import Counter
from typing import Any

from sqlite_utils import Database

from crawler.dedup import (
    COMMON_KEY,
    INDEXED,
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
    sharing = articles_sharing_keys(db, new.probe_keys())
    matches = near_duplicates(db, article_id, new, sharing)
    # Stock phrases are skipped by every lookup: index the smallest keys that are not.
    useful = [key for key, others in sharing.items() if others is not None]
    index_sketch(db, article_id, new, useful[:INDEXED])
    if matches:
        join_cluster(db, article_id, [other for other, _, _ in matches])
    return matches


def articles_sharing_keys(db: Database, keys: list[int]) -> dict[int, list[str] | None]:
    """The articles indexed under each key, or None for a stock phrase (COMMON_KEY or more)."""
    if not keys:
        return {}
    # One statement, at most COMMON_KEY rows per key.
    per_key = (
        f"select * from (select key, article_id from dedup_keys where key = ? limit {COMMON_KEY})"
    )
    query = (
        f"select key, count(*), group_concat(article_id) from "
        f"({' union all '.join([per_key] * len(keys))}) group by key"
    )
    found = {key: (count, ids) for key, count, ids in db.execute(query, keys)}
    sharing: dict[int, list[str] | None] = {}
    for key in keys:
        count, ids = found.get(key, (0, ""))
        sharing[key] = None if count >= COMMON_KEY else ids.split(",") if ids else []
    return sharing


def near_duplicates(
    db: Database, article_id: str, new: Sketch, sharing: dict[int, list[str] | None]
) -> list[tuple[str, float, float]]:
    """Articles sharing MIN_SHARED_KEYS keys with the new one whose sketches say so."""
    shared: Counter[str] = Counter(
        other for others in sharing.values() if others for other in others if other != article_id
    )
    candidates = [other for other, count in shared.items() if count >= MIN_SHARED_KEYS]
    if not candidates:
        return []
    placeholders = ",".join("?" * len(candidates))
    found = []
    for other, blob, shingles in db.execute(
        "select article_id, signature, shingles from dedup_signatures "
        f"where article_id in ({placeholders}) order by article_id",
        candidates,
    ):
        jaccard, containment = similarity(new, Sketch.from_blob(blob, shingles))
        if is_near_duplicate(jaccard, containment):
            found.append((other, round(jaccard, 3), round(containment, 3)))
    return found


def index_sketch(db: Database, article_id: str, new: Sketch, keys: list[int]) -> None:
    previous = db.execute(
        "select signature, shingles from dedup_signatures where article_id = ?", [article_id]
    ).fetchone()
    if previous:
        # An edited article: its old keys go, found through its old sketch (an index on
        # dedup_keys.article_id would cost every insert INDEXED more random writes).
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
        [(key, article_id) for key in keys],
    )


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
