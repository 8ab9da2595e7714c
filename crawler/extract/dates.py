"""Publication times of Indonesian news pages, with the time of day and a UTC offset.

trafilatura gives a day only. Newsrooms state the time in three places, which we read
in order of trust: structured data (JSON-LD, meta tags, <time>), then the visible
dateline ("Senin, 18 Sep 2023 14:30 WIB", "18/09/2023, 14:30 WIB").
"""

import json
import re
from datetime import date, datetime, timedelta, timezone

from lxml import etree
from lxml import html as lxml_html

ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}
WIB = timezone(timedelta(hours=7))
# A stamp before this year, or after next year, is a placeholder ("0001-01-01",
# "9999-12-31"), not a publication time: read as no date.
EARLIEST_YEAR = 1900
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb", "pebruari"),
            ("maret", "march", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("agustus", "august", "agu", "agt", "aug", "ags"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nopember", "nov", "nop"),
            ("desember", "december", "des", "dec"),
        ],
        start=1,
    )
    for name in names
}
META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "publishdate",
    "pubdate",
    "content_publisheddate",
    "datepublished",
    "published-at",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dc.date",
    "date",
)
_MONTH = r"(?P<month>[A-Za-z]{3,9})"
_CLOCK = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
_ZONE = r"(?:\s*(?P<zone>WIB|WITA|WIT)\b)?"
# "(18/9/2023)", "Senin (18/9/2023)": how Indonesian reports date the events they tell.
TEXT_DATE = re.compile(r"\((?:[A-Za-z]+,?\s*)?(?P<day>\d{1,2})/(?P<mon>\d{1,2})/(?P<year>\d{4})\)")
_WEEKDAY = (
    r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
# Datelines without a clock, named by their weekday: "Rabu, 19 Juni 2024", "Senin 18/9/2023".
WEEKDAY_DATES = [
    re.compile(
        rf"\b{_WEEKDAY}\s*,?\s*\(?(?P<day>\d{{1,2}})\s+{_MONTH}\.?\s+(?P<year>\d{{4}})",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_WEEKDAY}\s*,?\s*\(?(?P<day>\d{{1,2}})[/.-](?P<mon>\d{{1,2}})[/.-](?P<year>\d{{4}})",
        re.IGNORECASE,
    ),
]
# English editions, month first: "Sep. 18, 2023, 14:30", "September 18, 2023 at 2:30".
# The month starts after a non-letter, so the search skips the inside of every word (no
# month name starts there) instead of trying each letter.
MONTH_FIRST = re.compile(
    r"(?<![A-Za-z])"
    + _MONTH
    + r"\.?\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})[\s,|\-–at]{0,12}?\s*"
    + _CLOCK
    + _ZONE,
    re.IGNORECASE,
)
VISIBLE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style)]", smart_strings=False)
# What every month-first dateline holds ("18, 2023"): quick to look for, where a month name
# can start at any word of the page; without it MONTH_FIRST is not searched.
MONTH_FIRST_DAY_YEAR = re.compile(r"\d,\s+\d{4}")
VISIBLE_PATTERNS = [
    # "Senin, 18 Sep 2023 14:30 WIB", "Selasa, 16 Februari 2016 | 14:38 WIB",
    # "on 16 Feb 2016 at 09:10 WIB"
    re.compile(
        r"(?P<day>\d{1,2})\s+"
        + _MONTH
        + r",?\s+(?P<year>\d{4})[\s,|\-–at]{0,12}?\s*"
        + _CLOCK
        + _ZONE,
        re.IGNORECASE,
    ),
    MONTH_FIRST,
    # "18/09/2023, 14:30 WIB", "18-09-2023 14:30"
    re.compile(
        r"(?P<day>\d{1,2})[/-](?P<mon>\d{1,2})[/-](?P<year>\d{4})[\s,|\-–]{1,6}" + _CLOCK + _ZONE,
        re.IGNORECASE,
    ),
]


def find_published_at(
    tree: lxml_html.HtmlElement, day_hint: str | None, stamps: list[str] | None = None
) -> str | None:
    """ISO 8601 publication time with offset, or the day (YYYY-MM-DD) when no time is given.

    `day_hint` is trafilatura's day; a structured or visible time is kept only when it is
    on the same day (or trafilatura found none), so that a "related articles" timestamp
    cannot replace the article's own. `stamps` are the page's `structured_dates`, when
    the caller has them already.
    """
    # Searching the page's text for datelines is the costly part: done only when no stamp
    # answers, or when a UTC stamp's clock is written on the page (it may be WIB, mislabelled).
    text: str | None = None
    visible: list[datetime] | None = None
    for raw in structured_dates(tree) if stamps is None else stamps:
        moment = parse_stamp(raw)
        if moment is not None and moment.utcoffset() == timedelta(0):
            text = page_text(tree) if text is None else text
            if _clock_written(moment, text):
                visible = datelines(text) if visible is None else visible
                moment = _utc_or_shown(moment, visible)
            else:
                moment = moment.astimezone(WIB)
        if moment is not None and _same_day(moment, day_hint):
            return moment.isoformat()
    if visible is None:
        visible = datelines(page_text(tree) if text is None else text)
    for moment in visible:
        if _same_day(moment, day_hint):
            return moment.isoformat()
    return day_hint


