"""Near-duplicate detection on labelled real pairs: Pantau's MinHash beside SimHash.

    python bench/dedup.py

Pairs come from tests/dedup_pairs.py (real pages in ../shared/data/real, edited the ways
outlets republish wire copy, against other articles on the same event and unrelated ones).
Prints pair precision and recall at the shipped thresholds (and counting only the pairs
that the archive's key index brings together), recall per kind of edit, and how
many same-event pairs each method would merge; SimHash (64-bit, word 4-grams) at Hamming
distances 3 to 22 is the baseline.
"""

import hashlib
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.archive.sketch import (  # noqa: E402
    INDEXED,
    MIN_CONTAINMENT,
    MIN_JACCARD,
    MIN_SHARED_KEYS,
    is_near_duplicate,
    similarity,
    sketch,
)
from tests.dedup_pairs import labelled_pairs  # noqa: E402
from tests.mockweb import REAL_DATA  # noqa: E402


def simhash(text: str) -> int:
    words = re.findall(r"\w+", text.lower())
    weights = [0] * 64
    for i in range(max(0, len(words) - 3)):
        digest = int.from_bytes(
            hashlib.blake2b(" ".join(words[i : i + 4]).encode(), digest_size=8).digest(), "big"
        )
        for bit in range(64):
            weights[bit] += 1 if digest >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def found_through_index(earlier, later) -> bool:
    stored = set(earlier.hashes[:INDEXED].tolist())
    return len(stored & set(later.probe_keys())) >= MIN_SHARED_KEYS


def report(name: str, decisions: list[bool], pairs) -> None:
    truth = [near for *_, near in pairs]
    tp = sum(d and t for d, t in zip(decisions, truth))
    fp = sum(d and not t for d, t in zip(decisions, truth))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / sum(truth)
    by_kind = defaultdict(Counter)
    for decision, (_, _, kind, near) in zip(decisions, pairs):
        by_kind[kind]["found" if decision else "missed"] += 1
    same_event = by_kind["same event, other article"]["found"]
    print(f"{name:<28}{precision:>10.3f}{recall:>8.3f}{fp:>7}{same_event:>13}")
    return by_kind


def main() -> None:
    if not (REAL_DATA / "manifest.json").exists():
        sys.exit(f"real pages not found at {REAL_DATA}")
    pairs = labelled_pairs()
    positives = sum(near for *_, near in pairs)
    print(
        f"{len(pairs)} pairs: {positives} near-duplicates, {len(pairs) - positives} not "
        f"(MinHash thresholds: Jaccard >= {MIN_JACCARD} or containment >= {MIN_CONTAINMENT})"
    )
    header = f"{'method':<28}{'precision':>10}{'recall':>8}{'false':>7}{'same-event':>13}"
    print(header)
    print("-" * len(header))
    sketches = [(sketch(a), sketch(b)) for a, b, *_ in pairs]
    minhash = [is_near_duplicate(*similarity(a, b)) for a, b in sketches]
    kinds = report("pantau (bottom-k MinHash)", minhash, pairs)
    # In the archive a pair is only compared if the index finds it: the later article's
    # probed keys share MIN_SHARED_KEYS with the earlier one's INDEXED keys (either order).
    indexed = [
        decision and found_through_index(a, b) and found_through_index(b, a)
        for decision, (a, b) in zip(minhash, sketches)
    ]
    report("pantau, through the index", indexed, pairs)
    hashes = [(simhash(a), simhash(b)) for a, b, *_ in pairs]
    for distance in (3, 6, 10, 16, 22):
        decisions = [bin(x ^ y).count("1") <= distance for x, y in hashes]
        report(f"simhash, hamming <= {distance}", decisions, pairs)
    print("\npantau by kind of pair (found / all):")
    for kind, counts in kinds.items():
        total = counts["found"] + counts["missed"]
        print(f"  {kind:<28}{counts['found']:>4} / {total}")


if __name__ == "__main__":
    main()
