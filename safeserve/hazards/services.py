"""The hazard closed loop (R10, R11) and major-hazard reports (R12). Every transition locks the
hazard (then its report), checks state, role and scope, and writes the audit event; the
enterprise may act through its notice link without an account."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import is_image, validate_uploads
from safeserve.common.models import policy_for
from safeserve.common.validation import clean_model, required_text
from safeserve.contracts.models import ContractStatus
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import Answer, InspectionAnswer, ServiceTask, TaskStatus
from safeserve.hazards.models import (
    GOVERNANCE_PARTS,
    ExtensionRequest,
    ExtensionStatus,
    GovernancePlan,
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
    SupervisionLevel,
)
from safeserve.organizations.access import require
from safeserve.organizations.models import ACTING_ROLES, Organization, OrganizationKind

if TYPE_CHECKING:
    from safeserve.accounts.models import User

register_object_types(
    {
        "hazards.hazard": gettext_lazy("Hazard"),
        "hazards.notice": gettext_lazy("Notice"),
        "hazards.majorhazardreport": gettext_lazy("Major-hazard report"),
    }
)
register_keys(
    {
        "deadline": gettext_lazy("Deadline"),
        "level": gettext_lazy("Level"),
        "new_deadline": gettext_lazy("New deadline"),
        "hazards": gettext_lazy("Hazards"),
        "late": gettext_lazy("Late"),
        "files": gettext_lazy("Files"),
        "photos": gettext_lazy("Photos"),
        "via_link": gettext_lazy("Through the notice link"),
        "note": gettext_lazy("Note"),
        "notice": gettext_lazy("Notice"),
        "link_valid_until": gettext_lazy("Link valid until"),
        "approved": gettext_lazy("Approved"),
        "department": gettext_lazy("Responsible department"),
        "copied": gettext_lazy("Township copied"),
        "due_at": gettext_lazy("To be sent by"),
        "hazard": gettext_lazy("Hazard"),
        "enterprise": gettext_lazy("Enterprise"),
        "rectification": gettext_lazy("what was done"),
        "extension_lapsed": gettext_lazy("Pending extension lapsed"),
        "accepted_at": gettext_lazy("accepted at"),
        "accepted_late": gettext_lazy("accepted after the window"),
        "targets": gettext_lazy("targets and tasks"),
        "methods": gettext_lazy("methods and measures"),
        "funds": gettext_lazy("funds and materials"),
        "organisation": gettext_lazy("organisation and people responsible"),
        "time_limits": gettext_lazy("time limits and requirements"),
        "safety_measures": gettext_lazy("safety measures and emergency plan"),
    },
    choices={"level": dict(HazardLevel.choices)},
)
register_actions(
    {
        "hazard.raised": gettext_lazy("Hazard raised"),
        "hazard.notified": gettext_lazy("Hazard notified in writing"),
        "hazard.acknowledged": gettext_lazy("Notice acknowledged by the enterprise"),
        "hazard.submitted": gettext_lazy("Rectification submitted"),
        "hazard.closed": gettext_lazy("Hazard verified and closed"),
        "hazard.rejected": gettext_lazy("Rectification rejected"),
        "hazard.extension_requested": gettext_lazy("Extension requested"),
        "hazard.extension_decided": gettext_lazy("Extension decided"),
        "hazard.reopened": gettext_lazy("Hazard reopened"),
        "notice.issued": gettext_lazy("Written notice issued"),
        "major_report.created": gettext_lazy("Major-hazard report drafted"),
        "major_report.saved": gettext_lazy("Major-hazard report edited"),
        "major_report.sent": gettext_lazy("Major-hazard report sent"),
        "major_report.acknowledged": gettext_lazy("Major-hazard report acknowledged"),
        "major_report.supervised": gettext_lazy("Listed for supervision"),
        "major_report.governance_plan_saved": gettext_lazy("Governance plan saved"),
        "major_report.accepted": gettext_lazy("Major hazard accepted on site and closed"),
        "major_report.reopened": gettext_lazy("Acceptance undone: the hazard was reopened"),
    }
)

NOTICE_LINK_GRACE_DAYS = 30


@dataclass(frozen=True)
class LinkActor:
    """The enterprise acting through a notice's link, without an account."""

    notice: Notice
    name: str = ""

    def __str__(self) -> str:
        # Recorded as the audit event's actor: written in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            return _("Enterprise, through the link of notice %(number)s") % {
                "number": self.notice.number
            }


