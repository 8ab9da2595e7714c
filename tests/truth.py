"""How Pantau's output is compared with the ground truth other scrapers wrote.

Shared by tests/test_extract.py and bench/extraction.py. Where the truth disagrees with
Pantau's rules, the rules win and the comparison is normalised:
- times are compared to the minute, with the offset: anpandu's truth drops the seconds
  that okezone's and viva's structured data carry;
- a truth that gives a day only (htmldate), or a 12-hour clock (mcmetadata's jpnn "07:52"
  for a page that shows "18:52 WIB"), is compared by day;
- republika's "In Picture:" rubric is in anpandu's title but not in the page's headline tags;
- bodies are compared as bags of word tokens, after the truth goes through Pantau's cleanup
  (it keeps credit codes and "Sumber:" lines that the rules remove).
"""

import re
from collections import Counter

from crawler.extract.cleanup import clean_body

DAY_ONLY_TRUTH = {"mcmetadata-wayback-kamrussamad-ppkm"}
RUBRIC_PREFIXES = ("In Picture: ",)


def expected_title(truth: dict) -> str | None:
    title = truth.get("title")
    for prefix in RUBRIC_PREFIXES:
        title = title.removeprefix(prefix) if title else title
    return title


def expected_published(truth: dict) -> str | None:
    return truth.get("published") or truth.get("published_date")


def date_right(found: str | None, truth: str, stem: str) -> bool:
    if not found:
        return False
    if len(truth) == 10 or stem in DAY_ONLY_TRUTH:
        return found[:10] == truth[:10]
    return found[:16] == truth[:16] and found.endswith(truth[-6:])


def body_truth(truth: dict) -> str | None:
    body = truth.get("body_text") or "\n".join(truth.get("paragraphs") or [])
    return clean_body(body).text if body else None


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def body_scores(text: str, truth: dict) -> tuple[float, float, float] | None:
    """Body-token (precision, recall, F1) against the truth; None when it has no body."""
    expected = body_truth(truth)
    if not expected:
        return None
    return token_scores(tokens(text), tokens(expected))


def token_scores(ours: Counter, theirs: Counter) -> tuple[float, float, float]:
    """Token precision, recall and F1 of one bag of tokens against the expected one."""
    overlap = sum((ours & theirs).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(ours.values()), overlap / sum(theirs.values())
    return precision, recall, 2 * precision * recall / (precision + recall)
