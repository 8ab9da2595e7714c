"""What Pantau's own pages in Datasette show, read from the archive: the home page (each
topic, its seed, its coverage by outlet and day, the last crawl's health), an article, and
a topic's Atom feed. The archive is one `pantau serve` opened, so its schema is current.

Plain functions of a sqlite3 connection, which the plugin (plugins/pantau.py) runs in
Datasette's threads; the templates escape every value, and the only HTML made here (the
timeline's SVG, highlighted snippets) escapes what it embeds.
"""

import json
import sqlite3
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from markupsafe import Markup
from sqlite_utils import Database

from crawler.archive import coverage
from crawler.archive.runs import drift_notes
from crawler.archive.schema import utc_now
from crawler.archive.search import MARK_END, MARK_START, Query, search

WIB = timezone(timedelta(hours=7))
DAYS = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split()
MONTHS = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()
# The timeline draws this many outlets in colour; the rest are one grey band.
TIMELINE_OUTLETS = 8
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
OTHER_COLOUR = "#bbbbbb"
# A topic's summary on the home page names its biggest outlets; its page has them all.
TOP_OUTLETS = 5
FEED_ENTRIES = 50
FEED_COLUMNS = "a.id, a.title, a.url, a.source, a.published_at, a.first_seen_at, a.text"


def rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(Database(conn).query(sql, params))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("select 1 from sqlite_master where name = ?", [name]).fetchone()
    return found is not None


def parsed_time(stamp: Any) -> datetime | None:
    """A stored ISO 8601 time; None for anything else another tool may have written there
    (another format, a number)."""
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def as_wib(stamp: Any, as_published: bool = True) -> str:
    """A stored time as people in Jakarta read it ("Senin, 18 Sep 2023 14:30 WIB"), with the
    time as published when that was in another zone (not for the times Pantau records, in
    UTC: `as_published` False); a day alone stays a day; a time not in ISO 8601 as
    written."""
    moment = parsed_time(stamp)
    if moment is None:
        return "" if stamp is None else str(stamp)
    if len(stamp) <= 10:
        return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    try:
        local = moment.astimezone(WIB)
    except OverflowError:  # the first or the last day there is, in another zone
        return stamp
    shown = (
        f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
        f"{local:%H:%M} WIB"
    )
    offset = moment.utcoffset()
    if as_published and offset is not None and offset != timedelta(hours=7):
        original = "UTC" if offset == timedelta(0) else moment.strftime("%z")
        shown += f" ({moment:%H:%M} {original} as stored)"
    return shown