Actor = Any  # a User, or a LinkActor for the notice link


def _refuse(hazard: Hazard, *allowed: str) -> None:
    if hazard.status not in allowed:
        raise ApplicationError(
            "wrong_state",
            _("Not possible while the hazard is %(s)s.") % {"s": hazard.get_status_display()},
        )


def _lock(hazard: Hazard) -> Hazard:
    return (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "enterprise", "task")
        .get(pk=hazard.pk)
    )


def _report_of(hazard: Hazard) -> MajorHazardReport | None:
    return MajorHazardReport.objects.filter(hazard_id=hazard.pk).first()


def is_department_of(user: Any, report: MajorHazardReport | None) -> bool:
    org = getattr(user, "organization", None)
    return bool(
        report is not None
        and getattr(user, "is_authenticated", False)
        and org is not None
        and org.is_active
        and org.pk == report.department_id
        and user.role in ACTING_ROLES
    )


def is_contract_expert(user: Any, hazard: Hazard) -> bool:
    """R7: an expert the contract allows today (its provider's own, or engaged for it)."""
    from safeserve.contracts.services import experts_allowed

    expert = perms.expert_of(user) if getattr(user, "is_authenticated", False) else None
    return bool(
        expert is not None
        and experts_allowed(hazard.contract, timezone.localdate()).filter(pk=expert.pk).exists()
    )


def _acts_for_enterprise(actor: Actor, hazard: Hazard) -> bool:
    if isinstance(actor, LinkActor):
        return actor.notice.pk == hazard.notice_id and link_is_valid(actor.notice)
    return perms.is_enterprise_user(actor, hazard.enterprise)


def _user(actor: Actor) -> Any:
    return None if isinstance(actor, LinkActor) else actor


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
        HazardFile.objects.create(
            hazard=hazard,
            stage=stage,
            submission=submission,
            file=upload,
            is_image=is_image(upload),
            uploaded_by=user,
        )


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
    require(perms.is_assigned(actor, locked_task))
    if locked_task.status != TaskStatus.ON_SITE:
        raise ApplicationError(
            "not_on_site", _("Check in on site before raising hazards on this task.")
        )
    if locked_task.enterprise is None:
        raise ApplicationError(
            "no_enterprise", _("This task serves no single enterprise; hazards need one.")
        )
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
    return hazard


def notice_token(notice: Notice) -> str:
    message = f"notice:{notice.pk}:{notice.link_nonce}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return digest[:40]


def link_is_valid(notice: Notice) -> bool:
    return timezone.now() <= notice.link_expires_at


def notice_by_token(notice_id: int, token: str) -> Notice | None:
    """The notice a link names, if the token is right; expired links are refused by the
    caller with their own message (link_is_valid)."""
    notice = Notice.objects.select_related("enterprise").filter(pk=notice_id).first()
    if notice is None or not hmac.compare_digest(notice_token(notice), token or ""):
        return None
    return notice


