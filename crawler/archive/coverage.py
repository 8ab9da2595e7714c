"""A topic's coverage in the archive: which articles are related to it, how the story
spread from outlet to outlet, and the report an analyst hands in.

Related means one thing everywhere (the home page's counts, the topic page, its report,
a search within the topic): an `article_topics` row for the topic with a relevance at or
above the topic's `min_relevance` (0 when the topic has no row in `topics`), of an article
that is not a seed. `RELATED` is that condition, written once, and `coverage` reads it.

A copy is another outlet's article with the same story: the same text under another
outlet's URL (one article, its `urls` rows naming the other outlet), or a near-duplicate
whose cluster's canonical member, the earliest published, is another outlet's.

Times are compared as instants: a stored time with its zone as it says, one without a zone
and a day alone in WIB (a day from its midnight). A time another tool wrote in another
format has no place in time: such an article is listed with the undated ones, last.

A topic's related articles are read once per page (`coverage`: a few small columns each,
through the index on `article_topics (topic, relevance, article_id)`); the counts, the
filters, the order and the spread are made of that list, and only the articles shown are
read whole. Every further pass over a topic's 10,000 articles would read them again, at
random places in a large archive.
"""

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

# The condition, with :topic and :threshold; `t` is article_topics, `a` articles. The
# CROSS JOIN keeps the topic's index outermost: a topic's articles are a small part of
# the archive.
RELATED_TABLES = "article_topics t cross join articles a on a.id = t.article_id"
RELATED_WHERE = "t.topic = :topic and t.relevance >= :threshold and a.is_seed = 0"
RELATED = f"{RELATED_TABLES} where {RELATED_WHERE}"
# A seed is its own topic's (relevance 1); the home page shows it the same way.
SEED_RELEVANCE = 0.99
# The columns of the report, in this order (CSV header, JSON keys).
REPORT_COLUMNS = [
    "outlet",
    "published_at",
    "headline",
    "url",
    "relevance",
    "copy_of",
    "wire_credit",
    "first_seen_at",
    "id",
]
ORDERS = ("newest", "oldest")
EPOCH_DAY = date(1970, 1, 1)
# The spread's timeline: one lane for each of the first outlets to report, then "other";
# its time axis in this many steps.
SPREAD_LANES = 10
SPREAD_STEPS = 60


def instant_sql(column: str) -> str:
    """SQL for the UTC instant ('YYYY-MM-DD HH:MM:SS') of a stored time; NULL for none,
    or for one not in ISO 8601 (a bare number would be read as a Julian day)."""
    # A time another tool stored as bytes or as a number is read as its text.
    stamp = f"cast({column} as text)"
    zoned = (
        f"(substr({stamp}, -6, 1) in ('+', '-') and substr({stamp}, -3, 1) = ':' "
        f"or substr({stamp}, -1) in ('Z', 'z'))"
    )
    return (
        # Before the year 2 is no date anyone published at (and Python has no year 0).
        f"(case when substr({stamp}, 5, 1) != '-' or {stamp} < '0002' then null "
        f"when {zoned} then datetime({stamp}) "
        f"else datetime({stamp}, '-7 hours') end)"
    )


def wib_iso_sql(column: str) -> str:
    """SQL for a stored time in WIB as ISO 8601 with its offset (+07:00); a day alone stays
    the day, and a time not in ISO 8601 stays as written."""
    stamp = f"cast({column} as text)"
    return (
        f"(case when length({stamp}) = 10 then {stamp} else coalesce("
        f"strftime('%Y-%m-%dT%H:%M:%S+07:00', {instant_sql(column)}, '+7 hours'), {stamp}) end)"
    )


INSTANT = instant_sql("a.published_at")
# A headline, or for an article without one its opening words.
HEADLINE = "coalesce(nullif(a.title, ''), substr(a.text, 1, 90) || '…')"
# The URL of the article `k` this one copies; a seed read from a file has none, and is
# named as the Atom feed names an article.
COPY_OF = "coalesce(k.url, 'urn:pantau:article:' || k.id)"


