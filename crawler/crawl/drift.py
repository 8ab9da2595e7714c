"""Noticing that an outlet file no longer fits the site: what a crawl counts per source.

- `pattern_missed`: links an entry page offered that the source's `article_pattern`
  rejected, although the generic article-URL test accepts them and their headline names a
  topic, and that proved to be articles once fetched (the page-type judge decided). A few
  such links are fetched per source and run (MAX_PROBES): a stale pattern shows in the
  first ones, and the topical articles behind it are stored all the same.
- `robots_refused`: requests robots.txt forbade (a polite crawl never sends them).
- `index_repeats`: a search or date index page that repeated the previous page's links.

Each count keeps its first URL as an example, for the summary line and the home page.
"""

from typing import Any, Callable, Iterator

from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

from crawler.urls import looks_like_article_url

PROBE = "pantau_pattern_probe"
# Links the pattern rejected fetched per source and run, at most.
MAX_PROBES = 30
# A page whose article links are this much the previous page's did not advance.
REPEAT_SHARE = 0.8
COUNTS = ("pattern_missed", "robots_refused", "index_repeats")


def refused_by_robots(failure: Failure) -> bool:
    return bool(failure.check(IgnoreRequest)) and "robots.txt" in str(failure.value)


def note(stats: Any, name: str, url: str) -> None:
    """Count one `name` for the source, keeping the first URL as the example."""
    stats.inc_value(f"pantau/{name}")
    if not stats.get_value(f"pantau/{name}_example"):
        stats.set_value(f"pantau/{name}_example", url)


def probe_candidates(
    links: Any, accepted: set[str], allowed: Callable[[str], bool], targets: Any
) -> Iterator[str]:
    """Links on the source's hosts that its pattern rejected (are not `accepted`), that look
    like article URLs, and whose headline (and URL words) name a topic."""
    for link in dict.fromkeys(links):
        if (
            link not in accepted
            and allowed(link)
            and looks_like_article_url(link)
            and targets.wants(link, links.titles.get(link))
        ):
            yield link


def repeats(previous: frozenset[str] | None, links: list[str]) -> bool:
    """Does this page list (nearly) the previous page's article links again?"""
    current = set(links)
    if not previous or not current:
        return False
    return len(current & previous) >= REPEAT_SHARE * len(current)


def counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The drift counts of one crawler's stats, with their examples (crawl_runs.per_source)."""
    found: dict[str, Any] = {}
    for name in COUNTS:
        found[name] = stats.get(f"pantau/{name}", 0)
        if found[name]:
            found[f"{name}_example"] = stats.get(f"pantau/{name}_example")
    return found
