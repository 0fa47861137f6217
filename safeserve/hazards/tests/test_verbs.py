"""The hazard's, the extension request's and the major-hazard report's verb tables drive the
pages, the API and the services alike, for every state and every persona."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from safeserve.common.tests.verbs import Walk, page_buttons, tried
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    advance,
    assign,
    fresh,
    plan_task,
    png,
    raise_general,
    raise_major,
    reload,
)
from safeserve.hazards import services
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardStatus,
    MajorHazardReport,
)
from safeserve.hazards.tests.test_major_reports import PLAN
from safeserve.hazards.workflows import EXTENSION, HAZARD, REPORT

PERSONAS = [
    "township_officer",
    "county_officer",
    "department_officer",
    "provider_admin",
    "expert",
    "expert2",
    "other_expert",
    "enterprise_user",
    "other_county_officer",
]


def _tasks(users: dict[str, Any], contract: Any, hengfeng: Any) -> Callable[[], ServiceTask]:
    """A fresh task on site for each state (a major hazard uses up the task's criteria list)."""
    days = iter(range(1, 60))

    def on_site() -> ServiceTask:
        task = plan_task(users, contract, hengfeng, days=next(days))
        assign(users, task)
        fieldwork.task_check_in(actor=users["expert"], task=task)
        return reload(task)

    return on_site


def test_the_hazard_table_drives_page_api_and_services(users, contract, hengfeng, login, api):
    on_site = _tasks(users, contract, hengfeng)

    def general(to: str, *then: str) -> Callable[[], Hazard]:
        def make() -> Hazard:
            hazard = advance(users, raise_general(users, on_site()), to)
            if "extension" in then:
                services.extension_request(
                    actor=users["enterprise_user"],
                    hazard=hazard,
                    new_deadline=hazard.deadline + dt.timedelta(days=10),
                    reason="设备到货延迟",
                )
            return fresh(hazard)

        return make

    def major(to: str) -> Callable[[], Hazard]:
        """Raised from a criterion, its report sent to the department, then moved on."""

        def make() -> Hazard:
            hazard = raise_major(users, on_site())
            report = MajorHazardReport.objects.get(hazard_id=hazard.pk)
            services.major_report_save(
                actor=users["expert"],
                report=report,
                current_state="泄爆口被封堵",
                handling_advice="恢复泄爆设施后复产",
            )
            services.major_report_send(actor=users["expert"], report=report)
            return advance(users, hazard, to)

        return make

    walk = Walk(
        states={
            "found": general(HazardStatus.FOUND),
            "notified": general(HazardStatus.NOTIFIED),
            "rectifying": general(HazardStatus.RECTIFYING),
            "rectifying_with_a_pending_extension": general(HazardStatus.RECTIFYING, "extension"),
            "submitted": general(HazardStatus.SUBMITTED),
            "closed": general(HazardStatus.CLOSED),
            "major_found": major(HazardStatus.FOUND),
            "major_submitted": major(HazardStatus.SUBMITTED),
        },
        personas=PERSONAS,
        calls={
            "notify": lambda user, h: services.notice_issue(actor=user, task=h.task, hazards=[h]),
            "acknowledge": lambda user, h: services.hazard_acknowledge(actor=user, hazard=h),
            "submit": lambda user, h: services.hazard_submit(
                actor=user, hazard=h, description="已整改", files=[png()]
            ),
            "verify": lambda user, h: services.hazard_verify(
                actor=user, hazard=h, note="现场复查合格"
            ),
            "reject": lambda user, h: services.hazard_reject(
                actor=user, hazard=h, reason="接地电阻仍不合格"
            ),
            "extend": lambda user, h: services.extension_request(
                actor=user,
                hazard=h,
                new_deadline=h.deadline + dt.timedelta(days=10),
                reason="设备到货延迟",
            ),
            "reopen": lambda user, h: services.hazard_reopen(
                actor=user, hazard=h, reason="抽查发现复发"
            ),
        },
        page=lambda h: reverse("hazards:detail", args=[h.pk]),
        detail=lambda h: f"/api/v1/hazards/{h.pk}/",
        reload=fresh,
    )
    offered = walk.run(users, login, api)
    # By hand (R10, R11, R12; WORKFLOWS.md "Hazard").
    assert offered["found"] == {"notify", "extend"}  # the enterprise is not told yet
    assert offered["notified"] == {"acknowledge", "extend"}
    assert offered["rectifying"] == {"submit", "extend"}
    assert offered["rectifying_with_a_pending_extension"] == {"submit"}
    assert offered["submitted"] == {"verify", "reject"}
    assert offered["closed"] == {"reopen"}
    assert offered["major_found"] == {"notify", "extend"}
    assert offered["major_submitted"] == {"reject"}  # a major one closes by the acceptance
    assert set().union(*offered.values()) == set(HAZARD.names)


def test_the_extension_table_drives_page_api_and_services(users, contract, hengfeng, login, api):
    on_site = _tasks(users, contract, hengfeng)

    def make(then: str = "") -> Callable[[], ExtensionRequest]:
        def _make() -> ExtensionRequest:
            hazard = advance(users, raise_general(users, on_site()), HazardStatus.RECTIFYING)
            extension = services.extension_request(
                actor=users["enterprise_user"],
                hazard=hazard,
                new_deadline=hazard.deadline + dt.timedelta(days=10),
                reason="设备到货延迟",
            )
            if then in ("approved", "declined"):
                services.extension_decide(
                    actor=users["township_officer"],
                    extension=extension,
                    approve=then == "approved",
                    note="同意" if then == "approved" else "理由不充分",
                )
            if then == "lapsed":  # submitting the rectification lapses the request
                advance(users, hazard, HazardStatus.SUBMITTED)
            return _reload(extension)

        return _make

    def _reload(extension: ExtensionRequest) -> ExtensionRequest:
        return ExtensionRequest.objects.select_related("hazard").get(pk=extension.pk)

    def actions_of(body: dict[str, Any], extension: ExtensionRequest) -> list[str]:
        row = next(e for e in body["extensions"] if e["id"] == extension.pk)
        return list(row["allowed_actions"])

    walk = Walk(
        states={
            "pending": make(),
            "approved": make("approved"),
            "declined": make("declined"),
            "lapsed": make("lapsed"),
        },
        personas=PERSONAS,
        calls={
            "approve": lambda user, e: services.extension_decide(
                actor=user, extension=e, approve=True, note="同意"
            ),
            "decline": lambda user, e: services.extension_decide(
                actor=user, extension=e, approve=False, note="理由不充分"
            ),
        },
        page=lambda e: reverse("hazards:detail", args=[e.hazard_id]),
        detail=lambda e: f"/api/v1/hazards/{e.hazard_id}/",
        actions_of=actions_of,
        key=lambda e: f"extension-{e.pk}",
        reload=_reload,
    )
    offered = walk.run(users, login, api)
    assert offered == {
        "pending": {"approve", "decline"},
        "approved": set(),
        "declined": set(),
        "lapsed": set(),
    }
    assert set().union(*offered.values()) == set(EXTENSION.names)


def test_the_report_table_drives_page_api_and_services(users, contract, hengfeng, login, api):
    on_site = _tasks(users, contract, hengfeng)

    def report_of(hazard: Hazard) -> MajorHazardReport:
        return MajorHazardReport.objects.select_related("hazard").get(hazard_id=hazard.pk)

    def make(*steps: str) -> Callable[[], MajorHazardReport]:
        def _make() -> MajorHazardReport:
            hazard = raise_major(users, on_site())
            report = services.major_report_save(
                actor=users["provider_admin"],
                report=report_of(hazard),
                current_state="泄爆口被封堵",
                harm_analysis="可能引发粉尘爆炸",
                handling_advice="立即停用除尘系统，恢复泄爆设施后复产",
            )
            department = users["department_officer"]
            for step in steps:
                report = report_of(hazard)
                if step == "sent":
                    services.major_report_send(actor=users["expert"], report=report)
                elif step == "acknowledged":
                    services.major_report_acknowledge(actor=department, report=report)
                elif step == "supervised":
                    services.major_report_supervise(
                        actor=department,
                        report=report,
                        level="county",
                        supervising_unit="安平县安全生产委员会",
                        planned_completion=TODAY + dt.timedelta(days=60),
                    )
                elif step == "planned":
                    services.governance_plan_save(
                        actor=users["enterprise_user"], report=report, parts=PLAN
                    )
                elif step == "submitted":
                    advance(users, hazard, HazardStatus.SUBMITTED)
                elif step == "accepted":
                    services.major_report_accept(actor=department, report=report, note="验收合格")
            return report_of(hazard)

        return _make

    walk = Walk(
        states={
            "draft": make(),
            "sent": make("sent"),
            "acknowledged": make("sent", "acknowledged"),
            "acknowledged_and_ready": make("sent", "acknowledged", "planned", "submitted"),
            "supervised_and_ready": make(
                "sent", "acknowledged", "supervised", "planned", "submitted"
            ),
            "accepted": make("sent", "acknowledged", "planned", "submitted", "accepted"),
        },
        personas=PERSONAS,
        calls={
            "send": lambda user, r: services.major_report_send(actor=user, report=r),
            "acknowledge": lambda user, r: services.major_report_acknowledge(actor=user, report=r),
            "supervise": lambda user, r: services.major_report_supervise(
                actor=user,
                report=r,
                level="county",
                supervising_unit="安平县安全生产委员会",
                planned_completion=TODAY + dt.timedelta(days=60),
            ),
            "accept": lambda user, r: services.major_report_accept(
                actor=user, report=r, note="验收合格"
            ),
            "update": lambda user, r: services.major_report_save(
                actor=user, report=r, harm_analysis="可能引发粉尘爆炸，需停产整改"
            ),
            "governance-plan": lambda user, r: services.governance_plan_save(
                actor=user, report=r, parts=PLAN
            ),
        },
        page=lambda r: reverse("hazards:report", args=[r.pk]),
        detail=lambda r: f"/api/v1/major-hazard-reports/{r.pk}/",
        reload=report_of_pk,
    )
    offered = walk.run(users, login, api)
    assert offered["draft"] == {"send", "update"}
    assert offered["sent"] == {"acknowledge", "governance-plan"}
    # Acceptance waits for the complete plan and the submitted rectification (R12).
    assert offered["acknowledged"] == {"supervise", "governance-plan"}
    assert offered["acknowledged_and_ready"] == {"supervise", "accept", "governance-plan"}
    assert offered["supervised_and_ready"] == {"accept", "governance-plan"}
    assert offered["accepted"] == set()
    assert set().union(*offered.values()) == set(REPORT.names)


def report_of_pk(report: MajorHazardReport) -> MajorHazardReport:
    return MajorHazardReport.objects.select_related("hazard").get(pk=report.pk)


def test_the_notice_link_offers_what_the_table_allows_the_link(users, contract, hengfeng, client):
    """The enterprise without an account: the link page's buttons, the link API's
    allowed_actions and the services agree, hazard by hazard."""
    on_site = _tasks(users, contract, hengfeng)
    offered = {}
    for state in (HazardStatus.NOTIFIED, HazardStatus.RECTIFYING, HazardStatus.SUBMITTED):
        hazard = advance(users, raise_general(users, on_site()), state)
        notice = hazard.notice
        token = services.notice_token(notice)
        page = client.get(reverse("notice_link", args=[notice.pk, token]))
        buttons = page_buttons(page.content.decode(), f"hazard-{hazard.pk}")
        body = client.get(f"/api/v1/notice-links/{notice.pk}/{token}/").json()
        allowed = set(next(h for h in body["hazards"] if h["id"] == hazard.pk)["allowed_actions"])
        assert buttons == allowed, (state, buttons, allowed)
        actor = services.LinkActor(notice=notice)
        calls = {
            "acknowledge": lambda h, a=actor: services.hazard_acknowledge(actor=a, hazard=h),
            "submit": lambda h, a=actor: services.hazard_submit(
                actor=a, hazard=h, description="已整改", files=[png()]
            ),
        }
        for name, call in calls.items():
            outcome = tried(lambda c=call, h=hazard: c(fresh(h)))
            assert outcome is (name in allowed), (state, name, outcome)
        offered[state] = allowed
    assert offered == {
        HazardStatus.NOTIFIED: {"acknowledge"},
        HazardStatus.RECTIFYING: {"submit"},
        HazardStatus.SUBMITTED: set(),
    }
