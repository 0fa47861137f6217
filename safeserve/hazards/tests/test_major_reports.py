"""Major-hazard reports (WORKFLOWS.md "Major-hazard report", R12): drafted and routed when a
major hazard is raised, sent by the provider (late if after the due time), acknowledged,
supervised and accepted only by the responsible department; acceptance alone closes the
hazard. The copied township reads, and does nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from safeserve.common.exceptions import ApplicationError
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    actions,
    advance,
    assign,
    fresh,
    plan_task,
    raise_general,
    raise_major,
    reload,
)
from safeserve.hazards import services
from safeserve.hazards.models import (
    GOVERNANCE_PARTS,
    GovernancePlan,
    Hazard,
    HazardLevel,
    HazardReview,
    HazardStatus,
    MajorHazardReport,
    ReportStatus,
    ReviewOutcome,
)
from safeserve.organizations.models import Organization
from safeserve.supervision.services import county_policy_update

PLAN = {
    "targets": "拆除违规设备，设置泄爆装置",
    "methods": "委托有资质单位设计施工",
    "funds": "企业自筹30万元",
    "organisation": "总经理负总责，安全科具体实施",
    "time_limits": "60日内完成",
    "safety_measures": "整改期间停用相关区域，制定应急处置方案",
}


def outcome(call: Callable[[], Any]) -> str:
    """ "ok", "denied" (PermissionDenied) or the refusal's code."""
    try:
        call()
    except PermissionDenied:
        return "denied"
    except ApplicationError as exc:
        return exc.code
    return "ok"


def report_of(hazard: Any) -> MajorHazardReport:
    return MajorHazardReport.objects.select_related("hazard").get(hazard_id=hazard.pk)


def drafted(users: dict[str, Any], task: Any) -> MajorHazardReport:
    """A major hazard's draft report with the handling advice filled in."""
    report = report_of(raise_major(users, task))
    return services.major_report_save(
        actor=users["provider_admin"],
        report=report,
        current_state="泄爆口被封堵",
        harm_analysis="可能引发粉尘爆炸，整改需停产",
        handling_advice="立即停用除尘系统，恢复泄爆设施后复产",
    )


def sent(users: dict[str, Any], task: Any) -> MajorHazardReport:
    return services.major_report_send(actor=users["expert"], report=drafted(users, task))


def acknowledged(users: dict[str, Any], task: Any) -> MajorHazardReport:
    return services.major_report_acknowledge(
        actor=users["department_officer"], report=sent(users, task)
    )


def supervise(users: dict[str, Any], report: MajorHazardReport, actor: str = "department_officer"):
    return services.major_report_supervise(
        actor=users[actor],
        report=report,
        level="county",
        supervising_unit="安平县安全生产委员会",
        planned_completion=TODAY + dt.timedelta(days=60),
    )


def ready(users: dict[str, Any], task: Any) -> MajorHazardReport:
    """Acknowledged, with a complete governance plan and the rectification submitted."""
    report = acknowledged(users, task)
    services.governance_plan_save(actor=users["enterprise_user"], report=report, parts=PLAN)
    advance(users, report.hazard, HazardStatus.SUBMITTED)
    return report_of(report.hazard)


# --- drafting and routing (R12) --------------------------------------------------------------


def test_it_drafts_a_report_routed_to_the_fallback_department_with_the_township_copied(
    users, on_site
):
    hazard = raise_major(users, on_site)
    assert hazard.level == HazardLevel.MAJOR
    report = report_of(hazard)
    assert report.status == ReportStatus.DRAFT
    # 恒丰 is outside the high-risk sectors: the county's fallback department, 应急管理局.
    assert report.department == users["department_officer"].organization
    assert report.department.is_fallback_department
    assert report.copied_township == users["township_officer"].organization
    assert report.due_at == hazard.found_at + dt.timedelta(hours=24)
    assert report.current_state == hazard.description
    assert (report.sent_at, report.sent_late) == (None, False)
    assert actions(report) == ["major_report.created"]


