"""The hazard closed loop (R10, R11): raised on site (from a checklist answer or freely),
notified in writing, acknowledged and rectified by the enterprise (with an account or the
notice link), verified by an expert of the contract, reopened with a reason. Every transition
locks the hazard, checks the verb table and writes the audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.images import thumbnail_jpeg
from safeserve.common.lib.uploads import is_image, upload_label, validate_uploads
from safeserve.common.models import policy_for
from safeserve.common.validation import clean_model, required_text
from safeserve.contracts.models import ContractStatus
from safeserve.fieldwork.models import Answer, InspectionAnswer, ServiceTask
from safeserve.fieldwork.workflows import TASK
from safeserve.hazards.links import NOTICE_LINK_GRACE_DAYS
from safeserve.hazards.models import (
    ExtensionRequest,
    ExtensionStatus,
    Hazard,
    HazardFile,
    HazardLevel,
    HazardReview,
    HazardStatus,
    MajorHazardReport,
    Notice,
    PhotoStage,
    Rectification,
    ReportStatus,
    ReviewOutcome,
)
from safeserve.hazards.notifications import major_hazard_raised
from safeserve.hazards.permissions import Actor, LinkActor, user_of
from safeserve.hazards.workflows import HAZARD
from safeserve.organizations.models import Organization, OrganizationKind
from safeserve.providers.numbering import NOTICE, next_number

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def lock_hazard(hazard: Hazard) -> Hazard:
    return (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "enterprise", "task")
        .get(pk=hazard.pk)
    )


def hazard_snapshot(hazard: Hazard) -> dict[str, Any]:
    return {"status": hazard.status, "deadline": hazard.deadline, "level": hazard.level}


def route_major_hazard(enterprise: Any) -> tuple[Organization, Organization | None]:
    """R12: the department supervising the enterprise's high-risk sector; otherwise the
    county's fallback department with the township copied. When the county has named
    neither, the county office itself receives it, so a major hazard is never unrouted."""
    county_id = enterprise.county_id
    if enterprise.sector:
        department = (
            Organization.objects.filter(
                county_id=county_id,
                kind=OrganizationKind.DEPARTMENT,
                is_active=True,
                supervised_sectors__sector=enterprise.sector,
            )
            .order_by("pk")
            .first()
        )
        if department is not None:
            return department, None
    township = Organization.objects.filter(
        county_id=county_id,
        kind=OrganizationKind.TOWNSHIP,
        region_id=enterprise.township_id,
        is_active=True,
    ).first()
    fallback = Organization.objects.filter(
        county_id=county_id, is_fallback_department=True, is_active=True
    ).first()
    if fallback is None:
        fallback = (
            Organization.objects.filter(
                county_id=county_id, kind=OrganizationKind.COUNTY_OFFICE, is_active=True
            )
            .order_by("pk")
            .first()
        )
    if fallback is None:
        raise ApplicationError(
            "no_department",
            _(
                "The county has named no department for major hazards of this enterprise; "
                "ask the county office to set its fallback department, then raise it again."
            ),
        )
    return fallback, (township if not enterprise.sector else None)


def _save_files(
    hazard: Hazard, files: Sequence[Any], stage: str, user: Any, submission: Any = None
) -> None:
    for upload in files:
        image = is_image(upload)
        small = thumbnail_jpeg(upload) if image else None
        record = HazardFile(
            hazard=hazard,
            stage=stage,
            submission=submission,
            file=upload,
            original_name=upload_label(upload),
            is_image=image,
            uploaded_by=user,
        )
        if small is not None:
            record.thumbnail.save("thumbnail.jpg", ContentFile(small), save=False)
        record.save()


@transaction.atomic
def hazard_raise(
    *,
    actor: User,
    task: ServiceTask,
    level: str,
    description: str,
    location: str,
    advice: str,
    basis: str = "",
    answer: InspectionAnswer | None = None,
    deadline: dt.date | None = None,
    responsible_person: str = "",
    funds_estimate: Decimal | None = None,
    photos: Sequence[Any] = (),
) -> Hazard:
    """An assigned expert raises a hazard on site. Raised from a major-hazard criterion it is
    major by definition; raised major, its report is drafted at once and routed (R12), due
    the policy's hours after discovery."""
    locked_task = (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "enterprise")
        .get(pk=task.pk)
    )
    TASK.check("hazards", actor, locked_task)
    assert locked_task.enterprise is not None
    item = None
    if answer is not None:
        if answer.inspection.task_id != locked_task.pk:
            raise ApplicationError("wrong_item", _("This answer is not on this task."), status=400)
        if answer.answer != Answer.YES:
            raise ApplicationError(
                "no_problem", _("Only an item answered 'problem found' raises a hazard.")
            )
        item = answer.item
        if item.is_major:
            level = HazardLevel.MAJOR  # a finding against a 判定标准 item is major by definition
        basis = basis.strip() or f"{item.reference} {item.text}"
    if level not in HazardLevel.values:
        raise ApplicationError(
            "bad_level",
            _("Choose general or major."),
            errors={"level": [_("Choose general or major.")]},
            status=400,
        )
    policy = policy_for(locked_task.county_id)
    now = timezone.now()
    today = timezone.localdate()
    deadline = deadline or today + dt.timedelta(days=policy.general_rectification_days)
    if deadline < today:
        raise ApplicationError(
            "past_deadline",
            _("The rectification deadline cannot be in the past."),
            errors={"deadline": [_("The deadline cannot be in the past.")]},
            status=400,
        )
    if funds_estimate is not None and funds_estimate < 0:
        raise ApplicationError(
            "negative_funds",
            _("The estimated funds cannot be negative."),
            errors={"funds_estimate": [_("Enter an amount of 0 or more.")]},
            status=400,
        )
    validate_uploads(list(photos), photos_only=True, field="photos")
    hazard = Hazard(
        county_id=locked_task.county_id,
        number=f"tmp-{secrets.token_hex(8)}",
        enterprise=locked_task.enterprise,
        contract=locked_task.contract,
        purchaser_id=locked_task.purchaser_id,
        provider_org_id=locked_task.provider_org_id,
        task=locked_task,
        answer=answer,
        checklist_item=item,
        basis=required_text(basis, "basis", _("basis")),
        level=level,
        description=required_text(description, "description", _("description")),
        location=required_text(location, "location", _("location")),
        advice=required_text(advice, "advice", _("rectification advice")),
        deadline=deadline,
        responsible_person=(responsible_person or "").strip(),
        funds_estimate=funds_estimate,
        found_at=now,
        raised_by=actor,
    )
    clean_model(
        hazard,
        exclude=["county", "enterprise", "contract", "task", "answer", "raised_by", "notice"],
    )
    hazard.save()
    hazard.number = f"YH{now:%Y}-{hazard.pk:06d}"
    hazard.save(update_fields=["number"])
    # R10: every hazard names its responsible experts — the task's team.
    hazard.experts.set([a.expert_id for a in locked_task.assignments.all()])
    _save_files(hazard, photos, PhotoStage.FINDING, actor)
    audit_record(
        action="hazard.raised",
        actor=actor,
        obj=hazard,
        after={
            **hazard_snapshot(hazard),
            "number": hazard.number,
            "enterprise": hazard.enterprise.name,
            "basis": hazard.basis,
            "photos": len(photos),
        },
    )
    if level == HazardLevel.MAJOR:
        department, township = route_major_hazard(locked_task.enterprise)
        report = MajorHazardReport.objects.create(
            hazard=hazard,
            county_id=hazard.county_id,
            purchaser_id=hazard.purchaser_id,
            provider_org_id=hazard.provider_org_id,
            department=department,
            copied_township=township,
            due_at=now + dt.timedelta(hours=policy.major_hazard_report_hours),
            current_state=hazard.description,
        )
        audit_record(
            action="major_report.created",
            actor=actor,
            obj=report,
            after={
                "hazard": hazard.number,
                "department": department.name,
                "copied": township.name if township else "",
                "due_at": report.due_at,
            },
        )
        major_hazard_raised(hazard, report)
    return hazard


