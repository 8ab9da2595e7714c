"""Extraction quality and speed on real pages with ground truth, side by side.

    python bench/extraction.py [--repeat N] [--pages DIR]

Prints one table: body token precision / recall / F1 against the ground truth, title
exact-match rate, published_at correct, boilerplate leak rate, article pages refused, and
the CPU time per page (mean and median, and each as a ratio to plain trafilatura's), for
Pantau, Pantau's generic path alone (every outlet rule switched off), plain trafilatura and
readability-lxml, all in the same run; then body F1 per outlet (per language with --pages)
and per page, Pantau's ratios to plain trafilatura, the pages where the generic path falls
more than 0.005 below plain trafilatura, and how many real home and listing pages Pantau
refuses.

"Plain trafilatura" is `bare_extraction(html, url=url, with_metadata=True)` with every other
option at trafilatura's defaults: favor_recall and favor_precision off, tables on, comments
on. Times are CPU seconds of this process (time.process_time) around each extractor's call
on the page's bytes, so what another process does to the machine counts little; each page's
time is the least of its --repeat runs, and the extractors take turns page by page, so a
busy spell weighs on all of them alike.

The outlet rules were written against the default pages (../shared/data/real), so the
"pantau" row flatters them; the generic row is the estimate for an outlet or a layout Pantau
has no rules for. Their ground truth was written by other scrapers: where it keeps what
Pantau's rules remove (credit codes, "Sumber:" lines, comment counters), it is passed through
the same cleanup before comparison (crawler/extract/cleanup.py); titles and dates are
compared as tests/truth.py says.

--pages DIR reads another page set instead: DIR/NAME.html (the page's bytes as fetched) and
DIR/NAME.json ({"url", "title", "text", "published" (optional), "language" (optional)}).
Its truth is compared as written (no cleanup), and the pages each extractor refused although
their truth has a text are listed. Scripts written without spaces (Chinese, Japanese, Thai)
are scored character by character, everything else word by word.
"""

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402
from lxml.etree import ParserError  # noqa: E402
from readability import Document  # noqa: E402
from readability.readability import Unparseable  # noqa: E402

from crawler.config.load import load_config  # noqa: E402
from crawler.extract.article import ExtractionError, extract_article  # noqa: E402
from crawler.extract.cleanup import is_furniture  # noqa: E402
from crawler.text import UNSPACED  # noqa: E402
from tests.mockweb import REAL_DATA, manifest_rows, real_articles  # noqa: E402
from tests.truth import (  # noqa: E402
    body_truth,
    date_right,
    expected_published,
    expected_title,
    token_scores,
)

# readability logs a traceback for each page it cannot parse; the table counts them as refused.
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)
# The shipped outlets' body rules (config/outlets/).
RULES = load_config(Path(__file__).resolve().parents[1] / "config").body_rules()
# A character of a script written without spaces is a token; elsewhere a run of letters
# and digits is.
TOKEN = re.compile(rf"{UNSPACED.pattern}|(?:(?!{UNSPACED.pattern})\w)+")
# How far below plain trafilatura a page must fall to be listed with --pages.
LISTED_BELOW = 0.05


def pantau(html: bytes, url: str | None) -> dict:
    try:
        return extract_article(html, url, rules=RULES)
    except ExtractionError:
        return {}


def pantau_generic(html: bytes, url: str | None) -> dict:
    """Pantau with every outlet rule switched off: what an outlet without rules gets."""
    try:
        return extract_article(html, url)
    except ExtractionError:
        return {}