def test_it_drafts_a_report_when_a_major_hazard_is_raised_without_a_checklist(users, on_site):
    hazard = raise_general(users, on_site, level=HazardLevel.MAJOR)
    assert report_of(hazard).status == ReportStatus.DRAFT


def test_it_counts_the_due_time_in_the_countys_policy_hours(users, on_site):
    county_policy_update(
        actor=users["county_leader"], values={"major_hazard_report_hours": 12}, reason="从严"
    )
    hazard = raise_major(users, on_site)
    assert report_of(hazard).due_at == hazard.found_at + dt.timedelta(hours=12)


def test_it_routes_a_high_risk_enterprises_hazard_to_its_sectors_department(
    users, department_contracts
):
    contract = department_contracts["occupational"]
    enterprise = contract.coverage.select_related("enterprise").first().enterprise
    assert enterprise.sector in ("mining", "hazardous_goods", "metallurgy_trade")
    task = plan_task(users, contract, enterprise, kind="occupational_testing")
    assign(users, task)
    fieldwork.task_check_in(actor=users["expert"], task=task)
    report = report_of(raise_general(users, reload(task), level=HazardLevel.MAJOR))
    assert report.department == users["department_officer"].organization
    assert report.copied_township is None


def test_it_routes_a_construction_enterprise_to_the_housing_department(users):
    from safeserve.enterprises.models import Enterprise

    builder = Enterprise.objects.filter(
        county_id=users["county_officer"].organization.county_id, sector="construction"
    ).first()
    assert builder is not None, "the demo directory has a construction enterprise"
    department, copied = services.route_major_hazard(builder)
    assert (department, copied) == (users["housing_officer"].organization, None)


def test_it_routes_to_the_county_office_when_no_department_is_named(users, on_site):
    Organization.objects.filter(pk=users["department_officer"].organization_id).update(
        is_fallback_department=False
    )
    report = report_of(raise_major(users, on_site))
    assert report.department == users["county_officer"].organization
    assert report.copied_township == users["township_officer"].organization


# --- send ------------------------------------------------------------------------------------


def test_it_sends_only_with_handling_advice(users, on_site):
    report = report_of(raise_major(users, on_site))
    with pytest.raises(ApplicationError) as refused:
        services.major_report_send(actor=users["expert"], report=report)
    assert refused.value.code == "report_incomplete"
    services.major_report_save(
        actor=users["expert"],
        report=report,
        current_state="泄爆口被封堵",
        harm_analysis="",
        handling_advice="停用并恢复泄爆设施",
    )
    before = timezone.now()
    services.major_report_send(actor=users["expert"], report=report)
    report = report_of(report.hazard)
    assert report.status == ReportStatus.SENT
    assert report.sent_by == users["expert"]
    assert report.sent_at >= before
    assert report.sent_late is False
    assert actions(report) == [
        "major_report.created",
        "major_report.saved",
        "major_report.sent",
    ]