def structured_dates(tree: lxml_html.HtmlElement) -> list[str]:
    """Candidate publication stamps from JSON-LD, meta tags and <time>, most trusted first."""
    found: list[str] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        found.extend(_json_ld_dates(data))
    metas: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in META_DATE_KEYS and meta.get("content", "").strip():
            metas.setdefault(key, meta.get("content").strip())
    found.extend(metas[key] for key in META_DATE_KEYS if key in metas)
    found.extend(tree.xpath('//time[@itemprop="datePublished"]/@datetime'))
    return found


def page_text(tree: lxml_html.HtmlElement) -> str:
    """The text a reader sees, a space between its pieces: a script's strings (cookie
    expiry dates, JSON stamps) are no dateline."""
    body = tree.find("body")
    return " ".join(VISIBLE_TEXT(body if body is not None else tree))


def datelines(text: str) -> list[datetime]:
    """Local date-and-times written in a page's text (`page_text`): those with WIB/WITA/WIT
    first."""
    moments = []
    for pattern in VISIBLE_PATTERNS:
        if pattern is MONTH_FIRST and not MONTH_FIRST_DAY_YEAR.search(text):
            continue
        for match in pattern.finditer(text):
            moment = _from_match(match)
            if moment is not None:
                # A dateline that names its zone beats a bare clock (often "now" in a header).
                moments.append((match.group("zone") is None, match.start(), moment))
    return [moment for *_, moment in sorted(moments, key=lambda found: found[:2])]


def parse_stamp(raw: str) -> datetime | None:
    """The stamp as written, naive ones in WIB; None when it is no plausible time. A UTC
    stamp may be WIB labelled "Z" (detik's `pubdate`): `_utc_or_shown` decides."""
    text = re.sub(r"\s+T", "T", raw.strip())
    text = re.sub(r"^(\d{4})/(\d{2})/(\d{2})", r"\1-\2-\3", text)
    text = re.sub(r"(\.\d{1,6})\d*", r"\1", text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not plausible(moment):
        return None
    return moment.replace(tzinfo=WIB) if moment.tzinfo is None else moment


def _clock_written(moment: datetime, text: str) -> bool:
    """Whether the text may show the moment's clock time ("9:05", "09.05"): a dateline
    cannot show it otherwise."""
    return any(f"{moment.hour}{mark}{moment.minute:02d}" in text for mark in ":.")


def _utc_or_shown(moment: datetime, visible: list[datetime]) -> datetime:
    """A UTC stamp in WIB, or read as WIB when the page shows its clock time instead."""
    as_local = moment.replace(tzinfo=WIB)
    as_wib = moment.astimezone(WIB)
    shown = {(m.date(), m.hour, m.minute) for m in visible}
    if (as_local.date(), as_local.hour, as_local.minute) in shown and (
        as_wib.date(),
        as_wib.hour,
        as_wib.minute,
    ) not in shown:
        return as_local
    return as_wib


def _from_match(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    month = int(parts["mon"]) if parts.get("mon") else MONTHS.get(parts["month"].lower())
    if not month:
        return None
    offset = ZONES.get((parts.get("zone") or "WIB").upper(), 7)
    try:
        moment = datetime(
            int(parts["year"]),
            month,
            int(parts["day"]),
            int(parts["hour"]),
            int(parts["minute"]),
            int(parts["second"] or 0),
            tzinfo=timezone(timedelta(hours=offset)),
        )
    except ValueError:
        return None
    return moment if plausible(moment) else None


def plausible(moment: date) -> bool:
    """A year a news page can have been published in (EARLIEST_YEAR to next year): far
    enough from datetime's ends that moving it to another offset stays in range."""
    return EARLIEST_YEAR <= moment.year <= date.today().year + 1


def _json_ld_dates(data: object) -> list[str]:
    if isinstance(data, list):
        return [stamp for item in data for stamp in _json_ld_dates(item)]
    if not isinstance(data, dict):
        return []
    stamps = [data["datePublished"]] if isinstance(data.get("datePublished"), str) else []
    return stamps + _json_ld_dates(data.get("@graph", []))


def _same_day(moment: datetime, day_hint: str | None) -> bool:
    """Within a day of trafilatura's guess, which may be the UTC day of a late-evening story."""
    if day_hint is None:
        return True
    try:
        hinted = datetime.fromisoformat(day_hint[:10]).date()
    except ValueError:
        return True
    return abs((moment.date() - hinted).days) <= 1


def text_date(text: str) -> date | None:
    """The first dateline an article's text gives: "(10/9/2023)", "Rabu, 19 Juni 2024",
    "19 Juni 2024 | 06:23 WIB", "18/09/2023, 14:30 WIB"."""
    found = []
    for pattern in [TEXT_DATE, *WEEKDAY_DATES, *VISIBLE_PATTERNS]:
        for match in pattern.finditer(text):
            day = _day_from_match(match)
            if day is not None:
                found.append((match.start(), day))
                break
    return min(found)[1] if found else None


def _day_from_match(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    month = int(parts["mon"]) if parts.get("mon") else MONTHS.get(parts["month"].lower())
    if not month:
        return None
    try:
        return date(int(parts["year"]), month, int(parts["day"]))
    except ValueError:
        return None


def day_of(stamp: str | None) -> date | None:
    """The day of an ISO stamp ("2023-09-18T14:30:00+07:00" or "2023-09-18"), or None."""
    try:
        return date.fromisoformat(stamp[:10]) if stamp else None
    except ValueError:
        return None
