"""Bad input answered with 400/404 and a message, never a 500; what the enterprise must not
see before a notice; uploaded files never rendered as pages; edits that keep what they were
not given."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    advance,
    expert_of,
    png,
    raise_general,
    raise_major,
    template,
)
from safeserve.hazards import services as hazards
from safeserve.hazards.models import MajorHazardReport

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def test_it_keeps_the_experts_working_papers_from_the_enterprise(
    users: dict[str, Any], on_site: ServiceTask, login: Any, api: Any
) -> None:
    sheet = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = sheet.template.items.order_by("position").first()
    fieldwork.answer_record(
        actor=users["expert"],
        inspection=sheet,
        item=item,
        answer="yes",
        description="配电柜门缺失",
    )
    raise_general(users, on_site, description="配电柜门缺失")
    company = login(users["enterprise_user"])
    assert company.get(reverse("inspection", args=[on_site.pk, sheet.pk])).status_code == (404)
    page = company.get(reverse("fieldwork:detail", args=[on_site.pk]))
    assert page.status_code == 200
    assert "配电柜门缺失" not in page.content.decode()
    assert api(users["enterprise_user"]).get(f"/api/v1/inspections/{sheet.pk}/").status_code == 403
    # The expert still sees it all.
    expert_page = login(users["expert"]).get(reverse("fieldwork:detail", args=[on_site.pk]))
    assert "配电柜门缺失" in expert_page.content.decode()


def test_it_hides_a_draft_report_from_the_enterprise(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    hazard = advance(users, raise_major(users, on_site), "notified")
    body = api(users["enterprise_user"]).get(f"/api/v1/hazards/{hazard.pk}/").json()
    assert body["major_report"] is None
    assert api(users["provider_admin"]).get(f"/api/v1/hazards/{hazard.pk}/").json()["major_report"]


def test_it_never_serves_an_uploaded_page_as_html(
    users: dict[str, Any], on_site: ServiceTask, login: Any, client: Any
) -> None:
    hazard = advance(users, raise_general(users, on_site), "rectifying")
    notice = hazard.notice
    page = SimpleUploadedFile(
        "evidence.html", b"%PDF-1.4\n<html><form>fake</form></html>", content_type="text/html"
    )
    response = client.post(
        reverse("notice_link", args=[notice.pk, hazards.notice_token(notice)]),
        {"hazard": hazard.pk, "verb": "submit", "description": "已整改", "files": [page]},
    )
    assert response.status_code == 302
    stored = hazard.files.get(stage="evidence")
    served = login(users["township_officer"]).get(
        reverse("hazards:file", args=[hazard.pk, stored.pk])
    )
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"  # from the bytes, not the name
    assert served["X-Content-Type-Options"] == "nosniff"
    junk = hazard.files.create(stage="evidence", file=SimpleUploadedFile("x.html", b"<html>"))
    served = login(users["township_officer"]).get(
        reverse("hazards:file", args=[hazard.pk, junk.pk])
    )
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("assign", {"lead": "abc"}),
        ("assign", {"lead": HUGE}),
        ("checklist", {"template": "abc"}),
        ("edit", {"planned_date": "2026-02-30", "title": "x"}),
    ],
)
def test_it_answers_bad_task_form_values_with_a_message(
    users: dict[str, Any], task: ServiceTask, login: Any, verb: str, data: dict[str, str]
) -> None:
    actor = "expert" if verb == "checklist" else "provider_admin"
    response = login(users[actor]).post(
        reverse("fieldwork:action", args=[task.pk, verb]), data, follow=True
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]


def test_it_answers_bad_ids_in_lists_and_bodies_without_a_500(
    users: dict[str, Any], on_site: ServiceTask, login: Any, api: Any, client: Any
) -> None:
    officer = login(users["township_officer"])
    for url in (
        f"/hazards/?enterprise={HUGE}",
        f"/tasks/?contract={HUGE}",
        "/tasks/?contract=abc",
    ):
        assert officer.get(url).status_code == 200, url
    rest = api(users["township_officer"])
    # The API names the filter it cannot read (a 400), as it does every bad input.
    for url, field in (
        (f"/api/v1/hazards/?enterprise={HUGE}", "enterprise"),
        (f"/api/v1/tasks/?contract={HUGE}", "contract"),
        ("/api/v1/tasks/?contract=abc", "contract"),
        ("/api/v1/hazards/?overdue=maybe", "overdue"),
    ):
        response = rest.get(url)
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    expert = api(users["expert"])
    response = expert.post(
        "/api/v1/notices/", {"task": on_site.pk, "hazards": [HUGE, "abc"]}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "no_hazards"
    response = expert.post("/api/v1/notices/", {"task": HUGE, "hazards": []}, format="json")
    assert response.status_code == 404
    response = api(users["provider_admin"]).post(
        f"/api/v1/tasks/{on_site.pk}/assign/", {"lead": HUGE}, format="json"
    )
    assert response.status_code == 400
    hazard = advance(users, raise_general(users, on_site), "notified")
    link = reverse("notice_link", args=[hazard.notice_id, hazards.notice_token(hazard.notice)])
    assert client.post(link, {"hazard": "abc", "verb": "acknowledge"}).status_code == 404


def test_it_refuses_a_measurement_that_is_not_a_number(
    users: dict[str, Any], department_contracts: dict[str, Any], api: Any
) -> None:
    contract = department_contracts["occupational"]
    enterprise = contract.coverage.first().enterprise
    task = fieldwork.task_create(
        actor=users["department_officer"],
        contract=contract,
        kind="occupational_testing",
        planned_date=TODAY,
        enterprise=enterprise,
    )
    fieldwork.task_assign(actor=users["provider_admin"], task=task, lead=expert_of(users["expert"]))
    fieldwork.task_check_in(actor=users["expert"], task=task)
    response = api(users["expert"]).post(
        f"/api/v1/tasks/{task.pk}/test-results/",
        {"factor": "噪声", "point": "车间", "measured_value": "NaN", "limit_value": "85"},
        format="json",
    )
    assert response.status_code == 400
    assert not task.test_results.exists()


def test_it_keeps_the_report_parts_a_patch_leaves_out(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    report = MajorHazardReport.objects.get(hazard=raise_major(users, on_site))
    before = report.current_state
    assert before
    response = api(users["provider_admin"]).patch(
        f"/api/v1/major-hazard-reports/{report.pk}/",
        {"handling_advice": "立即停用"},
        format="json",
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.current_state == before and report.handling_advice == "立即停用"


def test_it_undoes_the_acceptance_when_a_major_hazard_is_reopened(
    users: dict[str, Any], on_site: ServiceTask
) -> None:
    hazard = raise_major(users, on_site)
    report = MajorHazardReport.objects.get(hazard=hazard)
    hazards.major_report_save(actor=users["expert"], report=report, handling_advice="停用")
    hazards.major_report_send(actor=users["expert"], report=report)
    hazards.major_report_acknowledge(actor=users["department_officer"], report=report)
    hazards.governance_plan_save(
        actor=users["enterprise_user"],
        report=report,
        parts=dict.fromkeys(
            ("targets", "methods", "funds", "organisation", "time_limits", "safety_measures"),
            "已落实",
        ),
    )
    advance(users, hazard, "submitted")
    hazards.major_report_accept(actor=users["department_officer"], report=report, note="验收合格")
    hazards.hazard_reopen(actor=users["county_officer"], hazard=hazard, reason="复查发现未整改")
    report.refresh_from_db()
    assert report.status == "acknowledged"
    assert (report.accepted_at, report.accepted_by, report.acceptance_note) == (None, None, "")


def test_it_schedules_nothing_twice_on_a_later_day(
    users: dict[str, Any], contract: Any, api: Any
) -> None:
    first = fieldwork.task_schedule_generate(
        actor=users["provider_admin"], contract=contract, visits_per_year=4
    )
    again = fieldwork.task_schedule_generate(
        actor=users["provider_admin"],
        contract=contract,
        visits_per_year=4,
        start=TODAY + dt.timedelta(days=1),
    )
    assert first > 0 and again == 0


def test_it_names_no_expert_of_another_provider(
    users: dict[str, Any], task: ServiceTask, api: Any
) -> None:
    outsider = expert_of(users["other_expert"])
    response = api(users["provider_admin"]).post(
        f"/api/v1/tasks/{task.pk}/assign/", {"lead": outsider.pk}, format="json"
    )
    assert response.status_code == 409
    assert "不得转包" in response.json()["message"]
    assert outsider.name not in response.json()["message"]


def test_it_refuses_an_unparseable_deadline_instead_of_replacing_it(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    response = login(users["expert"]).post(
        reverse("hazards:raise", args=[on_site.pk]),
        {
            "level": "general",
            "description": "d",
            "location": "l",
            "basis": "b",
            "advice": "a",
            "deadline": "2026-02-30",
            "photos": [png()],
        },
    )
    assert response.status_code == 400
    assert not on_site.hazards.exists()


def test_it_names_the_field_of_a_number_that_is_not_one(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    response = login(users["expert"]).post(
        reverse("hazards:raise", args=[on_site.pk]),
        {
            "level": "general",
            "description": "d",
            "location": "l",
            "basis": "b",
            "advice": "a",
            "funds_estimate": "NaN",
        },
    )
    assert response.status_code == 400
    assert any("预计整改资金" in str(m) for m in response.context["messages"])
    response = login(users["expert"]).post(
        reverse("hazards:raise", args=[on_site.pk]),
        {
            "level": "general",
            "description": "d",
            "location": "l",
            "basis": "b",
            "advice": "a",
            "funds_estimate": "-5",
        },
    )
    assert response.status_code == 400
    assert not on_site.hazards.exists()


def test_it_shows_a_task_in_the_same_queries_whatever_its_checklists(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(users["expert"])
    url = reverse("fieldwork:detail", args=[on_site.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    one = count()
    for code in ("gm2023-general", "gm2023-dust-explosion"):
        fieldwork.inspection_add(actor=users["expert"], task=on_site, template=template(code))
    assert count() == one
