"""The demo's dates agree with each other (safeserve/demo/clock.py): a contract is signed
after its award and before its service began, a visit's stamps follow each other, and every
history says what the record says — the hazard raised when it was found, with the deadline it
keeps, and no event dated after the moment the seed ran."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.common.models import policy_for
from safeserve.contracts.models import Contract
from safeserve.demo import clock
from safeserve.demo.seed import seed
from safeserve.documents.models import SignedDocument
from safeserve.evaluations import annual, rankings
from safeserve.evaluations.models import Evaluation, Sanction
from safeserve.fieldwork.models import ServiceTask, TaskStatus
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    MajorHazardReport,
    Notice,
)
from safeserve.procurement.models import PurchasePlan
from safeserve.providers.models import Debarment

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(world: Any) -> dt.datetime:
    seed(enterprises=(40, 10))
    return timezone.now()


def _same_moment(a: dt.datetime, b: dt.datetime) -> bool:
    """Travelled steps stand still; today's steps (the visit on site now) tick on between
    the record's stamp and its event."""
    return abs(a - b) < dt.timedelta(seconds=5)


def _events(obj: Any, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
        ).order_by("seq")
    )


def _every_contract_is_signed_after_its_award_and_before_its_service_began(
    chain: dt.datetime,
) -> None:
    contracts = list(Contract.objects.select_related("project__item__plan"))
    assert len(contracts) == 3 + 5  # this year's, and the completed year's (past_year.py)
    for contract in contracts:
        project = contract.project
        plan = project.item.plan
        assert plan.decided_at is not None
        assert plan.submitted_at is not None
        assert plan.created_at < plan.submitted_at < plan.decided_at < project.created_at
        assert project.award_date is not None
        assert project.award_date <= timezone.localdate(contract.created_at)
        assert contract.purchaser_signed_at is not None
        assert contract.provider_signed_at is not None
        assert contract.created_at < contract.purchaser_signed_at
        assert contract.purchaser_signed_at < contract.provider_signed_at
        assert contract.period_start is not None
        assert timezone.localdate(contract.provider_signed_at) < contract.period_start
        assert contract.period_start < timezone.localdate(chain)
        (started,) = _events(contract, "contract.started")
        assert timezone.localdate(started.created_at) == contract.period_start
        # the plan's history agrees with its stamps
        (approved,) = _events(plan, "plan.approved")
        assert _same_moment(approved.created_at, plan.decided_at)
    # the department's plan waits since it was submitted, days ago
    waiting = PurchasePlan.objects.get(status="submitted")
    assert waiting.submitted_at is not None
    assert (chain - waiting.submitted_at).days >= 1


def _a_visit_was_planned_before_it_happened_and_its_stamps_follow_each_other(
    chain: dt.datetime,
) -> None:
    done = list(
        ServiceTask.objects.filter(status=TaskStatus.FINDINGS_RECORDED).prefetch_related(
            "assignments"
        )
    )
    assert len(done) >= 6
    for task in done:
        assert task.checked_in_at is not None
        assert task.findings_recorded_at is not None
        assert timezone.localdate(task.checked_in_at) == task.planned_date
        assert task.created_at < task.checked_in_at < task.findings_recorded_at
        for assignment in task.assignments.all():
            assert task.created_at <= assignment.assigned_at < task.checked_in_at
        assert task.contract.period_start <= task.planned_date


def _a_hazards_history_says_when_it_was_found_and_the_deadline_it_keeps(
    chain: dt.datetime,
) -> None:
    hazards = list(Hazard.objects.select_related("task"))
    assert len(hazards) >= 15
    extended = {e.hazard_id: e for e in ExtensionRequest.objects.filter(status="approved")}
    past = [h for h in hazards if h.found_at.date() < timezone.localdate(chain)]
    assert past
    assert any(h.deadline < timezone.localdate(chain) for h in past)  # overdue ones exist
    for hazard in hazards:
        (raised,) = _events(hazard, "hazard.raised")
        assert _same_moment(raised.created_at, hazard.found_at)
        assert _same_moment(hazard.created_at, hazard.found_at)
        task = hazard.task
        assert task.checked_in_at is not None
        assert task.checked_in_at < hazard.found_at
        if task.findings_recorded_at is not None:
            assert hazard.found_at < task.findings_recorded_at
        assert raised.after is not None
        kept = extended[hazard.pk].current_deadline if hazard.pk in extended else hazard.deadline
        assert raised.after["deadline"] == kept.isoformat(), hazard.number
        assert hazard.deadline >= timezone.localdate(hazard.found_at)
        if hazard.closed_at is not None:
            (closed,) = [
                e
                for e in AuditEvent.objects.filter(
                    object_type="hazards.hazard", object_id=str(hazard.pk)
                )
                if (e.after or {}).get("status") == "closed"
            ]
            assert _same_moment(closed.created_at, hazard.closed_at)
            assert hazard.found_at < hazard.closed_at