def test_it_marks_a_report_sent_after_its_due_time_late(users, on_site):
    report = drafted(users, on_site)
    MajorHazardReport.objects.filter(pk=report.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert report_of(report.hazard).is_late_unsent
    services.major_report_send(actor=users["provider_admin"], report=report)
    report = report_of(report.hazard)
    assert report.sent_late is True
    assert report.status == ReportStatus.SENT  # late is recorded, never refused


def test_it_lets_the_lead_expert_and_the_provider_send(users, on_site):
    expected = {
        "expert2": "denied",  # a member of the team
        "township_officer": "denied",
        "department_officer": "denied",
        "county_officer": "denied",
        "enterprise_user": "denied",
        "other_provider_admin": "denied",
        "other_expert": "denied",
        "expert": "ok",
        "provider_admin": "ok",
        "provider_leader": "ok",
    }
    got = {}
    for username in expected:
        report = drafted(users, on_site)
        got[username] = outcome(
            lambda u=username, r=report: services.major_report_send(actor=users[u], report=r)
        )
    assert got == expected


# --- acknowledge, supervise, accept: the routed department only ------------------------------

NOT_THE_DEPARTMENT = {
    "county_officer": "denied",
    "county_leader": "denied",
    "township_officer": "denied",  # copied: reads only
    "township_leader": "denied",
    "housing_officer": "denied",  # a department, not the routed one
    "provider_admin": "denied",
    "expert": "denied",
    "enterprise_user": "denied",
    "other_county_officer": "denied",
}


def test_it_lets_only_the_routed_department_acknowledge(users, on_site):
    report = sent(users, on_site)
    expected = {**NOT_THE_DEPARTMENT, "department_officer": "ok"}
    got = {
        username: outcome(
            lambda u=username: services.major_report_acknowledge(actor=users[u], report=report)
        )
        for username in expected
    }
    assert got == expected
    report = report_of(report.hazard)
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.acknowledged_by == users["department_officer"]
    assert report.acknowledged_at is not None
    assert actions(report)[-1] == "major_report.acknowledged"


def test_it_lets_only_the_routed_department_supervise(users, on_site):
    report = acknowledged(users, on_site)
    expected = {**NOT_THE_DEPARTMENT, "department_leader": "ok"}
    got = {
        username: outcome(lambda u=username: supervise(users, report, u)) for username in expected
    }
    assert got == expected
    report = report_of(report.hazard)
    assert report.status == ReportStatus.SUPERVISED
    assert (report.supervision_level, report.supervising_unit) == ("county", "安平县安全生产委员会")
    assert report.planned_completion == TODAY + dt.timedelta(days=60)
    assert report.supervised_at is not None
    assert actions(report)[-1] == "major_report.supervised"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"level": "township"}, "bad_level"),
        ({"planned_completion": TODAY - dt.timedelta(days=1)}, "past_date"),
        ({"supervising_unit": " "}, "required"),
    ],
)
def test_it_supervises_only_with_a_level_a_unit_and_a_future_date(users, on_site, changes, code):
    report = acknowledged(users, on_site)
    values = {
        "actor": users["department_officer"],
        "report": report,
        "level": "city",
        "supervising_unit": "示范市应急管理局",
        "planned_completion": TODAY + dt.timedelta(days=30),
        **changes,
    }
    with pytest.raises(ApplicationError) as refused:
        services.major_report_supervise(**values)
    assert (refused.value.code, refused.value.status) == (code, 400)
    assert report_of(report.hazard).status == ReportStatus.ACKNOWLEDGED


def test_it_lets_only_the_routed_department_accept(users, on_site):
    report = ready(users, on_site)
    expected = {**NOT_THE_DEPARTMENT, "department_officer": "ok"}
    got = {
        username: outcome(
            lambda u=username: services.major_report_accept(
                actor=users[u], report=report, note="验收合格"
            )
        )
        for username in expected
    }
    assert got == expected


# --- governance plan and acceptance ----------------------------------------------------------


def test_it_takes_the_governance_plan_from_the_enterprise_or_the_provider(users, on_site):
    draft = report_of(raise_major(users, on_site))
    with pytest.raises(ApplicationError) as refused:
        services.governance_plan_save(actor=users["enterprise_user"], report=draft, parts=PLAN)
    assert refused.value.code == "wrong_state"  # not before the report is sent
    report = sent(users, on_site)
    expected = {
        "expert2": "denied",
        "township_officer": "denied",
        "department_officer": "denied",
        "county_officer": "denied",
        "other_provider_admin": "denied",
        # Entered by the enterprise or the provider: the lead expert does not act for it.
        "expert": "denied",
        "enterprise_user": "ok",
        "provider_admin": "ok",
    }
    got = {
        username: outcome(
            lambda u=username: services.governance_plan_save(
                actor=users[u], report=report, parts={"targets": f"{u}的目标"}
            )
        )
        for username in expected
    }
    assert got == expected
    plan = GovernancePlan.objects.get(report=report)
    assert plan.targets == "provider_admin的目标"
    assert plan.updated_by == users["provider_admin"]
    assert actions(report).count("major_report.governance_plan_saved") == 2