def plain_trafilatura(html: bytes, url: str | None) -> dict:
    """trafilatura as it comes (favor_recall off, tables on), with its metadata."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None:
        return {}
    found = document.as_dict()
    return {
        "title": found.get("title"),
        "text": found.get("text") or "",
        "published_at": found.get("date"),
    }


def readability_lxml(html: bytes, url: str | None) -> dict:
    document = Document(html, url=url)
    try:
        summary = lxml_html.fragment_fromstring(document.summary(html_partial=True))
    except (ParserError, Unparseable):  # nothing it can read as a story: a refusal
        return {}
    text = "\n".join(t.strip() for t in summary.itertext() if t.strip())
    return {"title": document.short_title(), "text": text, "published_at": None}


Extractor = Callable[[bytes, str | None], dict]
EXTRACTORS: dict[str, Extractor] = {
    "pantau": pantau,
    "pantau generic only": pantau_generic,
    "trafilatura": plain_trafilatura,
    "readability-lxml": readability_lxml,
}


def shared_pages() -> list[dict]:
    """The real Indonesian article pages with ground truth (../shared/data/real)."""
    return [
        {
            "name": row["file"].removeprefix("html/"),
            "group": row["outlet"],
            "html": (REAL_DATA / row["file"]).read_bytes(),
            "url": row["url"],
            "body": body_truth(row["truth"]),
            "title": expected_title(row["truth"]),
            "published": expected_published(row["truth"]),
            "stem": Path(row["file"]).stem,
        }
        for row in real_articles()
    ]


def page_set(folder: Path) -> list[dict]:
    """DIR/NAME.html with DIR/NAME.json, grouped by the truth's language."""
    pages = []
    for page in sorted(folder.glob("*.html")):
        truth = json.loads(page.with_suffix(".json").read_text("utf-8"))
        pages.append(
            {
                "name": page.name,
                "group": truth.get("language") or "?",
                "html": page.read_bytes(),
                "url": truth.get("url"),
                "body": truth.get("text") or None,
                "title": " ".join((truth.get("title") or "").split()) or None,
                "published": truth.get("published"),
                "stem": page.stem,
            }
        )
    return pages


def run(pages: list[dict], repeat: int) -> dict[str, list[dict]]:
    """Every extractor on every page, in turns; each page's output scored, its least CPU
    time kept."""
    scored: dict[str, list[dict]] = {name: [] for name in EXTRACTORS}
    for extractor in EXTRACTORS.values():  # first calls compile patterns and fill caches
        extractor(pages[0]["html"], pages[0]["url"])
    for page in pages:
        times: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
        found: dict[str, dict] = {}
        for _ in range(repeat):
            for name, extractor in EXTRACTORS.items():
                start = time.process_time()
                found[name] = extractor(page["html"], page["url"])
                times[name].append((time.process_time() - start) * 1000)
        for name in EXTRACTORS:
            scored[name].append(score(page, found[name], min(times[name])))
    return scored


def score(page: dict, found: dict, ms: float) -> dict:
    """One extractor's output on one page: body P/R/F1, title and date right, leaks."""
    text = found.get("text") or ""
    lines = [line for line in text.splitlines() if line.strip()]
    result = {
        "ms": ms,
        "refused": not found,
        "lines": len(lines),
        "leaks": sum(is_furniture(line) for line in lines),
    }
    if page["body"]:
        result["precision"], result["recall"], result["f1"] = body_scores(text, page["body"])
    if page["title"]:
        result["title"] = " ".join((found.get("title") or "").split()) == page["title"]
    if page["published"]:
        result["date"] = date_right(found.get("published_at"), page["published"], page["stem"])
    return result