class Covered(NamedTuple):
    """A related article (or the seed) as the counts, filters, order and spread need it."""

    rowid: int
    outlet: str | None
    instant: str | None  # UTC, 'YYYY-MM-DD HH:MM:SS'
    day: str | None  # in WIB
    original: str | None  # the outlet of the article it copies (a near-duplicate)
    credit: str | None
    is_seed: int
    several_urls: bool  # its text was found under more than one URL


def _rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def threshold(conn: sqlite3.Connection, topic: str) -> float:
    """The topic's min_relevance; 0 when the archive has no row for it in `topics`."""
    try:
        row = conn.execute("select min_relevance from topics where name = ?", [topic]).fetchone()
    except sqlite3.OperationalError:  # an archive written by another tool, without topics
        return 0.0
    return float(row[0] or 0.0) if row else 0.0


def is_topic(conn: sqlite3.Connection, topic: str) -> bool:
    """Whether the archive knows the topic: in `topics`, or scored against."""
    for table, column in (("topics", "name"), ("article_topics", "topic")):
        try:
            found = conn.execute(f"select 1 from {table} where {column} = ? limit 1", [topic])
        except sqlite3.OperationalError:  # an archive written by another tool
            continue
        if found.fetchone():
            return True
    return False


def coverage(conn: sqlite3.Connection, topic: str) -> list[Covered]:
    """The topic's seeds and related articles, each read once."""
    limit = threshold(conn, topic)
    found = conn.execute(
        f"select a.rowid, a.source, {INSTANT}, k.source, a.credit, a.is_seed, "
        # Counted in the index of urls by article alone: the rows are read only for the
        # few articles with several URLs, to find other outlets' (_identical_copies).
        "(select count(*) from urls u where u.article_id = a.id) > 1 "
        f"from {RELATED_TABLES} {_ORIGINAL} where t.topic = :topic "
        # The lower of the two bounds lets the index read no further than it must.
        "and t.relevance >= min(:threshold, :seed) and (a.is_seed = 0 and t.relevance >= "
        ":threshold or a.is_seed = 1 and t.relevance >= :seed)",
        {"topic": topic, "threshold": limit, "seed": SEED_RELEVANCE},
    )
    covered = []
    for rowid, outlet, instant, original, credit, is_seed, several_urls in found:
        day = _wib_day(instant)
        covered.append(
            Covered(rowid, outlet, instant, day, original, credit, is_seed, bool(several_urls))
        )
    return covered


# The canonical member `k` of the article's near-duplicate cluster, when it is another
# outlet's article: the one this article copies.
_ORIGINAL = (
    "left join clusters c on c.id = a.cluster_id "
    "left join articles k on k.id = c.canonical_id and k.id != a.id "
    "and k.source is not a.source"
)

# A `urls` row `u` that finds article `a`'s text under another outlet's URL: an identical
# copy.
_OTHER_OUTLETS_URL = (
    "u.status = 'article' and u.source is not null and u.source is not a.source "
    "and u.url is not a.url"
)


def _wib_day(instant: str | None) -> str | None:
    if instant is None:
        return None
    if instant[11:13] < "17":  # before 17:00 UTC it is the same day in WIB
        return instant[:10]
    return _next_day(instant[:10])


@lru_cache(maxsize=4096)
def _next_day(day: str) -> str:
    try:
        return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    except (ValueError, OverflowError):  # the last day there is
        return day


def _seconds(instant: str) -> int:
    """An instant as seconds since 1970 (a topic's thousands of instants share few days)."""
    return (
        _day_seconds(instant[:10])
        + int(instant[11:13]) * 3600
        + int(instant[14:16]) * 60
        + int(instant[17:19])
    )


@lru_cache(maxsize=4096)
def _day_seconds(day: str) -> int:
    return (date.fromisoformat(day) - EPOCH_DAY).days * 86400


def counts(covered: list[Covered]) -> dict[str, Any]:
    """How many related articles there are among these, and from which outlets (most
    first): `facets` without a filter."""
    unfiltered = facets(covered)
    outlets = [{"outlet": outlet, "articles": n} for outlet, n in unfiltered["outlets"]]
    return {"total": unfiltered["total"], "outlets": outlets}


