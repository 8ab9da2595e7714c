"""A mock outlet on 127.0.0.1 where coverage of the seed story mixes with other news.

Its articles are the labelled real excerpts of ../shared/data/real/related/relevance-dev.json
(related coverage, hard negatives, unrelated news), read in place and wrapped in article
pages, plus real unrelated article pages. They are reachable from a feed, a tag page and a
search page; one related article is linked only from inside another ("Baca juga").
"""

import json
import re
from html import escape

from crawler.relevance.terms import slug
from tests.mockweb import REAL_DATA, MockWeb, Reply, real_articles, rss

MONTHS = {m: i for i, m in enumerate("jan feb mar apr mei jun jul agu sep okt nov des".split(), 1)}
MONTHS.update({"may": 5, "aug": 8, "oct": 10, "dec": 12})


def dataset_date(note: str) -> str | None:
    """The dataset's human date notes ("Kompas.com - 13/09/2023, 06:23 WIB",
    "2019/04/24 (from URL)", "16 - Sep - 2023", "not shown") as YYYY-MM-DD."""
    if match := re.search(r"(\d{4})/(\d{2})/(\d{2})", note):
        return "-".join(match.groups())
    if match := re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", note):
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if match := re.search(r"(\d{1,2})\W+([A-Za-z]{3})[a-z]*\W+(\d{4})", note):
        day, month, year = match.groups()
        if month.lower() in MONTHS:
            return f"{year}-{MONTHS[month.lower()]:02d}-{int(day):02d}"
    return None


def labelled_excerpts() -> list[dict]:
    return json.loads((REAL_DATA / "related" / "relevance-dev.json").read_text("utf-8"))


def _page(title: str, paragraphs: list[str], published: str | None, extra: str = "") -> bytes:
    meta = f'<meta property="article:published_time" content="{published}T10:00:00+07:00">'
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}'
        f" - Kabar</title>{meta if published else ''}</head><body><article>"
        f"<h1>{escape(title)}</h1><div class='content'>{body}{extra}</div></article>"
        "</body></html>"
    ).encode()


def build_story_site(web: MockWeb) -> dict:
    items = labelled_excerpts()
    pages = []
    for number, item in enumerate(items, start=100001):
        title = re.sub(r"\s*\((?:from URL[^)]*|page \d+)\)\s*$", "", item["title"]).strip()
        path = f"/kabar/berita/{number}/{slug(title)[:60]}"
        paragraphs = [p for p in (item.get("excerpt") or "").split("\n") if p.strip()]
        pages.append(
            {
                **item,
                "title": title,
                "path": path,
                "paragraphs": paragraphs,
                "published": dataset_date(item.get("date") or ""),
            }
        )
    related = [p for p in pages if p["label"] == "related"]
    others = [p for p in pages if p["label"] != "related"]
    # The last related article is linked only from the first one's "Baca juga".
    hidden, first = related[-1], related[0]
    for page in pages:
        extra = ""
        if page is first:
            extra = f'<p>Baca juga: <a href="{hidden["path"]}">{escape(hidden["title"])}</a></p>'
            unrelated = others[-1]
            extra += (
                f'<p>Baca juga: <a href="{unrelated["path"]}">{escape(unrelated["title"])}</a></p>'
            )
        web.routes[page["path"]] = Reply(
            body=_page(page["title"], page["paragraphs"], page["published"], extra)
        )
    unrelated_real = []
    for number, row in enumerate(real_articles()[:10], start=200001):
        path = f"/kabar/berita/{number}/{slug(row['truth'].get('title') or 'berita')[:60]}"
        web.routes[path] = Reply(body=(REAL_DATA / row["file"]).read_bytes())
        unrelated_real.append({"path": path, "title": row["truth"].get("title") or ""})
    in_feed = related[:4] + others + unrelated_real
    web.routes["/kabar/rss.xml"] = Reply(
        body=rss([(p["title"], web.url(p["path"])) for p in in_feed]),
        content_type="application/rss+xml",
    )
    tagged, searched = related[4:6], related[6:-1]
    web.routes["/kabar/tag/kim-jong-un"] = Reply(body=_links(tagged))
    web.routes["/kabar/cari"] = Reply(body=_links(searched))
    return {
        "related": related,
        "others": others,
        "unrelated_real": unrelated_real,
        "hidden": hidden,
        "tagged": tagged,
        "searched": searched,
    }


def _links(pages: list[dict]) -> bytes:
    items = "".join(f'<li><a href="{p["path"]}">{escape(p["title"])}</a></li>' for p in pages)
    return f"<html><body><ul class='hasil'>{items}</ul></body></html>".encode()
