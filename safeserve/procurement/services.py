"""Every write in procurement: plans and items, leading groups, projects and awards."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record, diff
from safeserve.common.access import require
from safeserve.common.choices import ProcurementMethod, ServiceCategory
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import upload_label
from safeserve.common.validation import clean_model
from safeserve.procurement.eligibility import EligibilityResult, check_eligibility
from safeserve.procurement.models import (
    LeadingGroup,
    LeadingGroupMember,
    LeadingGroupRole,
    PlanItem,
    PlanStatus,
    ProjectDocument,
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.procurement.permissions import (
    can_start_plans,
    is_county_office_officer,
    is_purchaser_of,
)
from safeserve.procurement.workflows import PLAN, PROJECT
from safeserve.providers.models import Provider, Specialty

if TYPE_CHECKING:
    from safeserve.accounts.models import User


# A plan item's fields are recorded on its plan's history.


def _field(code: str, name: str, message: str) -> ApplicationError:
    return ApplicationError(code, message, errors={name: [message]}, status=400)


# --- Leading groups (R4) -------------------------------------------------------------------


@transaction.atomic
def leading_group_save(*, actor: User, year: int, members: list[dict[str, str]]) -> LeadingGroup:
    """Replaces the purchaser's leading group for the year."""
    require(can_start_plans(actor))
    org = actor.organization
    assert org is not None and org.county_id is not None
    cleaned = []
    for member in members:
        name, position = member.get("name", "").strip(), member.get("position", "").strip()
        if not name and not position:
            continue
        if not name or not position or member.get("role") not in LeadingGroupRole.values:
            raise _field(
                "invalid_member", "members", _("Each member needs a role, a name and a position.")
            )
        cleaned.append(
            LeadingGroupMember(role=member["role"], name=name[:40], position=position[:80])
        )
    if not 2000 <= year <= 2100:
        raise _field("invalid_year", "year", _("Enter a year between 2000 and 2100."))
    locked_plans = PurchasePlan.objects.select_for_update().filter(purchaser=org, year=year)
    if any(p.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED) for p in locked_plans):
        # R4: the group the plan was submitted and approved with stays as it was.
        raise ApplicationError(
            "plan_in_review",
            _(
                "The %(year)d plan has been submitted or approved; its leading group can no "
                "longer change."
            )
            % {"year": year},
        )
    group, _created = LeadingGroup.objects.get_or_create(
        purchaser=org, year=year, defaults={"county_id": org.county_id}
    )
    before = [f"{m.role}:{m.name}:{m.position}" for m in group.members.all()]
    group.members.all().delete()
    for row in cleaned:
        row.group = group
    LeadingGroupMember.objects.bulk_create(cleaned)
    after = [f"{m.role}:{m.name}:{m.position}" for m in cleaned]
    if before != after:
        audit_record(
            action="leading_group.saved",
            actor=actor,
            obj=group,
            before={"members": before},
            after={"members": after},
        )
    return group


# --- Plans and items (R3, R18) -------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: User, year: int, title: str) -> PurchasePlan:
    require(can_start_plans(actor))
    org = actor.organization
    assert org is not None
    if PurchasePlan.objects.filter(purchaser=org, year=year).exists():
        raise _field(
            "plan_exists",
            "year",
            _("Your organization already has a plan for %(y)d.") % {"y": year},
        )
    plan = PurchasePlan(purchaser=org, county=org.county, year=year, title=title.strip())
    clean_model(plan)
    plan.save()
    audit_record(
        action="plan.created", actor=actor, obj=plan, after={"year": year, "title": plan.title}
    )
    return plan


@dataclass
class ItemData:
    category: str
    content: str
    budget: Decimal
    description: str = ""
    target_enterprises: int = 0
    target_visits: int = 0
    target_sessions: int = 0
    is_pilot: bool = False


def _editable_plan(actor: User, plan: PurchasePlan) -> PurchasePlan:
    locked = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check("items", actor, locked)
    return locked


@transaction.atomic
def plan_item_save(
    *, actor: User, plan: PurchasePlan, data: ItemData, item: PlanItem | None = None
) -> PlanItem:
    locked = _editable_plan(actor, plan)
    if data.category == ServiceCategory.OTHER and not data.description.strip():
        raise _field(
            "description_required",
            "description",
            _("Describe the service when the category is 'other'."),
        )
    if data.budget is None or data.budget <= 0:
        raise _field("budget_positive", "budget", _("The budget must be more than zero."))
    before = None
    if item is None:
        item = PlanItem(plan=locked)
    else:
        if item.plan_id != locked.pk:
            require(False)
        before = {k: getattr(item, k) for k in ItemData.__dataclass_fields__}
    for key, value in asdict(data).items():
        setattr(item, key, value.strip() if isinstance(value, str) else value)
    clean_model(item)
    item.save()
    audit_record(
        action="plan.item_saved",
        actor=actor,
        obj=locked,
        before=before,
        after={**asdict(data), "item_id": item.pk},
    )
    return item