def chosen(
    covered: list[Covered],
    sources: Iterable[str] = (),
    day: str | None = None,
    order: str = "newest",
) -> list[Covered]:
    """The related articles of the outlets (all when none) on the day in WIB (any when
    None), newest or oldest first (then the last or the first stored), undated last."""
    outlets = set(sources)
    kept = [
        article
        for article in covered
        if not article.is_seed
        and (not outlets or article.outlet in outlets)
        and (day is None or article.day == day)
    ]
    newest = order != "oldest"
    dated = sorted(
        (article for article in kept if article.instant),
        key=lambda article: (article.instant, article.rowid),
        reverse=newest,
    )
    undated = sorted(
        (article for article in kept if not article.instant),
        key=lambda article: article.rowid,
        reverse=newest,
    )
    return dated + undated


def articles(conn: sqlite3.Connection, topic: str, rowids: list[int]) -> list[dict[str, Any]]:
    """These articles (rowids), in this order: id, outlet, headline, title, url,
    published_at and first_seen_at as stored and in WIB (published_wib, first_seen_wib:
    ISO 8601), relevance to the topic, wire_credit, and the article it copies when it is
    a near-duplicate of another outlet's (copy_of: its URL, copy_of_id, copy_of_outlet)."""
    if not rowids:
        return []
    return _rows(
        conn,
        f"select a.id, a.source as outlet, {HEADLINE} as headline, "
        "a.title, a.url, cast(a.published_at as text) as published_at, a.first_seen_at, "
        f"{wib_iso_sql('a.published_at')} as published_wib, "
        f"{wib_iso_sql('a.first_seen_at')} as first_seen_wib, "
        "round(t.relevance, 3) as relevance, coalesce(a.credit, '') as wire_credit, "
        f"{COPY_OF} as copy_of, k.id as copy_of_id, k.source as copy_of_outlet "
        "from json_each(:rowids) chosen cross join articles a on a.rowid = chosen.value "
        f"left join article_topics t on t.article_id = a.id and t.topic = :topic {_ORIGINAL} "
        "order by chosen.key",
        {"rowids": json.dumps(rowids), "topic": topic},
    )


def report_rows(
    conn: sqlite3.Connection,
    topic: str,
    sources: Iterable[str] = (),
    day: str | None = None,
    order: str = "newest",
) -> list[tuple[Any, ...]]:
    """Every related article (of the outlets, on the day) as the report's rows: tuples of
    the REPORT_COLUMNS' values, times in WIB, empty text for what is not known; in the
    order of `chosen`, sorted here by SQLite (the report is every article of a topic: its
    rows are read once, and each time computed once)."""
    outlets = {f"source{i}": name for i, name in enumerate(dict.fromkeys(sources))}
    in_outlets = f" and a.source in ({', '.join(':' + key for key in outlets)})" if outlets else ""
    on_day = " where date(instant, '+7 hours') = :day" if day else ""
    direction = "asc" if order == "oldest" else "desc"
    in_wib = "strftime('%Y-%m-%dT%H:%M:%S+07:00', {}, '+7 hours')"
    found = conn.execute(
        "with found as materialized (select a.rowid as rowid, "
        f"{INSTANT} as instant, cast(a.published_at as text) as stamp, "
        f"{instant_sql('a.first_seen_at')} as seen, a.first_seen_at as seen_stamp, "
        f"coalesce(a.source, '') as outlet, {HEADLINE} as headline, coalesce(a.url, '') as url, "
        f"round(t.relevance, 3) as relevance, coalesce({COPY_OF}, '') as copy_of, "
        "coalesce(a.credit, '') as credit, a.id as id "
        f"from {RELATED_TABLES} {_ORIGINAL} where {RELATED_WHERE}{in_outlets}) "
        "select outlet, case when instant is null then coalesce(stamp, '') "
        f"when length(stamp) = 10 then stamp else {in_wib.format('instant')} end, "
        "headline, url, relevance, copy_of, credit, "
        f"case when seen is null then coalesce(seen_stamp, '') else {in_wib.format('seen')} end, "
        f"id from found{on_day} "
        f"order by instant is null, instant {direction}, rowid {direction}",
        {"topic": topic, "threshold": threshold(conn, topic), "day": day, **outlets},
    )
    return found.fetchall()


