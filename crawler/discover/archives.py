"""Date index pages ("indeks"): an outlet's articles of one day, walked over a topic's window.

Feeds and news sitemaps carry the last hours or days; a story's own days are reached through
the outlet's date index. An outlet lists its index as URL templates (`archives:`) with
`{date:FMT}` (any strftime format) and an optional `{page}`. A crawl walks every day of each
topic's window once (`since` to `until`, or to today); later crawls walk again only the days
never walked and the last RECENT_DAYS before today, whose pages still grow.
"""

from datetime import date, timedelta

from crawler.config.load import Topic

# A day's index pages are followed while they add article links, up to this many.
MAX_INDEX_PAGES = 50
RECENT_DAYS = 2


def window(topics: list[Topic], today: date) -> list[date]:
    """Every day of the topics' windows, oldest first; a topic without `since` has none."""
    days: set[date] = set()
    for topic in topics:
        if topic.since is None:
            continue
        last = min(topic.until or today, today)
        days.update(topic.since + timedelta(days=n) for n in range((last - topic.since).days + 1))
    return sorted(days)


def days_to_walk(days: list[date], walked: set[date], today: date) -> list[date]:
    """The days of the window not walked yet, and the recent ones again."""
    recent = today - timedelta(days=RECENT_DAYS)
    return [day for day in days if day not in walked or day >= recent]