_NOTICE_ISSUED: list[Callable[[Notice, Any], Any]] = []


def register_notice_issued(callback: Callable[[Notice, Any], Any]) -> None:
    """What a later app does when a notice is issued, in the same transaction (documents:
    the signatures the printed notice needs), registered in its AppConfig.ready."""
    if callback not in _NOTICE_ISSUED:
        _NOTICE_ISSUED.append(callback)


@transaction.atomic
def notice_issue(*, actor: User, task: ServiceTask, hazards: Sequence[Hazard]) -> Notice:
    """found → notified for each hazard listed in one written notice (书面交底, R11)."""
    locked_task = (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "enterprise")
        .get(pk=task.pk)
    )
    ids = sorted({h.pk for h in hazards})
    if not ids:
        raise ApplicationError(
            "no_hazards",
            _("Choose the hazards the notice lists."),
            errors={"hazards": [_("Choose at least one hazard.")]},
            status=400,
        )
    locked = list(
        Hazard.objects.select_for_update().filter(pk__in=ids, task_id=locked_task.pk).order_by("pk")
    )
    if len(locked) != len(ids):
        raise ApplicationError(
            "wrong_task", _("A notice lists hazards of its own task only."), status=400
        )
    for hazard in locked:
        hazard.task, hazard.contract = locked_task, locked_task.contract
        HAZARD.check("notify", actor, hazard)
    latest = max(h.deadline for h in locked)
    expires = timezone.make_aware(
        dt.datetime.combine(latest + dt.timedelta(days=NOTICE_LINK_GRACE_DAYS), dt.time.max)
    )
    notice = Notice.objects.create(
        county_id=locked_task.county_id,
        # per provider and year, without gaps (R11: the enterprise cites it)
        number=next_number(locked_task.contract.provider, NOTICE),
        contract=locked_task.contract,
        purchaser_id=locked_task.purchaser_id,
        provider_org_id=locked_task.provider_org_id,
        task=locked_task,
        enterprise_id=locked[0].enterprise_id,
        issued_by=actor,
        link_nonce=secrets.token_hex(16),
        link_expires_at=expires,
    )
    for hazard in locked:
        hazard.status = HazardStatus.NOTIFIED
        hazard.notice = notice
        hazard.save(update_fields=["status", "notice", "updated_at"])
        audit_record(
            action="hazard.notified",
            actor=actor,
            obj=hazard,
            before={"status": HazardStatus.FOUND},
            after={"status": hazard.status, "notice": notice.number},
        )
    for callback in _NOTICE_ISSUED:
        callback(notice, actor)
    audit_record(
        action="notice.issued",
        actor=actor,
        obj=notice,
        after={"hazards": [h.number for h in locked], "link_valid_until": expires},
    )
    return notice


