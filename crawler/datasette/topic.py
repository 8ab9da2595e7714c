"""What a topic's page shows (`/-/topic/NAME`), read from the archive through
crawler/archive/coverage.py: the seed, the related articles a page at a time with their
filters, the timeline, how the story spread (a table and an SVG), and the report (CSV,
JSON) of every related article the filters leave.

The templates escape every value; the only HTML made here, the spread's SVG, escapes what
it embeds.
"""

import csv
import io
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from html import escape
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from crawler.archive import coverage
from crawler.datasette.pages import WIB, as_wib, seeds, timeline_svg, topics
from crawler.datasette.reads import Remember, read_again
from crawler.text import amount

PAGE_SIZE = 100
COPY_COLOUR = "#ff7f0e"
OWN_COLOUR = "#1f77b4"
LANE_COLOUR = "#dddddd"
# What a spreadsheet would run as a formula when a cell starts with it: a scraped headline
# is text, so such a cell is written with a quote first (the CSV report only).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The report's columns of text as a page gave it (the others Pantau writes), by position.
SCRAPED = [
    coverage.REPORT_COLUMNS.index(column)
    for column in ("headline", "url", "copy_of", "wire_credit")
]


@dataclass
class Filters:
    sources: list[str] = field(default_factory=list)
    day: str | None = None
    order: str = "newest"
    page: int = 1

    def query(self, **changes: Any) -> str:
        """The query string of these filters with `changes` (a None value leaves a
        parameter out); the first page and the newest first are left implicit."""
        values = {"source": self.sources, "day": self.day, "order": self.order, **changes}
        pairs = [("source", s) for s in values["source"] or []]
        if values["day"]:
            pairs.append(("day", values["day"]))
        if values["order"] and values["order"] != "newest":
            pairs.append(("order", values["order"]))
        if values.get("page") and values["page"] > 1:
            pairs.append(("page", str(values["page"])))
        return "?" + urlencode(pairs) if pairs else ""


def parse_filters(args: Any) -> Filters:
    """The filters of a request's query string (Datasette's MultiParams); ValueError with
    what is wrong for a day that is no date or an order that is none."""
    day = args.get("day") or None
    if day is not None:
        try:
            if len(day) != 10:
                raise ValueError
            date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"day must be a date, YYYY-MM-DD (not {day!r})") from None
    order = args.get("order") or "newest"
    if order not in coverage.ORDERS:
        raise ValueError(f"order must be newest or oldest (not {order!r})")
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1
    sources = list(dict.fromkeys(s for s in args.getlist("source") if s))
    return Filters(sources=sources, day=day, order=order, page=page)


