"""Changing your mind about a topic: new scores from the stored text, no refetch.

When a topic's threshold, keywords, window or seed change, what was judged under the old
settings no longer holds: stored articles are scored again from their text, and the URLs
found irrelevant are forgotten, so that the next crawl fetches and judges them again (as
are the pages whose extraction failed: a newer Pantau may read them).
`pantau crawl` does it when it sees a topic changed since the last run; `pantau rescore`
does it on demand.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from crawler.archive.rows import EXTRACTION_FAILED, save_relevance
from crawler.config.load import Topic
from crawler.relevance.score import score_topics, topic_profile


@dataclass
class Rescored:
    articles: int
    urls_freed: int


def topic_signature(topic: Topic) -> dict[str, Any]:
    """What a topic's judgements depend on, as the `topics` table records it."""
    seed = topic.seed_text()
    return {
        "keywords": json.dumps(topic.keywords, ensure_ascii=False),
        "min_relevance": topic.min_relevance,
        "since": topic.since.isoformat() if topic.since else None,
        "until": topic.until.isoformat() if topic.until else None,
        "seed_sha1": hashlib.sha1(seed.encode("utf-8")).hexdigest() if seed else None,
    }


def changed_topics(db: Database, topics: list[Topic]) -> list[str]:
    """Topics new or different since the last recorded run (none when nothing is recorded)."""
    recorded = {row["name"]: row for row in db.query("select * from topics")}
    if not recorded:
        return []
    return [
        topic.name
        for topic in topics
        if topic.name not in recorded
        or any(recorded[topic.name].get(k) != v for k, v in topic_signature(topic).items())
    ]


def rescore(db: Database, topics: list[Topic]) -> Rescored:
    """Score every stored article (seeds aside) against the topics again, and forget the
    URLs found irrelevant or whose extraction failed (judged again by the next crawl)."""
    profiles = {topic.name: topic_profile(topic) for topic in topics}
    articles = 0
    with db.atomic():
        stored = db.execute(
            "select id, title, text, published_at from articles where is_seed = 0"
        ).fetchall()
        for key, title, text, published_at in stored:
            save_relevance(db, key, score_topics(profiles, title, text or "", published_at))
            articles += 1
        freed = db.execute(
            "delete from urls where status = 'irrelevant' "
            "or (status = 'dropped' and reason like ?)",
            [f"{EXTRACTION_FAILED}%"],
        ).rowcount
    return Rescored(articles, freed)