def highlighted(snippet: str | None) -> Markup:
    """A snippet with its matches marked: the text escaped first, then the markers."""
    text = escape(snippet or "")
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def opening(text: str | None, characters: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= characters else text[:characters].rsplit(" ", 1)[0] + " …"


def topics(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The topics of the last crawl's config, or those the archive scores against."""
    if has_table(conn, "topics"):
        found = rows(conn, "select name, since, until, min_relevance, keywords from topics")
        if found:
            return found
    if not has_table(conn, "article_topics"):
        return []
    names = rows(conn, "select distinct topic as name from article_topics order by 1")
    return [{**row, "since": None, "until": None, "min_relevance": 0.0} for row in names]


def home(conn: sqlite3.Connection) -> dict[str, Any]:
    """Each topic's summary (seed, coverage, last new article, top outlets); the last
    crawl's health. One topic gets its whole timeline; several get a sparkline each, so that
    ten topics stay ten short summaries (each topic's page has its timeline)."""
    found = topics(conn)
    return {
        "topics": [topic_summary(conn, topic, full_timeline=len(found) == 1) for topic in found],
        "health": last_crawl(conn),
        "articles": conn.execute("select count(*) from articles").fetchone()[0],
    }


def topic_summary(
    conn: sqlite3.Connection, topic: dict[str, Any], full_timeline: bool
) -> dict[str, Any]:
    """A topic's seed, related articles by outlet and day, and its last new related article:
    related as the topic's page counts it (crawler/archive/coverage.py)."""
    name = topic["name"]
    covered = coverage.coverage(conn, name)  # read once, counted twice
    counts, facets = coverage.counts(covered), coverage.facets(covered)
    latest = rows(
        conn,
        f"select a.id, a.title, a.text, a.source, a.first_seen_at from {coverage.RELATED} "
        "order by a.first_seen_at desc, a.rowid desc limit 1",
        {"topic": name, "threshold": coverage.threshold(conn, name)},
    )
    outlets, days = counts["outlets"], facets["timeline"]
    names = [row["outlet"] for row in outlets]
    return {
        **topic,
        "seeds": seeds(conn, name),
        "outlets": outlets,
        "top_outlets": outlets[:TOP_OUTLETS],
        "total": counts["total"],
        # Left out of the timeline: no date, or one in a format it cannot place.
        "undated": facets["undated"],
        "latest": [
            {
                "id": row["id"],
                "heading": row["title"] or opening(row["text"], 90),
                "source": row["source"],
                "first_seen": as_wib(row["first_seen_at"], as_published=False),
            }
            for row in latest
        ],
        "timeline": timeline_svg(days, names) if full_timeline else Markup(""),
        "sparkline": Markup("") if full_timeline else sparkline_svg(days),
    }


def seeds(conn: sqlite3.Connection, topic: str) -> list[dict[str, Any]]:
    """The topic's seeds as its summary and its page show them: outlet, time, opening."""
    return [
        {**seed, "opening": opening(seed["text"]), "when": as_wib(seed["published_at"])}
        for seed in coverage.seeds(conn, topic)
    ]


def last_crawl(conn: sqlite3.Connection) -> dict[str, Any] | None:
    if not has_table(conn, "crawl_runs"):
        return None
    found = rows(conn, "select * from crawl_runs order by id desc limit 1")
    if not found:
        return None
    run = found[0]
    try:
        per_source = json.loads(run.get("per_source") or "{}")
    except ValueError:
        per_source = {}
    sources = [
        {"name": name, **counts}
        for name, counts in sorted(per_source.items(), key=lambda item: item[0])
        if isinstance(counts, dict)
    ]
    for source in sources:
        source["noticed"] = drift_notes(source["name"], source)
    return {
        **run,
        "when": as_wib(run.get("started_at"), as_published=False),
        "sources": sources,
        "noticed": [note for source in sources for note in source["noticed"]],
        "failed": [s for s in sources if s.get("status") != "ok"],
    }


def timeline_svg(days: list[dict[str, Any]], outlets: list[str]) -> Markup:
    """Articles per day as stacked bars, one colour per outlet (the biggest ones)."""
    if not any(_is_day(row["day"]) for row in days):
        return Markup("")
    colour = dict(zip(outlets[:TIMELINE_OUTLETS], COLOURS))
    per_day: dict[str, dict[str, int]] = {}
    for row in days:
        if not _is_day(row["day"]):
            continue  # a time in another format has no place on the axis
        band = row["outlet"] if row["outlet"] in colour else "other"
        per_day.setdefault(row["day"], {}).setdefault(band, 0)
        per_day[row["day"]][band] += row["n"]
    first, last = date.fromisoformat(min(per_day)), date.fromisoformat(max(per_day))
    span = (last - first).days + 1
    width, height, left, bottom = 720, 180, 30, 24
    bar = max(2.0, (width - left) / span)
    tallest = max(sum(counts.values()) for counts in per_day.values())
    scale = (height - bottom - 10) / tallest
    shapes = []
    for day, counts in per_day.items():
        x = left + (date.fromisoformat(day) - first).days * bar
        y = float(height - bottom)
        for band in [*colour, "other"]:
            n = counts.get(band, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            fill = colour.get(band, OTHER_COLOUR)
            title = escape(f"{day}: {band} {n}")
            shapes.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.85:.1f}" height="{h:.1f}" '
                f'fill="{fill}"><title>{title}</title></rect>'
            )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#555"/>'
        f'<text x="{left}" y="{height - 6}" font-size="11">{escape(first.isoformat())}</text>'
        f'<text x="{width}" y="{height - 6}" font-size="11" text-anchor="end">'
        f"{escape(last.isoformat())}</text>"
        f'<text x="{left - 4}" y="16" font-size="11" text-anchor="end">{tallest}</text>'
    )
    legend = "".join(
        f'<span class="legend"><span class="swatch" style="background:{fill}"></span>'
        f"{escape(name)}</span> "
        for name, fill in [*colour.items(), ("other", OTHER_COLOUR)]
        if name != "other" or any("other" in counts for counts in per_day.values())
    )
    return Markup(
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Articles per day per outlet">{"".join(shapes)}{axis}</svg>'
        f'<div class="legend-row">{legend}</div>'
    )