def topic_page(
    conn: sqlite3.Connection, name: str, wanted: Filters, remember: Remember = read_again
) -> dict[str, Any] | None:
    """Everything the topic page shows; None when the archive knows no such topic. The
    topic's coverage and spread are read through `remember` (crawler/datasette/reads.py)."""
    if not coverage.is_topic(conn, name):
        return None
    known = {row["name"]: row for row in topics(conn)}
    topic = known.get(name) or {"name": name, "since": None, "until": None}
    covered = remember(("coverage", name), lambda: coverage.coverage(conn, name))
    counts = coverage.counts(covered)
    facets = coverage.facets(covered, wanted.sources, wanted.day)
    pages = max(1, -(-facets["total"] // PAGE_SIZE))
    offset = (wanted.page - 1) * PAGE_SIZE
    listed = coverage.chosen(covered, wanted.sources, wanted.day, wanted.order)
    shown = [article.rowid for article in listed[offset : offset + PAGE_SIZE]]
    rows = coverage.articles(conn, name, shown)
    copies = coverage.copies_of(conn, [row["id"] for row in rows])
    for row in rows:
        row["when"] = as_wib(row["published_at"])
        row["copied_by"] = copies.get(row["id"], [])
    spread = remember(("spread", name), lambda: coverage.spread(conn, name, covered))
    return {
        "topic": {**topic, "min_relevance": coverage.threshold(conn, name)},
        "seeds": seeds(conn, name),
        "counts": counts,
        "facets": facets,
        "filters": wanted,
        "links": _links(wanted, facets),
        "rows": rows,
        "pages": pages,
        # The home page's colours: outlets in the order of its counts.
        "timeline": timeline_svg(facets["timeline"], [o["outlet"] for o in counts["outlets"]]),
        "spread": {
            **spread,
            "first": _dated(spread["first"]),
            "outlets": [
                {**row, "first": _dated(row["first"]), "lag": lag_text(row["lag_seconds"])}
                for row in spread["outlets"]
            ],
        },
        "spread_svg": spread_svg(spread),
    }


def _links(wanted: Filters, facets: dict[str, Any]) -> dict[str, Any]:
    """Each filter's link: an outlet or a day added or taken away, the order switched."""
    outlets = []
    for outlet, n in facets["outlets"]:
        if outlet is None:
            outlets.append({"outlet": None, "n": n, "chosen": False, "href": None})
            continue
        is_chosen = outlet in wanted.sources
        others = [s for s in wanted.sources if s != outlet]
        sources = others if is_chosen else [*wanted.sources, outlet]
        outlets.append(
            {"outlet": outlet, "n": n, "chosen": is_chosen, "href": wanted.query(source=sources)}
        )
    days = [
        {
            "day": day,
            "n": n,
            "chosen": day == wanted.day,
            "href": wanted.query(day=None if day == wanted.day else day),
        }
        for day, n in facets["days"]
    ]
    return {
        "outlets": outlets,
        "days": days,
        "newest": wanted.query(order="newest"),
        "oldest": wanted.query(order="oldest"),
        "cleared": Filters(order=wanted.order).query(),
        "previous": wanted.query(page=wanted.page - 1),
        "next": wanted.query(page=wanted.page + 1),
        "filtered": wanted.query(),  # the page's filters, on its first page and in its report
    }


def lag_text(seconds: int | None) -> str:
    """A lag as people say it: "+45 min", "+3 h 20 min", "+2 days 4 h"."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"+{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"+{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"+{amount(days, 'day')}" + (f" {hours} h" if hours else "")


def _dated(article: dict[str, Any] | None) -> dict[str, Any] | None:
    """An article of the spread with its time as people in Jakarta read it."""
    return article and {**article, "when": as_wib(article["published_at"])}


def instant_wib(instant: str) -> str:
    """An instant as coverage.py gives it (UTC, 'YYYY-MM-DD HH:MM:SS'), as people in
    Jakarta read it."""
    moment = datetime.fromisoformat(instant).replace(tzinfo=timezone.utc).astimezone(WIB)
    return as_wib(moment.isoformat())


def spread_svg(spread: dict[str, Any]) -> Markup:
    """One lane per outlet, in the order they first reported the story (the rest in one
    lane, "other"), on a time axis from the first report: a dot per group of articles
    (filled: own reporting; ring: copies of another outlet), a bar at each outlet's first
    article."""
    if not spread["start"] or not spread["marks"]:
        return Markup("")
    lanes: list[Any] = list(spread["lanes"])
    if any(mark["lane"] is None for mark in spread["marks"]):
        lanes.append(None)
    width, left, right, lane_height, top = 720, 130, 10, 22, 8
    axis_width = width - left - right
    height = top + lane_height * len(lanes) + 30
    lane_of = {lane: i for i, lane in enumerate(lanes)}
    shapes = [
        f"<style>.own{{fill:{OWN_COLOUR};fill-opacity:.7}}"
        f".copy{{fill:none;stroke:{COPY_COLOUR};stroke-width:2}}</style>"
    ]
    for i, lane in enumerate(lanes):
        y = top + lane_height * i + lane_height / 2
        label = "other" if lane is None else str(lane)
        shapes.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{escape(label[:20])}</text>"
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{LANE_COLOUR}"/>'
        )
    lags = {row["outlet"]: row["lag_seconds"] for row in spread["outlets"]}
    for lane in spread["lanes"]:
        x = left + axis_width * min(lags[lane] / spread["span_seconds"], 1.0)
        y = top + lane_height * lane_of[lane]
        title = f"{lane}: first article, {lag_text(lags[lane])}"
        shapes.append(
            f'<rect class="first" x="{x - 1:.1f}" y="{y + 2:.1f}" width="3" '
            f'height="{lane_height - 4}" fill="#333"><title>{escape(title)}</title></rect>'
        )
    # Dots sized by how many articles they stand for, the biggest filling its lane; no
    # title each (thousands of them): the table says the numbers.
    most = max(mark["n"] for mark in spread["marks"])
    step_width = axis_width / coverage.SPREAD_STEPS
    for mark in spread["marks"]:
        x = left + step_width * (mark["step"] + 0.5)
        y = top + lane_height * lane_of[mark["lane"]] + lane_height / 2
        radius = 2 + (lane_height / 2 - 4) * (mark["n"] / most) ** 0.5
        shapes.append(
            f'<circle class="{"copy" if mark["copy"] else "own"}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius:.1f}"/>'
        )
    axis_y = top + lane_height * len(lanes) + 4
    shapes.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#555"/>'
        f'<text x="{left}" y="{axis_y + 16}" font-size="11">'
        f"{escape(instant_wib(spread['start']))}</text>"
        f'<text x="{width - right}" y="{axis_y + 16}" font-size="11" text-anchor="end">'
        f"{escape(lag_text(spread['span_seconds']))}</text>"
    )
    return Markup(
        f'<svg class="spread" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="First articles and copies per outlet after the first report">'
        f"{''.join(shapes)}</svg>"
        f'<div class="legend-row"><span class="legend"><span class="swatch" '
        f'style="background:{OWN_COLOUR}"></span>own reporting</span> '
        f'<span class="legend"><span class="swatch" style="border:2px solid {COPY_COLOUR}">'
        "</span>copies of another outlet's</span> "
        '<span class="legend"><span class="swatch" style="background:#333;width:3px"></span>'
        "first article</span></div>"
    )


def report(
    conn: sqlite3.Connection, name: str, wanted: Filters, remember: Remember = read_again
) -> list[tuple[Any, ...]] | None:
    """The report's rows (coverage.report_rows, through `remember`); None when there is no
    such topic."""
    if not coverage.is_topic(conn, name):
        return None
    sources, day, order = tuple(wanted.sources), wanted.day, wanted.order
    return remember(
        ("report", name, sources, day, order),
        lambda: coverage.report_rows(conn, name, sources, day, order),
    )


def report_json(name: str, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {"topic": name, "rows": [dict(zip(coverage.REPORT_COLUMNS, row)) for row in rows]}


def report_csv(rows: list[tuple[Any, ...]]) -> str:
    """The report as CSV: a header row, then a row per article (its text made safe for a
    spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(coverage.REPORT_COLUMNS)
    writer.writerows(map(_safe, rows))
    return out.getvalue()


def _safe(row: tuple[Any, ...]) -> tuple[Any, ...] | list[Any]:
    if not any(row[column].startswith(FORMULA_START) for column in SCRAPED):
        return row
    return [
        "'" + value if index in SCRAPED and value.startswith(FORMULA_START) else value
        for index, value in enumerate(row)
    ]


def report_filename(name: str, wanted: Filters, extension: str) -> str:
    """pantau-TOPIC[-OUTLET...][-DAY].EXT, in letters a file system takes anywhere."""
    parts = ["pantau", name, *wanted.sources, wanted.day or ""]
    safe = [re.sub(r"[^A-Za-z0-9_-]+", "_", part).strip("_") for part in parts]
    return "-".join(part for part in safe if part)[:150] + f".{extension}"
