"""The home page of an archive with three topics, as a reader meets it: `pantau serve` in
headless Chromium (Debian's, driven by the playwright package; tests/test_ui.py says more).
Screenshots go to test-artifacts/ui/."""

from pathlib import Path

import pytest

from tests.browser import needs_chromium, shot
from tests.test_home_topics import FLOOD, FUEL, KIM, build_three_topic_archive

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build_three_topic_archive(tmp_path_factory.mktemp("ui-home"))


def test_three_topics_show_three_summaries_of_a_screen_or_less(page, server):
    page.goto(server + "/")
    summaries = page.locator("section.topic:not(.health)")
    assert summaries.count() == 3
    viewport = page.viewport_size["height"]
    for index, name in enumerate([KIM, FLOOD, FUEL]):
        summary = summaries.nth(index)
        assert summary.locator("h2").inner_text() == name
        assert summary.locator("h2 a").get_attribute("href") == f"/-/topic/{name}"
        assert summary.locator(".seed").is_visible()
        assert summary.locator("a.count").get_attribute("href") == f"/-/topic/{name}"
        assert summary.locator(".latest a").is_visible()
        assert summary.locator("a.atom").is_visible()
        assert summary.locator("svg.sparkline").is_visible()
        assert summary.bounding_box()["height"] < viewport / 2
    assert page.locator("svg.timeline").count() == 0
    assert page.locator("a[href*='/-/search?topic=']").count() == 0
    shot(page, "home-three-topics")


def test_counts_read_right_and_undated_articles_are_counted(page, server):
    page.goto(server + "/")
    flood = page.locator("section.topic", has=page.locator("h2", has_text=FLOOD))
    assert flood.locator("h3").inner_text() == "1 related article from 1 outlet"
    kim = page.locator("section.topic", has=page.locator("h2", has_text=KIM))
    assert kim.locator(".undated").inner_text() == (
        "2 related articles without a publication date, not on the timeline"
    )
    health = page.locator("section.health .meta").inner_text()
    assert health.endswith("partial, 1 new article, 1 source failing")
    fuel = page.locator("section.topic", has=page.locator("h2", has_text=FUEL))
    fuel.locator(".outlets a", has_text="detik").click()
    page.wait_for_url(f"**/-/topic/{FUEL}?source=detik")
    assert page.title().startswith(FUEL)
