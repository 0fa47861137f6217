"""End to end in Debian's Chromium, driven by Playwright (no downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from safeserve.supervision.demo import DEMO_PASSWORD, seed

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

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} missing: apt-get install chromium"
    # Playwright's sync API refuses to start inside a running event loop; pytest has none.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(page: Page, base: str, username: str) -> list[str]:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return [text.strip() for text in page.locator("[data-testid=main-nav] a").all_inner_texts()]


def test_county_and_township_officers_see_different_navigation(live_server, browser):
    seed()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()

    county_nav = _log_in(page, base, "county_officer")
    assert county_nav == ["首页", "企业名录", "服务机构", "专家库", "单位管理", "用户管理", "登录日志",
                          "审计日志"]
    assert "安平县安全生产委员会办公室" in page.inner_text("[data-testid=current-organization]")
    page.click("text=单位管理")
    assert page.locator("table").inner_text().count("人民政府") == 8

    page.click("button.dropdown-toggle")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/accounts/login/")

    township_nav = _log_in(page, base, "township_officer")
    assert township_nav == ["首页", "企业名录", "服务机构", "专家库", "单位管理"]
    assert township_nav != county_nav
    response = page.goto(f"{base}/audit/")
    assert response is not None and response.status == 403
    assert "无权" in page.inner_text("main")
    context.close()


def test_the_layout_works_on_a_phone(live_server, browser):
    seed()
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "county_officer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert not page.locator("#sidebar").is_visible()  # collapsed behind the menu button
    page.click(".navbar-toggler")
    page.locator("#sidebar").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
