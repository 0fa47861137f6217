"""On a phone-sized screen in Debian's Chromium: an expert checks in (with the phone's
location), answers three checklist items and raises a hazard with a photo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.demo.fieldwork import demo_png
from safeserve.demo.seed import DEMO_PASSWORD, seed
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import InspectionAnswer, ServiceTask, TaskStatus
from safeserve.hazards.models import Hazard
from safeserve.providers.models import Expert

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PNG = demo_png(1, 8, 8)


def _task_for_expert() -> ServiceTask:
    seed(enterprises=(40, 10))
    contract = Contract.objects.get(status=ContractStatus.IN_SERVICE, number__contains="城关镇")
    users = {u.username: u for u in User.objects.filter(username__in=["provider_admin", "expert"])}
    enterprise = Enterprise.objects.get(organization__users__username="enterprise_user")
    task = fieldwork.task_create(
        actor=users["provider_admin"],
        contract=contract,
        kind="inspection",
        planned_date=timezone.localdate(),
        enterprise=enterprise,
        title="手机检查演示",
    )
    fieldwork.task_assign(
        actor=users["provider_admin"], task=task, lead=Expert.objects.get(user=users["expert"])
    )
    return task


def test_an_expert_inspects_on_a_phone(live_server, browser, tmp_path: Path) -> None:
    task = _task_for_expert()
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 30.5, "longitude": 114.3},
        permissions=["geolocation"],
        locale="zh-CN",
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "expert")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/tasks/")
    page.click(f"[data-testid=my-week] a[href='/tasks/{task.pk}/']")
    # The button shows while the page is still parsing; app.js (at the end of the body)
    # adds the location on submit, so wait for the page to load before tapping it.
    page.wait_for_url(f"{base}/tasks/{task.pk}/")
    page.click("[data-testid=check-in]")
    page.wait_for_selector("[data-testid=checked-in]")
    page.wait_for_load_state()
    task.refresh_from_db()
    assert task.status == TaskStatus.ON_SITE
    assert task.check_in_latitude is not None and float(task.check_in_latitude) == 30.5

    page.select_option("select[name=template]", label="通用安全生产检查表（一般隐患）")
    page.click("[data-testid=add-checklist]")
    page.wait_for_selector("[data-testid=item]")
    page.wait_for_load_state()  # the cards save in place once htmx has loaded
    # The page fits the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Each card saves in place (htmx): its message appears inside it, the page stays.
    page.evaluate("window.stayed = true")
    for index in (0, 1):
        card = page.locator("[data-testid=item]").nth(index)
        card.locator("label.btn-outline-success").click()
        card.locator("button[type=submit]").click()
        page.locator("[data-testid=item]").nth(index).locator(
            "[data-testid=item-message]"
        ).wait_for()
    assert page.evaluate("window.stayed") is True
    assert page.inner_text("#answered-count").startswith("2/")

    photo = tmp_path / "fire-exit.png"
    photo.write_bytes(PNG)
    card = page.locator("[data-testid=item]").nth(2)
    card.locator("label.btn-outline-danger").click()
    card.locator("textarea[name=description]").fill("安全出口被货物堵塞")
    card.locator("input[name=photos]").set_input_files(str(photo))
    card.locator("details summary").click()
    card.locator("input[name=raise_hazard]").check()
    card.locator("input[name=location]").fill("成品仓库东侧安全出口")
    card.locator("textarea[name=advice]").fill("立即清理出口，设置禁止堆放标识")
    card.locator("input[name=deadline]").fill(
        (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    )
    card.locator("button[type=submit]").click()
    page.locator("[data-testid=item]").nth(2).locator("[data-testid=item-message]").wait_for()
    page.screenshot(path=str(tmp_path / "inspection.png"), full_page=True)

    assert InspectionAnswer.objects.filter(inspection__task=task).count() == 3
    hazard = Hazard.objects.get(task=task)
    assert hazard.description == "安全出口被货物堵塞"
    assert hazard.files.count() == 1
    assert page.locator(f"text={hazard.number}").count() >= 1
    context.close()
