"""Answer a checklist item and raise its hazard in one step (R10), from the expert's phone
page and from the API: both go through ``answer_and_raise``, keep both or neither, and name
what is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import InspectionPhoto, ServiceTask
from safeserve.fieldwork.tests.conftest import TODAY, png, template
from safeserve.hazards.models import Hazard, HazardLevel

pytestmark = pytest.mark.django_db


def _sheet(users: dict[str, Any], task: ServiceTask, code: str = "general-basic") -> Any:
    sheet = fieldwork.inspection_add(actor=users["expert"], task=task, template=template(code))
    item = sheet.template.items.order_by("position").first()
    assert item is not None
    return sheet, item


def test_it_answers_an_item_and_raises_its_hazard_in_one_step(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = sheet.template.items.order_by("position").first()
    assert item is not None
    client = login(users["expert"])
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "item": item.pk,
            "answer": "yes",
            "description": "安全生产责任制未覆盖班组长",
            "raise_hazard": "1",
            "level": "general",
            "location": "办公楼",
            "advice": "补充班组长岗位责任制并培训",
            "deadline": (TODAY + dt.timedelta(days=15)).isoformat(),
            "photos": [png("a.png"), png("b.png")],
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get(task=on_site)
    assert hazard.level == HazardLevel.GENERAL
    assert hazard.checklist_item_id == item.pk
    assert hazard.files.count() == 2
    assert hazard.answer is not None and hazard.answer.photos.count() == 2


def test_it_keeps_nothing_when_the_hazard_part_is_refused(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    """The answer and its hazard are one step: a missing location refuses both."""
    sheet = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = sheet.template.items.order_by("position").first()
    assert item is not None
    client = login(users["expert"])
    url = reverse("inspection", args=[on_site.pk, sheet.pk])
    response = client.post(
        url,
        {
            "item": item.pk,
            "answer": "yes",
            "description": "消防通道堵塞",
            "raise_hazard": "1",
            "advice": "清理通道",
            "photos": [png()],
        },
    )
    assert response.status_code == 400
    assert sheet.answers.count() == 0
    assert not Hazard.objects.filter(task=on_site).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "隐患部位" in messages[0]
    # What the expert typed comes back in the card; no photo was stored.
    page = response.content.decode()
    assert "消防通道堵塞" in page and "清理通道" in page
    assert not InspectionPhoto.objects.exists()


def test_it_refuses_a_non_photo_upload_with_a_message(
    users: dict[str, Any], on_site: ServiceTask, login: Any
) -> None:
    sheet = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = sheet.template.items.order_by("position").first()
    assert item is not None
    response = login(users["expert"]).post(
        reverse("inspection", args=[on_site.pk, sheet.pk]),
        {
            "item": item.pk,
            "answer": "no",
            "photos": [SimpleUploadedFile("x.txt", b"hello", content_type="image/png")],
        },
    )
    assert response.status_code == 400
    assert sheet.answers.count() == 0
    assert any("x.txt" in str(m) for m in response.context["messages"])


def test_the_api_answers_and_raises_in_one_request(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    sheet, item = _sheet(users, on_site)
    response = api(users["expert"]).post(
        f"/api/v1/inspections/{sheet.pk}/answer/",
        {
            "item": item.pk,
            "answer": "yes",
            "description": "安全生产责任制未覆盖班组长",
            "raise_hazard": "true",
            "location": "办公楼",
            "advice": "补充班组长岗位责任制并培训",
            "deadline": (TODAY + dt.timedelta(days=15)).isoformat(),
            "photos": [png()],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    hazard = Hazard.objects.get(task=on_site)
    assert body["raised_hazard"] == {
        "id": hazard.pk,
        "number": hazard.number,
        "level": HazardLevel.GENERAL,
    }
    assert hazard.checklist_item_id == item.pk and hazard.files.count() == 1
    assert body["items"][0]["answer"] == "yes"
    # One service behind the page and the API: the same two events, on the task and hazard.
    assert AuditEvent.objects.filter(action="task.item_answered").count() == 1
    assert AuditEvent.objects.filter(action="hazard.raised").count() == 1


def test_the_api_answer_alone_raises_nothing(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    sheet, item = _sheet(users, on_site)
    response = api(users["expert"]).post(
        f"/api/v1/inspections/{sheet.pk}/answer/",
        {"item": item.pk, "answer": "no"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["raised_hazard"] is None
    assert not Hazard.objects.exists()


def test_a_major_criterion_raises_a_major_hazard_from_the_api(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    sheet, item = _sheet(users, on_site, "gm2023-general")
    assert item.is_major
    response = api(users["expert"]).post(
        f"/api/v1/inspections/{sheet.pk}/answer/",
        {
            "item": item.pk,
            "answer": "yes",
            "description": "粉尘爆炸危险场所未设置泄爆装置",
            "raise_hazard": True,
            "level": "general",  # the item makes it major whatever is asked
            "location": "抛光车间",
            "advice": "停用并设置泄爆装置",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["raised_hazard"]["level"] == HazardLevel.MAJOR


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"answer": "no"}, "answer"),  # only a problem found raises a hazard
        ({"location": ""}, "location"),
        ({"advice": "  "}, "advice"),
        ({"description": ""}, "description"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"level": "huge"}, "level"),
    ],
)
def test_the_api_keeps_nothing_when_either_part_is_refused(
    users: dict[str, Any], on_site: ServiceTask, api: Any, changes: dict[str, Any], field: str
) -> None:
    sheet, item = _sheet(users, on_site)
    values = {
        "item": item.pk,
        "answer": "yes",
        "description": "消防通道堵塞",
        "raise_hazard": "true",
        "location": "仓库北侧",
        "advice": "清理通道",
        "photos": [png()],
        **changes,
    }
    response = api(users["expert"]).post(
        f"/api/v1/inspections/{sheet.pk}/answer/", values, format="multipart"
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert sheet.answers.count() == 0
    assert not Hazard.objects.exists()
    assert not InspectionPhoto.objects.exists()


def test_only_the_team_on_site_answers_and_raises(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    sheet, item = _sheet(users, on_site)
    values = {
        "item": item.pk,
        "answer": "yes",
        "description": "消防通道堵塞",
        "raise_hazard": True,
        "location": "仓库北侧",
        "advice": "清理通道",
    }
    expected = {
        "expert": 200,
        "expert2": 200,
        "provider_admin": 403,  # sees the working papers, is not on the team
        "township_officer": 403,
        "other_expert": 404,
        "enterprise_user": 403,  # no working papers
        "other_county_officer": 404,
    }
    got = {}
    for username in expected:
        response = api(users[username]).post(
            f"/api/v1/inspections/{sheet.pk}/answer/", values, format="json"
        )
        got[username] = response.status_code
        Hazard.objects.all().delete()
    assert got == expected
