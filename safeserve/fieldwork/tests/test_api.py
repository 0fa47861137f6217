"""The fieldwork and hazard API end to end: the closed loop of a general hazard through the
verbs, the notice link, a major hazard through its report, errors as codes and Chinese
messages, data scope, and constant query counts on every list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    advance,
    assign,
    expert_of,
    plan_task,
    png,
    raise_general,
    raise_major,
    template,
)
from safeserve.hazards import services as hazards
from safeserve.hazards.models import Hazard, MajorHazardReport, Notice

pytestmark = pytest.mark.django_db


def test_it_runs_a_general_hazard_through_the_api(
    users: dict[str, Any], task: ServiceTask, api: Any
) -> None:
    expert = api(users["expert"])
    assert expert.post(f"/api/v1/tasks/{task.pk}/check-in/", {}, format="json").status_code == 200
    checklists = expert.get(f"/api/v1/tasks/{task.pk}/checklists/").json()
    assert "general-basic" in [t["code"] for t in checklists["suggested"]]
    added = expert.post(
        f"/api/v1/tasks/{task.pk}/checklists/", {"template": "general-basic"}, format="json"
    )
    assert added.status_code == 201
    inspection = added.json()["inspection"]
    sheet = expert.get(f"/api/v1/inspections/{inspection}/").json()
    first = sheet["items"][0]["item"]
    answered = expert.post(
        f"/api/v1/inspections/{inspection}/answer/",
        {"item": first, "answer": "yes", "description": "消防通道堵塞", "photos": [png()]},
        format="multipart",
    )
    assert answered.status_code == 200, answered.json()
    answer_id = answered.json()["items"][0]["answer_id"]
    raised = expert.post(
        "/api/v1/hazards/",
        {
            "task": task.pk,
            "answer": answer_id,
            "description": "消防通道堵塞",
            "location": "仓库北侧",
            "advice": "清理通道，设置禁止堆放标识",
            "photos": [png()],
        },
        format="multipart",
    )
    assert raised.status_code == 201, raised.json()
    hazard = raised.json()
    assert hazard["status"] == "found" and hazard["level"] == "general"
    assert hazard["experts"]
    notified = expert.post(f"/api/v1/hazards/{hazard['id']}/notify/")
    assert notified.json()["status"] == "notified"
    company = api(users["enterprise_user"])
    assert company.post(f"/api/v1/hazards/{hazard['id']}/acknowledge/").json()["status"] == (
        "rectifying"
    )
    no_evidence = company.post(
        f"/api/v1/hazards/{hazard['id']}/submit/", {"description": "已清理"}, format="multipart"
    )
    assert no_evidence.status_code == 400
    assert no_evidence.json()["code"] == "evidence_required"
    assert "files" in no_evidence.json()["errors"]
    submitted = company.post(
        f"/api/v1/hazards/{hazard['id']}/submit/",
        {"description": "已清理", "files": [png("after.png")]},
        format="multipart",
    )
    assert submitted.json()["status"] == "submitted"
    refused = company.post(f"/api/v1/hazards/{hazard['id']}/verify/", {"note": "自查合格"})
    assert refused.status_code == 403
    closed = api(users["expert2"]).post(
        f"/api/v1/hazards/{hazard['id']}/verify/", {"note": "现场复查，通道已清理"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api(users["expert2"]).post(
        f"/api/v1/hazards/{hazard['id']}/verify/", {"note": "再次复查"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_state"
    reopened = api(users["township_officer"]).post(
        f"/api/v1/hazards/{hazard['id']}/reopen/", {"reason": "抽查发现通道再次堵塞"}
    )
    assert reopened.json()["status"] == "rectifying"


def test_it_refuses_a_file_that_is_not_a_photo_with_415(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    response = api(users["expert"]).post(
        "/api/v1/hazards/",
        {
            "task": on_site.pk,
            "description": "d",
            "location": "l",
            "advice": "a",
            "basis": "b",
            "photos": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 415
    assert "virus.exe" in response.json()["message"]
    assert not Hazard.objects.exists()


def test_it_refuses_missing_fields_with_400_naming_them(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    response = api(users["expert"]).post(
        "/api/v1/hazards/", {"task": on_site.pk, "description": ""}, format="json"
    )
    assert response.status_code == 400
    assert {"description", "location", "advice"} <= set(response.json()["errors"])


def test_it_lets_the_notice_link_reach_only_its_own_hazards(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    first = raise_general(users, on_site)
    second = raise_general(users, on_site, description="灭火器过期")
    notice_a = hazards.notice_issue(actor=users["expert"], task=on_site, hazards=[first])
    notice_b = hazards.notice_issue(actor=users["expert"], task=on_site, hazards=[second])
    anonymous = api()
    url = f"/api/v1/notice-links/{notice_a.pk}/{hazards.notice_token(notice_a)}/"
    body = anonymous.get(url).json()
    assert [h["id"] for h in body["hazards"]] == [first.pk]
    other = anonymous.post(url, {"hazard": second.pk, "verb": "acknowledge"}, format="json")
    assert other.status_code == 404
    forged = f"/api/v1/notice-links/{notice_b.pk}/{hazards.notice_token(notice_a)}/"
    assert anonymous.get(forged).status_code == 404
    ok = anonymous.post(url, {"hazard": first.pk, "verb": "acknowledge"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["hazards"][0]["status"] == "rectifying"
    submitted = anonymous.post(
        url,
        {"hazard": first.pk, "verb": "submit", "description": "已更换", "files": [png()]},
        format="multipart",
    )
    assert submitted.json()["hazards"][0]["status"] == "submitted"
    Notice.objects.filter(pk=notice_a.pk).update(
        link_expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert anonymous.get(url).status_code == 410


def test_it_runs_a_major_hazard_through_its_report(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    hazard = raise_major(users, on_site)
    report = MajorHazardReport.objects.get(hazard=hazard)
    # R12: a non-high-risk enterprise → the fallback department, township copied.
    assert report.department == users["department_officer"].organization
    assert report.copied_township == users["township_officer"].organization
    provider = api(users["provider_admin"])
    refused = provider.post(f"/api/v1/major-hazard-reports/{report.pk}/send/")
    assert refused.status_code == 400 and refused.json()["code"] == "report_incomplete"
    provider.patch(
        f"/api/v1/major-hazard-reports/{report.pk}/",
        {"current_state": "除尘系统未设泄爆", "handling_advice": "立即停用除尘系统，加装泄爆片"},
        format="json",
    )
    sent = provider.post(f"/api/v1/major-hazard-reports/{report.pk}/send/")
    assert sent.json()["status"] == "sent" and sent.json()["sent_late"] is False
    township = api(users["township_officer"])
    assert township.get(f"/api/v1/major-hazard-reports/{report.pk}/").status_code == 200
    assert township.post(f"/api/v1/major-hazard-reports/{report.pk}/acknowledge/").status_code == (
        403
    )
    department = api(users["department_officer"])
    assert department.post(f"/api/v1/major-hazard-reports/{report.pk}/acknowledge/").json()[
        "status"
    ] == ("acknowledged")
    supervised = department.post(
        f"/api/v1/major-hazard-reports/{report.pk}/supervise/",
        {
            "supervision_level": "county",
            "supervising_unit": "安平县应急管理局",
            "planned_completion": (TODAY + dt.timedelta(days=30)).isoformat(),
        },
        format="json",
    )
    assert supervised.json()["status"] == "supervised"
    advance(users, hazard, "submitted")
    verify = api(users["expert2"]).post(f"/api/v1/hazards/{hazard.pk}/verify/", {"note": "合格"})
    assert verify.status_code == 409 and verify.json()["code"] == "major_needs_acceptance"
    early = department.post(f"/api/v1/major-hazard-reports/{report.pk}/accept/", {"note": "验收"})
    assert early.status_code == 409 and early.json()["code"] == "plan_incomplete"
    plan = {
        "targets": "消除粉尘爆炸隐患",
        "methods": "加装泄爆片和隔爆阀",
        "funds": "8万元，企业自筹",
        "organisation": "设备部负责，张经理",
        "time_limits": "30日内完成",
        "safety_measures": "停用除尘系统，编制专项应急预案",
    }
    company = api(users["enterprise_user"])
    assert (
        company.post(
            f"/api/v1/major-hazard-reports/{report.pk}/governance-plan/", plan, format="json"
        ).status_code
        == 200
    )
    accepted = department.post(
        f"/api/v1/major-hazard-reports/{report.pk}/accept/", {"note": "现场验收合格"}
    )
    assert accepted.json()["status"] == "accepted"
    assert Hazard.objects.get(pk=hazard.pk).status == "closed"


def test_it_hides_other_scopes_in_every_list(
    users: dict[str, Any], on_site: ServiceTask, api: Any
) -> None:
    hazard = raise_general(users, on_site)
    for name in ("other_county_officer", "other_provider_admin", "other_expert", "housing_officer"):
        client = api(users[name])
        assert client.get("/api/v1/tasks/").json()["results"] == [], name
        assert client.get("/api/v1/hazards/").json()["results"] == [], name
        assert client.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404, name
    # The enterprise sees its hazards once notified, not while they are only found.
    company = api(users["enterprise_user"])
    assert company.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404
    advance(users, hazard, "notified")
    assert company.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 200


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tasks/", "/api/v1/hazards/", "/api/v1/notices/", "/api/v1/major-hazard-reports/"],
)
def test_it_lists_in_a_constant_number_of_queries(
    users: dict[str, Any], contract: Any, api: Any, url: str
) -> None:
    enterprise = contract.coverage.first().enterprise

    def grow(count: int) -> None:
        for _ in range(count):
            task = assign(users, plan_task(users, contract, enterprise))
            from safeserve.fieldwork import services as fieldwork

            fieldwork.task_check_in(actor=users["expert"], task=task)
            raise_general(users, task, photos=[png()])
            major = raise_major(users, task)
            hazards.notice_issue(actor=users["expert"], task=task, hazards=[major])

    grow(2)
    client = api(users["township_officer"])
    few = _count(client, url)
    grow(2)
    assert _count(client, url) == few


def test_it_refuses_assigning_an_expert_of_another_provider(
    users: dict[str, Any], contract: Any, hengfeng: Any, api: Any
) -> None:
    task = plan_task(users, contract, hengfeng)
    response = api(users["provider_admin"]).post(
        f"/api/v1/tasks/{task.pk}/assign/",
        {"lead": expert_of(users["other_expert"]).pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "expert_not_allowed"
    assert "不得转包" in response.json()["message"]


def test_it_schedules_and_rates_through_the_api(
    users: dict[str, Any], contract: Any, hengfeng: Any, api: Any
) -> None:
    provider = api(users["provider_admin"])
    created = provider.post(
        "/api/v1/tasks/schedule/", {"contract": contract.pk, "visits_per_year": 4}, format="json"
    )
    assert created.status_code == 201 and created.json()["created"] > 0
    again = provider.post(
        "/api/v1/tasks/schedule/", {"contract": contract.pk, "visits_per_year": 4}, format="json"
    )
    assert again.json()["created"] == 0
    task = ServiceTask.objects.filter(contract=contract, enterprise=hengfeng).first()
    assert task is not None
    assign(users, task)
    expert = api(users["expert"])
    for latitude in ("abc", "91"):
        bad = expert.post(
            f"/api/v1/tasks/{task.pk}/check-in/",
            {"latitude": latitude, "longitude": "1"},
            format="json",
        )
        assert bad.status_code == 400 and "latitude" in bad.json()["errors"]
    checked_in = expert.post(f"/api/v1/tasks/{task.pk}/check-in/", {}, format="json")
    assert checked_in.json()["status"] == "on_site"
    assert checked_in.json()["check_in_latitude"] is None
    inspection = expert.post(
        f"/api/v1/tasks/{task.pk}/checklists/", {"template": "general-basic"}, format="json"
    ).json()["inspection"]
    for row in expert.get(f"/api/v1/inspections/{inspection}/").json()["items"]:
        expert.post(
            f"/api/v1/inspections/{inspection}/answer/",
            {"item": row["item"], "answer": "no"},
            format="multipart",
        )
    assert expert.post(f"/api/v1/tasks/{task.pk}/finish/").json()["status"] == "findings_recorded"
    company = api(users["enterprise_user"])
    rated = company.post(f"/api/v1/tasks/{task.pk}/rate/", {"score": 5, "comment": "专业"})
    assert rated.status_code == 201
    twice = company.post(f"/api/v1/tasks/{task.pk}/rate/", {"score": 4})
    assert twice.status_code == 409 and twice.json()["code"] == "already_rated"
    assert template("general-basic").items.count() == 15