def sparkline_svg(days: list[dict[str, Any]]) -> Markup:
    """Related articles per day as a one-line bar chart, for a topic's summary."""
    per_day: dict[str, int] = {}
    for row in days:
        if _is_day(row["day"]):
            per_day[row["day"]] = per_day.get(row["day"], 0) + row["n"]
    if not per_day:
        return Markup("")
    first, last = date.fromisoformat(min(per_day)), date.fromisoformat(max(per_day))
    span = (last - first).days + 1
    width, height = 240, 32
    bar = min(12.0, width / span)  # a story of a few days is a few bars, not slabs
    tallest = max(per_day.values())
    shapes = []
    for day, n in per_day.items():
        h = max(1.0, n * (height - 2) / tallest)
        x = (date.fromisoformat(day) - first).days * bar
        shapes.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{max(1.0, bar * 0.85):.1f}" '
            f'height="{h:.1f}" fill="{COLOURS[0]}"><title>{escape(f"{day}: {n}")}</title></rect>'
        )
    label = f"Related articles per day, {first.isoformat()} to {last.isoformat()}"
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}'
        f"</title>{''.join(shapes)}</svg>"
    )


def _is_day(text: Any) -> bool:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def article(conn: sqlite3.Connection, article_id: str) -> dict[str, Any] | None:
    """An article with what surrounds it: relevance per topic, who else published it,
    earlier versions, and where its pages came from."""
    found = rows(conn, "select * from articles where id = ?", [article_id])
    if not found:
        return None
    record = found[0]
    relevance = rows(
        conn,
        "select t.topic, t.relevance, topics.min_relevance from article_topics t "
        "left join topics on topics.name = t.topic where t.article_id = ? order by t.topic",
        [article_id],
    )
    # Other outlets' URLs of the same text, never the article's own URL (two outlets may
    # share a host and so a URL); then near-copies of its cluster, earliest first.
    copies = rows(
        conn,
        "select source as outlet, url, null as id, null as title, null as published_at, "
        "'identical copy' as kind from urls where article_id = :id and status = 'article' "
        "and source is not :source and url is not :url "
        "union all "
        "select others.source, others.url, others.id, others.title, others.published_at, "
        "'near-duplicate' from articles me join articles others "
        "on others.cluster_id = me.cluster_id and others.id != me.id where me.id = :id "
        "order by 5, 1",
        {"id": article_id, "source": record["source"], "url": record["url"]},
    )
    versions = rows(
        conn,
        "select title, fetched_at, replaced_at, text from article_versions "
        "where article_id = ? order by fetched_at",
        [article_id],
    )
    captures = rows(
        conn,
        "select url, capture_url, captured_at from pages "
        "where article_id = ? and capture_url is not null",
        [article_id],
    )
    related = [row for row in relevance if row["relevance"] >= (row["min_relevance"] or 0)]
    byline = [
        f"By {record['author']}" if record.get("author") else "",
        f"editor {record['editor']}" if record.get("editor") else "",
        record.get("credit") or "",
    ]
    return {
        **record,
        # A seed often comes without its headline: its opening words stand in.
        "heading": record["title"] or opening(record["text"], 90),
        "when": as_wib(record["published_at"]),
        "first_seen": as_wib(record.get("first_seen_at"), as_published=False),
        # Where the breadcrumb leads back to: the topic it is most related to.
        "topic": max(related, key=lambda row: row["relevance"])["topic"] if related else None,
        "byline": " · ".join(part for part in byline if part),
        "paragraphs": [p for p in (record["text"] or "").split("\n") if p.strip()],
        "link": record["url"] if _is_web_url(record["url"]) else None,
        "relevance": relevance,
        "also_published_by": [
            {
                **copy,
                "link": copy["url"] if _is_web_url(copy["url"]) else None,
                "when": as_wib(copy["published_at"]),
            }
            for copy in copies
        ],
        "versions": [{**v, "when": as_wib(v["fetched_at"], as_published=False)} for v in versions],
        "captures": [{**c, "when": as_wib(c["captured_at"], as_published=False)} for c in captures],
    }


def _is_web_url(url: str | None) -> bool:
    # Links are made of http(s) URLs only: a stored "javascript:" URL stays text.
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def feed(
    conn: sqlite3.Connection, topic: str, self_url: str, site_url: str, article_url: str
) -> str | None:
    """An Atom feed of the topic's newest related articles (newest first seen first)."""
    known = {row["name"]: row for row in topics(conn)}
    if topic not in known:
        return None
    entries = rows(
        conn,
        f"select {FEED_COLUMNS} from {coverage.RELATED} "
        f"order by a.first_seen_at desc limit {FEED_ENTRIES}",
        {"topic": topic, "threshold": coverage.threshold(conn, topic)},
    )
    return atom_feed(conn, f"Pantau: {topic}", self_url, site_url, article_url, entries)


