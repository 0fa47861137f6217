"""The hazard loop's lists filter the same way on the page, in the API and in the export
(one FilterSet each), refuse bad filters by name, export within scope with an audit event,
and read a constant number of queries whatever they hold."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    advance,
    assign,
    plan_task,
    raise_general,
    raise_major,
)
from safeserve.hazards import services
from safeserve.hazards.models import Hazard, HazardStatus

pytestmark = pytest.mark.django_db


def _on_site(users: dict[str, Any], contract: Any, hengfeng: Any, day: int) -> Any:
    task = assign(users, plan_task(users, contract, hengfeng, days=day))
    fieldwork.task_check_in(actor=users["expert"], task=task)
    return task


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def loop(users: dict[str, Any], contract: Any, hengfeng: Any) -> dict[str, Hazard]:
    """Hazards in several states on 恒丰: one found, one notified and overdue, one closed, and
    a major one with its report sent."""
    task = _on_site(users, contract, hengfeng, 1)
    found = raise_general(users, task, description="灭火器过期")
    late = advance(users, raise_general(users, task, description="通道堵塞"), "notified")
    Hazard.objects.filter(pk=late.pk).update(deadline=TODAY - dt.timedelta(days=3))
    closed = advance(users, raise_general(users, task, description="标识缺失"), "closed")
    major = raise_major(users, _on_site(users, contract, hengfeng, 2))
    report = major.major_report
    services.major_report_save(
        actor=users["expert"], report=report, current_state="泄爆口封堵", handling_advice="停产"
    )
    services.major_report_send(actor=users["expert"], report=report)
    return {"found": found, "late": late, "closed": closed, "major": major}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"found", "late", "closed", "major"}),
        ("open=1", {"found", "late", "major"}),
        ("open=0", {"closed"}),
        ("overdue=1", {"late"}),
        ("overdue=true", {"late"}),  # the API's words for yes mean the same on the page
        ("level=major", {"major"}),
        ("status=closed", {"closed"}),
        ("status=notified&overdue=1", {"late"}),
    ],
)
def test_the_page_and_the_api_list_the_same_hazards(
    users, loop, login, api, query: str, expected: set[str]
) -> None:
    want = {loop[name].pk for name in expected}
    page = login(users["township_officer"]).get(f"{reverse('hazards:list')}?{query}")
    assert {h.pk for h in page.context["page"].object_list} == want
    body = api(users["township_officer"]).get(f"/api/v1/hazards/?{query}").json()
    assert {h["id"] for h in body["results"]} == want


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("overdue=maybe", "overdue"),
        ("level=huge", "level"),
        ("status=lost", "status"),
        ("contract=abc", "contract"),
        ("task=99999999999999999999", "task"),
    ],
)
def test_a_bad_filter_is_named_on_the_page_and_refused_by_the_api(
    users, loop, login, api, query: str, field: str
) -> None:
    response = api(users["township_officer"]).get(f"/api/v1/hazards/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    page = login(users["township_officer"]).get(f"{reverse('hazards:list')}?{query}")
    assert page.status_code == 200
    assert page.context["filters"].errors[field]
    assert response.json()["errors"][field][0] in page.content.decode()


def test_the_export_takes_what_the_filters_select_and_is_audited(users, loop, login, api):
    rows = _sheet(login(users["township_officer"]).get(f"{reverse('hazards:export')}?open=1"))
    assert rows[0][0] == "隐患编号"
    assert {r[0] for r in rows[1:]} == {loop[name].number for name in ("found", "late", "major")}
    event = AuditEvent.objects.get(action="list.exported")
    assert event.after["list"] == "hazards"
    assert event.after["rows"] == 3
    assert event.after["filters"] == "open=1"
    assert event.after["channel"] == "web"
    rows = _sheet(api(users["township_officer"]).get("/api/v1/hazards/export/?overdue=1"))
    assert [r[0] for r in rows[1:]] == [loop["late"].number]
    assert AuditEvent.objects.filter(action="list.exported").count() == 2


def test_exports_stay_within_the_readers_scope(users, loop, login, api):
    """Another county sees none of it; the enterprise, only what a notice told it of."""
    other = _sheet(api(users["other_county_officer"]).get("/api/v1/hazards/export/"))
    assert other[1:] == []
    company = _sheet(login(users["enterprise_user"]).get(reverse("hazards:export")))
    numbers = {r[0] for r in company[1:]}
    assert loop["found"].number not in numbers  # not notified yet
    assert {loop["late"].number, loop["closed"].number} <= numbers
    notices = _sheet(api(users["other_county_officer"]).get("/api/v1/notices/export/"))
    assert notices[1:] == []
    reports = _sheet(api(users["housing_officer"]).get("/api/v1/major-hazard-reports/export/"))
    assert reports[1:] == []  # routed to 应急管理局, not to 住建局


def test_notices_and_reports_filter_alike_on_page_and_api(users, loop, login, api):
    waiting = {loop["late"].notice_id}
    page = login(users["township_officer"]).get(f"{reverse('hazards:notices')}?waiting=1")
    assert {n.pk for n in page.context["page"].object_list} == waiting
    body = api(users["township_officer"]).get("/api/v1/notices/?waiting=1").json()
    assert {n["id"] for n in body["results"]} == waiting
    report = loop["major"].major_report
    for query, expected in (("status=sent", {report.pk}), ("status=accepted", set())):
        page = login(users["department_officer"]).get(f"{reverse('hazards:reports')}?{query}")
        assert {r.pk for r in page.context["page"].object_list} == expected
        body = api(users["department_officer"]).get(f"/api/v1/major-hazard-reports/?{query}")
        assert {r["id"] for r in body.json()["results"]} == expected


@pytest.mark.parametrize(
    "url",
    ["hazards:export", "hazards:notices_export", "hazards:reports_export", "fieldwork:export"],
)
def test_exports_read_a_constant_number_of_queries(users, contract, hengfeng, login, url):
    client = login(users["township_officer"])
    days = iter(range(1, 40))

    def grow(count: int) -> None:
        for _ in range(count):
            task = _on_site(users, contract, hengfeng, next(days))
            general = raise_general(users, task)
            major = raise_major(users, task)
            services.notice_issue(actor=users["expert"], task=task, hazards=[general, major])
            report = major.major_report
            services.major_report_save(
                actor=users["expert"], report=report, current_state="现状", handling_advice="停产"
            )
            services.major_report_send(actor=users["expert"], report=report)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = _sheet(client.get(reverse(url)))
        return len(ctx.captured_queries), len(rows)

    grow(2)
    few, rows = count()
    grow(2)
    many, more_rows = count()
    assert more_rows > rows
    assert many == few


def test_the_overdue_flag_means_the_same_on_both_sides_of_the_deadline(users, loop, api):
    """Closed hazards are never overdue, whatever their deadline."""
    Hazard.objects.filter(pk=loop["closed"].pk).update(deadline=TODAY - dt.timedelta(days=9))
    body = api(users["township_officer"]).get("/api/v1/hazards/?overdue=1").json()
    assert {h["id"] for h in body["results"]} == {loop["late"].pk}
    body = api(users["township_officer"]).get("/api/v1/hazards/?overdue=0").json()
    assert loop["closed"].pk in {h["id"] for h in body["results"]}
    assert Hazard.objects.get(pk=loop["closed"].pk).status == HazardStatus.CLOSED


def test_a_page_export_with_a_bad_filter_exports_nothing_and_says_why(users, loop, login):
    client = login(users["township_officer"])
    response = client.get(f"{reverse('hazards:export')}?overdue=maybe&level=major")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('hazards:list')}?overdue=maybe&level=major"
    page = client.get(response["Location"])
    assert "逾期" in " ".join(str(m) for m in page.context["messages"])
    assert not AuditEvent.objects.filter(action="list.exported").exists()
