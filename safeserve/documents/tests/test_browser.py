"""A technical report's page in Debian's Chromium: while its PDF is made the page shows the
progress and reloads itself once it is ready; then the last expert reads the PDF and signs
with the password, and the provider's admin seals it and reads the number."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from safeserve.demo.seed import DEMO_PASSWORD, seed
from safeserve.documents.models import RenderStatus, ReportStatus, TechnicalReport

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_the_last_expert_signs_and_the_provider_seals(live_server, browser) -> None:
    seed(enterprises=(40, 10))
    report = TechnicalReport.objects.get(status=ReportStatus.SIGNING)  # waits on expert2
    base, url = live_server.url, f"{live_server.url}/documents/reports/{report.pk}/"

    # the PDF is still being made: the page shows how far, and reloads once it is ready
    document_file = report.document.file.name
    TechnicalReport.objects.filter(pk=report.pk).update(
        render_status=RenderStatus.RUNNING, render_progress=40
    )
    type(report.document).objects.filter(pk=report.document.pk).update(file="")
    expert = _login(browser, base, "expert2")
    expert.goto(url)
    progress = expert.get_by_test_id("render-progress")
    expect(progress).to_contain_text("40%")
    expect(expert.locator('form[data-verb="sign"]')).to_have_count(0)
    type(report.document).objects.filter(pk=report.document.pk).update(file=document_file)
    TechnicalReport.objects.filter(pk=report.pk).update(
        render_status=RenderStatus.DONE, render_progress=100
    )
    form = expert.locator('form[data-verb="sign"]')
    expect(form).to_be_visible(timeout=10_000)  # polled, then reloaded by HX-Refresh

    # a wrong password loses nothing and says so
    form.locator("input[name=password]").fill("not-the-password")
    form.locator("button[type=submit]").click()
    expect(expert.locator(".alert-danger")).to_contain_text("密码")
    form = expert.locator('form[data-verb="sign"]')
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(expert.locator(".alert-success")).to_be_visible()
    expect(expert.locator('form[data-verb="sign"]')).to_have_count(0)

    admin = _login(browser, base, "provider_admin")
    admin.goto(url)
    seal = admin.locator('form[data-verb="seal"]')
    seal.locator("input[name=password]").fill(DEMO_PASSWORD)
    seal.locator("button[type=submit]").click()
    expect(admin.locator(".alert-success")).to_be_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.SEALED and report.number
    expect(admin.locator("h1")).to_contain_text(report.number)