def body_scores(text: str, expected: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 of a text against the expected one."""
    return token_scores(_tokens(text), _tokens(expected))


def _tokens(text: str) -> Counter:
    return Counter(TOKEN.findall(text.lower()))


def summarise(pages: list[dict]) -> dict:
    def mean(key: str) -> float:
        values = [page[key] for page in pages if key in page]
        return sum(values) / len(values) if values else float("nan")

    times = [page["ms"] for page in pages]
    return {
        **{key: mean(key) for key in ("precision", "recall", "f1", "title", "date")},
        "leaks": sum(p["leaks"] for p in pages) / max(1, sum(p["lines"] for p in pages)),
        "refused": sum(p["refused"] for p in pages),
        "mean ms": statistics.mean(times),
        "median ms": statistics.median(times),
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
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per page (least kept)")
    parser.add_argument("--pages", type=Path, help="another page set: NAME.html + NAME.json")
    args = parser.parse_args()
    if args.pages:
        if not any(args.pages.glob("*.html")):
            sys.exit(f"no NAME.html pages in {args.pages}")
        pages, where = page_set(args.pages), f"pages with ground truth in {args.pages}"
    else:
        if not (REAL_DATA / "manifest.json").exists():
            sys.exit(f"real pages not found at {REAL_DATA}")
        pages, where = shared_pages(), f"real pages with ground truth in {REAL_DATA}"
    scored = run(pages, max(1, args.repeat))
    results = {name: summarise(pages_scored) for name, pages_scored in scored.items()}
    print(f"{len(pages)} {where}; CPU ms per page, least of {args.repeat} runs")
    print_table(results)
    print_per_group(pages, scored, "outlet" if not args.pages else "language")
    if args.pages:
        print_refused(pages, scored)
        print_below(pages, scored)
    else:
        print_per_page(pages, scored)
    ours, generic, base = (
        results["pantau"],
        results["pantau generic only"],
        results["trafilatura"],
    )
    below = [
        page["name"]
        for page, g, t in zip(pages, scored["pantau generic only"], scored["trafilatura"])
        if "f1" in g and g["f1"] < t["f1"] - 0.005
    ]
    print(
        f"\npantau vs trafilatura: F1 {ours['f1'] - base['f1']:+.3f}, CPU time "
        f"x{ours['mean ms'] / base['mean ms']:.2f} mean, "
        f"x{ours['median ms'] / base['median ms']:.2f} median"
    )
    print(
        f"generic only vs trafilatura: F1 {generic['f1'] - base['f1']:+.3f}; "
        f"pages more than 0.005 below trafilatura: {len(below)}"
        + (f" {below}" if below and not args.pages else "")
    )
    if not args.pages:
        counts = refused_listings().items()
        refused = ", ".join(f"{n} of {total} {how}" for how, (n, total) in counts)
        print(f"real home and listing pages refused: {refused}")


def print_table(results: dict[str, dict]) -> None:
    base = results["trafilatura"]
    header = (
        f"{'extractor':<21}{'P':>7}{'R':>7}{'F1':>7}{'title':>8}{'date':>7}{'leaks':>8}"
        f"{'refused':>9}{'mean ms':>9}{'median':>8}{'x mean':>8}{'x med':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<21}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
            f"{r['title']:>8.3f}{r['date']:>7.3f}{r['leaks']:>8.2%}{r['refused']:>9}"
            f"{r['mean ms']:>9.1f}{r['median ms']:>8.1f}"
            f"{r['mean ms'] / base['mean ms']:>8.2f}{r['median ms'] / base['median ms']:>7.2f}"
        )


def print_per_group(pages: list[dict], scored: dict[str, list[dict]], kind: str) -> None:
    print(f"\n{kind:<14}{'pages':>6}" + "".join(f"{name:>21}" for name in scored))
    for group in sorted({page["group"] for page in pages}):
        picked = [i for i, page in enumerate(pages) if page["group"] == group]
        cells = []
        for results in scored.values():
            values = [results[i]["f1"] for i in picked if "f1" in results[i]]
            cells.append(f"{sum(values) / len(values):>21.3f}" if values else f"{'-':>21}")
        print(f"{group:<14}{len(picked):>6}" + "".join(cells))


def print_per_page(pages: list[dict], scored: dict[str, list[dict]]) -> None:
    """Body F1 per page (title and date right as T/D), so no collapse hides in a mean."""
    print(f"\n{'page':<52}" + "".join(f"{name:>21}" for name in scored))
    for i, page in enumerate(pages):
        cells = []
        for results in scored.values():
            result = results[i]
            marks = ("T" if result.get("title") else "-") + ("D" if result.get("date") else "-")
            f1 = f"{result['f1']:.3f}" if "f1" in result else "  -  "
            cells.append(f"{'refused' if result['refused'] else f1 + ' ' + marks:>21}")
        print(f"{page['name'][:51]:<52}" + "".join(cells))


def print_refused(pages: list[dict], scored: dict[str, list[dict]]) -> None:
    """Pages with an article (their truth has a text) that an extractor refused."""
    print()
    for name, results in scored.items():
        refused = [page["name"] for page, r in zip(pages, results) if r["refused"] and page["body"]]
        print(f"{name} refused {len(refused)} page(s) with an article" + (":" if refused else ""))
        for page_name in refused:
            print(f"    {page_name}")


def print_below(pages: list[dict], scored: dict[str, list[dict]]) -> None:
    """Pages where Pantau's body F1 is more than LISTED_BELOW under plain trafilatura's."""
    below = [
        (page["name"], ours["f1"], theirs["f1"])
        for page, ours, theirs in zip(pages, scored["pantau"], scored["trafilatura"])
        if "f1" in ours and ours["f1"] < theirs["f1"] - LISTED_BELOW
    ]
    print(f"\npantau more than {LISTED_BELOW} F1 below trafilatura on {len(below)} page(s)")
    for name, ours, theirs in below:
        print(f"    {name:<52}{ours:.3f} vs {theirs:.3f}")


if __name__ == "__main__":
    main()
