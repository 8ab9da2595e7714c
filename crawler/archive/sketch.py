"""Near-duplicates (syndicated and lightly edited copies) by bottom-k MinHash over word 4-grams.

Each article gets a sketch: the SKETCH smallest 63-bit hashes of its word 4-grams, and how
many distinct 4-grams it has. Two sketches estimate the Jaccard similarity of the texts and,
with the sizes, how much of the shorter text the longer one contains. The INDEXED smallest
hashes that are not stock phrases go into `dedup_keys` (an index in the archive, so a
scheduled run checks a new article against the whole archive without building anything in
memory): articles that share two keys or more are candidates, and their sketches decide.

Why this and not SimHash: bench/dedup measures both on the same labelled real pairs. At
full precision MinHash finds 0.991 of the near-duplicates and SimHash 0.959 (Hamming <= 16;
at 22 it starts merging other articles on the same event). And a bottom-k key is found by
equality in an SQLite index, where a 16-bit Hamming radius would need a multi-probe index.
"""

import zlib
from dataclasses import dataclass

import numpy as np

from crawler.text import tokens

SHINGLE_WORDS = 4
SKETCH = 64
# Indexed keys per article: each is a random write into dedup_keys, the biggest cost of an
# insert at a million articles. With 6, 215 of the 216 near-duplicate pairs of bench/dedup
# still share MIN_SHARED_KEYS of them (216 with 8 or more; 209 with 4).
INDEXED = 6
# Keys looked up for a new article: its PROBED smallest hashes. Those that are stock phrases
# (below) are skipped, and the INDEXED smallest of the rest are indexed. (As the archive
# grows more keys become stock phrases; looking further keeps INDEXED useful ones.)
PROBED = 12
# A key shared by this many articles is a stock phrase ("kata dia kepada wartawan"), not
# evidence: it is skipped when looking for candidates.
COMMON_KEY = 64
# A candidate shares at least this many indexed keys: one shared 4-gram is chance.
MIN_SHARED_KEYS = 2
# Near-duplicate: the texts' 4-grams overlap this much (Jaccard), or the shorter text is
# this much inside the longer one (a wire copy with paragraphs added). From bench/dedup.
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.7
MASK = (1 << 63) - 1
# Odd multipliers mixing four word hashes into one 4-gram hash (mod 2**64).
MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


@dataclass
class Sketch:
    hashes: np.ndarray  # sorted int64, at most SKETCH of them
    shingles: int

    def to_blob(self) -> bytes:
        return self.hashes.astype("<i8").tobytes()

    @classmethod
    def from_blob(cls, blob: bytes, shingles: int) -> "Sketch":
        return cls(np.frombuffer(blob, dtype="<i8").astype(np.int64), shingles)

    def probe_keys(self) -> list[int]:
        return [int(h) for h in self.hashes[:PROBED]]

    @property
    def hash_set(self) -> set[int]:
        return set(self.hashes.tolist())


def sketch(text: str | list[str]) -> Sketch:
    """The bottom-k sketch of a text's word 4-grams (or of its `tokens`)."""
    words = tokens(text) if isinstance(text, str) else text
    if len(words) < SHINGLE_WORDS:
        return Sketch(np.zeros(0, dtype=np.int64), 0)
    word_hashes = _word_hashes(words)
    count = len(words) - SHINGLE_WORDS + 1
    # In place where numpy allows: this runs for every article stored.
    with np.errstate(over="ignore"):
        mixed = word_hashes[:count] * MIX[0]
        for offset in range(1, SHINGLE_WORDS):
            mixed *= np.uint64(31)
            mixed += word_hashes[offset : offset + count] * MIX[offset]
        mixed ^= mixed >> np.uint64(29)
        mixed *= MIX[0]
        mixed &= np.uint64(MASK)
    hashes = mixed.view(np.int64)  # below 2**63 after the mask: the same numbers
    hashes.sort()
    # Distinct values of the array, already sorted: np.unique would sort it again.
    unique = hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]
    return Sketch(unique[:SKETCH], len(unique))


_WORD_HASHES: dict[str, int] = {}  # a crawl's vocabulary; cleared past WORDS_KEPT words
WORDS_KEPT = 1 << 18


def _word_hashes(words: list[str]) -> np.ndarray:
    # CRC-32 of each word, through a plain dict: a crawl's vocabulary repeats, and a dict
    # lookup is cheaper than lru_cache's bookkeeping on this hot path.
    known = _WORD_HASHES
    try:
        return np.fromiter(map(known.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        if len(known) > WORDS_KEPT:
            known.clear()
        for word in words:
            if word not in known:
                known[word] = zlib.crc32(word.encode())
        return np.fromiter(map(known.__getitem__, words), dtype=np.uint64, count=len(words))


def similarity(a: Sketch, b: Sketch) -> tuple[float, float]:
    """(Jaccard, containment of the shorter in the longer), estimated from the sketches."""
    if not a.shingles or not b.shingles:
        return 0.0, 0.0
    # The k smallest hashes of the union are a uniform sample of it; the share of them that
    # both texts have estimates the Jaccard similarity. (Python sets: 64 items, no numpy.)
    set_a, set_b = a.hash_set, b.hash_set
    union_bottom = sorted(set_a | set_b)[: min(SKETCH, a.shingles + b.shingles)]
    both = set_a & set_b
    jaccard = sum(h in both for h in union_bottom) / len(union_bottom)
    shared = jaccard * (a.shingles + b.shingles) / (1 + jaccard)
    return float(jaccard), float(min(1.0, shared / min(a.shingles, b.shingles)))


def is_near_duplicate(jaccard: float, containment: float) -> bool:
    return jaccard >= MIN_JACCARD or containment >= MIN_CONTAINMENT
