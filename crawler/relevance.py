"""How close an article is to a topic: cosine similarity of Indonesian content words.

The topic's profile is its seed text plus its keywords (weighted up, since a person who
types a keyword means it). Scores run from 0 (nothing shared) to 1 (the seed itself).
"""

import math
import re
from collections import Counter

from crawler.sources import Topic

KEYWORD_WEIGHT = 3
# Function words of Indonesian (and the English of en.* editions) carry no topic.
STOPWORDS = set(
    """
    yang dan di ke dari ini itu dengan untuk pada dalam tidak akan juga ada oleh adalah
    karena sebagai atau bahwa tersebut saat telah sudah bisa dapat lebih para kata
    mereka kami kita ia dia saya anda hal secara serta hingga antara namun jika kepada
    setelah sebelum masih hanya baru lain tak lagi pun agar yaitu yakni sangat harus
    menjadi menurut seperti ujar ucap jelas tahun hari senin selasa rabu kamis jumat sabtu
    minggu pukul wib the and of to in is that for was on with as by at from it be are has
    have said this which an were will his their its not but
    """.split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased words of three letters or more, minus stopwords (no stemming yet)."""
    words = re.findall(r"[^\W\d_]{3,}(?:-[^\W\d_]+)*", text.lower())
    return [word for word in words if word not in STOPWORDS]


def topic_profile(topic: Topic) -> Counter[str]:
    profile = Counter(tokenize(topic.seed_text() or ""))
    for keyword in topic.keywords:
        for word in tokenize(keyword):
            profile[word] += KEYWORD_WEIGHT
    return profile


def score(profile: Counter[str], title: str | None, text: str) -> float:
    """Cosine similarity (log-scaled term counts) between a profile and an article."""
    article = Counter(tokenize(f"{title or ''}\n{text}"))
    if not profile or not article:
        return 0.0
    weights_a = {word: 1 + math.log(count) for word, count in profile.items()}
    weights_b = {word: 1 + math.log(count) for word, count in article.items()}
    dot = sum(weight * weights_b.get(word, 0.0) for word, weight in weights_a.items())
    norm = math.sqrt(sum(w * w for w in weights_a.values())) * math.sqrt(
        sum(w * w for w in weights_b.values())
    )
    return round(dot / norm, 4) if norm else 0.0


def score_topics(
    profiles: dict[str, Counter[str]], title: str | None, text: str
) -> dict[str, float]:
    return {name: score(profile, title, text) for name, profile in profiles.items()}
