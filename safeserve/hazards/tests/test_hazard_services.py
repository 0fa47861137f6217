"""The hazard closed loop (WORKFLOWS.md "Hazard", R10, R11): raising on site, the written
notice and its link, acknowledgment and evidence, verification and rejection, extensions,
reopening, who sees which hazard, and the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import Answer
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    actions,
    advance,
    assign,
    finish,
    fresh,
    major_answer,
    pdf,
    plan_task,
    png,
    raise_general,
    raise_major,
    reload,
    template,
)
from safeserve.hazards import services
from safeserve.hazards.models import (
    ExtensionRequest,
    ExtensionStatus,
    Hazard,
    HazardLevel,
    HazardReview,
    HazardStatus,
    MajorHazardReport,
    Notice,
    PhotoStage,
    Rectification,
    ReviewOutcome,
)
from safeserve.hazards.services import LinkActor, notice_by_token, notice_token
from safeserve.hazards.workflows import EXTENSION


def outcome(call: Callable[[], Any]) -> str:
    """ "ok", "denied" (PermissionDenied) or the refusal's code."""
    try:
        call()
    except PermissionDenied:
        return "denied"
    except ApplicationError as exc:
        return exc.code
    return "ok"


def txt(name: str = "evidence.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some words, not a photo", content_type="text/plain")


def link(notice: Notice, name: str = "黄秀英") -> LinkActor:
    """The enterprise behind the printed link: the notice is found by id and token."""
    found = notice_by_token(notice.pk, notice_token(notice))
    assert found is not None
    return LinkActor(notice=found, name=name)


# --- raise -----------------------------------------------------------------------------------


def test_it_raises_a_general_hazard_naming_the_tasks_experts(users, on_site):
    hazard = raise_general(users, on_site, actor="expert2", photos=[png()])
    assert hazard.status == HazardStatus.FOUND
    assert hazard.level == HazardLevel.GENERAL
    assert hazard.number == f"YH{timezone.now():%Y}-{hazard.pk:06d}"
    assert hazard.enterprise_id == on_site.enterprise_id
    assert hazard.contract_id == on_site.contract_id
    assert hazard.raised_by == users["expert2"]
    assert hazard.deadline == TODAY + dt.timedelta(days=30)  # the policy default
    assert set(hazard.experts.values_list("user__username", flat=True)) == {"expert", "expert2"}
    assert list(hazard.files.values_list("stage", flat=True)) == [PhotoStage.FINDING]
    assert not MajorHazardReport.objects.filter(hazard=hazard).exists()
    assert actions(hazard) == ["hazard.raised"]


def test_it_lets_only_an_assigned_expert_raise(users, on_site):
    expected = {
        "provider_admin": "denied",
        "provider_leader": "denied",
        "township_officer": "denied",
        "county_officer": "denied",
        "other_expert": "denied",
        "enterprise_user": "denied",
        "expert": "ok",
        "expert2": "ok",
    }
    got = {
        username: outcome(lambda u=username: raise_general(users, on_site, actor=u))
        for username in expected
    }
    assert got == expected
    assert Hazard.objects.count() == 2


def test_it_raises_nothing_before_check_in_or_after_the_findings(users, task):
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, task)
    assert refused.value.code == "wrong_state"
    fieldwork.task_check_in(actor=users["expert"], task=task)
    done = finish(users, reload(task))
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, done)
    assert refused.value.code == "wrong_state"
    assert not Hazard.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        ({"level": "critical"}, "bad_level", 400),
        ({"deadline": TODAY - dt.timedelta(days=1)}, "past_deadline", 400),
        ({"description": "  "}, "required", 400),
        ({"location": ""}, "required", 400),
        ({"advice": ""}, "required", 400),
        ({"basis": ""}, "required", 400),
        ({"photos": [txt("photo.txt")]}, "photo_format", 415),
        ({"photos": [pdf()]}, "photo_format", 415),
    ],
)
def test_it_refuses_an_incomplete_or_bad_hazard(users, on_site, changes, code, status):
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, on_site, **changes)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert not Hazard.objects.exists()