def test_it_accepts_only_with_all_six_parts_and_the_rectification_submitted(users, on_site):
    report = acknowledged(users, on_site)
    hazard = report.hazard

    def accept() -> str:
        return outcome(
            lambda: services.major_report_accept(
                actor=users["department_officer"], report=report, note="现场验收合格"
            )
        )

    assert accept() == "plan_incomplete"  # no plan at all
    for missing in GOVERNANCE_PARTS:
        parts = {**PLAN, missing: "  "}
        services.governance_plan_save(actor=users["provider_admin"], report=report, parts=parts)
        assert (missing, accept()) == (missing, "plan_incomplete")
    services.governance_plan_save(actor=users["enterprise_user"], report=report, parts=PLAN)
    for status in (HazardStatus.FOUND, HazardStatus.NOTIFIED, HazardStatus.RECTIFYING):
        advance(users, hazard, status)
        assert (status, accept()) == (status, "not_submitted")
    advance(users, hazard, HazardStatus.SUBMITTED)
    with pytest.raises(ApplicationError) as refused:
        services.major_report_accept(actor=users["department_officer"], report=report, note=" ")
    assert refused.value.code == "required"
    assert accept() == "ok"


def test_it_closes_the_hazard_by_acceptance(users, on_site):
    report = ready(users, on_site)
    supervise(users, report)
    services.major_report_accept(
        actor=users["department_officer"], report=report, note="现场验收合格"
    )
    report = report_of(report.hazard)
    hazard = fresh(report.hazard)
    assert report.status == ReportStatus.ACCEPTED
    assert (report.accepted_by, report.acceptance_note) == (
        users["department_officer"],
        "现场验收合格",
    )
    assert report.accepted_late is False
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.closed_by == users["department_officer"]
    assert hazard.closed_at == report.accepted_at
    review = HazardReview.objects.get(hazard=hazard)
    assert (review.outcome, review.reviewed_by) == (
        ReviewOutcome.VERIFIED,
        users["department_officer"],
    )
    assert actions(report) == [
        "major_report.created",
        "major_report.saved",
        "major_report.sent",
        "major_report.acknowledged",
        "major_report.governance_plan_saved",
        "major_report.supervised",
        "major_report.accepted",
    ]
    assert actions(hazard)[-1] == "hazard.closed"


def test_it_marks_an_acceptance_after_the_window_late(users, on_site):
    report = ready(users, on_site)
    window = 10  # verification_window_days, the policy default
    submitted = timezone.now() - dt.timedelta(days=window, minutes=1)
    Hazard.objects.filter(pk=report.hazard_id).update(submitted_at=submitted)
    services.major_report_accept(actor=users["department_officer"], report=report, note="验收合格")
    report = report_of(report.hazard)
    assert report.accepted_late is True
    assert fresh(report.hazard).status == HazardStatus.CLOSED  # late, not refused


def test_it_accepts_in_time_within_the_window(users, on_site):
    report = ready(users, on_site)
    submitted = timezone.now() - dt.timedelta(days=9, hours=23)
    Hazard.objects.filter(pk=report.hazard_id).update(submitted_at=submitted)
    services.major_report_accept(actor=users["department_officer"], report=report, note="验收合格")
    assert report_of(report.hazard).accepted_late is False


def test_it_closes_a_major_hazard_by_nothing_but_acceptance(users, on_site):
    report = ready(users, on_site)
    with pytest.raises(ApplicationError) as refused:
        services.hazard_verify(actor=users["expert"], hazard=report.hazard, note="复查合格")
    assert refused.value.code == "major_needs_acceptance"
    assert fresh(report.hazard).status == HazardStatus.SUBMITTED


