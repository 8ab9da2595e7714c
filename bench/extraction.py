"""Extraction quality and speed on every real page with ground truth, side by side.

    python bench/extraction.py [--repeat N]

Prints one table: body token precision / recall / F1 against the ground truth, title
exact-match rate, published_at correct, boilerplate leak rate, article pages refused and
median ms per page, for Pantau, Pantau's generic path alone (every outlet rule switched
off), plain trafilatura (bare_extraction with with_metadata=True, otherwise defaults) and
readability-lxml, all in the same run; then body F1 per outlet and per page, Pantau's
ratios to plain trafilatura, the pages where the generic path falls more than 0.005 below
plain trafilatura, and how many real home and listing pages Pantau refuses.

The outlet rules were written against these pages, so the "pantau" row flatters them; the
generic row is the estimate for an outlet or a layout Pantau has no rules for.

The ground truth was written by other scrapers. Where it keeps what Pantau's rules remove
(credit codes, "Sumber:" lines, comment counters), it is passed through the same cleanup
before comparison (crawler/extract/cleanup.py); titles and dates are compared as tests/truth.py
says.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402
from readability import Document  # noqa: E402

from crawler.config.load import load_config  # noqa: E402
from crawler.extract.article import ExtractionError, extract_article  # noqa: E402
from crawler.extract.cleanup import is_furniture  # noqa: E402
from tests.mockweb import REAL_DATA, manifest_rows, real_articles  # noqa: E402
from tests.truth import (  # noqa: E402
    body_scores,
    date_right,
    expected_published,
    expected_title,
)

# The shipped outlets' body rules (config/outlets/).
RULES = load_config(Path(__file__).resolve().parents[1] / "config").body_rules()


def pantau(html: bytes, url: str) -> dict:
    try:
        return extract_article(html, url, rules=RULES)
    except ExtractionError:
        return {}


def pantau_generic(html: bytes, url: str) -> dict:
    """Pantau with every outlet rule switched off: what an outlet without rules gets."""
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
    "pantau generic only": pantau_generic,
    "trafilatura": plain_trafilatura,
    "readability-lxml": readability_lxml,
}


def score_page(extractor, row: dict, repeat: int) -> dict:
    """One extractor on one page: body P/R/F1, title and date right, leaks, fastest ms."""
    html = (REAL_DATA / row["file"]).read_bytes()
    truth, stem = row["truth"], Path(row["file"]).stem
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        found = extractor(html, row["url"])
        runs.append((time.perf_counter() - start) * 1000)
    text = found.get("text") or ""
    lines = [line for line in text.splitlines() if line.strip()]
    page = {
        "ms": min(runs),
        "refused": not found,
        "lines": len(lines),
        "leaks": sum(is_furniture(line) for line in lines),
    }
    scores = body_scores(text, truth)
    if scores:
        page["precision"], page["recall"], page["f1"] = scores
    if truth.get("title"):
        page["title"] = (found.get("title") or "").strip() == expected_title(truth)
    published = expected_published(truth)
    if published:
        page["date"] = date_right(found.get("published_at"), published, stem)
    return page


def summarise(pages: list[dict]) -> dict:
    def mean(key: str) -> float:
        values = [page[key] for page in pages if key in page]
        return sum(values) / len(values)

    return {
        **{key: mean(key) for key in ("precision", "recall", "f1", "title", "date")},
        "leaks": sum(p["leaks"] for p in pages) / max(1, sum(p["lines"] for p in pages)),
        "refused": sum(p["refused"] for p in pages),
        "ms": statistics.median(p["ms"] for p in pages),
    }


def refused_listings() -> dict[str, tuple[int, int]]:
    """(refused, total) over the real home and listing pages, which should all be refused:
    those whose URL the manifest knows, and those read without one (markup and text only)."""
    counts = {"with their URL": (0, 0), "without a URL": (0, 0)}
    for row in manifest_rows():
        if row["page_type"] in ("homepage", "listing"):
            key = "with their URL" if row["url"] else "without a URL"
            refused = not pantau((REAL_DATA / row["file"]).read_bytes(), row["url"])
            counts[key] = (counts[key][0] + refused, counts[key][1] + 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per page (min is kept)")
    args = parser.parse_args()
    if not (REAL_DATA / "manifest.json").exists():
        sys.exit(f"real pages not found at {REAL_DATA}")
    rows = real_articles()
    pages = {
        name: [score_page(extractor, row, args.repeat) for row in rows]
        for name, extractor in EXTRACTORS.items()
    }
    results = {name: summarise(scored) for name, scored in pages.items()}
    header = (
        f"{'extractor':<21}{'P':>7}{'R':>7}{'F1':>7}"
        f"{'title':>8}{'date':>7}{'leaks':>8}{'refused':>9}{'ms/page':>9}"
    )
    print(f"{len(rows)} real pages with ground truth in {REAL_DATA}")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<21}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
            f"{r['title']:>8.3f}{r['date']:>7.3f}{r['leaks']:>8.2%}{r['refused']:>9}{r['ms']:>9.1f}"
        )
    print_per_outlet(rows, pages)
    print_per_page(rows, pages)
    ours, generic, base = (
        results["pantau"],
        results["pantau generic only"],
        results["trafilatura"],
    )
    below = [
        row["file"]
        for row, g, t in zip(rows, pages["pantau generic only"], pages["trafilatura"])
        if "f1" in g and g["f1"] < t["f1"] - 0.005
    ]

    print(
        f"\npantau vs trafilatura: F1 {ours['f1'] - base['f1']:+.3f}, "
        f"median time x{ours['ms'] / base['ms']:.2f}"
    )
    print(
        f"generic only vs trafilatura: F1 {generic['f1'] - base['f1']:+.3f}; "
        f"pages more than 0.005 below trafilatura: {len(below)} {below or ''}"
    )
    refused = ", ".join(f"{n} of {total} {how}" for how, (n, total) in refused_listings().items())
    print(f"real home and listing pages refused: {refused}")


def print_per_outlet(rows: list[dict], pages: dict[str, list[dict]]) -> None:
    print(f"\n{'outlet':<14}{'pages':>6}" + "".join(f"{name:>21}" for name in pages))
    for outlet in sorted({row["outlet"] for row in rows}):
        picked = [i for i, row in enumerate(rows) if row["outlet"] == outlet]
        cells = []
        for scored in pages.values():
            values = [scored[i]["f1"] for i in picked if "f1" in scored[i]]
            cells.append(f"{sum(values) / len(values):>21.3f}" if values else f"{'-':>21}")
        print(f"{outlet:<14}{len(picked):>6}" + "".join(cells))


def print_per_page(rows: list[dict], pages: dict[str, list[dict]]) -> None:
    """Body F1 per page (title and date right as T/D), so no collapse hides in a mean."""
    print(f"\n{'page':<52}" + "".join(f"{name:>21}" for name in pages))
    for i, row in enumerate(rows):
        cells = []
        for scored in pages.values():
            page = scored[i]
            marks = ("T" if page.get("title") else "-") + ("D" if page.get("date") else "-")
            f1 = f"{page['f1']:.3f}" if "f1" in page else "  -  "
            cells.append(f"{'refused' if page['refused'] else f1 + ' ' + marks:>21}")
        print(f"{row['file'].removeprefix('html/')[:51]:<52}" + "".join(cells))


if __name__ == "__main__":
    main()
