"""The archive as a new user meets it: `pantau serve` driven in headless Chromium.

Debian's chromium (apt-get install chromium), found on PATH and driven by the playwright
package; never a downloaded browser. Screenshots go to test-artifacts/ui/.
"""

from pathlib import Path

import feedparser
import pytest

from tests.browser import needs_chromium, shot
from tests.conftest import pantau_server
from tests.test_datasette import TOPIC, build_archive

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("ui") / "archive.db")


def test_home_search_facet_article_and_feed(page, server):
    page.goto(server + "/")
    assert page.locator(".seed").first.is_visible()
    assert page.locator("svg.timeline rect").count() > 0
    shot(page, "home")

    feed_href = page.locator("a.atom").first.get_attribute("href")
    feed = feedparser.parse(page.request.get(server + feed_href).text())
    assert feed.bozo == 0 and feed.entries

    page.fill("input[type=search]", "Kim Jong-un")
    page.press("input[type=search]", "Enter")
    page.wait_for_url("**/-/search?q=Kim*")
    assert page.locator(".result mark").count() > 0
    assert page.locator(".result", has_text="(seed)").count() == 1
    shot(page, "search")

    page.fill("input[type=search]", "Putin")
    page.press("input[type=search]", "Enter")
    page.wait_for_url("**/-/search?q=Putin*")
    page.locator("a.facet", has_text="antaranews").click()
    page.wait_for_url("**source=antaranews*")
    outlets = page.locator(".result .meta").all_inner_texts()
    assert outlets and all(text.startswith("antaranews") for text in outlets)
    shot(page, "facet")

    page.locator(".result a").first.click()
    page.wait_for_url("**/-/article/**")
    assert page.title() == "Putin sambut Kim"
    assert page.locator(".also-published-by").is_visible()
    shot(page, "article")


def test_hostile_pages_execute_nothing(page, server):
    page.goto(server + "/-/search?q=Kim")
    page.locator(".result a", has_text="onerror").first.click()
    page.wait_for_url("**/-/article/**")
    for path in (page.url, server + "/", server + "/-/search?q=Kim", server + "/archive/articles"):
        page.goto(path)
        assert page.evaluate("window.pwned") is None, path
        assert page.locator("a[href^='javascript:']").count() == 0, path
    assert page.dialogs == []
    shot(page, "hostile")


def test_any_archive_name(page, archive):
    other = build_archive(archive.parent / "other.db")
    with pantau_server("--db", str(other), log=archive.parent / "other.log") as base:
        page.goto(base + "/")
        assert page.locator(".topic h2", has_text=TOPIC).count() == 1
        page.goto(base + "/other/coverage")
        assert page.locator("table.rows-and-columns tbody tr").count() >= 2
        shot(page, "other-db")


def test_public_refuses_sql(page, archive):
    with pantau_server("--db", str(archive), "--public", log=archive.parent / "public.log") as base:
        response = page.goto(base + "/archive?sql=select+*+from+pages")
        assert response.status == 403
        assert page.goto(base + "/archive/pages").status == 403
        assert page.goto(base + "/-/search?q=Kim").status == 200
        shot(page, "public")