def search_feed(
    conn: sqlite3.Connection, query: Query, self_url: str, page_url: str, article_url: str
) -> str:
    """An Atom feed of a search: what /-/search lists for the same text and filters, its
    FEED_ENTRIES newest by publication (compared in UTC), first seen breaking ties; the
    articles without a date come last, as in the search sorted by date."""
    # The search is the one definition of what matches.
    result = search(Database(conn), replace(query, sort="date", page=1, size=FEED_ENTRIES))
    searched = result["searched"]
    ids = [row["id"] for row in result["rows"]]
    marks = ",".join("?" * len(ids))
    entries = rows(conn, f"select {FEED_COLUMNS} from articles a where a.id in ({marks})", ids)
    entries.sort(key=_by_publication, reverse=True)
    title = search_title(replace(query, text=searched))
    return atom_feed(conn, title, self_url, page_url, article_url, entries)


def _by_publication(entry: dict[str, Any]) -> tuple[bool, str, str]:
    published = atom_time(entry["published_at"])
    return published is not None, published or "", atom_time(entry["first_seen_at"]) or ""


def search_title(query: Query) -> str:
    """What a search looks for, in words: 'Pantau search: "Kim Jong-un" · from voi ·
    related to TOPIC · language id · 2023-09-01 to …'."""
    parts = [f'"{query.text.strip()}"'] if query.text.strip() else []
    if query.source:
        parts.append("from " + ", ".join(query.source))
    if query.topic:
        parts.append(f"related to {query.topic}")
    if query.language:
        parts.append(f"language {query.language}")
    if query.since or query.until:
        parts.append(f"{query.since or '…'} to {query.until or '…'}")
    return "Pantau search: " + (" · ".join(parts) or "everything")


def atom_feed(
    conn: sqlite3.Connection,
    title: str,
    self_url: str,
    alternate_url: str,
    article_url: str,
    entries: list[dict[str, Any]],
) -> str:
    """An Atom document of articles (rows of FEED_COLUMNS), in the order given. An entry
    links to the original, or to its page here (`article_url` + id) when it has no web URL
    (a seed); it is updated when first seen (when published, without that); the feed when
    its newest entry was. Atom requires a time for both: where the archive has none, the
    last crawl's."""
    quoted = {'"': "&quot;"}
    current = archive_time(conn)
    updated = [
        atom_time(entry["first_seen_at"]) or atom_time(entry["published_at"]) or current
        for entry in entries
    ]
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>{xml_escape(self_url)}</id>",
        f"<title>{xml_escape(title)}</title>",
        f"<updated>{max(updated, default=current)}</updated>",
        f'<link rel="self" href="{xml_escape(self_url, quoted)}"/>',
        f'<link rel="alternate" href="{xml_escape(alternate_url, quoted)}"/>',
        "<author><name>Pantau</name></author>",
    ]
    for entry, entry_updated in zip(entries, updated):
        headline = entry["title"] or opening(entry["text"], 80)
        link = entry["url"] if _is_web_url(entry["url"]) else article_url + quote(entry["id"])
        published = atom_time(entry["published_at"])
        parts += [
            "<entry>",
            f"<id>urn:pantau:article:{xml_escape(entry['id'])}</id>",
            f"<title>{xml_escape(headline)}</title>",
            f"<updated>{entry_updated}</updated>",
            f"<published>{published}</published>" if published else "",
            f'<link href="{xml_escape(link, quoted)}"/>',
            f"<author><name>{xml_escape(entry['source'] or 'unknown')}</name></author>",
            f"<summary>{xml_escape(opening(entry['text']))}</summary>",
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(part for part in parts if part)


def archive_time(conn: sqlite3.Connection) -> str:
    """When the archive was last known current, for Atom: the last crawl's end (its start
    while it runs); now, when no crawl was recorded."""
    if has_table(conn, "crawl_runs"):
        last = conn.execute(
            "select finished_at, started_at from crawl_runs order by id desc limit 1"
        ).fetchone()
        for stamp in last or ():
            moment = atom_time(stamp)
            if moment:
                return moment
    return utc_now()


def atom_time(stamp: Any) -> str | None:
    """RFC 3339 for Atom: a day alone is its midnight in WIB; None for nothing, or a time
    not in ISO 8601."""
    moment = parsed_time(stamp)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    try:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:  # the first or the last day there is, in another zone
        return None