def test_it_reopens_an_accepted_major_hazard_for_the_department_to_accept_again(users, on_site):
    report = ready(users, on_site)
    supervise(users, report)
    services.major_report_accept(actor=users["department_officer"], report=report, note="验收合格")
    for username in ("expert", "enterprise_user", "housing_officer", "provider_admin"):
        with pytest.raises(PermissionDenied):
            services.hazard_reopen(actor=users[username], hazard=report.hazard, reason="复发")
    services.hazard_reopen(actor=users["department_officer"], hazard=report.hazard, reason="复发")
    hazard = fresh(report.hazard)
    assert hazard.status == HazardStatus.RECTIFYING
    assert report_of(hazard).status == ReportStatus.SUPERVISED  # back in the department's hands
    advance(users, hazard, HazardStatus.SUBMITTED)
    services.major_report_accept(actor=users["department_officer"], report=report, note="再次验收")
    assert fresh(hazard).status == HazardStatus.CLOSED


# --- every report transition from every wrong state ------------------------------------------

REPORT_VERBS: dict[str, Callable[[dict[str, Any], MajorHazardReport], Any]] = {
    "save": lambda users, r: services.major_report_save(
        actor=users["expert"], report=r, current_state="x", harm_analysis="", handling_advice="y"
    ),
    "send": lambda users, r: services.major_report_send(actor=users["expert"], report=r),
    "acknowledge": lambda users, r: services.major_report_acknowledge(
        actor=users["department_officer"], report=r
    ),
    "supervise": lambda users, r: supervise(users, r),
    "plan": lambda users, r: services.governance_plan_save(
        actor=users["enterprise_user"], report=r, parts=PLAN
    ),
    "accept": lambda users, r: services.major_report_accept(
        actor=users["department_officer"], report=r, note="验收"
    ),
}
REPORT_WRONG = {
    ReportStatus.DRAFT: ["plan"],  # the department's verbs: see the test below
    ReportStatus.SENT: ["save", "send", "supervise", "accept"],
    ReportStatus.ACKNOWLEDGED: ["save", "send", "acknowledge"],
    ReportStatus.SUPERVISED: ["save", "send", "acknowledge", "supervise"],
    ReportStatus.ACCEPTED: ["save", "send", "acknowledge", "supervise", "plan", "accept"],
}


def _report_in(users, task, status):
    if status == ReportStatus.DRAFT:
        return drafted(users, task)
    if status == ReportStatus.SENT:
        return sent(users, task)
    if status == ReportStatus.ACKNOWLEDGED:
        return acknowledged(users, task)
    report = ready(users, task)
    supervise(users, report)
    if status == ReportStatus.ACCEPTED:
        services.major_report_accept(actor=users["department_officer"], report=report, note="验收")
    return report_of(report.hazard)


@pytest.mark.parametrize("status", list(REPORT_WRONG))
def test_it_refuses_every_report_transition_from_a_wrong_state(users, on_site, status):
    report = _report_in(users, on_site, status)
    assert report_of(report.hazard).status == status
    for verb in REPORT_WRONG[status]:
        with pytest.raises(ApplicationError) as refused:
            REPORT_VERBS[verb](users, report)
        assert (verb, refused.value.code, refused.value.status) == (verb, "wrong_state", 409)
    assert report_of(report.hazard).status == status


def test_it_keeps_a_draft_out_of_the_departments_hands(users, on_site):
    """A draft has not reached the department (R12): its verbs are refused by role."""
    report = drafted(users, on_site)
    for verb in ("acknowledge", "supervise", "accept"):
        with pytest.raises(PermissionDenied):
            REPORT_VERBS[verb](users, report)
    assert report_of(report.hazard).status == ReportStatus.DRAFT


# --- who reads the report --------------------------------------------------------------------


