"""The fieldwork pages: who sees them (200 / 404), who acts (403), bad input kept as a
message, constant query counts. The phone checklist is tested with hazards
(safeserve/hazards/tests/test_answer_and_raise.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.common.tests.clock import SHANGHAI
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask, TaskStatus
from safeserve.fieldwork.selectors import my_week_counts
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    assign,
    expert_of,
    plan_task,
    png,
    reload,
)
from safeserve.hazards.models import Hazard

pytestmark = pytest.mark.django_db


def test_it_shows_the_task_page_to_those_in_scope_and_hides_it_from_others(
    users: dict[str, Any], task: ServiceTask, login: Any
) -> None:
    url = reverse("fieldwork:detail", args=[task.pk])
    expected = {
        "county_officer": 200,
        "township_officer": 200,
        "provider_admin": 200,
        "provider_leader": 200,
        "expert": 200,
        "expert2": 200,
        "enterprise_user": 200,
        "department_officer": 404,
        "housing_officer": 404,
        "other_provider_admin": 404,
        "other_expert": 404,
        "other_county_officer": 404,
        "evaluator": 404,
    }
    got = {name: login(users[name]).get(url).status_code for name in expected}
    assert got == expected


def test_it_lists_an_experts_day_and_week(
    users: dict[str, Any], contract: Any, hengfeng: Any, login: Any
) -> None:
    """The week runs Monday to Sunday: on Wednesday, Thursday's and Sunday's tasks are this
    week's and next Monday's is not; on Sunday, only Sunday's is left. Dates are days of next
    week, so the contract (in service from "today") covers them whatever today is."""
    monday = TODAY + dt.timedelta(days=7 - TODAY.weekday())
    days_ahead = {(monday + dt.timedelta(days=n) - TODAY).days: n for n in (3, 6, 7)}
    tasks = {}
    for ahead, offset in days_ahead.items():
        tasks[offset] = plan_task(users, contract, hengfeng, days=ahead)
        assign(users, tasks[offset])

    def listed(on: dt.date) -> dict[str, list[int]]:
        with time_machine.travel(dt.datetime.combine(on, dt.time(9), tzinfo=SHANGHAI)):
            response = login(users["expert"]).get(reverse("fieldwork:list"))
            counted = my_week_counts(users["expert"], on)  # the home page's figures
        assert response.status_code == 200
        week = {key: [t.pk for t in value] for key, value in response.context["week"].items()}
        assert counted == {key: len(value) for key, value in week.items()}
        return week

    wednesday = listed(monday + dt.timedelta(days=2))
    assert wednesday["week"] == [tasks[3].pk, tasks[6].pk] and wednesday["today"] == []
    sunday = listed(monday + dt.timedelta(days=6))
    assert sunday["today"] == [tasks[6].pk] and sunday["week"] == []
    assert sunday["late"] == [tasks[3].pk]
    other = login(users["other_expert"]).get(reverse("fieldwork:list"))
    assert list(other.context["page"]) == []


def test_it_checks_in_with_the_phones_location(
    users: dict[str, Any], task: ServiceTask, login: Any
) -> None:
    client = login(users["expert"])
    response = client.post(
        reverse("fieldwork:action", args=[task.pk, "check-in"]),
        {"latitude": "30.123456", "longitude": "114.654321", "accuracy": "12"},
    )
    assert response.status_code == 302
    task = reload(task)
    assert task.status == TaskStatus.ON_SITE
    assert str(task.check_in_latitude) == "30.123456"
    assert task.check_in_accuracy == 12


def test_it_refuses_check_in_by_someone_not_assigned(
    users: dict[str, Any], task: ServiceTask, login: Any
) -> None:
    assert (
        login(users["provider_admin"])
        .post(reverse("fieldwork:action", args=[task.pk, "check-in"]))
        .status_code
        == 403
    )
    assert (
        login(users["other_expert"])
        .post(reverse("fieldwork:action", args=[task.pk, "check-in"]))
        .status_code
        == 404
    )
    assert reload(task).status == TaskStatus.PLANNED


def test_it_plans_a_schedule_from_the_page(
    users: dict[str, Any], contract: Any, login: Any
) -> None:
    client = login(users["provider_admin"])
    url = reverse("fieldwork:plan", args=[contract.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"what": "schedule", "visits_per_year": "4"})
    assert response.status_code == 302
    assert ServiceTask.objects.filter(contract=contract).count() == 3 * len(
        fieldwork.schedule_dates(TODAY, contract.period_end, 4)
    )
    assert login(users["county_officer"]).get(url).status_code == 403
    assert login(users["enterprise_user"]).get(url).status_code == 404
    assert login(users["other_provider_admin"]).get(url).status_code == 404


def test_it_refuses_an_expert_of_another_provider_on_the_page(
    users: dict[str, Any], task: ServiceTask, login: Any
) -> None:
    outsider = expert_of(users["other_expert"])
    response = login(users["provider_admin"]).post(
        reverse("fieldwork:action", args=[task.pk, "assign"]),
        {"lead": outsider.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert any("不得转包" in str(m) for m in response.context["messages"])
    assert not task.assignments.filter(expert=outsider).exists()


def _task_list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("fieldwork:list")).status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_tasks_in_a_constant_number_of_queries(
    users: dict[str, Any], contract: Any, login: Any, request: pytest.FixtureRequest
) -> None:
    enterprise = contract.coverage.first().enterprise
    for day in range(3):
        assign(users, plan_task(users, contract, enterprise, days=day + 1))
    client = login(users["township_officer"])
    few = _task_list_queries(client)
    plannable = len(client.get(reverse("fieldwork:list")).context["plannable"])
    for day in range(3, 9):
        assign(users, plan_task(users, contract, enterprise, days=day + 1))
    request.getfixturevalue("training_contract")  # one more contract in the planning menu
    assert len(client.get(reverse("fieldwork:list")).context["plannable"]) == plannable + 1
    assert _task_list_queries(client) == few
    expert = login(users["expert"])
    few = _task_list_queries(expert)
    for day in range(9, 15):
        assign(users, plan_task(users, contract, enterprise, days=day + 1))
    assert _task_list_queries(expert) == few


def _grow_hazards(users: dict[str, Any], contract: Any, count: int) -> None:
    from safeserve.fieldwork.tests.conftest import raise_general, raise_major
    from safeserve.hazards import services as hazards

    enterprise = contract.coverage.first().enterprise
    for _ in range(count):
        task = assign(users, plan_task(users, contract, enterprise))
        fieldwork.task_check_in(actor=users["expert"], task=task)
        general = raise_general(users, task, photos=[png()])
        major = raise_major(users, task)
        hazards.notice_issue(actor=users["expert"], task=task, hazards=[general, major])
        report = major.major_report
        hazards.major_report_save(
            actor=users["expert"],
            report=report,
            current_state="现状",
            harm_analysis="",
            handling_advice="停产整改",
        )
        hazards.major_report_send(actor=users["expert"], report=report)


@pytest.mark.parametrize(
    ("username", "url_name"),
    [
        ("township_officer", "hazards:list"),
        ("county_officer", "hazards:list"),
        ("enterprise_user", "hazards:list"),
        ("township_officer", "hazards:notices"),
        ("enterprise_user", "hazards:notices"),
        ("department_officer", "hazards:reports"),
        ("township_officer", "hazards:reports"),
        ("township_officer", "fieldwork:list"),
    ],
)
def test_it_lists_hazards_notices_and_reports_in_constant_queries(
    users: dict[str, Any], contract: Any, hengfeng: Any, login: Any, username: str, url_name: str
) -> None:
    contract.coverage.exclude(enterprise=hengfeng).delete()  # every row is enterprise_user's
    _grow_hazards(users, contract, 2)
    client = login(users[username])

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name))
            assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["page"].object_list)

    few, rows = count()
    _grow_hazards(users, contract, 2)
    many, more_rows = count()
    assert more_rows > rows
    assert many == few


def test_it_lets_the_enterprise_acknowledge_a_whole_notice(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    from safeserve.fieldwork.tests.conftest import raise_general
    from safeserve.hazards import services as hazards

    first = raise_general(users, on_site)
    second = raise_general(users, on_site, description="灭火器过期")
    notice = hazards.notice_issue(actor=users["expert"], task=on_site, hazards=[first, second])
    url = reverse("hazards:notice_acknowledge", args=[notice.pk])
    assert login(users["expert"]).post(url).status_code == 403
    assert login(users["other_county_officer"]).post(url).status_code == 404
    company = login(users["enterprise_user"])
    page = company.get(reverse("hazards:notice", args=[notice.pk]))
    assert page.context["can_acknowledge"]
    assert company.post(url).status_code == 302
    assert set(Hazard.objects.filter(notice=notice).values_list("status", flat=True)) == {
        "rectifying"
    }