@transaction.atomic
def hazard_acknowledge(*, actor: Actor, hazard: Hazard) -> Hazard:
    """notified → rectifying: the enterprise has received the notice."""
    locked = lock_hazard(hazard)
    HAZARD.check("acknowledge", actor, locked)
    locked.status = HazardStatus.RECTIFYING
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["status", "acknowledged_at", "updated_at"])
    if locked.notice_id:
        Notice.objects.filter(pk=locked.notice_id, acknowledged_at__isnull=True).update(
            acknowledged_at=locked.acknowledged_at
        )
    audit_record(
        action="hazard.acknowledged",
        actor=actor if not isinstance(actor, LinkActor) else str(actor),
        obj=locked,
        before={"status": HazardStatus.NOTIFIED},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def notice_acknowledge(*, actor: Actor, notice: Notice) -> int:
    """Acknowledges every hazard of the notice still waiting for it."""
    count = 0
    for hazard in Hazard.objects.filter(notice=notice, status=HazardStatus.NOTIFIED):
        hazard_acknowledge(actor=actor, hazard=hazard)
        count += 1
    return count


@transaction.atomic
def hazard_submit(
    *,
    actor: Actor,
    hazard: Hazard,
    description: str,
    files: Sequence[Any],
    submitter_name: str = "",
) -> Rectification:
    """rectifying → submitted, with what was done and at least one photo or document."""
    locked = lock_hazard(hazard)
    HAZARD.check("submit", actor, locked)
    description = required_text(description, "description", _("what was done"))
    if not files:
        raise ApplicationError(
            "evidence_required",
            _("Add at least one photo or document showing the rectification."),
            errors={"files": [_("Add at least one photo or document.")]},
            status=400,
        )
    validate_uploads(list(files), photos_only=False, field="files")
    user = user_of(actor)
    name = (submitter_name or "").strip()[:40] or (
        user.full_name if user else actor.name.strip()[:40]
    )
    submission = Rectification.objects.create(
        hazard=locked,
        description=description,
        submitted_by=user,
        via_link=isinstance(actor, LinkActor),
        submitter_name=name,
    )
    _save_files(locked, files, PhotoStage.EVIDENCE, user, submission)
    locked.status = HazardStatus.SUBMITTED
    locked.submitted_at = submission.submitted_at
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    # A deadline no longer matters once the rectification is in: a request still waiting
    # lapses (declined, with the reason recorded) rather than hanging forever.
    lapsed = ExtensionRequest.objects.filter(hazard=locked, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.DECLINED,
        decided_at=timezone.now(),
        decision_note=_("Lapsed: the rectification was submitted."),
    )
    audit_record(
        action="hazard.submitted",
        actor=user or str(actor),
        obj=locked,
        before={"status": HazardStatus.RECTIFYING},
        after={
            "status": locked.status,
            "rectification": description,
            "files": len(files),
            "via_link": submission.via_link,
            "extension_lapsed": bool(lapsed),
        },
    )
    return submission


@transaction.atomic
def hazard_verify(*, actor: User, hazard: Hazard, note: str, photos: Sequence[Any] = ()) -> Hazard:
    """submitted → closed by an expert of the contract after the on-site check. A major
    hazard is refused here: only its report's acceptance by the department closes it (R12)."""
    locked = lock_hazard(hazard)
    HAZARD.check("verify", actor, locked)
    note = required_text(note, "note", _("on-site check"))
    validate_uploads(list(photos), photos_only=True, field="photos")
    _save_files(locked, photos, PhotoStage.VERIFICATION, actor)
    HazardReview.objects.create(
        hazard=locked, outcome=ReviewOutcome.VERIFIED, note=note, reviewed_by=actor
    )
    locked.status = HazardStatus.CLOSED
    locked.closed_at, locked.closed_by = timezone.now(), actor
    locked.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit_record(
        action="hazard.closed",
        actor=actor,
        obj=locked,
        before={"status": HazardStatus.SUBMITTED},
        after={"status": locked.status, "note": note, "photos": len(photos)},
    )
    return locked


@transaction.atomic
def hazard_reject(*, actor: User, hazard: Hazard, reason: str) -> Hazard:
    """submitted → rectifying: general by an expert of the contract, major by its department."""
    locked = lock_hazard(hazard)
    HAZARD.check("reject", actor, locked)
    reason = required_text(reason, "reason", _("reason"))
    HazardReview.objects.create(
        hazard=locked, outcome=ReviewOutcome.REJECTED, note=reason, reviewed_by=actor
    )
    locked.status = HazardStatus.RECTIFYING
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="hazard.rejected",
        actor=actor,
        obj=locked,
        before={"status": HazardStatus.SUBMITTED},
        after={"status": locked.status},
        reason=reason,
    )
    return locked


