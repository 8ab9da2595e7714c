"""Near-duplicate clusters and article versions in the archive.

- Identical text under several URLs is one article (crawler/archive/rows.py).
- Near-duplicates (syndicated or lightly edited copies, crawler/archive/sketch.py) stay separate
  articles joined in `clusters`; each member's `cluster_id` points there, and the cluster's
  canonical member is the earliest published (then the first seen).
- An article fetched again with changed text keeps its row, updated, and the text it had
  goes to `article_versions` with the time it was fetched.

The near-duplicate index (`dedup_signatures`, `dedup_keys`) names articles by their rowid
in `articles`, as the full-text index does: an integer keeps `dedup_keys` half the size,
and makes `dedup_signatures` a table that new articles append to, with no index of article
ids to update at random (each such index costs every insert a random write).
"""

import json
from collections import Counter
from typing import Any
from weakref import WeakKeyDictionary

from sqlite_utils import Database

from crawler.archive.schema import utc_now
from crawler.archive.sketch import (
    COMMON_KEY,
    INDEXED,
    MIN_SHARED_KEYS,
    Sketch,
    is_near_duplicate,
    similarity,
    sketch,
)

VERSIONED_FIELDS = ("title", "author", "published_at", "text", "fingerprint", "fetched_at")


def register_article(
    db: Database, article_id: str, text: str | list[str]
) -> list[tuple[str, float, float]]:
    """Index an article's sketch and put it in a cluster with its near-duplicates, if any.

    Returns the near-duplicates found: (article id, Jaccard, containment).
    """
    new = sketch(text)
    rowid = db.execute("select rowid from articles where id = ?", [article_id]).fetchone()[0]
    sharing = articles_sharing_keys(db, new.probe_keys())
    matches = near_duplicates(db, rowid, new, sharing)
    # Stock phrases are skipped by every lookup: index the smallest keys that are not.
    useful = [key for key, others in sharing.items() if others is not None]
    index_sketch(db, rowid, new, useful[:INDEXED])
    if matches:
        join_cluster(db, article_id, [other for other, _, _ in matches])
    return matches


# Keys found to be stock phrases, per open archive. A key only gains articles as articles
# are added, so one found under COMMON_KEY of them need not be looked up again (each such
# lookup reads COMMON_KEY rows); `forget_stock_keys` when keys may have gone (an edited
# article's old keys deleted, a write rolled back).
_STOCK_KEYS: "WeakKeyDictionary[Database, set[int]]" = WeakKeyDictionary()
STOCK_KEYS_KEPT = 1 << 20


def forget_stock_keys(db: Database) -> None:
    _STOCK_KEYS.pop(db, None)


def articles_sharing_keys(db: Database, keys: list[int]) -> dict[int, list[int] | None]:
    """The articles (rowids) indexed under each key, or None for a stock phrase (COMMON_KEY
    articles or more)."""
    stock = _STOCK_KEYS.setdefault(db, set())
    sharing: dict[int, list[int] | None] = {}
    for key in keys:
        if key in stock:
            sharing[key] = None
            continue
        rowids = [
            row[0]
            for row in db.conn.execute(
                "select article_rowid from dedup_keys where key = ? limit ?", [key, COMMON_KEY]
            )
        ]
        if len(rowids) < COMMON_KEY:
            sharing[key] = rowids
            continue
        if len(stock) >= STOCK_KEYS_KEPT:
            stock.clear()
        stock.add(key)
        sharing[key] = None
    return sharing


def near_duplicates(
    db: Database, rowid: int, new: Sketch, sharing: dict[int, list[int] | None]
) -> list[tuple[str, float, float]]:
    """Articles sharing MIN_SHARED_KEYS keys with the new one whose sketches say so."""
    shared: Counter[int] = Counter(
        other for others in sharing.values() if others for other in others if other != rowid
    )
    candidates = [other for other, count in shared.items() if count >= MIN_SHARED_KEYS]
    if not candidates:
        return []
    placeholders = ",".join("?" * len(candidates))
    found = []
    for other, blob, shingles in db.execute(
        "select articles.id, signature, shingles from dedup_signatures join articles "
        "on articles.rowid = dedup_signatures.article_rowid "
        f"where article_rowid in ({placeholders}) order by articles.id",
        candidates,
    ):
        jaccard, containment = similarity(new, Sketch.from_blob(blob, shingles))
        if is_near_duplicate(jaccard, containment):
            found.append((other, round(jaccard, 3), round(containment, 3)))
    return found


def index_sketch(db: Database, rowid: int, new: Sketch, keys: list[int]) -> None:
    previous = db.execute(
        "select signature, shingles from dedup_signatures where article_rowid = ?", [rowid]
    ).fetchone()
    if previous:
        forget_stock_keys(db)
        # An edited article: its old keys go, found through its old sketch (an index on
        # dedup_keys.article_rowid would cost every insert INDEXED more random writes).
        # Every hash of it: which were indexed depended on what was a stock phrase then.
        db.conn.executemany(
            "delete from dedup_keys where key = ? and article_rowid = ?",
            [(int(key), rowid) for key in Sketch.from_blob(*previous).hashes],
        )
    db.execute(
        "insert into dedup_signatures (article_rowid, shingles, signature) values (?, ?, ?) "
        "on conflict (article_rowid) do update set shingles = excluded.shingles, "
        "signature = excluded.signature",
        [rowid, new.shingles, new.to_blob()],
    )
    db.conn.executemany(
        "insert or ignore into dedup_keys (key, article_rowid) values (?, ?)",
        [(key, rowid) for key in keys],
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
