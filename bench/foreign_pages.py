"""Build the foreign page set: non-Indonesian news pages with checked ground truth.

    python bench/foreign_pages.py SNAPSHOT [--out DIR] [--commit REV]

SNAPSHOT is a git directory of flairNLP/fundus (MIT licence), e.g. the one the workplace
`fetch` tool brings to /work/.mirror/flairNLP+fundus/repo. Fundus keeps, per publisher, real
pages (tests/resources/parser/test_data/<country>/<Publisher>_<date>.html.gz), their URL and
crawl date (meta.info), and what its parser must extract from each, one entry per parser
version (<Publisher>.json). Every page in English, Chinese, Japanese or Korean is taken, then
pages in other languages, one country at a time, until the set holds MINIMUM_PAGES; fundus's
Indonesian folder is reserved for independent checks and never read.

For each page DIR/NAME.html gets the raw page bytes and DIR/NAME.json the truth:
{"url", "title", "text", "published", "language", "source"}, where "text" is the article's
summary (when the page shows it), subheadings and paragraphs in reading order, one a line.

A page is left out, and the reason printed, when its truth looks wrong for this page: no
text, fewer than TRUTH_FOUND_MIN of the truth's tokens among the page's visible tokens, or a
title the page does not show. The set is third-party data: build it outside the repository
(default /work/foreign-pages) and never commit it; bench/foreign_pages.md says what was
checked by hand.
"""

import argparse
import gzip
import html
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from lxml import html as lxml_html

TEST_DATA = "tests/resources/parser/test_data"
RESERVED_COUNTRIES = {"id"}
FIRST_LANGUAGES = ("en", "zh", "ja", "ko")
MINIMUM_PAGES = 150
TRUTH_FOUND_MIN = 0.8
# In English prose about one word in four is among ENGLISH_WORDS; in other languages written
# in Latin letters fewer than one in ten.
ENGLISH_SHARE_MIN = 0.15
MARKER = ".foreign-pages"
# The language of a page that does not declare one, where its country folder tells.
COUNTRY_LANGUAGE = {"cn": "zh", "tw": "zh", "jp": "ja", "kr": "ko", "us": "en", "uk": "en"}
INVISIBLE = ("script", "style", "noscript", "template")

# Chinese characters and kana are one token each (no spaces between words); other scripts
# split on non-word characters.
TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|[^\W\u3040-\u30ff\u3400-\u9fff]+")
ENGLISH_WORDS = frozenset(
    "the of and to a in is that for on it with as was by at he said from".split()
)


class Snapshot:
    """Read files of one commit of a git directory without a work tree."""

    def __init__(self, git_dir: Path, commit: str) -> None:
        self.git_dir = git_dir
        self.commit = self._git("rev-parse", f"{commit}^{{commit}}").decode().strip()

    def _git(self, *args: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(self.git_dir), *args], check=True, capture_output=True
        ).stdout

    def names(self, folder: str) -> list[str]:
        listing = self._git("ls-tree", "--name-only", f"{self.commit}:{folder}")
        return listing.decode().split()

    def read(self, path: str) -> bytes:
        return self._git("show", f"{self.commit}:{path}")


def tokens(text: str) -> Counter:
    return Counter(TOKEN.findall(text.casefold()))


def version_key(name: str) -> list[int]:
    """V1 < V1_1 < V1_2 < V2 < V10: the order fundus's parser versions follow in time."""
    return [int(part) for part in re.findall(r"\d+", name)]


def page_text(page: bytes) -> tuple[str, list[str]]:
    """(visible text, headlines: <h1>, <title>, og:title and twitter:title) of a page."""
    # Fundus reads every page as UTF-8; lxml alone guesses Latin-1 where no charset is declared.
    tree = lxml_html.fromstring(page, parser=lxml_html.HTMLParser(encoding="utf-8"))
    for element in tree.xpath("//" + " | //".join(INVISIBLE)):
        element.drop_tree()
    heads = [" ".join(h1.text_content().split()) for h1 in tree.xpath("//h1")]
    heads += tree.xpath("//title/text() | //meta[contains(@property, 'title')]/@content")
    heads += tree.xpath("//meta[contains(@name, 'title')]/@content")
    return " ".join(tree.itertext()), [" ".join(html.unescape(h).split()) for h in heads]


