"""Major-hazard reports (R12): drafted when a major hazard is raised and routed to the
responsible department; sent (late after the policy's hours), acknowledged, listed for
supervision (挂牌督办), the governance plan (五落实), and accepted on site — which alone closes
the hazard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import policy_for
from safeserve.common.validation import required_text
from safeserve.hazards.models import (
    GOVERNANCE_PARTS,
    GovernancePlan,
    Hazard,
    HazardReview,
    HazardStatus,
    MajorHazardReport,
    ReportStatus,
    ReviewOutcome,
    SupervisionLevel,
)
from safeserve.hazards.notifications import major_report_sent
from safeserve.hazards.services.hazards import lock_hazard
from safeserve.hazards.workflows import REPORT, ready_to_send

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _lock_report(report: MajorHazardReport) -> tuple[Hazard, MajorHazardReport]:
    """Hazard first, then report: the same order as every hazard transition."""
    hazard = lock_hazard(report.hazard)
    locked = (
        MajorHazardReport.objects.select_for_update(of=("self",))
        .select_related("department", "copied_township")
        .get(pk=report.pk)
    )
    locked.hazard = hazard
    return hazard, locked


@transaction.atomic
def major_report_save(
    *,
    actor: User,
    report: MajorHazardReport,
    current_state: str | None = None,
    harm_analysis: str | None = None,
    handling_advice: str | None = None,
) -> MajorHazardReport:
    """The draft's parts; a part not given (None) keeps what it says."""
    _hazard, locked = _lock_report(report)
    REPORT.check("update", actor, locked)
    before = {
        "current_state": locked.current_state,
        "harm_analysis": locked.harm_analysis,
        "handling_advice": locked.handling_advice,
    }
    for field, value in (
        ("current_state", current_state),
        ("harm_analysis", harm_analysis),
        ("handling_advice", handling_advice),
    ):
        if value is not None:
            setattr(locked, field, value.strip())
    locked.save(update_fields=["current_state", "harm_analysis", "handling_advice", "updated_at"])
    audit_record(
        action="major_report.saved",
        actor=actor,
        obj=locked,
        before=before,
        after={
            "current_state": locked.current_state,
            "harm_analysis": locked.harm_analysis,
            "handling_advice": locked.handling_advice,
        },
    )
    return locked


@transaction.atomic
def major_report_send(*, actor: User, report: MajorHazardReport) -> MajorHazardReport:
    """draft → sent. Timeliness is measured here, on sending, against the due time."""
    hazard, locked = _lock_report(report)
    REPORT.check("send", actor, locked)
    incomplete = ready_to_send(locked)
    if incomplete is not None:
        raise incomplete
    now = timezone.now()
    locked.status = ReportStatus.SENT
    locked.sent_at, locked.sent_by = now, actor
    locked.sent_late = now > locked.due_at
    locked.save(update_fields=["status", "sent_at", "sent_by", "sent_late", "updated_at"])
    # From now on the department (and the copied township) see the hazard: data scope reads
    # these two columns.
    hazard.routed_department_id = locked.department_id
    hazard.routed_township_id = locked.copied_township_id
    hazard.save(update_fields=["routed_department", "routed_township", "updated_at"])
    audit_record(
        action="major_report.sent",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.DRAFT},
        after={
            "status": locked.status,
            "department": locked.department.name,
            "late": locked.sent_late,
        },
    )
    major_report_sent(locked)
    return locked


@transaction.atomic
def major_report_acknowledge(*, actor: User, report: MajorHazardReport) -> MajorHazardReport:
    _hazard, locked = _lock_report(report)
    REPORT.check("acknowledge", actor, locked)
    locked.status = ReportStatus.ACKNOWLEDGED
    locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    audit_record(
        action="major_report.acknowledged",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.SENT},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def major_report_supervise(
    *,
    actor: User,
    report: MajorHazardReport,
    level: str,
    supervising_unit: str,
    planned_completion: dt.date,
) -> MajorHazardReport:
    """挂牌督办 by the responsible department: level, supervising unit, planned completion."""
    _hazard, locked = _lock_report(report)
    REPORT.check("supervise", actor, locked)
    if level not in SupervisionLevel.values:
        raise ApplicationError(
            "bad_level",
            _("Choose the supervision level."),
            errors={"supervision_level": [_("Choose the supervision level.")]},
            status=400,
        )
    if planned_completion < timezone.localdate():
        raise ApplicationError(
            "past_date",
            _("The planned completion cannot be in the past."),
            errors={"planned_completion": [_("The date cannot be in the past.")]},
            status=400,
        )
    locked.status = ReportStatus.SUPERVISED
    locked.supervision_level = level
    locked.supervising_unit = required_text(
        supervising_unit, "supervising_unit", _("supervising unit")
    )
    if len(locked.supervising_unit) > 100:
        raise ApplicationError(
            "too_long",
            _("The supervising unit may have at most 100 characters."),
            errors={"supervising_unit": [_("At most 100 characters.")]},
            status=400,
        )
    locked.planned_completion = planned_completion
    locked.supervised_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "supervision_level",
            "supervising_unit",
            "planned_completion",
            "supervised_at",
            "updated_at",
        ]
    )
    audit_record(
        action="major_report.supervised",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.ACKNOWLEDGED},
        after={
            "status": locked.status,
            "supervision_level": level,
            "supervising_unit": locked.supervising_unit,
            "planned_completion": planned_completion,
        },
    )
    return locked


