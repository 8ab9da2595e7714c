"""Debian's chromium driven by the playwright package, for the browser tests (test_ui*.py):
found on PATH (apt-get install chromium), never a downloaded browser. The fixtures `browser`
and `page` reach every test through conftest.py's `pytest_plugins`; a module that uses them
marks itself `needs_chromium`. `server` is `pantau serve` on the module's own `archive`
fixture. Screenshots go to test-artifacts/ui/."""

import shutil

import pytest

from crawler.crawl.render import CHROMIUM_ARGS
from tests.conftest import ROOT, pantau_server

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"
)
SHOTS = ROOT / "test-artifacts" / "ui"
# Generous: a loaded CI machine may take seconds to render; nothing here waits on purpose.
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that accepts downloads and records (and dismisses) any dialog."""
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


@pytest.fixture(scope="module")
def server(archive):
    """The base URL of `pantau serve` on the archive of the module that asks for it."""
    with pantau_server("--db", str(archive), log=archive.parent / "serve.log") as base:
        yield base


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
