"""A search as a reader meets it in headless Chromium: its Atom feed, found on the page,
and its layout. The fixtures are tests/test_ui.py's: `pantau serve` on the archive of
tests/test_datasette.py, Debian's chromium driven by the playwright package."""

from datetime import datetime

import feedparser

from tests import test_ui
from tests.browser import needs_chromium, shot

# `pantau serve` (tests/browser.py's `server`) on test_ui's archive.
archive = test_ui.archive
pytestmark = needs_chromium


def result_ids(page) -> list[str]:
    hrefs = page.locator(".result a[href*='/-/article/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [href.rsplit("/", 1)[-1] for href in hrefs]


def test_a_searchs_atom_link_lists_its_results_newest_first(page, server):
    page.goto(server + "/-/search?q=Putin&sort=date")
    head_href = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute(
        "href"
    )
    visible = page.locator("a.atom")
    assert visible.is_visible()
    assert visible.get_attribute("href") == head_href
    shown = result_ids(page)
    assert len(shown) == 3  # the two reports of the visit and the seed

    feed = feedparser.parse(page.request.get(server + head_href).text())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert "Putin" in feed.feed.title
    assert [entry.id.rsplit(":", 1)[-1] for entry in feed.entries] == shown
    published = [datetime(*entry.published_parsed[:6]) for entry in feed.entries]
    assert published == sorted(published, reverse=True)

    # Narrowed to one outlet, the feed keeps the filter.
    page.locator("a.facet", has_text="antaranews").click()
    page.wait_for_url("**source=antaranews*")
    narrowed_href = page.locator("a.atom").get_attribute("href")
    assert "q=Putin" in narrowed_href and "source=antaranews" in narrowed_href
    narrowed = feedparser.parse(page.request.get(server + narrowed_href).text())
    assert narrowed.bozo == 0
    assert [entry.id.rsplit(":", 1)[-1] for entry in narrowed.entries] == result_ids(page)
    assert {entry.author for entry in narrowed.entries} == {"antaranews"}
    shot(page, "search-feed")


def test_the_footer_sits_below_both_columns(page, server):
    page.set_viewport_size({"width": 1200, "height": 700})
    page.goto(server + "/-/search?q=Putin&source=antaranews")
    facets = page.locator(".facets").bounding_box()
    results = page.locator(".results").bounding_box()
    footer = page.locator("footer.ft").bounding_box()
    assert facets and results and footer
    # The facets, floated right, are the taller column here: the case that went wrong.
    assert facets["y"] + facets["height"] > results["y"] + results["height"]
    assert footer["y"] >= facets["y"] + facets["height"]
    assert footer["y"] >= results["y"] + results["height"]
    assert footer["x"] <= results["x"]
    assert footer["x"] + footer["width"] >= facets["x"] + facets["width"]
    shot(page, "search-footer")
