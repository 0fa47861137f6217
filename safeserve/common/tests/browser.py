"""Debian's Chromium driven by Playwright (no downloaded browser): the flags every browser
test launches it with, and the module-scoped ``browser`` fixture they share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietBrowser:
    """The browser, whose pages leave the notification bell alone: the bell loads itself
    after the page and every minute, a request no test waits for, which could still be
    writing (its access log) while the test's database is flushed — a deadlock on
    PostgreSQL. The bell is tested through Django's client
    (safeserve/notifications/tests/)."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> BrowserContext:
        context = self._browser.new_context(**options)
        context.route("**/notifications/bell/", lambda route: route.fulfill(status=204, body=""))
        return context

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} missing: apt-get install chromium"
    # Playwright's sync API refuses to start inside a running event loop; pytest has none.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield QuietBrowser(browser)
        browser.close()