UNCHANGED: Any = object()  # governance_plan_save: the funds amount not given


@transaction.atomic
def governance_plan_save(
    *,
    actor: User,
    report: MajorHazardReport,
    parts: dict[str, str],
    funds_amount: Any = UNCHANGED,
) -> GovernancePlan:
    """治理方案, entered by the enterprise or the provider once the report is sent; with the
    funds put in place as a number of 万元 (``funds_amount``: a number, text or None to
    clear), which the hazard statistics add up."""
    _hazard, locked = _lock_report(report)
    REPORT.check("governance-plan", actor, locked)
    plan = GovernancePlan.objects.filter(report=locked).first() or GovernancePlan(
        report=locked, updated_by=actor
    )
    before = _plan_snapshot(plan) if plan.pk else {}
    for part in GOVERNANCE_PARTS:
        if part in parts:
            setattr(plan, part, (parts[part] or "").strip())
    if funds_amount is not UNCHANGED:
        plan.funds_amount = _wan(funds_amount)
    plan.updated_by = actor
    plan.save()
    audit_record(
        action="major_report.governance_plan_saved",
        actor=actor,
        obj=locked,
        before=before,
        after=_plan_snapshot(plan),
    )
    return plan


FUNDS_LIMIT = Decimal("9999999999.99")


def _plan_snapshot(plan: GovernancePlan) -> dict[str, Any]:
    snapshot: dict[str, Any] = {part: getattr(plan, part) for part in GOVERNANCE_PARTS}
    snapshot["funds_amount"] = str(plan.funds_amount) if plan.funds_amount is not None else ""
    return snapshot


def _wan(value: Any) -> Decimal | None:
    """A sum of 万元: blank for none yet, else 0 or more with at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = _("Enter the governance funds in 10,000 yuan: a number of 0 or more, e.g. 30.5.")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > FUNDS_LIMIT:
        raise ApplicationError(
            "invalid_funds", message, errors={"funds_amount": [message]}, status=400
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(
            "invalid_funds", message, errors={"funds_amount": [message]}, status=400
        )
    return amount


@transaction.atomic
def major_report_accept(*, actor: User, report: MajorHazardReport, note: str) -> MajorHazardReport:
    """The department accepts on site, which closes the major hazard (and only this does).
    Accepting after the policy window from submission is recorded as late, never refused
    (安全生产事故隐患排查治理暂行规定 第23条: review within 10 days)."""
    hazard, locked = _lock_report(report)
    REPORT.check("accept", actor, locked)
    note = required_text(note, "note", _("on-site acceptance"))
    now = timezone.now()
    window = dt.timedelta(days=policy_for(locked.county_id).verification_window_days)
    before = locked.status
    locked.status = ReportStatus.ACCEPTED
    locked.accepted_at, locked.accepted_by = now, actor
    locked.acceptance_note = note
    locked.accepted_late = bool(hazard.submitted_at and now > hazard.submitted_at + window)
    locked.save(
        update_fields=[
            "status",
            "accepted_at",
            "accepted_by",
            "acceptance_note",
            "accepted_late",
            "updated_at",
        ]
    )
    HazardReview.objects.create(
        hazard=hazard, outcome=ReviewOutcome.VERIFIED, note=note, reviewed_by=actor
    )
    hazard.status = HazardStatus.CLOSED
    hazard.closed_at, hazard.closed_by = now, actor
    hazard.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit_record(
        action="major_report.accepted",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "late": locked.accepted_late},
        reason=note,
    )
    audit_record(
        action="hazard.closed",
        actor=actor,
        obj=hazard,
        before={"status": HazardStatus.SUBMITTED},
        after={"status": HazardStatus.CLOSED, "note": note},
    )
    return locked
