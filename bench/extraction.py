"""Extraction quality and speed on every real page with ground truth, side by side.

    python bench/extraction.py [--repeat N]

Prints one table: body token precision / recall / F1 against the ground truth, title
exact-match rate, published_at correct, boilerplate leak rate and median ms per page, for
Pantau, plain trafilatura (bare_extraction with with_metadata=True, otherwise defaults) and
readability-lxml, all in the same run, plus Pantau's ratios to plain trafilatura.

The ground truth was written by other scrapers. Where it keeps what Pantau's rules remove
(credit codes, "Sumber:" lines, comment counters), it is passed through the same cleanup
before comparison (crawler/cleanup.py); titles and dates are compared as tests/truth.py
says.
"""

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402
from readability import Document  # noqa: E402

from crawler.cleanup import clean_body, is_furniture  # noqa: E402
from crawler.extract import ExtractionError, extract_article  # noqa: E402
from tests.mockweb import REAL_DATA, real_articles  # noqa: E402
from tests.truth import date_right, expected_published, expected_title  # noqa: E402


def pantau(html: bytes, url: str) -> dict:
    try:
        return extract_article(html, url)
    except ExtractionError:
        return {}


def plain_trafilatura(html: bytes, url: str) -> dict:
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None:
        return {}
    found = document.as_dict()
    return {
        "title": found.get("title"),
        "text": found.get("text") or "",
        "published_at": found.get("date"),
    }


def readability_lxml(html: bytes, url: str) -> dict:
    document = Document(html, url=url)
    summary = lxml_html.fragment_fromstring(document.summary(html_partial=True))
    text = "\n".join(t.strip() for t in summary.itertext() if t.strip())
    return {"title": document.short_title(), "text": text, "published_at": None}


EXTRACTORS = {
    "pantau": pantau,
    "trafilatura": plain_trafilatura,
    "readability-lxml": readability_lxml,
}


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def body_truth(truth: dict) -> str | None:
    body = truth.get("body_text") or "\n".join(truth.get("paragraphs") or [])
    return clean_body(body).text if body else None


def evaluate(name: str, rows: list[dict], repeat: int) -> dict:
    extractor = EXTRACTORS[name]
    scores = Counter()
    counts = Counter()
    timings = []
    for row in rows:
        html = (REAL_DATA / row["file"]).read_bytes()
        truth, stem = row["truth"], Path(row["file"]).stem
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            found = extractor(html, row["url"])
            runs.append((time.perf_counter() - start) * 1000)
        timings.append(min(runs))
        text = found.get("text") or ""
        expected = body_truth(truth)
        if expected:
            ours, theirs = tokens(text), tokens(expected)
            overlap = sum((ours & theirs).values())
            precision = overlap / max(1, sum(ours.values()))
            recall = overlap / max(1, sum(theirs.values()))
            scores["precision"] += precision
            scores["recall"] += recall
            scores["f1"] += 2 * precision * recall / (precision + recall) if overlap else 0
            counts["body"] += 1
        lines = [line for line in text.splitlines() if line.strip()]
        counts["lines"] += len(lines)
        counts["leaks"] += sum(is_furniture(line) for line in lines)
        if truth.get("title"):
            counts["titles"] += 1
            counts["titles_right"] += (found.get("title") or "").strip() == expected_title(truth)
        published = expected_published(truth)
        if published:
            counts["dates"] += 1
            counts["dates_right"] += date_right(found.get("published_at"), published, stem)
    return {
        "precision": scores["precision"] / counts["body"],
        "recall": scores["recall"] / counts["body"],
        "f1": scores["f1"] / counts["body"],
        "title": counts["titles_right"] / counts["titles"],
        "date": counts["dates_right"] / counts["dates"],
        "leaks": counts["leaks"] / max(1, counts["lines"]),
        "ms": statistics.median(timings),
        "pages": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per page (min is kept)")
    args = parser.parse_args()
    if not (REAL_DATA / "manifest.json").exists():
        sys.exit(f"real pages not found at {REAL_DATA}")
    rows = real_articles()
    results = {name: evaluate(name, rows, args.repeat) for name in EXTRACTORS}
    header = (
        f"{'extractor':<18}{'P':>7}{'R':>7}{'F1':>7}"
        f"{'title':>8}{'date':>7}{'leaks':>8}{'ms/page':>9}"
    )
    print(f"{len(rows)} real pages with ground truth in {REAL_DATA}")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<18}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
            f"{r['title']:>8.3f}{r['date']:>7.3f}{r['leaks']:>8.2%}{r['ms']:>9.1f}"
        )
    ours, base = results["pantau"], results["trafilatura"]
    print(
        f"\npantau vs trafilatura: F1 {ours['f1'] - base['f1']:+.3f}, "
        f"median time x{ours['ms'] / base['ms']:.2f}"
    )


if __name__ == "__main__":
    main()