def facets(
    covered: list[Covered], sources: Iterable[str] = (), day: str | None = None
) -> dict[str, Any]:
    """What the filters leave, and what each filter would leave: the total and the undated
    among the related articles of the outlets on the day; per outlet on the day (most
    first), per day of the outlets (by date); the day-by-outlet counts timeline_svg draws."""
    outlets = set(sources)
    per_outlet: dict[Any, int] = defaultdict(int)
    per_day: dict[str, int] = defaultdict(int)
    timeline: dict[tuple[str, Any], int] = defaultdict(int)
    total = undated = 0
    for article in covered:
        if article.is_seed:
            continue
        in_outlets = not outlets or article.outlet in outlets
        on_day = day is None or article.day == day
        if on_day:
            per_outlet[article.outlet] += 1
        if in_outlets and article.day:
            per_day[article.day] += 1
        if in_outlets and on_day:
            total += 1
            if article.day:
                timeline[(article.day, article.outlet)] += 1
            else:
                undated += 1
    return {
        "total": total,
        "undated": undated,
        "outlets": sorted(per_outlet.items(), key=lambda item: (-item[1], str(item[0]))),
        "days": sorted(per_day.items()),
        "timeline": [
            {"day": d, "outlet": outlet, "n": n} for (d, outlet), n in sorted(timeline.items())
        ],
    }


