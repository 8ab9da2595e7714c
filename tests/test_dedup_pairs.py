"""Quality gate: near-duplicate detection on the labelled real pairs (bench/dedup prints more)."""

from crawler.archive.sketch import is_near_duplicate, similarity, sketch
from tests.dedup_pairs import labelled_pairs


def test_pair_precision_and_recall(real_data):
    pairs = labelled_pairs()
    decisions = [is_near_duplicate(*similarity(sketch(a), sketch(b))) for a, b, *_ in pairs]
    truth = [near for *_, near in pairs]
    found = sum(d and t for d, t in zip(decisions, truth))
    claimed = sum(decisions)
    assert found / claimed >= 0.98  # precision
    assert found / sum(truth) >= 0.95  # recall
    same_event = [d for d, (*_, kind, _) in zip(decisions, pairs) if kind.startswith("same")]
    assert not any(same_event), "different articles on the same event must not merge"