def _notices_and_major_hazard_reports_follow_their_hazards(chain: dt.datetime) -> None:
    for notice in Notice.objects.prefetch_related("hazards"):
        found = max(h.found_at for h in notice.hazards.all())
        assert found < notice.created_at
        if notice.acknowledged_at is not None:
            assert notice.created_at < notice.acknowledged_at
    reports = list(MajorHazardReport.objects.select_related("hazard"))
    assert any(r.sent_late for r in reports)
    assert any(r.sent_at is not None and not r.sent_late for r in reports)
    for report in reports:
        hours = policy_for(report.hazard.enterprise.county_id).major_hazard_report_hours
        assert report.due_at == report.hazard.found_at + dt.timedelta(hours=int(hours))
        if report.sent_at is not None:
            assert report.sent_late == (report.sent_at > report.due_at)
            (sent,) = _events(report, "major_report.sent")
            assert _same_moment(sent.created_at, report.sent_at)


def _signed_notices_were_signed_after_they_were_issued(chain: dt.datetime) -> None:
    signed = list(
        SignedDocument.objects.filter(status="complete").select_related("notice", "report")
    )
    assert len([d for d in signed if d.notice is not None]) >= 2
    for document in signed:
        assert document.completed_at is not None
        if document.notice is not None:
            assert document.notice.created_at < document.completed_at < chain
        else:  # a report: sealed after it was sent for signature, before it was issued
            report = document.report
            assert report.requested_at is not None and report.sealed_at is not None
            assert report.requested_at < document.completed_at < chain
            assert report.issued_at is None or report.sealed_at <= report.issued_at


def _no_event_of_the_demo_is_dated_after_the_seed_ran(chain: dt.datetime) -> None:
    assert not AuditEvent.objects.filter(created_at__gt=chain).exists()
    assert not Hazard.objects.filter(found_at__gt=chain).exists()


def _last_year_is_evaluated_sanctioned_re_evaluated_and_submitted(chain: dt.datetime) -> None:
    today = timezone.localdate(chain)
    year = clock.past_year(today)
    states = set(Evaluation.objects.values_list("status", flat=True))
    assert {"draft", "sent", "replied", "final"} <= states
    # the third party overturned a pass, and its result is the effective one
    again = Evaluation.objects.get(evaluator__isnull=False)
    assert again.original is not None and again.original.passed and not again.passed
    assert again.effective and not again.original.effective
    assert set(Sanction.objects.values_list("status", flat=True)) == {"confirmed", "proposed"}
    # a provider failed, with a deduction and a ban in force
    confirmed = Sanction.objects.get(status="confirmed")
    assert confirmed.deduction is not None and confirmed.deduction.amount > 0
    assert Debarment.objects.in_force(today).filter(provider=confirmed.provider).exists()
    # 城关镇 submitted on time and was received; 应急管理局 is late
    rows = {
        r.purchaser.name: r
        for r in annual.county_overview(
            viewer=User.objects.get(username="county_officer"), year=year
        )
    }
    assert rows["安平县城关镇人民政府"].submission.status == "received"
    assert not rows["安平县城关镇人民政府"].late
    assert rows["安平县应急管理局"].submission is None and rows["安平县应急管理局"].late
    tiers = {p.name: p.tier for p in rankings.provider_rankings(confirmed.county_id)}
    assert tiers["安平安科安全技术咨询有限公司"] == "A" and tiers["恒信安全评价有限公司"] == "D"
    assert rankings.expert_rankings(confirmed.county_id).filter(rating__isnull=False).exists()


def test_the_demos_dates_agree(chain: dt.datetime) -> None:
    """One seed of the whole chain (it is the slow part), every check on it."""
    _last_year_is_evaluated_sanctioned_re_evaluated_and_submitted(chain)
    _every_contract_is_signed_after_its_award_and_before_its_service_began(chain)
    _a_visit_was_planned_before_it_happened_and_its_stamps_follow_each_other(chain)
    _a_hazards_history_says_when_it_was_found_and_the_deadline_it_keeps(chain)
    _notices_and_major_hazard_reports_follow_their_hazards(chain)
    _signed_notices_were_signed_after_they_were_issued(chain)
    _no_event_of_the_demo_is_dated_after_the_seed_ran(chain)