def test_it_raises_from_an_answer_only_of_this_task_and_with_a_problem(users, contract, on_site):
    inspection = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    fine = fieldwork.answer_record(
        actor=users["expert"],
        inspection=inspection,
        item=inspection.template.items.first(),
        answer=Answer.NO,
    )
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, on_site, answer=fine)
    assert refused.value.code == "no_problem"
    other = plan_task(users, contract, on_site.enterprise, days=3)
    assign(users, other)
    fieldwork.task_check_in(actor=users["expert"], task=other)
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, reload(other), answer=major_answer(users, on_site))
    assert refused.value.code == "wrong_item"


def test_it_takes_the_basis_from_the_checklist_item(users, on_site):
    answer = major_answer(users, on_site)
    hazard = raise_general(users, on_site, answer=answer, basis="")
    assert hazard.level == HazardLevel.MAJOR  # a 判定标准 item makes it major
    assert hazard.checklist_item_id == answer.item_id
    assert answer.item.text in hazard.basis


def test_it_keeps_a_general_finding_from_an_ordinary_item_general(users, on_site):
    inspection = fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    answer = fieldwork.answer_record(
        actor=users["expert"],
        inspection=inspection,
        item=inspection.template.items.first(),
        answer=Answer.YES,
        description="灭火器过期",
    )
    hazard = raise_general(users, on_site, answer=answer, basis="")
    assert hazard.level == HazardLevel.GENERAL
    assert not MajorHazardReport.objects.filter(hazard=hazard).exists()


# --- the written notice ----------------------------------------------------------------------


def test_it_notifies_found_hazards_in_one_written_notice(users, on_site):
    first = raise_general(users, on_site)
    later = TODAY + dt.timedelta(days=60)
    second = raise_general(users, on_site, description="安全出口锁闭", deadline=later)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[first, second])
    # per provider and year, without gaps: the provider's word, then the next number
    assert notice.number == f"〔{TODAY.year}〕安平整改字第0001号"
    again = raise_general(users, on_site, description="灭火器过期")
    following = services.notice_issue(actor=users["expert"], task=on_site, hazards=[again])
    assert following.number == f"〔{TODAY.year}〕安平整改字第0002号"
    assert notice.enterprise_id == on_site.enterprise_id
    for hazard in (first, second):
        hazard = fresh(hazard)
        assert (hazard.status, hazard.notice_id) == (HazardStatus.NOTIFIED, notice.pk)
        assert actions(hazard) == ["hazard.raised", "hazard.notified"]
    # The link lives until 30 days after the latest deadline.
    assert timezone.localtime(notice.link_expires_at).date() == later + dt.timedelta(days=30)
    assert actions(notice) == ["notice.issued"]