@transaction.atomic
def hazard_reopen(*, actor: User, hazard: Hazard, reason: str) -> Hazard:
    """closed → rectifying with a reason; the closing stays in the history. A major
    hazard's report returns to the department's hands, to be accepted again."""
    locked = lock_hazard(hazard)
    HAZARD.check("reopen", actor, locked)
    reason = required_text(reason, "reason", _("reason"))
    HazardReview.objects.create(
        hazard=locked, outcome=ReviewOutcome.REOPENED, note=reason, reviewed_by=actor
    )
    locked.status = HazardStatus.RECTIFYING
    locked.closed_at = None
    locked.closed_by = None
    locked.submitted_at = None
    locked.save(update_fields=["status", "closed_at", "closed_by", "submitted_at", "updated_at"])
    report = MajorHazardReport.objects.select_for_update().filter(hazard_id=locked.pk).first()
    if report is not None and report.status == ReportStatus.ACCEPTED:
        # Back in the department's hands, to be accepted again: the acceptance is undone here
        # and kept in the hazard's reviews and both audit trails.
        before_report = {
            "status": report.status,
            "accepted_at": report.accepted_at,
            "accepted_late": report.accepted_late,
        }
        report.status = (
            ReportStatus.SUPERVISED if report.supervised_at else ReportStatus.ACKNOWLEDGED
        )
        report.accepted_at = None
        report.accepted_by = None
        report.acceptance_note = ""
        report.accepted_late = False
        report.save(
            update_fields=[
                "status",
                "accepted_at",
                "accepted_by",
                "acceptance_note",
                "accepted_late",
                "updated_at",
            ]
        )
        audit_record(
            action="major_report.reopened",
            actor=actor,
            obj=report,
            before=before_report,
            after={"status": report.status},
            reason=reason,
        )
    audit_record(
        action="hazard.reopened",
        actor=actor,
        obj=locked,
        before={"status": HazardStatus.CLOSED},
        after={"status": locked.status},
        reason=reason,
    )
    return locked


def contract_in_force(hazard: Hazard) -> bool:
    return hazard.contract.status in (ContractStatus.SIGNED, ContractStatus.IN_SERVICE)