def copies_of(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Other outlets that carried each of these articles: near-duplicates of which it is the
    canonical (earliest) member, and its text under another outlet's URL."""
    if not ids:
        return {}
    found = _rows(
        conn,
        "select a.id, others.source as outlet, others.id as copy_id, "
        "'near-duplicate' as kind from json_each(:ids) chosen "
        "cross join articles a on a.id = chosen.value "
        "join clusters c on c.id = a.cluster_id and c.canonical_id = a.id "
        "join articles others on others.cluster_id = a.cluster_id and others.id != a.id "
        "and others.source is not a.source "
        "union all "
        "select a.id, u.source, null, 'identical copy' from json_each(:ids) chosen "
        "cross join articles a on a.id = chosen.value "
        f"join urls u on u.article_id = a.id and {_OTHER_OUTLETS_URL} "
        "order by 1, 2",
        {"ids": json.dumps(ids)},
    )
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in found:
        copies[row.pop("id")].append(row)
    return dict(copies)


def seeds(conn: sqlite3.Connection, topic: str) -> list[dict[str, Any]]:
    """The topic's seed articles (normally one)."""
    return _rows(
        conn,
        f"select a.id, a.title, a.source, a.published_at, a.text from {RELATED_TABLES} "
        "where t.topic = :topic and t.relevance >= :seed and a.is_seed = 1 order by a.rowid",
        {"topic": topic, "seed": SEED_RELEVANCE},
    )


def spread(conn: sqlite3.Connection, topic: str, covered: list[Covered]) -> dict[str, Any]:
    """How the story spread, from the seed and the related articles: the first report;
    per outlet, in the order they first reported it, its first article and its lag after
    the first report in seconds, its related articles, how many of them copy another
    outlet's (and whose) and how many are its own reporting, and the wire credits they
    name; and the marks of a timeline with a lane for each of the first SPREAD_LANES
    outlets (the rest in the lane None, "other")."""
    outlets: dict[Any, dict[str, Any]] = {}

    def outlet(name: Any) -> dict[str, Any]:
        if name not in outlets:
            outlets[name] = {
                "outlet": name,
                "articles": 0,
                "own": 0,
                "copies": 0,
                "copied_from": defaultdict(int),
                "identical_copies": 0,
                "identical_url": None,
                "credits": defaultdict(int),
                "first": None,
                "lag_seconds": None,
            }
        return outlets[name]

    firsts: dict[Any, tuple[str, Covered]] = {}  # outlet: (instant, article)
    for article in covered:
        row = outlet(article.outlet)
        if article.instant and (
            article.outlet not in firsts or article.instant < firsts[article.outlet][0]
        ):
            firsts[article.outlet] = (article.instant, article)
        if article.is_seed:
            continue
        row["articles"] += 1
        if article.original is not None:
            row["copies"] += 1
            row["copied_from"][article.original] += 1
        else:
            row["own"] += 1
        if article.credit:
            row["credits"][article.credit] += 1
    several = [a.rowid for a in covered if a.several_urls and not a.is_seed]
    for copy in _identical_copies(conn, several):
        row = outlet(copy["outlet"])
        row["copies"] += copy["copies"]
        row["identical_copies"] += copy["copies"]
        row["copied_from"][copy["original"]] += copy["copies"]
        row["identical_url"] = row["identical_url"] or copy["url"]
    first_report = min(
        firsts.values(), key=lambda first: (first[0], -first[1].is_seed), default=None
    )
    start = first_report[0] if first_report else None
    if start:
        reported = _seconds(start)
        shown = {
            row["rowid"]: row
            for row in _first_articles(conn, [article for _, article in firsts.values()])
        }
        for name, (instant, article) in firsts.items():
            outlets[name]["first"] = shown[article.rowid]
            outlets[name]["lag_seconds"] = _seconds(instant) - reported
    ordered = sorted(
        outlets.values(),
        key=lambda row: (
            row["lag_seconds"] is None,
            row["lag_seconds"] or 0,
            -row["articles"],
            str(row["outlet"]),
        ),
    )
    for row in ordered:
        row["copied_from"] = sorted(row["copied_from"].items(), key=lambda i: (-i[1], str(i[0])))
        row["credits"] = sorted(row["credits"].items(), key=lambda i: (-i[1], str(i[0])))
    # An article without an outlet goes to the lane "other" (None) too.
    lanes = [row["outlet"] for row in ordered if row["lag_seconds"] is not None and row["outlet"]]
    lanes = lanes[:SPREAD_LANES]
    end = max((article.instant for article in covered if article.instant), default=None)
    span = max(_seconds(end) - _seconds(start), 3600) if start and end else None
    return {
        "first": outlets[first_report[1].outlet]["first"] if first_report else None,
        "outlets": ordered,
        "start": start,
        "end": end,
        "span_seconds": span,
        "lanes": lanes,
        "marks": _marks(covered, lanes, start, span) if start and span else [],
    }


def _first_articles(conn: sqlite3.Connection, firsts: list[Covered]) -> list[dict[str, Any]]:
    return _rows(
        conn,
        "select chosen.value as rowid, a.id, a.source as outlet, a.is_seed, a.url, "
        f"cast(a.published_at as text) as published_at, {HEADLINE} as headline "
        "from json_each(:rowids) chosen cross join articles a on a.rowid = chosen.value",
        {"rowids": json.dumps([article.rowid for article in firsts])},
    )


def _identical_copies(conn: sqlite3.Connection, rowids: list[int]) -> list[dict[str, Any]]:
    """These articles' text under other outlets' URLs, per outlet and original."""
    return _rows(
        conn,
        "select u.source as outlet, a.source as original, count(*) as copies, "
        "min(u.url) as url from json_each(:rowids) chosen "
        "cross join articles a on a.rowid = chosen.value join urls u on u.article_id = a.id "
        f"where {_OTHER_OUTLETS_URL} group by 1, 2",
        {"rowids": json.dumps(rowids)},
    )


def _marks(covered: list[Covered], lanes: list[Any], start: str, span: int) -> list[dict[str, Any]]:
    """Articles per lane, step of the time axis (`span` seconds from `start`) and kind (own
    reporting or a copy)."""
    first = _seconds(start)
    in_lane = set(lanes)
    marks: dict[tuple[Any, bool, int], int] = defaultdict(int)
    for article in covered:
        if not article.instant:
            continue
        after = _seconds(article.instant) - first
        step = min(SPREAD_STEPS - 1, max(0, after * SPREAD_STEPS // span))
        lane = article.outlet if article.outlet in in_lane else None
        marks[(lane, article.original is not None, step)] += 1
    return [
        {"lane": lane, "copy": copy, "step": step, "n": n}
        for (lane, copy, step), n in sorted(marks.items(), key=lambda item: str(item[0]))
    ]
