"""How close an article is to a topic: what its densest passage says, and when.

The topic's profile is its seed text plus its keywords (weighted up: a person who types a
keyword means it). Words count by how distinctive they are in Indonesian (relevance/terms.py),
so "Vladivostok" and "Shoigu" say more than "Korea" and "menteri". Closeness combines two
signals, each from 0 to 1: the cosine similarity of the weighted word vectors, and the share
of the topic's entities (its keywords: people, places, the event's names) the text names.
Their geometric mean needs both: a missile test names Kim but not Russia, a story from
Moscow names Russia but not Kim, and both read like the seed.

A text is judged by its closest part: the whole (with its title) or any passage of a few
consecutive paragraphs. A photo story is a few captions, a roundup has one item on the
story among many, a later page of a story lacks its lede: averaged over the whole text, the
item drowns; read as a passage, it says what it says. Closeness is then multiplied by a
time factor: 1 inside the topic's `since`/`until` window (or when either date is unknown),
decaying by half every `HALF_LIFE_DAYS` outside it, so the 2019 Vladivostok summit is not
the 2023 visit.

Words are not stemmed: on bench/relevance stemming made no difference once dates count
(docs/discovery.md has the figures).
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from crawler.config.load import Topic
from crawler.extract.dates import day_of, text_date
from crawler.relevance.terms import query_terms, weight, with_long_forms
from crawler.text import content_words

KEYWORD_WEIGHT = 3
HALF_LIFE_DAYS = 10
# A passage is consecutive paragraphs holding at least this many content words: a caption
# or a roundup's item with its neighbour, enough to say who did what where; not a lone
# line, whose few words would match the seed by chance.
PASSAGE_WORDS = 40


@dataclass
class TopicProfile:
    name: str
    vector: dict[str, float]
    norm: float
    since: date | None = None
    until: date | None = None
    # Each entity the topic names, as the set of its words ("kim", "jong", "un").
    entities: list[frozenset[str]] = field(default_factory=list)


def topic_profile(topic: Topic) -> TopicProfile:
    counts = Counter(content_words(topic.seed_text() or ""))
    for keyword in topic.keywords:
        for word in content_words(keyword):
            counts[word] += KEYWORD_WEIGHT
    vector = _weighted(counts)
    return TopicProfile(
        topic.name,
        vector,
        _norm(vector),
        since=topic.since,
        until=topic.until,
        entities=topic_entities(topic),
    )


def topic_entities(topic: Topic) -> list[frozenset[str]]:
    """The people, places and names of the topic: its keywords, or without any the seed's
    names. Spellings of one name ("Kim Jong-un", "Kim Jong Un") are one entity, and so is a
    name inside a longer one ("Shoigu", "Sergei Shoigu")."""
    terms = topic.keywords or query_terms(topic)
    found = list(dict.fromkeys(frozenset(content_words(term)) for term in terms))
    found = [words for words in found if words]
    return [words for words in found if not any(other < words for other in found)]


def score(
    profile: TopicProfile, title: str | None, text: str, published_at: str | None = None
) -> float:
    """Relevance of an article to a topic, from 0 to 1."""
    return score_topics({profile.name: profile}, title, text, published_at)[profile.name]


def score_topics(
    profiles: dict[str, TopicProfile], title: str | None, text: str, published_at: str | None
) -> dict[str, float]:
    """`score` for each topic; the text's words and date are read once for all of them."""
    parts = _word_parts(title, text)
    when = day_of(published_at) or text_date(text)
    return {
        name: _judged(profile, parts, when) if profile.vector else 0.0
        for name, profile in profiles.items()
    }


def _judged(profile: TopicProfile, parts: list[list[str]], when: date | None) -> float:
    closeness = max(_closeness(profile, words) for words in parts)
    return round(closeness * time_factor(when, profile), 4)


def passages(text: str, size: int = PASSAGE_WORDS) -> list[str]:
    """Runs of consecutive paragraphs of at least `size` content words, one from each
    paragraph on; none for a text shorter than that (the whole text is its one passage)."""
    paragraphs = _paragraphs(text)
    lengths = [len(content_words(paragraph)) for paragraph in paragraphs]
    return ["\n".join(paragraphs[start:end]) for start, end in _passage_spans(lengths, size)]


def _word_parts(title: str | None, text: str) -> list[list[str]]:
    """The content words of the whole text with its title, then of each of its passages."""
    words = [content_words(paragraph) for paragraph in _paragraphs(text)]
    whole = content_words(title or "") + [word for paragraph in words for word in paragraph]
    spans = _passage_spans([len(paragraph) for paragraph in words], PASSAGE_WORDS)
    return [whole, *([word for part in words[start:end] for word in part] for start, end in spans)]


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _passage_spans(lengths: list[int], size: int) -> list[tuple[int, int]]:
    """(start, end) of each passage, given each paragraph's number of content words."""
    if sum(lengths) <= size:
        return []
    spans = []
    for start in range(len(lengths)):
        end, words = start, 0
        while end < len(lengths) and words < size:
            words += lengths[end]
            end += 1
        spans.append((start, end))
        if end == len(lengths):
            break
    return spans


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


def named_share(profile: TopicProfile, words: list[str]) -> float:
    """How much of the topic's entities a text names ("Korut" names "Korea Utara"). A name
    said in part counts in part, by how distinctive the part is: a later page says "Putin"
    and "Kim", not "Vladimir Putin" and "Kim Jong-un"."""
    if not profile.entities:
        return 1.0
    present = with_long_forms(words)
    return sum(_said(entity, present) for entity in profile.entities) / len(profile.entities)


def _said(entity: frozenset[str], present: set[str]) -> float:
    said = sum(weight(word) for word in entity & present)
    return said / sum(weight(word) for word in entity) if said else 0.0


def cosine(profile: TopicProfile, words: list[str]) -> float:
    """Cosine similarity of a text's weighted words and the topic's, from 0 to 1."""
    vector = _weighted(Counter(words))
    norm = _norm(vector)
    if not norm or not profile.norm:
        return 0.0
    dot = sum(w * vector.get(word, 0.0) for word, w in profile.vector.items())
    return dot / (profile.norm * norm)


def _closeness(profile: TopicProfile, words: list[str]) -> float:
    return math.sqrt(cosine(profile, words) * named_share(profile, words))


def _weighted(counts: Counter[str]) -> dict[str, float]:
    return {word: (1 + math.log(n)) * weight(word) for word, n in counts.items()}


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))
