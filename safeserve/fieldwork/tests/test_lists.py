"""Fieldwork's lists filter the same way on the page, in the API and in the export (one
FilterSet each), refuse bad filters by name, and export within scope with an audit event."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import TODAY, assign, plan_task

pytestmark = pytest.mark.django_db


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def tasks(users: dict[str, Any], contract: Any, hengfeng: Any) -> dict[str, Any]:
    """Three tasks at 恒丰: in 2 days (expert leads), in 5 days (other experts), in 9 days
    (expert leads, checked in early)."""
    soon = assign(users, plan_task(users, contract, hengfeng, days=2))
    later = plan_task(users, contract, hengfeng, days=5)
    latest = assign(users, plan_task(users, contract, hengfeng, days=9))
    fieldwork.task_check_in(actor=users["expert"], task=latest)
    return {"soon": soon, "later": later, "latest": latest}


@pytest.mark.parametrize(
    ("username", "query", "expected"),
    [
        ("township_officer", "", {"soon", "later", "latest"}),
        ("township_officer", "status=on_site", {"latest"}),
        ("township_officer", "kind=training", set()),
        ("expert", "mine=1", {"soon", "latest"}),
        ("expert", "mine=yes", {"soon", "latest"}),
        (
            "township_officer",
            f"date_to={(TODAY + dt.timedelta(days=5)).isoformat()}",
            {"soon", "later"},
        ),
        (
            "township_officer",
            f"date_from={(TODAY + dt.timedelta(days=3)).isoformat()}",
            {"later", "latest"},
        ),
    ],
)
def test_the_page_and_the_api_list_the_same_tasks(
    users, tasks, login, api, username: str, query: str, expected: set[str]
) -> None:
    want = {tasks[name].pk for name in expected}
    page = login(users[username]).get(f"{reverse('fieldwork:list')}?{query}")
    assert {t.pk for t in page.context["page"].object_list} == want
    body = api(users[username]).get(f"/api/v1/tasks/?{query}").json()
    assert {t["id"] for t in body["results"]} == want


@pytest.mark.parametrize(
    ("query", "field"),
    [("date_from=yesterday", "date_from"), ("mine=perhaps", "mine"), ("kind=party", "kind")],
)
def test_a_bad_task_filter_is_named(users, tasks, login, api, query: str, field: str) -> None:
    response = api(users["township_officer"]).get(f"/api/v1/tasks/?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]
    page = login(users["township_officer"]).get(f"{reverse('fieldwork:list')}?{query}")
    assert page.status_code == 200 and page.context["filters"].errors[field]


def test_the_task_export_lists_the_team_and_is_audited(users, tasks, login, api):
    rows = _sheet(
        login(users["township_officer"]).get(f"{reverse('fieldwork:export')}?status=planned")
    )
    header, body = rows[0], rows[1:]
    assert header[:4] == ["计划日期", "任务类型", "名称", "企业"]
    # The team, lead first; the task nobody was assigned to yet has none.
    assert sorted((r[7] or "") for r in body) == ["", "何振华、林晓梅"]
    event = AuditEvent.objects.get(action="list.exported")
    assert (event.after["list"], event.after["rows"]) == ("tasks", 2)
    assert _sheet(api(users["other_county_officer"]).get("/api/v1/tasks/export/"))[1:] == []


def test_fee_reports_and_document_requests_filter_and_export_alike(
    users, contract, hengfeng, login, api
):
    complaint = fieldwork.fee_complaint_report(
        actor=users["enterprise_user"],
        enterprise=hengfeng,
        contract=contract,
        demanded_by="检查专家",
        demanded_on=TODAY,
        amount=Decimal("500"),
        description="检查后索要咨询费",
    )
    request = fieldwork.document_request_create(
        actor=users["provider_admin"],
        contract=contract,
        enterprise=hengfeng,
        kind="documents",
        description="请提供安全生产责任制文件",
        due_date=TODAY + dt.timedelta(days=7),
    )
    office = users["county_officer"]
    for query, expected in (("status=reported", {complaint.pk}), ("status=confirmed", set())):
        page = login(office).get(f"{reverse('fieldwork:fee_complaints')}?{query}")
        assert {c.pk for c in page.context["page"].object_list} == expected
        body = api(office).get(f"/api/v1/fee-complaints/?{query}").json()
        assert {c["id"] for c in body["results"]} == expected
    rows = _sheet(api(office).get("/api/v1/fee-complaints/export/?status=reported"))
    assert [r[2] for r in rows[1:]] == ["检查专家"]
    provider = users["provider_admin"]
    for query, expected in (("status=open", {request.pk}), ("kind=site_access", set())):
        page = login(provider).get(f"{reverse('fieldwork:document_requests')}?{query}")
        assert {r.pk for r in page.context["page"].object_list} == expected
        body = api(provider).get(f"/api/v1/document-requests/?{query}").json()
        assert {r["id"] for r in body["results"]} == expected
    rows = _sheet(login(provider).get(reverse("fieldwork:document_requests_export")))
    assert [r[3] for r in rows[1:]] == ["请提供安全生产责任制文件"]
    assert AuditEvent.objects.filter(action="list.exported").count() == 2
    bad = api(office).get("/api/v1/fee-complaints/?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