def word_sequence(text: str) -> str:
    return " ".join(TOKEN.findall(text.casefold()))


def page_title(title: str, heads: list[str]) -> str:
    """The truth's title as the page's headline spells it (an <h1> before the <title>):
    fundus sometimes drops quotes, adds an ellipsis, or keeps the site's name after it."""
    words = word_sequence(title)
    for head in heads:
        seq = word_sequence(head)
        if seq and (seq == words or (2 * len(seq) > len(words) and words.startswith(seq + " "))):
            return head
    return title


def page_language(page: bytes) -> str | None:
    found = re.search(rb"<html[^>]*\slang=[\"']?([A-Za-z]{2,3})", page[:20000], re.IGNORECASE)
    return found.group(1).decode().lower() if found else None


def language(page: bytes, text: str, country: str) -> str:
    """The language the truth text is written in: English when its function words say so,
    whatever the page declares (a Taipei or Beirut outlet writing English), "und"
    (undetermined) when a page declares English over other text (Zulu and Xhosa outlets
    do), else what the page or its country folder declares."""
    declared = page_language(page) or COUNTRY_LANGUAGE.get(country, "und")
    words = TOKEN.findall(text.casefold())
    if sum(word in ENGLISH_WORDS for word in words) >= ENGLISH_SHARE_MIN * max(1, len(words)):
        return "en"
    return "und" if declared == "en" else declared


def truth_text(expected: dict, visible: str) -> str:
    """Summary (when the page shows it), subheadings and paragraphs, one a line."""
    body = expected.get("body") or {}
    lines = [s for s in body.get("summary") or [] if truth_found(s, visible) >= TRUTH_FOUND_MIN]
    for section in body.get("sections") or []:
        lines += section.get("headline") or []
        lines += section.get("paragraphs") or []
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def truth_found(text: str, visible: str) -> float:
    """Share of the text's tokens (with repeats) that the page's visible text holds."""
    wanted, seen = tokens(text), tokens(visible)
    total = sum(wanted.values())
    return sum((wanted & seen).values()) / total if total else 0.0


def problems(truth: dict, visible: str, heads: list[str]) -> list[str]:
    """Why this truth looks wrong for this page; empty when it looks right."""
    found = []
    if not truth["text"]:
        found.append("no text")
    else:
        share = truth_found(truth["text"], visible)
        if share < TRUTH_FOUND_MIN:
            found.append(f"only {share:.2f} of the truth's tokens are on the page")
    title = word_sequence(truth["title"])
    if not title:
        found.append("no title")
    elif not any(title in word_sequence(text) for text in (visible, *heads)):
        found.append("title not on the page")
    return found


def publisher_pages(snapshot: Snapshot, country: str) -> list[dict]:
    """Every page of one country folder paired with its truth (raw, unchecked)."""
    folder = f"{TEST_DATA}/{country}"
    names = snapshot.names(folder)
    if "meta.info" not in names:
        return []
    meta = json.loads(snapshot.read(f"{folder}/meta.info"))
    pages = []
    for publisher in sorted(n.removesuffix(".json") for n in names if n.endswith(".json")):
        expected = json.loads(snapshot.read(f"{folder}/{publisher}.json"))
        captures = sorted(
            (n for n in names if n.startswith(publisher + "_") and n.endswith(".html.gz")),
            key=lambda n: meta[n]["crawl_date"],
        )
        versions = sorted(expected, key=version_key)
        if len(captures) != len(versions):
            # Fundus pairs each parser version with the one capture of its time span; when
            # the counts differ that pairing is not known here.
            print(f"skipped {country}/{publisher}: {len(captures)} pages, {len(versions)} versions")
            continue
        for capture, version in zip(captures, versions):
            pages.append(
                {
                    "name": f"{country}-{capture.removesuffix('.html.gz')}",
                    "path": f"{folder}/{capture}",
                    "url": meta[capture]["url"],
                    "expected": expected[version],
                    "version": version,
                }
            )
    return pages