@transaction.atomic
def plan_item_delete(*, actor: User, item: PlanItem) -> None:
    locked = _editable_plan(actor, item.plan)
    summary = {"item_id": item.pk, "category": item.category, "budget": item.budget}
    item.delete()
    audit_record(action="plan.item_deleted", actor=actor, obj=locked, before=summary)


@transaction.atomic
def plan_submit(*, actor: User, plan: PurchasePlan) -> PurchasePlan:
    locked = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check("submit", actor, locked)
    items = list(locked.items.all())
    locked.status = PlanStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.return_reason = ""
    locked.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    audit_record(
        action="plan.submitted",
        actor=actor,
        obj=locked,
        before={"status": PlanStatus.DRAFT},
        after={
            "status": locked.status,
            "items": len(items),
            "budget": sum((i.budget for i in items), Decimal(0)),
        },
    )
    return locked


def _decide(
    actor: User, plan: PurchasePlan, verb: str, to: str, reason: str, action: str
) -> PurchasePlan:
    locked = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check(verb, actor, locked)
    locked.status = to
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.return_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "return_reason", "updated_at"])
    audit_record(
        action=action,
        actor=actor,
        obj=locked,
        before={"status": PlanStatus.SUBMITTED},
        after={"status": to},
        reason=reason,
    )
    return locked


@transaction.atomic
def plan_approve(*, actor: User, plan: PurchasePlan) -> PurchasePlan:
    return _decide(actor, plan, "approve", PlanStatus.APPROVED, "", "plan.approved")


@transaction.atomic
def plan_return(*, actor: User, plan: PurchasePlan, reason: str) -> PurchasePlan:
    if not reason.strip():
        raise _field("reason_required", "reason", _("Please give a reason."))
    return _decide(actor, plan, "return", PlanStatus.DRAFT, reason.strip(), "plan.returned")


@transaction.atomic
def plan_close(*, actor: User, plan: PurchasePlan) -> PurchasePlan:
    locked = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check("close", actor, locked)
    locked.status = PlanStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="plan.closed",
        actor=actor,
        obj=locked,
        before={"status": PlanStatus.APPROVED},
        after={"status": PlanStatus.CLOSED},
    )
    return locked


def item_committed(item: PlanItem, *, excluding_project: int | None = None) -> Decimal:
    """What the item's projects hold of its budget (``selectors.project_holds``)."""
    from safeserve.procurement.selectors import holding_projects, project_holds

    projects = holding_projects([item]).exclude(pk=excluding_project or 0)
    return sum((project_holds(p) for p in projects), Decimal(0))


# --- Projects and award (R1, R5) -----------------------------------------------------------


@dataclass
class ProjectData:
    title: str
    service_content: str
    enterprise_scope: str
    required_experts: int = 1
    required_specialties: list[str] | None = None
    min_premises_area: Decimal | None = None
    extra_requirements: list[str] | None = None
    method: str = ""


def _check_project(data: ProjectData) -> None:
    unknown = set(data.required_specialties or []) - set(Specialty.values)
    if unknown:
        raise _field("invalid_specialty", "required_specialties", _("Unknown specialty."))
    if data.method and data.method not in ProcurementMethod.values:
        raise _field("invalid_method", "method", _("Choose a lawful procurement method."))


def project_snapshot(project: PurchaseProject) -> dict[str, Any]:
    return {k: getattr(project, k) for k in ProjectData.__dataclass_fields__}


@transaction.atomic
def project_create(*, actor: User, item: PlanItem, data: ProjectData) -> PurchaseProject:
    """R3, R5: a project starts only from an item of the purchaser's approved plan."""
    plan = PurchasePlan.objects.select_for_update().get(pk=item.plan_id)
    PLAN.check("projects", actor, plan)
    _check_project(data)
    project = PurchaseProject(item=item, purchaser_id=plan.purchaser_id, county_id=plan.county_id)
    for key, value in asdict(data).items():
        setattr(
            project,
            key,
            value
            if value is not None
            else ([] if key in ("required_specialties", "extra_requirements") else value),
        )
    clean_model(project)
    project.save()
    audit_record(
        action="project.created",
        actor=actor,
        obj=project,
        after={**project_snapshot(project), "item_id": item.pk},
    )
    return project