@transaction.atomic
def notice_issue(*, actor: User, task: ServiceTask, hazards: Sequence[Hazard]) -> Notice:
    """found → notified for each hazard listed in one written notice (书面交底, R11)."""
    locked_task = (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "enterprise")
        .get(pk=task.pk)
    )
    require(
        perms.is_lead(actor, locked_task) or perms.is_provider_staff(actor, locked_task.contract)
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
        _refuse(hazard, HazardStatus.FOUND)
    latest = max(h.deadline for h in locked)
    expires = timezone.make_aware(
        dt.datetime.combine(latest + dt.timedelta(days=NOTICE_LINK_GRACE_DAYS), dt.time.max)
    )
    notice = Notice.objects.create(
        county_id=locked_task.county_id,
        number=f"tmp-{secrets.token_hex(8)}",
        contract=locked_task.contract,
        task=locked_task,
        enterprise_id=locked[0].enterprise_id,
        issued_by=actor,
        link_nonce=secrets.token_hex(16),
        link_expires_at=expires,
    )
    notice.number = f"TZ{notice.created_at:%Y}-{notice.pk:06d}"
    notice.save(update_fields=["number"])
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
    locked = _lock(hazard)
    require(_acts_for_enterprise(actor, locked))
    _refuse(locked, HazardStatus.NOTIFIED)
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
    locked = _lock(hazard)
    require(_acts_for_enterprise(actor, locked))
    _refuse(locked, HazardStatus.RECTIFYING)
    description = required_text(description, "description", _("what was done"))
    if not files:
        raise ApplicationError(
            "evidence_required",
            _("Add at least one photo or document showing the rectification."),
            errors={"files": [_("Add at least one photo or document.")]},
            status=400,
        )
    validate_uploads(list(files), photos_only=False, field="files")
    user = _user(actor)
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
    locked = _lock(hazard)
    if locked.level == HazardLevel.MAJOR:
        require(is_contract_expert(actor, locked) or is_department_of(actor, _report_of(locked)))
        raise ApplicationError(
            "major_needs_acceptance",
            _(
                "A major hazard is closed only by the responsible department accepting its "
                "report on site."
            ),
        )
    require(is_contract_expert(actor, locked))
    _refuse(locked, HazardStatus.SUBMITTED)
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
    locked = _lock(hazard)
    if locked.level == HazardLevel.MAJOR:
        require(is_department_of(actor, _report_of(locked)))
    else:
        require(is_contract_expert(actor, locked))
    _refuse(locked, HazardStatus.SUBMITTED)
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


EXTENDABLE = (HazardStatus.FOUND, HazardStatus.NOTIFIED, HazardStatus.RECTIFYING)


def can_request_extension(user: Any, hazard: Hazard) -> bool:
    """WORKFLOWS.md: the enterprise or the provider (experts never act for it)."""
    return perms.is_enterprise_user(user, hazard.enterprise) or perms.is_provider_staff(
        user, hazard.contract
    )


def can_decide_extension(user: Any, hazard: Hazard) -> bool:
    if hazard.status not in EXTENDABLE:
        return False
    if hazard.level == HazardLevel.MAJOR:
        return is_department_of(user, _report_of(hazard))
    return perms.is_purchaser(user, hazard.contract)


@transaction.atomic
def extension_request(
    *, actor: User, hazard: Hazard, new_deadline: dt.date, reason: str
) -> ExtensionRequest:
    locked = _lock(hazard)
    require(can_request_extension(actor, locked))
    _refuse(locked, *EXTENDABLE)
    reason = required_text(reason, "reason", _("reason"))
    if new_deadline <= locked.deadline:
        raise ApplicationError(
            "not_later",
            _("The new date must be after the current deadline %(d)s.") % {"d": locked.deadline},
            errors={"new_deadline": [_("Must be after the current deadline.")]},
            status=400,
        )
    if locked.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ApplicationError(
            "extension_pending", _("An extension request is already waiting for a decision.")
        )
    extension = ExtensionRequest.objects.create(
        hazard=locked,
        reason=reason,
        current_deadline=locked.deadline,
        new_deadline=new_deadline,
        requested_by=actor,
    )
    audit_record(
        action="hazard.extension_requested",
        actor=actor,
        obj=locked,
        after={"deadline": locked.deadline, "new_deadline": new_deadline},
        reason=reason,
    )
    return extension


@transaction.atomic
def extension_decide(
    *, actor: User, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The purchaser decides for general hazards, the responsible department for major ones.
    Approval moves the deadline; the old one stays in the request and the audit trail."""
    locked = _lock(extension.hazard)
    require(can_decide_extension(actor, locked))
    request = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if request.status != ExtensionStatus.PENDING:
        raise ApplicationError("already_decided", _("This request has been decided already."))
    _refuse(locked, *EXTENDABLE)
    if not approve:
        note = required_text(note, "note", _("reason"))
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = (note or "").strip()
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    before = locked.deadline
    if approve:
        locked.deadline = request.new_deadline
        locked.save(update_fields=["deadline", "updated_at"])
        if locked.notice_id:
            # The link lives as long as the latest deadline of its notice needs.
            expires = timezone.make_aware(
                dt.datetime.combine(
                    locked.deadline + dt.timedelta(days=NOTICE_LINK_GRACE_DAYS), dt.time.max
                )
            )
            Notice.objects.filter(pk=locked.notice_id, link_expires_at__lt=expires).update(
                link_expires_at=expires
            )
    audit_record(
        action="hazard.extension_decided",
        actor=actor,
        obj=locked,
        before={"deadline": before},
        after={"deadline": locked.deadline, "approved": approve},
        reason=request.decision_note,
    )
    return request


def can_reopen(user: Any, hazard: Hazard) -> bool:
    if perms.is_purchaser(user, hazard.contract) or perms.is_county_office_of(
        user, hazard.county_id
    ):
        return True
    return hazard.level == HazardLevel.MAJOR and is_department_of(user, _report_of(hazard))


@transaction.atomic
def hazard_reopen(*, actor: User, hazard: Hazard, reason: str) -> Hazard:
    """closed → rectifying with a reason; the closing stays in the history. A major
    hazard's report returns to the department's hands, to be accepted again."""
    locked = _lock(hazard)
    require(can_reopen(actor, locked))
    _refuse(locked, HazardStatus.CLOSED)
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


# Major-hazard reports (R12) -------------------------------------------------------------


def _lock_report(report: MajorHazardReport) -> tuple[Hazard, MajorHazardReport]:
    """Hazard first, then report: the same order as every hazard transition."""
    hazard = _lock(report.hazard)
    locked = (
        MajorHazardReport.objects.select_for_update(of=("self",))
        .select_related("department", "copied_township")
        .get(pk=report.pk)
    )
    return hazard, locked


def _refuse_report(report: MajorHazardReport, *allowed: str) -> None:
    if report.status not in allowed:
        raise ApplicationError(
            "wrong_state",
            _("Not possible while the report is %(s)s.") % {"s": report.get_status_display()},
        )


def can_write_report(user: Any, hazard: Hazard) -> bool:
    """The lead expert of the task, or the provider's staff."""
    return perms.is_lead(user, hazard.task) or perms.is_provider_staff(user, hazard.contract)


@transaction.atomic
def report_save(
    *,
    actor: User,
    report: MajorHazardReport,
    current_state: str | None = None,
    harm_analysis: str | None = None,
    handling_advice: str | None = None,
) -> MajorHazardReport:
    """The draft's parts; a part not given (None) keeps what it says."""
    hazard, locked = _lock_report(report)
    require(can_write_report(actor, hazard))
    _refuse_report(locked, ReportStatus.DRAFT)
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
def report_send(*, actor: User, report: MajorHazardReport) -> MajorHazardReport:
    """draft → sent. Timeliness is measured here, on sending, against the due time."""
    hazard, locked = _lock_report(report)
    require(can_write_report(actor, hazard))
    _refuse_report(locked, ReportStatus.DRAFT)
    missing = [
        label
        for field, label in (
            ("current_state", _("current state and cause")),
            ("handling_advice", _("handling advice")),
        )
        if not getattr(locked, field).strip()
    ]
    if missing:
        raise ApplicationError(
            "report_incomplete",
            _("Fill in %(fields)s before sending.") % {"fields": "、".join(missing)},
        )
    now = timezone.now()
    locked.status = ReportStatus.SENT
    locked.sent_at, locked.sent_by = now, actor
    locked.sent_late = now > locked.due_at
    locked.save(update_fields=["status", "sent_at", "sent_by", "sent_late", "updated_at"])
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
    return locked


@transaction.atomic
def report_acknowledge(*, actor: User, report: MajorHazardReport) -> MajorHazardReport:
    _hazard, locked = _lock_report(report)
    require(is_department_of(actor, locked))
    _refuse_report(locked, ReportStatus.SENT)
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
def report_supervise(
    *,
    actor: User,
    report: MajorHazardReport,
    level: str,
    supervising_unit: str,
    planned_completion: dt.date,
) -> MajorHazardReport:
    """挂牌督办 by the responsible department: level, supervising unit, planned completion."""
    _hazard, locked = _lock_report(report)
    require(is_department_of(actor, locked))
    _refuse_report(locked, ReportStatus.ACKNOWLEDGED)
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


def can_write_governance_plan(user: Any, hazard: Hazard) -> bool:
    """Entered by the enterprise or the provider (R12)."""
    return perms.is_enterprise_user(user, hazard.enterprise) or perms.is_provider_staff(
        user, hazard.contract
    )


@transaction.atomic
def governance_plan_save(
    *, actor: User, report: MajorHazardReport, parts: dict[str, str]
) -> GovernancePlan:
    """治理方案, entered by the enterprise or the provider once the report is sent."""
    hazard, locked = _lock_report(report)
    require(can_write_governance_plan(actor, hazard))
    _refuse_report(locked, ReportStatus.SENT, ReportStatus.ACKNOWLEDGED, ReportStatus.SUPERVISED)
    plan = GovernancePlan.objects.filter(report=locked).first() or GovernancePlan(
        report=locked, updated_by=actor
    )
    before = {part: getattr(plan, part) for part in GOVERNANCE_PARTS} if plan.pk else {}
    for part in GOVERNANCE_PARTS:
        if part in parts:
            setattr(plan, part, (parts[part] or "").strip())
    plan.updated_by = actor
    plan.save()
    audit_record(
        action="major_report.governance_plan_saved",
        actor=actor,
        obj=locked,
        before=before,
        after={part: getattr(plan, part) for part in GOVERNANCE_PARTS},
    )
    return plan


@transaction.atomic
def report_accept(*, actor: User, report: MajorHazardReport, note: str) -> MajorHazardReport:
    """The department accepts on site, which closes the major hazard (and only this does).
    Accepting after the policy window from submission is recorded as late, never refused
    (安全生产事故隐患排查治理暂行规定 第23条: review within 10 days)."""
    hazard, locked = _lock_report(report)
    require(is_department_of(actor, locked))
    _refuse_report(locked, ReportStatus.ACKNOWLEDGED, ReportStatus.SUPERVISED)
    plan = GovernancePlan.objects.filter(report=locked).first()
    missing = plan.missing_parts if plan else [_("the whole governance plan")]
    if missing:
        raise ApplicationError(
            "plan_incomplete",
            _("The governance plan lacks: %(parts)s.") % {"parts": "、".join(missing)},
        )
    if hazard.status != HazardStatus.SUBMITTED:
        raise ApplicationError(
            "not_submitted",
            _("The enterprise has not submitted its rectification (the hazard is %(s)s).")
            % {"s": hazard.get_status_display()},
        )
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


def contract_in_force(hazard: Hazard) -> bool:
    return hazard.contract.status in (ContractStatus.SIGNED, ContractStatus.IN_SERVICE)
