"""End to end in Debian's Chromium, driven by Playwright (no downloaded browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from safeserve.demo.seed import DEMO_PASSWORD, demo_totp_code, seed
from safeserve.supervision.tests.test_home import NAV

# serialized_rollback: the flush between transactional tests would also empty the tables
# that data migrations fill (the GB/T 4754 divisions and default sector rules).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(page: Page, base: str, username: str) -> None:
    """The password, then the authenticator code the county requires of its staff."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/accounts/otp/**")
    page.fill("#id_code", demo_totp_code(username))
    page.click("[data-testid=otp-form] button[type=submit]")
    page.wait_for_url(f"{base}/")


def _log_in(page: Page, base: str, username: str) -> list[str]:
    _sign_in(page, base, username)
    return [text.strip() for text in page.locator("[data-testid=main-nav] a").all_inner_texts()]


def test_county_and_township_officers_see_different_navigation(live_server, browser):
    seed(directory=False)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()

    county_nav = _log_in(page, base, "county_officer")
    assert county_nav == NAV["county_officer"]  # the menus test_home.py writes out
    assert "安平县安全生产委员会办公室" in page.inner_text("[data-testid=current-organization]")
    page.click("text=单位管理")
    assert page.locator("table").inner_text().count("人民政府") == 8

    page.wait_for_load_state()  # the menu opens once Bootstrap's script has run
    page.click("button.dropdown-toggle")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/accounts/login/")

    township_nav = _log_in(page, base, "township_officer")
    assert township_nav == NAV["township_officer"]
    assert township_nav != county_nav
    response = page.goto(f"{base}/audit/")
    assert response is not None and response.status == 403
    assert "无权" in page.inner_text("main")
    context.close()


def test_the_layout_works_on_a_phone(live_server, browser):
    seed(directory=False)
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    page = context.new_page()
    _sign_in(page, live_server.url, "county_officer")
    assert not page.locator("#sidebar").is_visible()  # collapsed behind the menu button
    page.click(".navbar-toggler")
    page.locator("#sidebar").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def test_township_officer_imports_a_sheet_and_finds_an_enterprise_by_pinyin(
    live_server, browser, tmp_path
):
    from safeserve.enterprises.tests.helpers import good_row, xlsx_bytes

    seed(directory=False)
    rows = [
        good_row(1, 企业名称="安平县长青纺织有限公司"),
        good_row(2, 企业名称="安平县瑞丰米业有限公司", 行业代码="C1310"),
    ]
    sheet = tmp_path / "城关镇企业.xlsx"
    sheet.write_bytes(xlsx_bytes(rows))
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, base, "township_officer")
    page.click("text=企业名录")
    page.click("text=导入")
    page.set_input_files("#id_file", str(sheet))
    page.click("[data-testid=import-submit]")
    progress = page.locator("[data-testid=import-progress]")
    progress.wait_for()
    # The page polls with htmx until the job is done (CSP forbids eval, so no wait_for_function).
    page.locator("[data-testid=import-progress][data-status=succeeded]").wait_for()
    assert "新增 2 家企业" in progress.inner_text()
    page.click("text=查看企业名录")
    page.fill("#id_q", "cqfz")  # 长青纺织, with 长 read cháng
    page.click("button:has-text('筛选')")
    table = page.locator("table").inner_text()
    assert "安平县长青纺织有限公司" in table and "瑞丰" not in table
    page.fill("#id_q", "zqfz")  # and read zhǎng
    page.click("button:has-text('筛选')")
    assert "安平县长青纺织有限公司" in page.locator("table").inner_text()
    context.close()


# What a person reads on a 390×844 phone: no page wider than the screen, no table wider than
# the screen (tables turn into cards), no cell squeezed below two characters.
PHONE_PAGES = [
    "/",
    "/procurement/plans/",
    "/procurement/projects/",
    "/contracts/",
    "/contracts/coverage/",
    "/contracts/budget/",
    "/tasks/",
    "/hazards/",
    "/hazards/reports/",
    "/hazards/notices/",
    "/tasks/requests/",
    "/tasks/fee-reports/",
    "/enterprises/",
    "/providers/",
    "/providers/experts/",
    "/providers/employer-changes/",
    "/organizations/",
    "/accounts/users/",
    "/accounts/login-log/",
    "/accounts/denied/",
    "/audit/",
    "/audit/digests/",
]
SQUEEZED = """() => {
  const width = window.innerWidth;
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) found.push('page ' + page);
  for (const table of document.querySelectorAll('table')) {
    const box = table.getBoundingClientRect();
    if (box.width > width + 1) found.push('table ' + Math.round(box.width));
  }
  for (const cell of document.querySelectorAll('td, th')) {
    const box = cell.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width > 0 && cell.innerText.trim() && box.width < 2 * size) {
      found.push('cell ' + cell.innerText.trim().slice(0, 12));
    }
  }
  return found.slice(0, 5);
}"""


def test_every_list_reads_on_a_phone(live_server, browser):
    from safeserve.hazards.models import Notice

    seed(enterprises=(40, 10))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []  # and nothing goes wrong in the browser's console on the way
    page.on(
        "console", lambda m: errors.append(f"{page.url} {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url} {e}"))
    _sign_in(page, live_server.url, "county_admin")
    notice = Notice.objects.order_by("pk").first()
    assert notice is not None
    squeezed = {}
    for path in [*PHONE_PAGES, f"/hazards/notices/{notice.pk}/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        found = page.evaluate(SQUEEZED)
        if found:
            squeezed[path] = found
    assert squeezed == {}
    assert errors == []
    context.close()