@transaction.atomic
def project_update(*, actor: User, project: PurchaseProject, data: ProjectData) -> PurchaseProject:
    locked = PurchaseProject.objects.select_for_update().get(pk=project.pk)
    PROJECT.check("update", actor, locked)
    _check_project(data)
    before = project_snapshot(locked)
    for key, value in asdict(data).items():
        setattr(
            locked,
            key,
            value
            if value is not None
            else ([] if key in ("required_specialties", "extra_requirements") else value),
        )
    clean_model(locked)
    locked.save()
    old, new = diff(before, project_snapshot(locked))
    if new:
        audit_record(action="project.updated", actor=actor, obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def project_add_document(
    *, actor: User, project: PurchaseProject, title: str, upload: UploadedFile
) -> ProjectDocument:
    # The decision documents are those the award was made on; they are not added later.
    locked = PurchaseProject.objects.select_for_update().get(pk=project.pk)
    PROJECT.check("documents", actor, locked)
    if not title.strip():
        raise _field("title_required", "title", _("Give the document a title."))
    document = ProjectDocument.objects.create(
        project=project,
        title=title.strip()[:120],
        file=upload,
        original_name=upload_label(upload),
        uploaded_by=actor,
    )
    audit_record(
        action="project.document_added",
        actor=actor,
        obj=project,
        after={"title": document.title, "file": document.file.name},
    )
    return document


def project_eligibility(
    *,
    actor: User,
    project: PurchaseProject,
    provider: Provider,
    on_date: dt.date,
    confirmed: list[str] | None = None,
) -> EligibilityResult:
    """A read: the check the purchaser or a county officer may run before awarding. Providers
    may not: it shows a competitor's certificates, staff and violations."""
    require(
        is_purchaser_of(actor, project.purchaser_id)
        or is_county_office_officer(actor, project.county_id)
    )
    return check_eligibility(provider, project, on_date, confirmed)


def project_award(
    *,
    actor: User,
    project: PurchaseProject,
    provider: Provider,
    award_date: dt.date,
    amount: Decimal,
    method: str,
    confirmed: list[str] | None = None,
) -> tuple[PurchaseProject, EligibilityResult]:
    """R1, R5: awarded only if every eligibility condition passes on the award date; the check
    is stored with the award. A refused award is recorded in the audit trail, then raised (409).
    """
    try:
        return _award(actor, project, provider, award_date, amount, method, confirmed)
    except _Ineligible as refusal:
        # Outside the rolled-back transaction, so the refusal itself stays on record.
        audit_record(
            action="project.award_refused",
            actor=actor,
            obj=project,
            after={"provider_id": provider.pk, "eligibility": refusal.result.as_dict()},
        )
        failures = "；".join(f"{c.title}：{'；'.join(c.reasons)}" for c in refusal.result.failures)
        raise ApplicationError(
            "not_eligible",
            _("%(provider)s cannot be awarded: %(failures)s")
            % {"provider": provider.name, "failures": failures},
            errors={"eligibility": [str(c.title) for c in refusal.result.failures]},
        ) from None


class _Ineligible(Exception):
    def __init__(self, result: EligibilityResult) -> None:
        super().__init__("not eligible")
        self.result = result


@transaction.atomic
def _award(
    actor: User,
    project: PurchaseProject,
    provider: Provider,
    award_date: dt.date,
    amount: Decimal,
    method: str,
    confirmed: list[str] | None,
) -> tuple[PurchaseProject, EligibilityResult]:
    # The plan item first (the order contracts use too): two projects under one item cannot
    # both be awarded into the same remaining budget (R3).
    PlanItem.objects.select_for_update().filter(pk=project.item_id).first()
    locked = (
        PurchaseProject.objects.select_for_update(of=("self",))
        .select_related("item", "item__plan")
        .get(pk=project.pk)
    )
    PROJECT.check("award", actor, locked)
    if method not in ProcurementMethod.values:
        raise _field("invalid_method", "method", _("Choose a lawful procurement method."))
    if amount is None or amount <= 0:
        raise _field("amount_positive", "amount", _("The award amount must be more than zero."))
    today = timezone.localdate()
    if award_date > today or award_date < timezone.localtime(locked.created_at).date():
        # R1 is judged on the real award date: no backdating past an expired qualification.
        raise _field(
            "invalid_award_date",
            "award_date",
            _("The award date must lie between the project's creation and today."),
        )
    remaining = locked.item.budget - item_committed(locked.item)
    if amount > remaining:
        # R3: what is committed under an item never exceeds its budget.
        raise ApplicationError(
            "over_budget",
            _("The amount %(a)s exceeds what remains of the item's budget (%(r)s).")
            % {"a": amount, "r": remaining},
            errors={"amount": [_("Over the budget.")]},
        )
    result = check_eligibility(provider, locked, award_date, confirmed)
    if not result.passed:
        raise _Ineligible(result)
    locked.status = ProjectStatus.AWARDED
    locked.awarded_provider = provider
    locked.award_date = award_date
    locked.award_amount = amount
    locked.method = method
    locked.eligibility = result.as_dict()
    locked.save(
        update_fields=[
            "status",
            "awarded_provider",
            "award_date",
            "award_amount",
            "method",
            "eligibility",
            "updated_at",
        ]
    )
    audit_record(
        action="project.awarded",
        actor=actor,
        obj=locked,
        before={"status": ProjectStatus.PREPARING},
        after={
            "status": locked.status,
            "provider_id": provider.pk,
            "amount": amount,
            "award_date": award_date,
            "method": method,
        },
    )
    return locked, result


@transaction.atomic
def project_cancel(*, actor: User, project: PurchaseProject, reason: str) -> PurchaseProject:
    locked = PurchaseProject.objects.select_for_update().get(pk=project.pk)
    PROJECT.check("cancel", actor, locked)
    if not reason.strip():
        raise _field("reason_required", "reason", _("Please give a reason."))
    before = locked.status
    locked.status = ProjectStatus.CANCELLED
    locked.cancel_reason = reason.strip()
    locked.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(
        action="project.cancelled",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status},
        reason=reason.strip(),
    )
    return locked
