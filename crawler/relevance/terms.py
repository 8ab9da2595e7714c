"""Query terms of a topic: the people, places, organisations and distinctive words of its seed.

A word is distinctive when it is frequent in the seed and rare in Indonesian at large: the
background is wordfreq's Indonesian frequency list (Zipf scale: 7 for "yang", 0 for a word it
has never seen, such as "Vladivostok"). Rare capitalised words (names) weigh double, and pairs of
capitalised words ("Sergei Shoigu", "Dewan Keamanan") are candidates too. The topic's own
keywords always come first.
"""

import math
import re
from collections.abc import Iterable
from functools import lru_cache

from wordfreq import zipf_frequency

from crawler.config.load import Topic
from crawler.text import STOPWORDS, content_words, fold

MAX_TERMS = 12
# Zipf frequency of the most common Indonesian words; a word's weight is how far below it is.
COMMON_ZIPF = 7.5
# Capitalised words at least this distinctive (Zipf 4.5 or rarer) count double, as names.
NAME_WEIGHT = 3.0
# What a headline must name to be worth fetching: two names' worth (names_topic).
HEADLINE_WEIGHT = 2 * NAME_WEIGHT
# Headlines shorten some names; the short form stands for the words of the long one.
SHORT_FORMS = {
    "korut": "korea utara",
    "korsel": "korea selatan",
    "as": "amerika serikat",
    "pbb": "perserikatan bangsa bangsa",
    "ri": "republik indonesia",
    "jabar": "jawa barat",
    "jateng": "jawa tengah",
    "jatim": "jawa timur",
}


@lru_cache(maxsize=65536)
def weight(word: str) -> float:
    """How distinctive a (lower-case) word is: 1 for the most common, 7.5 for unseen ones."""
    return max(1.0, COMMON_ZIPF - zipf_frequency(word, "id"))


def query_terms(topic: Topic, limit: int = MAX_TERMS) -> list[str]:
    """The topic's keywords, then the seed's most distinctive names and words."""
    terms = list(dict.fromkeys(k.strip() for k in topic.keywords if k.strip()))
    seed = topic.seed_text() or ""
    ranked = sorted(_candidates(seed).items(), key=lambda item: (-item[1], item[0]))
    covered = {w for term in terms for w in content_words(term)}
    for phrase, _ in ranked:
        if len(terms) >= limit:
            break
        phrase_words = set(content_words(phrase))
        if phrase_words and not phrase_words <= covered:
            terms.append(phrase)
            covered |= phrase_words
    return terms


def names_topic(terms: list[str], text: str) -> bool:
    """Does a headline (or a URL's words) name the topic, rather than only touch it?

    The distinct words of the topic's terms found in the text, each weighed by how
    distinctive it is, must add up to two names' worth: "Kim ... Putin" or "Vladivostok"
    do, "Rusia" alone (other news from Russia) does not. A topic whose strongest term is
    weaker than that (keywords: [banjir]) needs only that term.
    """
    words, enough = _headline_profile(tuple(terms))
    found = words & with_long_forms(content_words(text))
    return bool(found) and sum(map(weight, found)) >= enough


def with_long_forms(words: Iterable[str]) -> set[str]:
    """The words, and the words of the long form of each short one ("korut": "korea",
    "utara")."""
    present = set(words)
    for short, long_form in SHORT_FORMS.items():
        if short in present:
            present.update(long_form.split())
    return present


@lru_cache(maxsize=256)
def _headline_profile(terms: tuple[str, ...]) -> tuple[frozenset[str], float]:
    """The words of the terms, and the weight a headline needs (see names_topic)."""
    term_words = [content_words(term) for term in terms]
    strongest = max((sum(map(weight, words)) for words in term_words), default=0.0)
    return frozenset(w for words in term_words for w in words), min(HEADLINE_WEIGHT, strongest)


def matches(terms: list[str], text: str) -> bool:
    """True when every word of at least one term is among the text's words."""
    present = set(content_words(text))
    return any(set(content_words(term)) <= present for term in terms if content_words(term))


def slug(term: str) -> str:
    """A term as outlets spell it in tag URLs: "Kim Jong-un" -> "kim-jong-un"."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(term)))


def _candidates(seed: str) -> dict[str, float]:
    """Distinctiveness of the seed's words and capitalised pairs (count x weight)."""
    tokens = re.findall(r"[^\W\d_][\w-]*", seed)
    scores: dict[str, float] = {}
    for index, token in enumerate(tokens):
        folded = fold(token)
        if any(part in STOPWORDS or len(part) < 2 for part in folded.split()):
            continue
        capitalised = (
            token[0].isupper() and not token.isupper() or len(token) >= 3 and token.isupper()
        )
        single = sum(weight(part) for part in folded.split()) / len(folded.split())
        key = token if capitalised else folded
        # A rare capitalised word is a name; "Pemimpin" or "Menteri" is a title.
        boost = 2 if capitalised and single >= NAME_WEIGHT else 1
        scores[key] = scores.get(key, 0.0) + single * boost
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if capitalised and following[:1].isupper() and fold(following) not in STOPWORDS:
            pair = f"{token} {following}"
            pair_weight = single + sum(weight(p) for p in fold(following).split())
            scores[pair] = scores.get(pair, 0.0) + pair_weight * 1.2
    # A word seen once and common in Indonesian is not a query.
    return {term: score for term, score in scores.items() if score >= 2 * math.e}