def test_it_lets_the_lead_expert_and_the_provider_issue_notices(users, on_site):
    expected = {
        "expert2": "denied",  # a member
        "township_officer": "denied",
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
        hazard = raise_general(users, on_site)
        got[username] = outcome(
            lambda u=username, h=hazard: services.notice_issue(
                actor=users[u], task=on_site, hazards=[h]
            )
        )
    assert got == expected


def test_it_refuses_empty_foreign_or_already_notified_lists(users, contract, on_site):
    with pytest.raises(ApplicationError) as refused:
        services.notice_issue(actor=users["expert"], task=on_site, hazards=[])
    assert (refused.value.code, refused.value.status) == ("no_hazards", 400)
    other = plan_task(users, contract, on_site.enterprise, days=3)
    assign(users, other)
    fieldwork.task_check_in(actor=users["expert"], task=other)
    theirs = raise_general(users, reload(other))
    with pytest.raises(ApplicationError) as refused:
        services.notice_issue(actor=users["expert"], task=on_site, hazards=[theirs])
    assert refused.value.code == "wrong_task"
    hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    with pytest.raises(ApplicationError) as refused:
        services.notice_issue(actor=users["expert"], task=on_site, hazards=[hazard])
    assert refused.value.code == "wrong_state"
    assert Notice.objects.count() == 1


# --- acknowledge and submit ------------------------------------------------------------------


def test_it_lets_the_enterprise_acknowledge_and_submit_with_its_account(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    services.hazard_acknowledge(actor=users["enterprise_user"], hazard=hazard)
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.acknowledged_at is not None
    assert hazard.notice.acknowledged_at == hazard.acknowledged_at
    submission = services.hazard_submit(
        actor=users["enterprise_user"],
        hazard=hazard,
        description="已增设接地线",
        files=[png("after.png"), pdf("检测报告.pdf")],
    )
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.SUBMITTED
    assert hazard.submitted_at == submission.submitted_at
    assert (submission.submitted_by, submission.via_link) == (users["enterprise_user"], False)
    assert submission.submitter_name == users["enterprise_user"].full_name
    evidence = hazard.files.filter(stage=PhotoStage.EVIDENCE)
    assert sorted(evidence.values_list("is_image", flat=True)) == [False, True]
    assert actions(hazard)[-2:] == ["hazard.acknowledged", "hazard.submitted"]


def test_it_lets_the_enterprise_act_through_the_notice_link(users, on_site):
    first, second = raise_general(users, on_site), raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[first, second])
    assert services.notice_acknowledge(actor=link(notice), notice=notice) == 2
    assert {fresh(h).status for h in (first, second)} == {HazardStatus.RECTIFYING}
    submission = services.hazard_submit(
        actor=link(notice), hazard=fresh(first), description="已整改", files=[pdf()]
    )
    assert (submission.via_link, submission.submitted_by) == (True, None)
    assert submission.submitter_name == "黄秀英"  # the name given with the link
    assert fresh(first).status == HazardStatus.SUBMITTED
    named = services.hazard_submit(
        actor=link(notice),
        hazard=fresh(second),
        description="已整改",
        files=[png()],
        submitter_name="李明",
    )
    assert named.submitter_name == "李明"
    event = AuditEvent.objects.filter(
        object_type="hazards.hazard", object_id=str(first.pk), action="hazard.submitted"
    ).get()
    assert event.actor_id is None
    assert notice.number in event.actor_name


def test_it_refuses_a_wrong_token_and_another_notices_hazards(users, on_site):
    mine = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    theirs = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    assert mine.notice_id != theirs.notice_id
    assert notice_by_token(mine.notice_id, notice_token(theirs.notice)) is None
    assert notice_by_token(mine.notice_id, "0" * 40) is None
    assert notice_by_token(mine.notice_id, "") is None
    with pytest.raises(PermissionDenied):
        services.hazard_acknowledge(actor=link(mine.notice), hazard=theirs)
    services.hazard_acknowledge(actor=users["enterprise_user"], hazard=theirs)
    with pytest.raises(PermissionDenied):
        services.hazard_submit(
            actor=link(mine.notice), hazard=fresh(theirs), description="x", files=[png()]
        )
    assert fresh(theirs).status == HazardStatus.RECTIFYING


def test_it_refuses_an_expired_link(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    Notice.objects.filter(pk=hazard.notice_id).update(
        link_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = link(Notice.objects.get(pk=hazard.notice_id))
    assert not services.link_is_valid(expired.notice)
    with pytest.raises(PermissionDenied):
        services.hazard_acknowledge(actor=expired, hazard=hazard)
    assert fresh(hazard).status == HazardStatus.NOTIFIED
    # The enterprise's account still works.
    services.hazard_acknowledge(actor=users["enterprise_user"], hazard=hazard)
    with pytest.raises(PermissionDenied):
        services.hazard_submit(actor=expired, hazard=fresh(hazard), description="x", files=[png()])


def test_it_lets_only_the_enterprise_acknowledge_and_submit(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    strangers = [
        "expert",
        "provider_admin",
        "township_officer",
        "county_officer",
        "department_officer",
        "other_provider_admin",
    ]
    for username in strangers:
        with pytest.raises(PermissionDenied):
            services.hazard_acknowledge(actor=users[username], hazard=hazard)
    services.hazard_acknowledge(actor=users["enterprise_user"], hazard=hazard)
    for username in strangers:
        with pytest.raises(PermissionDenied):
            services.hazard_submit(
                actor=users[username], hazard=fresh(hazard), description="x", files=[png()]
            )
    assert fresh(hazard).status == HazardStatus.RECTIFYING


def test_it_needs_a_description_and_a_photo_or_document_as_evidence(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.RECTIFYING)
    cases = [
        ({"description": "已整改", "files": []}, "evidence_required", 400),
        ({"description": " ", "files": [png()]}, "required", 400),
        ({"description": "已整改", "files": [txt()]}, "scan_format", 415),
        ({"description": "已整改", "files": [png(), txt()]}, "scan_format", 415),
    ]
    for values, code, status in cases:
        with pytest.raises(ApplicationError) as refused:
            services.hazard_submit(actor=users["enterprise_user"], hazard=hazard, **values)
        assert (refused.value.code, refused.value.status) == (code, status)
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.RECTIFYING
    assert not Rectification.objects.exists()
    assert not hazard.files.filter(stage=PhotoStage.EVIDENCE).exists()


# --- verify and reject -----------------------------------------------------------------------


def test_it_closes_a_general_hazard_verified_by_an_expert_of_the_contract(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.SUBMITTED)
    with pytest.raises(ApplicationError) as refused:
        services.hazard_verify(actor=users["expert"], hazard=hazard, note="  ")
    assert refused.value.code == "required"
    services.hazard_verify(
        actor=users["expert"], hazard=hazard, note="现场复查：接地可靠", photos=[png()]
    )
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.closed_by == users["expert"] and hazard.closed_at is not None
    review = HazardReview.objects.get(hazard=hazard)
    assert (review.outcome, review.note) == (ReviewOutcome.VERIFIED, "现场复查：接地可靠")
    assert hazard.files.filter(stage=PhotoStage.VERIFICATION).count() == 1
    assert actions(hazard)[-1] == "hazard.closed"


def test_it_lets_only_an_expert_of_the_contract_verify(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.SUBMITTED)
    expected = {
        "enterprise_user": "denied",
        "provider_admin": "denied",
        "provider_leader": "denied",
        "township_officer": "denied",
        "county_officer": "denied",
        "department_officer": "denied",
        "other_expert": "denied",
        "other_provider_admin": "denied",
        "expert2": "ok",
    }
    got = {
        username: outcome(
            lambda u=username: services.hazard_verify(actor=users[u], hazard=hazard, note="复查")
        )
        for username in expected
    }
    assert got == expected


def test_it_refuses_to_verify_a_major_hazard(users, on_site):
    hazard = advance(users, raise_major(users, on_site), HazardStatus.SUBMITTED)
    for username in ("expert", "expert2"):
        with pytest.raises(ApplicationError) as refused:
            services.hazard_verify(actor=users[username], hazard=hazard, note="复查")
        assert (refused.value.code, refused.value.status) == ("major_needs_acceptance", 409)
    with pytest.raises(PermissionDenied):  # the department accepts the report instead
        services.hazard_verify(actor=users["department_officer"], hazard=hazard, note="复查")
    assert fresh(hazard).status == HazardStatus.SUBMITTED


def test_it_sends_a_rejected_rectification_back_with_a_reason(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.SUBMITTED)
    with pytest.raises(ApplicationError) as refused:
        services.hazard_reject(actor=users["expert2"], hazard=hazard, reason="")
    assert refused.value.code == "required"
    services.hazard_reject(actor=users["expert2"], hazard=hazard, reason="接地电阻不合格")
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.RECTIFYING
    assert HazardReview.objects.get(hazard=hazard).outcome == ReviewOutcome.REJECTED
    # The enterprise submits again; both submissions are kept.
    hazard = advance(users, hazard, HazardStatus.CLOSED)
    assert hazard.rectifications.count() == 2
    assert actions(hazard)[-4:] == [
        "hazard.submitted",
        "hazard.rejected",
        "hazard.submitted",
        "hazard.closed",
    ]


def test_it_lets_only_an_expert_of_the_contract_reject_a_general_hazard(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.SUBMITTED)
    expected = {
        "enterprise_user": "denied",
        "provider_admin": "denied",
        "township_officer": "denied",
        "department_officer": "denied",
        "other_expert": "denied",
        "expert": "ok",
    }
    got = {
        username: outcome(
            lambda u=username: services.hazard_reject(
                actor=users[u], hazard=hazard, reason="不合格"
            )
        )
        for username in expected
    }
    assert got == expected


def _sent_major(users, task):
    """A major hazard whose report has reached the department (R12: a draft has not)."""
    hazard = raise_major(users, task)
    report = MajorHazardReport.objects.get(hazard_id=hazard.pk)
    services.major_report_save(
        actor=users["expert"],
        report=report,
        current_state="泄爆口被封堵",
        handling_advice="复产前恢复",
    )
    services.major_report_send(actor=users["expert"], report=report)
    return fresh(hazard)


def test_it_lets_only_the_routed_department_reject_a_major_hazard(users, on_site):
    hazard = advance(users, _sent_major(users, on_site), HazardStatus.SUBMITTED)
    expected = {
        "expert": "denied",
        "expert2": "denied",
        "township_officer": "denied",
        "county_officer": "denied",
        "housing_officer": "denied",
        "enterprise_user": "denied",
        "department_officer": "ok",
    }
    got = {
        username: outcome(
            lambda u=username: services.hazard_reject(
                actor=users[u], hazard=hazard, reason="不合格"
            )
        )
        for username in expected
    }
    assert got == expected
    assert fresh(hazard).status == HazardStatus.RECTIFYING


@pytest.mark.parametrize(
    "status",
    [HazardStatus.FOUND, HazardStatus.NOTIFIED, HazardStatus.RECTIFYING, HazardStatus.CLOSED],
)
def test_it_verifies_and_rejects_only_submitted_rectifications(users, on_site, status):
    hazard = advance(users, raise_general(users, on_site), status)
    for call in (
        lambda: services.hazard_verify(actor=users["expert"], hazard=hazard, note="复查"),
        lambda: services.hazard_reject(actor=users["expert"], hazard=hazard, reason="不合格"),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "wrong_state"
        assert str(hazard.get_status_display()) in str(refused.value)
    assert fresh(hazard).status == status


# The verbs each hazard state refuses (WORKFLOWS.md "Hazard"), each called by someone allowed.
HAZARD_VERBS: dict[str, Callable[[dict[str, Any], Hazard], Any]] = {
    "acknowledge": lambda users, h: services.hazard_acknowledge(
        actor=users["enterprise_user"], hazard=h
    ),
    "submit": lambda users, h: services.hazard_submit(
        actor=users["enterprise_user"], hazard=h, description="已整改", files=[png()]
    ),
    "verify": lambda users, h: services.hazard_verify(actor=users["expert"], hazard=h, note="x"),
    "reject": lambda users, h: services.hazard_reject(actor=users["expert"], hazard=h, reason="x"),
    "extend": lambda users, h: services.extension_request(
        actor=users["enterprise_user"],
        hazard=h,
        new_deadline=h.deadline + dt.timedelta(days=10),
        reason="设备到货延迟",
    ),
    "reopen": lambda users, h: services.hazard_reopen(
        actor=users["township_officer"], hazard=h, reason="复发"
    ),
}
HAZARD_WRONG = {
    HazardStatus.FOUND: ["acknowledge", "submit", "verify", "reject", "reopen"],
    HazardStatus.NOTIFIED: ["submit", "verify", "reject", "reopen"],
    HazardStatus.RECTIFYING: ["acknowledge", "verify", "reject", "reopen"],
    HazardStatus.SUBMITTED: ["acknowledge", "submit", "extend", "reopen"],
    HazardStatus.CLOSED: ["acknowledge", "submit", "verify", "reject", "extend"],
}


@pytest.mark.parametrize("status", list(HAZARD_WRONG))
def test_it_refuses_every_hazard_transition_from_a_wrong_state(users, on_site, status):
    hazard = advance(users, raise_general(users, on_site), status)
    for verb in HAZARD_WRONG[status]:
        with pytest.raises(ApplicationError) as refused:
            HAZARD_VERBS[verb](users, fresh(hazard))
        assert (verb, refused.value.code, refused.value.status) == (verb, "wrong_state", 409)
    assert fresh(hazard).status == status


# --- extensions ------------------------------------------------------------------------------


def test_it_moves_the_deadline_when_the_purchaser_approves_a_general_extension(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.RECTIFYING)
    old = hazard.deadline
    new = old + dt.timedelta(days=45)
    request = services.extension_request(
        actor=users["enterprise_user"], hazard=hazard, new_deadline=new, reason="设备到货延迟"
    )
    assert (request.status, request.current_deadline) == (ExtensionStatus.PENDING, old)
    assert fresh(hazard).deadline == old  # nothing moves until decided
    services.extension_decide(actor=users["township_officer"], extension=request, approve=True)
    hazard = fresh(hazard)
    assert hazard.deadline == new
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (
        ExtensionStatus.APPROVED,
        users["township_officer"],
    )
    # The notice link lives as long as the new deadline needs.
    expires = timezone.localtime(Notice.objects.get(pk=hazard.notice_id).link_expires_at)
    assert expires.date() == new + dt.timedelta(days=30)
    assert actions(hazard)[-2:] == ["hazard.extension_requested", "hazard.extension_decided"]


def test_it_needs_a_later_date_and_a_reason(users, on_site):
    hazard = raise_general(users, on_site)
    for new_deadline, reason, code in (
        (hazard.deadline, "延迟", "not_later"),
        (hazard.deadline - dt.timedelta(days=1), "延迟", "not_later"),
        (hazard.deadline + dt.timedelta(days=1), "  ", "required"),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.extension_request(
                actor=users["provider_admin"],
                hazard=hazard,
                new_deadline=new_deadline,
                reason=reason,
            )
        assert (refused.value.code, refused.value.status) == (code, 400)
    assert not ExtensionRequest.objects.exists()


def test_it_keeps_only_one_extension_request_pending(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    later = hazard.deadline + dt.timedelta(days=20)
    first = services.extension_request(
        actor=users["enterprise_user"], hazard=hazard, new_deadline=later, reason="资金"
    )
    with pytest.raises(ApplicationError) as refused:
        services.extension_request(
            actor=users["provider_admin"], hazard=hazard, new_deadline=later, reason="资金"
        )
    assert refused.value.code == "extension_pending"
    with pytest.raises(ApplicationError) as refused:
        services.extension_decide(actor=users["township_officer"], extension=first, approve=False)
    assert refused.value.code == "required"  # a refusal gives its reason
    services.extension_decide(
        actor=users["township_officer"], extension=first, approve=False, note="期限已足够"
    )
    assert fresh(hazard).deadline == hazard.deadline
    with pytest.raises(ApplicationError) as refused:
        services.extension_decide(actor=users["township_officer"], extension=first, approve=True)
    assert refused.value.code == "already_decided"
    services.extension_request(
        actor=users["enterprise_user"], hazard=hazard, new_deadline=later, reason="资金再说明"
    )
    assert list(hazard.extensions.values_list("status", flat=True)) == [
        ExtensionStatus.DECLINED,
        ExtensionStatus.PENDING,
    ]


def test_it_takes_extension_requests_from_the_enterprise_and_the_provider(users, on_site):
    expected = {
        "township_officer": "denied",
        "county_officer": "denied",
        "department_officer": "denied",
        "other_provider_admin": "denied",
        "other_expert": "denied",
        "enterprise_user": "ok",
        "provider_admin": "ok",
        "provider_leader": "ok",
        # Experts never act for the provider (WORKFLOWS.md): their organization asks.
        "expert": "denied",
        "expert2": "denied",
    }
    got = {}
    for username in expected:
        # Notified: the enterprise sees (and may ask about) a hazard once a notice told it.
        hazard = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
        got[username] = outcome(
            lambda u=username, h=hazard: services.extension_request(
                actor=users[u],
                hazard=h,
                new_deadline=h.deadline + dt.timedelta(days=5),
                reason="延迟",
            )
        )
    assert got == expected


def _pending(users, task, major=False):
    hazard = _sent_major(users, task) if major else raise_general(users, task)
    return services.extension_request(
        actor=users["provider_admin"],
        hazard=hazard,
        new_deadline=hazard.deadline + dt.timedelta(days=5),
        reason="延迟",
    )


def test_it_lets_the_purchaser_decide_general_extensions(users, on_site):
    expected = {
        "department_officer": "denied",
        "county_officer": "denied",
        "provider_admin": "denied",
        "enterprise_user": "denied",
        "expert": "denied",
        "other_county_officer": "denied",
        "township_officer": "ok",
        "township_leader": "ok",
    }
    got = {}
    for username in expected:
        request = _pending(users, on_site)
        got[username] = outcome(
            lambda u=username, r=request: services.extension_decide(
                actor=users[u], extension=r, approve=True
            )
        )
    assert got == expected


def test_it_lets_the_routed_department_decide_major_extensions(users, on_site):
    expected = {
        "township_officer": "denied",  # the purchaser, but a major hazard is the department's
        "township_leader": "denied",
        "housing_officer": "denied",
        "county_officer": "denied",
        "provider_admin": "denied",
        "enterprise_user": "denied",
        "department_officer": "ok",
        "department_leader": "ok",
    }
    got = {}
    for username in expected:
        request = _pending(users, on_site, major=True)
        got[username] = outcome(
            lambda u=username, r=request: services.extension_decide(
                actor=users[u], extension=r, approve=True
            )
        )
    assert got == expected


def test_it_decides_no_extension_once_the_rectification_is_submitted(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.RECTIFYING)
    request = services.extension_request(
        actor=users["enterprise_user"],
        hazard=hazard,
        new_deadline=hazard.deadline + dt.timedelta(days=5),
        reason="延迟",
    )
    advance(users, hazard, HazardStatus.SUBMITTED)
    # Submitting lapses the request (declined, with the reason), so it never hangs open.
    request.refresh_from_db()
    assert request.status == ExtensionStatus.DECLINED
    assert request.decision_note
    assert EXTENSION.verbs_for(users["township_officer"], request) == []
    with pytest.raises(ApplicationError) as refused:  # nobody decides a lapsed request
        services.extension_decide(actor=users["township_officer"], extension=request, approve=True)
    assert refused.value.status == 409
    assert fresh(hazard).deadline == hazard.deadline


# --- reopen ----------------------------------------------------------------------------------


def test_it_reopens_a_closed_hazard_with_a_reason(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.CLOSED)
    with pytest.raises(ApplicationError) as refused:
        services.hazard_reopen(actor=users["township_officer"], hazard=hazard, reason="")
    assert refused.value.code == "required"
    services.hazard_reopen(actor=users["township_officer"], hazard=hazard, reason="抽查发现复发")
    hazard = fresh(hazard)
    assert hazard.status == HazardStatus.RECTIFYING
    assert (hazard.closed_at, hazard.closed_by, hazard.submitted_at) == (None, None, None)
    outcomes = list(hazard.reviews.values_list("outcome", flat=True))
    assert outcomes == [ReviewOutcome.VERIFIED, ReviewOutcome.REOPENED]
    assert actions(hazard)[-1] == "hazard.reopened"
    # Back round the loop.
    assert advance(users, hazard, HazardStatus.CLOSED).status == HazardStatus.CLOSED


def test_it_lets_the_purchaser_and_the_county_office_reopen(users, on_site):
    expected = {
        "enterprise_user": "denied",
        "expert": "denied",
        "expert2": "denied",
        "provider_admin": "denied",
        "department_officer": "denied",  # a general hazard is not the department's
        "other_county_officer": "denied",
        "township_officer": "ok",
        "township_leader": "ok",
        "county_officer": "ok",
    }
    got = {}
    for username in expected:
        hazard = advance(users, raise_general(users, on_site), HazardStatus.CLOSED)
        got[username] = outcome(
            lambda u=username, h=hazard: services.hazard_reopen(
                actor=users[u], hazard=h, reason="复发"
            )
        )
    assert got == expected


# --- overdue, scope, audit -------------------------------------------------------------------


def test_it_derives_overdue_from_the_deadline(users, on_site):
    late = raise_general(users, on_site)
    closed = advance(users, raise_general(users, on_site), HazardStatus.CLOSED)
    Hazard.objects.filter(pk__in=[late.pk, closed.pk]).update(deadline=TODAY - dt.timedelta(days=1))
    assert fresh(late).overdue and not fresh(closed).overdue
    assert list(Hazard.objects.overdue().values_list("pk", flat=True)) == [late.pk]
    assert fresh(late).status == HazardStatus.FOUND  # never stored as a status


def test_it_shows_each_role_the_hazards_in_its_scope(users, on_site):
    found = raise_general(users, on_site)
    notified = advance(users, raise_general(users, on_site), HazardStatus.NOTIFIED)
    draft = raise_major(users, on_site)  # routed to 应急管理局, 城关镇 copied; report a draft
    reported = raise_major(users, on_site)
    report = MajorHazardReport.objects.get(hazard=reported)
    services.major_report_save(
        actor=users["expert"],
        report=report,
        current_state="泄爆口封堵",
        harm_analysis="",
        handling_advice="停用整改",
    )
    services.major_report_send(actor=users["expert"], report=report)
    everything = {"found", "notified", "draft", "reported"}
    expected = {
        "county_officer": everything,
        "other_county_officer": set(),
        "township_officer": everything,  # its contract's
        "department_officer": {"reported"},  # routed to it, once the report is sent
        "housing_officer": set(),
        "provider_admin": everything,
        "provider_leader": everything,
        "other_provider_admin": set(),
        "expert": everything,
        "expert2": everything,
        "other_expert": set(),
        "enterprise_user": {"notified"},  # not the ones still "found"
    }
    names = {found.pk: "found", notified.pk: "notified", draft.pk: "draft", reported.pk: "reported"}
    got = {
        username: {
            names[pk]
            for pk in Hazard.objects.visible_to(users[username]).values_list("pk", flat=True)
        }
        for username in expected
    }
    assert got == expected


def test_it_shows_an_expert_only_the_hazards_of_tasks_assigned_to_them(users, contract, neighbours):
    task = plan_task(users, contract, neighbours[0])
    assign(users, task, lead="expert2", members=())
    fieldwork.task_check_in(actor=users["expert2"], task=task)
    hazard = raise_general(users, reload(task), actor="expert2")
    assert list(Hazard.objects.visible_to(users["expert2"])) == [hazard]
    assert not Hazard.objects.visible_to(users["expert"]).exists()
    assert not Hazard.objects.visible_to(users["enterprise_user"]).exists()  # not its hazard


def test_it_audits_every_step_of_the_closed_loop(users, on_site):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.RECTIFYING)
    request = services.extension_request(
        actor=users["enterprise_user"],
        hazard=hazard,
        new_deadline=hazard.deadline + dt.timedelta(days=5),
        reason="延迟",
    )
    services.extension_decide(actor=users["township_officer"], extension=request, approve=True)
    hazard = advance(users, hazard, HazardStatus.SUBMITTED)
    services.hazard_reject(actor=users["expert"], hazard=hazard, reason="不合格")
    hazard = advance(users, hazard, HazardStatus.CLOSED)
    services.hazard_reopen(actor=users["county_officer"], hazard=hazard, reason="复发")
    assert actions(hazard) == [
        "hazard.raised",
        "hazard.notified",
        "hazard.acknowledged",
        "hazard.extension_requested",
        "hazard.extension_decided",
        "hazard.submitted",
        "hazard.rejected",
        "hazard.submitted",
        "hazard.closed",
        "hazard.reopened",
    ]


def test_signing_for_one_hazard_says_which_on_the_link_page_and_the_hazard_page(
    users, on_site, client, login
):
    from django.urls import reverse

    from safeserve.hazards.services import notice_token

    first, second = raise_general(users, on_site), raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[first, second])
    url = reverse("notice_link", args=[notice.pk, notice_token(notice)])
    response = client.post(url, {"hazard": first.pk, "verb": "acknowledge"}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said == [f"已确认签收隐患 {first.number} 的整改通知，请于 {first.deadline} 前完成整改。"]
    assert fresh(second).status == HazardStatus.NOTIFIED  # only the one signed for
    page = login(users["enterprise_user"]).post(
        reverse("hazards:action", args=[second.pk, "acknowledge"]), follow=True
    )
    assert [str(m) for m in page.context["messages"]] == [
        f"已确认签收隐患 {second.number} 的整改通知，请于 {second.deadline} 前完成整改。"
    ]
