"""Entry pages that build their links with JavaScript, read through headless Chromium.

An outlet marked `render: true` crawls with RenderingNewsSpider: the same spider, whose
date index, listing, tag and search requests carry `playwright: True` and go through
scrapy-playwright's download handler; its articles, and every other outlet, stay on plain
HTTP. The browser is the system's Chromium (Debian's `chromium`), never a downloaded one.
"""

import shutil

from crawler.crawl.spider import NewsSpider

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


class ChromiumMissing(Exception):
    """`render: true` without a Chromium on PATH."""


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise ChromiumMissing("render: true needs Chromium on PATH (apt-get install chromium)")
    return path


def _skip_heavy_resources(request) -> bool:
    # The page's links are all we read: images, fonts and media only cost time.
    return request.resource_type in ("image", "media", "font")


class RenderingNewsSpider(NewsSpider):
    render_entries = True

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        settings.set("DOWNLOAD_HANDLERS", {"http": HANDLER, "https": HANDLER}, "spider")
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "spider")
        settings.set(
            "PLAYWRIGHT_LAUNCH_OPTIONS",
            {"executable_path": chromium_path(), "headless": True, "args": CHROMIUM_ARGS},
            "spider",
        )
        settings.set("PLAYWRIGHT_ABORT_REQUEST", _skip_heavy_resources, "spider")
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", 1, "spider")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 2, "spider")
        # A browser page counts against the same download timeout as any fetch.
        timeout_ms = settings.getfloat("DOWNLOAD_TIMEOUT") * 1000
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, "spider")
