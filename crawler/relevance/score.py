"""How close an article is to a topic: weighted word overlap, then the event's time.

The topic's profile is its seed text plus its keywords (weighted up: a person who types a
keyword means it). Words count by how distinctive they are in Indonesian (relevance/terms.py),
so "Vladivostok" and "Shoigu" say more than "Korea" and "menteri". The cosine similarity of
the two weighted vectors (0 to 1) is then multiplied by a time factor: 1 inside the topic's
`since`/`until` window (or when either date is unknown), decaying by half every
`HALF_LIFE_DAYS` outside it, so the 2019 Vladivostok summit is not the 2023 visit.

Words are not stemmed: on bench/relevance stemming made no difference once dates count
(docs/discovery.md has the figures).
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

from crawler.config.load import Topic
from crawler.extract.dates import day_of, text_date
from crawler.relevance.terms import weight
from crawler.text import content_words

KEYWORD_WEIGHT = 3
HALF_LIFE_DAYS = 10


@dataclass
class TopicProfile:
    name: str
    vector: dict[str, float]
    norm: float
    since: date | None = None
    until: date | None = None


def topic_profile(topic: Topic) -> TopicProfile:
    counts = Counter(content_words(topic.seed_text() or ""))
    for keyword in topic.keywords:
        for word in content_words(keyword):
            counts[word] += KEYWORD_WEIGHT
    vector = _weighted(counts)
    return TopicProfile(topic.name, vector, _norm(vector), since=topic.since, until=topic.until)


def score(
    profile: TopicProfile, title: str | None, text: str, published_at: str | None = None
) -> float:
    """Relevance of an article to a topic, from 0 to 1."""
    vector = _weighted(Counter(content_words(f"{title or ''}\n{text}")))
    norm = _norm(vector)
    if not profile.vector or not norm:
        return 0.0
    dot = sum(w * vector.get(word, 0.0) for word, w in profile.vector.items())
    when = day_of(published_at) or text_date(text)
    return round(dot / (profile.norm * norm) * time_factor(when, profile), 4)


def score_topics(
    profiles: dict[str, TopicProfile], title: str | None, text: str, published_at: str | None
) -> dict[str, float]:
    return {name: score(profile, title, text, published_at) for name, profile in profiles.items()}


def time_factor(when: date | None, profile: TopicProfile) -> float:
    """1 inside the window; halves every HALF_LIFE_DAYS outside it."""
    if when is None:
        return 1.0
    outside = 0
    if profile.since and when < profile.since:
        outside = (profile.since - when).days
    elif profile.until and when > profile.until:
        outside = (when - profile.until).days
    return 0.5 ** (outside / HALF_LIFE_DAYS)


def _weighted(counts: Counter[str]) -> dict[str, float]:
    return {word: (1 + math.log(n)) * weight(word) for word, n in counts.items()}


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))