def iso_published(published: str | None) -> str | None:
    """ISO 8601; a time without an offset names no instant, so only its day is kept."""
    if not published:
        return None
    stamp = published.replace(" ", "T", 1)
    return stamp if re.search(r"(Z|[+-]\d\d:?\d\d)$", stamp) else stamp[:10]


def build_page(snapshot: Snapshot, found: dict, country: str) -> tuple[bytes, dict, list[str]]:
    page = gzip.decompress(snapshot.read(found["path"]))
    visible, heads = page_text(page)
    expected = found["expected"]
    published = expected.get("publishing_date")
    text = truth_text(expected, visible)
    truth = {
        "url": found["url"],
        "title": page_title(" ".join((expected.get("title") or "").split()), heads),
        "text": text,
        "published": iso_published(published),
        "language": language(page, text, country),
        "source": (
            f"flairNLP/fundus {found['path']} ({found['version']}: "
            f"{found['path'].rsplit('/', 1)[0]}/"
            f"{found['path'].rsplit('/', 1)[1].split('_')[0]}.json) @ {snapshot.commit}"
        ),
    }
    return page, truth, problems(truth, visible, heads)


def spread(pages: list[tuple[str, bytes, dict]]) -> list[tuple[str, bytes, dict]]:
    """One page per country in turn, so that no single country's layouts fill the set."""
    by_country: dict[str, list] = {}
    for page in pages:
        by_country.setdefault(page[0].split("-", 1)[0], []).append(page)
    queues = list(by_country.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def prepare_output(out: Path) -> None:
    """Empty a directory this script made before; refuse any other non-empty one."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            sys.exit(f"{out} is not empty and was not made by this script; choose another --out")
        for old in out.iterdir():
            if old.suffix in (".html", ".json"):
                old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by bench/foreign_pages.py; rebuilt on every run\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path, help="git directory of flairNLP/fundus")
    parser.add_argument("--out", type=Path, default=Path("/work/foreign-pages"))
    parser.add_argument("--commit", default="HEAD", help="fundus commit to read (default HEAD)")
    args = parser.parse_args()
    snapshot = Snapshot(args.snapshot, args.commit)
    countries = [c for c in snapshot.names(TEST_DATA) if "." not in c and c != "__pycache__"]

    built, excluded = [], []
    for country in sorted(set(countries) - RESERVED_COUNTRIES):
        for found in publisher_pages(snapshot, country):
            page, truth, wrong = build_page(snapshot, found, country)
            if wrong:
                excluded.append((found["name"], "; ".join(wrong)))
            else:
                built.append((found["name"], page, truth))
    chosen = [b for b in built if b[2]["language"] in FIRST_LANGUAGES]
    chosen += spread([b for b in built if b[2]["language"] not in FIRST_LANGUAGES])[
        : max(0, MINIMUM_PAGES - len(chosen))
    ]

    prepare_output(args.out)
    for name, page, truth in chosen:
        (args.out / f"{name}.html").write_bytes(page)
        (args.out / f"{name}.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    languages = Counter(truth["language"] for _, _, truth in chosen)
    print(f"{len(chosen)} pages written to {args.out} from fundus @ {snapshot.commit}")
    print("languages: " + ", ".join(f"{lang} {n}" for lang, n in languages.most_common()))
    print(f"{len(excluded)} pages excluded:")
    for name, why in excluded:
        print(f"  {name}: {why}")


if __name__ == "__main__":
    main()