def test_it_lets_the_copied_township_read_but_not_act(users, on_site):
    report = sent(users, on_site)
    township = users["township_officer"]
    assert report.copied_township_id == township.organization_id
    assert list(MajorHazardReport.objects.visible_to(township)) == [report]
    for call in (
        lambda: services.major_report_acknowledge(actor=township, report=report),
        lambda: supervise(users, report, "township_officer"),
        lambda: services.major_report_accept(actor=township, report=report, note="验收"),
        lambda: services.hazard_reject(actor=township, hazard=report.hazard, reason="不合格"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_it_copies_the_township_on_another_purchasers_contract_read_only(
    users, department_contracts
):
    """应急管理局's contract serves a 城关镇 enterprise that the county office has since taken
    out of the high-risk sectors: a major hazard there goes to the fallback department with
    城关镇 copied — a township that is not the purchaser, and sees the report only as copied."""
    from safeserve.contracts import services as contracts
    from safeserve.enterprises.models import Enterprise
    from safeserve.enterprises.services import enterprise_override_sector

    township = users["township_officer"]
    contract = department_contracts["occupational"]
    enterprise = Enterprise.objects.filter(
        township_id=township.organization.region_id, sector="mining"
    ).first()
    assert enterprise is not None, "the demo directory has a mine in 城关镇"
    contracts.coverage_add(
        actor=users["department_officer"], contract=contract, enterprises=[enterprise]
    )
    enterprise_override_sector(
        actor=users["county_officer"], enterprise=enterprise, sector="", reason="已关闭井下作业"
    )
    task = plan_task(users, contract, enterprise, kind="occupational_testing")
    assign(users, task)
    fieldwork.task_check_in(actor=users["expert"], task=task)
    hazard = raise_general(users, reload(task), level=HazardLevel.MAJOR)
    report = report_of(hazard)
    assert report.department == users["department_officer"].organization
    assert report.copied_township == township.organization
    assert contract.purchaser != township.organization
    # Not before it is sent.
    assert not MajorHazardReport.objects.visible_to(township).exists()
    assert not Hazard.objects.visible_to(township).exists()
    services.major_report_save(
        actor=users["expert"],
        report=report,
        current_state="通风不良",
        harm_analysis="",
        handling_advice="停产整改",
    )
    services.major_report_send(actor=users["expert"], report=report)
    assert list(MajorHazardReport.objects.visible_to(township)) == [report]
    assert list(Hazard.objects.visible_to(township)) == [hazard]
    for call in (
        lambda: services.major_report_acknowledge(actor=township, report=report),
        lambda: services.governance_plan_save(actor=township, report=report, parts=PLAN),
    ):
        with pytest.raises(PermissionDenied):
            call()
    services.major_report_acknowledge(actor=users["department_officer"], report=report)
    for call in (
        lambda: supervise(users, report, "township_officer"),
        lambda: services.major_report_accept(actor=township, report=report, note="验收"),
        lambda: services.extension_request(
            actor=township,
            hazard=hazard,
            new_deadline=hazard.deadline + dt.timedelta(days=5),
            reason="延迟",
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_it_shows_each_role_the_reports_in_its_scope(users, on_site):
    draft = drafted(users, on_site)
    out = sent(users, on_site)
    both = {"draft", "sent"}
    expected = {
        "county_officer": both,
        "other_county_officer": set(),
        "township_officer": both,  # the purchaser, and copied
        "department_officer": {"sent"},  # routed to it, once sent
        "housing_officer": set(),
        "provider_admin": both,
        "other_provider_admin": set(),
        "expert": both,
        "expert2": both,
        "other_expert": set(),
        "enterprise_user": {"sent"},  # not while a draft
    }
    names = {draft.pk: "draft", out.pk: "sent"}
    got = {
        username: {
            names[pk]
            for pk in MajorHazardReport.objects.visible_to(users[username]).values_list(
                "pk", flat=True
            )
        }
        for username in expected
    }
    assert got == expected
