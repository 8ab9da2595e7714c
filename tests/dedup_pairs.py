"""The labelled near-duplicate pairs that bench/dedup and tests/test_dedup_pairs.py measure.

Built at run time from the real pages in ../shared/data/real (read in place, nothing copied):
- positives, each a real article and an edited copy of it: the same body under another
  outlet's wrapper, the lead rewritten, paragraphs added (another outlet's context) or
  dropped, the credit line changed, the headline translated, and two edits at once;
- negatives: different articles on the same event (the related coverage of the seed story
  in related/relevance-dev.json, pairwise, and against the seed itself), the same people
  and places in other events (its hard negatives), and unrelated real articles.
"""

import json
import random
from itertools import combinations
from pathlib import Path

from crawler.extract.article import ExtractionError, extract_article
from tests.conftest import SHIPPED_RULES
from tests.mockweb import REAL_DATA, real_articles

SEED = Path(__file__).resolve().parents[1] / "config" / "seeds"
CITIES = ["JAKARTA", "SURABAYA", "BANDUNG", "MEDAN", "MAKASSAR"]


def real_texts() -> list[dict]:
    texts = []
    for row in real_articles():
        try:
            html = (REAL_DATA / row["file"]).read_bytes()
            article = extract_article(html, row["url"], rules=SHIPPED_RULES)
        except ExtractionError:
            continue
        texts.append(
            {
                "title": article["title"],
                "paragraphs": article["text"].splitlines(),
                "outlet": row["outlet"],
            }
        )
    return texts


def edited_copies(article: dict, donor: dict, rng: random.Random) -> dict[str, list[str]]:
    """The ways an outlet republishes a story, each applied to one article."""
    paragraphs = article["paragraphs"]
    city = rng.choice(CITIES)
    new_lead = f"{city} - {article['title']}, demikian laporan yang diterima redaksi hari ini."
    copies = {
        "rewrapped": list(paragraphs),
        "lead rewritten": [new_lead, *paragraphs[1:]],
        "credit changed": [
            f"{city} (ANTARA) - {paragraphs[0]}",
            *paragraphs[1:],
            "Sumber: ANTARA",
            "(ant/Mvi)",
        ],
        "headline translated": list(paragraphs),  # the body is what is compared
    }
    if len(paragraphs) >= 4:
        keep = max(3, round(len(paragraphs) * 0.8))
        copies["paragraphs dropped"] = paragraphs[:keep]
        copies["paragraphs added"] = [*paragraphs, *donor["paragraphs"][:2]]
        copies["lead rewritten + dropped"] = [new_lead, *paragraphs[1:keep]]
    return copies


def labelled_pairs(seed: int = 7) -> list[tuple[str, str, str, bool]]:
    """(text a, text b, kind, near-duplicate?) for every labelled pair."""
    rng = random.Random(seed)
    texts = real_texts()
    pairs = []
    for index, article in enumerate(texts):
        donor = texts[(index + 7) % len(texts)]
        for kind, paragraphs in edited_copies(article, donor, rng).items():
            pairs.append(("\n".join(article["paragraphs"]), "\n".join(paragraphs), kind, True))
    dev = json.loads((REAL_DATA / "related" / "relevance-dev.json").read_text("utf-8"))
    related = [item["excerpt"] for item in dev if item["label"] == "related"]
    hard = [item["excerpt"] for item in dev if item["label"] == "hard_negative"]
    seed_text = next(SEED.glob("*.txt")).read_text("utf-8")
    for a, b in combinations(related, 2):
        pairs.append((a, b, "same event, other article", False))
    for a in related:
        pairs.append((seed_text, a, "same event, other article", False))
        for b in hard:
            pairs.append((a, b, "same people, other event", False))
    bodies = ["\n".join(t["paragraphs"]) for t in texts]
    for a, b in rng.sample(list(combinations(bodies, 2)), 150):
        pairs.append((a, b, "unrelated", False))
    return pairs
