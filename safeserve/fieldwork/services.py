"""Fieldwork writes: planning and assigning tasks (R7, R10), check-in, checklists and answers,
records of the other categories, finishing, cancelling; the enterprise's rating, fee reports
(R15) and document requests (R20). Every write locks, checks, and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import validate_uploads
from safeserve.common.validation import clean_model, required_text
from safeserve.contracts.models import ContractStatus
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import (
    ENTERPRISE_OPTIONAL_KINDS,
    KINDS_BY_CATEGORY,
    Answer,
    AssignmentRole,
    ChecklistItem,
    ChecklistTemplate,
    DocumentRequest,
    DocumentRequestKind,
    DocumentRequestStatus,
    EnterpriseDocument,
    FeeComplaint,
    FeeComplaintStatus,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    ServiceTask,
    TaskAssignment,
    TaskKind,
    TaskRating,
    TaskRecord,
    TaskStatus,
    TestingResult,
)
from safeserve.organizations.access import require
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.contracts.models import Contract
    from safeserve.enterprises.models import Enterprise
    from safeserve.providers.models import Expert

register_object_types(
    {
        "fieldwork.servicetask": gettext_lazy("Service task"),
        "fieldwork.feecomplaint": gettext_lazy("Fee complaint"),
        "fieldwork.documentrequest": gettext_lazy("Document request"),
        "fieldwork.enterprisedocument": gettext_lazy("Enterprise document"),
    }
)
register_keys(
    {
        "team": gettext_lazy("Team before"),
        "lead": gettext_lazy("Lead expert"),
        "members": gettext_lazy("Members"),
        "latitude": gettext_lazy("Latitude"),
        "longitude": gettext_lazy("Longitude"),
        "accuracy": gettext_lazy("Accuracy (m)"),
        "item": gettext_lazy("Checklist item"),
        "answer": gettext_lazy("Problem?"),
        "photos": gettext_lazy("Photos"),
        "files": gettext_lazy("Files"),
        "checklist": gettext_lazy("Checklist"),
        "visits_per_year": gettext_lazy("Visits per year"),
        "count": gettext_lazy("Number"),
        "from": gettext_lazy("From"),
        "hazards": gettext_lazy("Hazards"),
        "contract": gettext_lazy("Contract"),
        "enterprise": gettext_lazy("Enterprise"),
        "title": gettext_lazy("Title"),
        "finding": gettext_lazy("Problem found"),
        "summary": gettext_lazy("summary of the work"),
        "scenario": gettext_lazy("drill scenario"),
        "participants": gettext_lazy("participants"),
        "problems_found": gettext_lazy("problems found"),
        "topic": gettext_lazy("topic"),
        "hours": gettext_lazy("hours"),
        "attendees": gettext_lazy("attendees"),
        "factor": gettext_lazy("hazard factor"),
        "point": gettext_lazy("measuring point"),
        "measured_value": gettext_lazy("measured value"),
        "limit_value": gettext_lazy("limit"),
        "passed": gettext_lazy("within the limit"),
        "score": gettext_lazy("score (1–5)"),
        "comment": gettext_lazy("comment"),
    },
    choices={"answer": dict(Answer.choices)},
)
register_actions(
    {
        "task.planned": gettext_lazy("Task planned"),
        "task.schedule_generated": gettext_lazy("Inspection schedule generated"),
        "task.updated": gettext_lazy("Task changed"),
        "task.assigned": gettext_lazy("Experts assigned"),
        "task.checked_in": gettext_lazy("Checked in on site"),
        "task.checklist_added": gettext_lazy("Checklist added"),
        "task.item_answered": gettext_lazy("Checklist item answered"),
        "task.record_saved": gettext_lazy("Service record saved"),
        "task.test_result_added": gettext_lazy("Test result recorded"),
        "task.findings_recorded": gettext_lazy("Findings recorded"),
        "task.cancelled": gettext_lazy("Task cancelled"),
        "task.rated": gettext_lazy("Task rated by the enterprise"),
        "fee_complaint.reported": gettext_lazy("Fee demand reported"),
        "fee_complaint.decided": gettext_lazy("Fee report decided"),
        "document_request.created": gettext_lazy("Documents or site access requested"),
        "document_request.answered": gettext_lazy("Document request answered"),
        "document_request.closed": gettext_lazy("Document request closed"),
        "document.viewed": gettext_lazy("Confidential document viewed"),
        "checklists.loaded": gettext_lazy("Shipped checklists loaded"),
    }
)

# The largest schedule one call generates; a county contract is far below it.
SCHEDULE_LIMIT = 5000


def _refuse_state(task: ServiceTask, *allowed: str) -> None:
    if task.status not in allowed:
        raise ApplicationError(
            "wrong_state",
            _("Not possible while the task is %(s)s.") % {"s": task.get_status_display()},
        )


def _lock(task: ServiceTask) -> ServiceTask:
    return (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("contract__provider", "contract__project__item", "enterprise")
        .get(pk=task.pk)
    )


def _covered(contract: Contract, enterprise: Enterprise) -> bool:
    return contract.coverage.filter(enterprise_id=enterprise.pk).exists()


def _check_date(contract: Contract, planned_date: dt.date) -> None:
    if not (contract.period_start and contract.period_end):
        return
    if not contract.period_start <= planned_date <= contract.period_end:
        raise ApplicationError(
            "outside_period",
            _("The planned date must fall within the service period %(a)s – %(b)s.")
            % {"a": contract.period_start, "b": contract.period_end},
            errors={"planned_date": [_("Outside the service period.")]},
            status=400,
        )


def _plannable(contract: Contract) -> None:
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.IN_SERVICE):
        raise ApplicationError(
            "contract_not_active",
            _("Tasks are planned on signed contracts and contracts in service; this one is %(s)s.")
            % {"s": contract.get_status_display()},
        )


def task_snapshot(task: ServiceTask) -> dict[str, Any]:
    return {
        "kind": task.kind,
        "title": task.title,
        "planned_date": task.planned_date,
        "enterprise": task.enterprise.name if task.enterprise else "",
        "status": task.status,
    }


@transaction.atomic
def task_create(
    *,
    actor: User,
    contract: Contract,
    kind: str,
    planned_date: dt.date,
    enterprise: Enterprise | None = None,
    title: str = "",
    notes: str = "",
) -> ServiceTask:
    require(perms.can_plan_tasks(actor, contract))
    _plannable(contract)
    category = contract.project.item.category
    if kind not in KINDS_BY_CATEGORY.get(category, []):
        raise ApplicationError(
            "kind_not_in_contract",
            _("A %(cat)s contract does not include %(kind)s tasks.")
            % {
                "cat": contract.project.item.get_category_display(),
                "kind": TaskKind(kind).label if kind in TaskKind.values else kind,
            },
            errors={"kind": [_("Choose a task kind this contract covers.")]},
            status=400,
        )
    if enterprise is None and kind not in ENTERPRISE_OPTIONAL_KINDS:
        raise ApplicationError(
            "enterprise_required",
            _("Choose the enterprise this task serves."),
            errors={"enterprise": [_("This field is required.")]},
            status=400,
        )
    if enterprise is not None and not _covered(contract, enterprise):
        raise ApplicationError(
            "not_covered",
            _(
                "%(name)s is not on this contract's list of enterprises; add it to the "
                "coverage first."
            )
            % {"name": enterprise.name},
            errors={"enterprise": [_("Not covered by this contract.")]},
            status=400,
        )
    _check_date(contract, planned_date)
    with translation.override(settings.LANGUAGE_CODE):  # stored data: the site's language
        label = str(TaskKind(kind).label)
    default_title = f"{enterprise.name} {label}" if enterprise else label
    task = ServiceTask(
        contract=contract,
        county_id=contract.county_id,
        enterprise=enterprise,
        kind=kind,
        title=(title or "").strip() or default_title[:120],
        planned_date=planned_date,
        notes=(notes or "").strip(),
        created_by=actor,
    )
    clean_model(task, exclude=["contract", "county", "created_by", "enterprise"])
    task.save()
    audit_record(action="task.planned", actor=actor, obj=task, after=task_snapshot(task))
    return task


def schedule_dates(start: dt.date, end: dt.date, visits_per_year: int) -> list[dt.date]:
    """Evenly spaced visit dates in [start, end]: each falls in the middle of its interval,
    so quarterly visits over a year land mid-February, mid-May, mid-August, mid-November."""
    if visits_per_year <= 0 or end < start:
        return []
    span = (end - start).days + 1
    count = max(1, round(span * visits_per_year / 365))
    step = span / count
    return [start + dt.timedelta(days=int(step * (k + 0.5))) for k in range(count)]


@transaction.atomic
def task_schedule_generate(
    *,
    actor: User,
    contract: Contract,
    visits_per_year: int,
    start: dt.date | None = None,
) -> int:
    """Inspection visits for every covered enterprise over the rest of the service period.
    Enterprises that already have tasks planned on a date keep them (running it twice adds
    nothing). The total per calendar year stays within the contract's planned visits, which
    is what the provider's capacity (R8) was checked against."""
    from safeserve.contracts.models import Contract as ContractModel

    locked = ContractModel.objects.select_for_update().get(pk=contract.pk)
    require(perms.can_plan_tasks(actor, locked))
    _plannable(locked)
    if TaskKind.INSPECTION not in KINDS_BY_CATEGORY.get(locked.project.item.category, []):
        raise ApplicationError(
            "not_inspection", _("Only inspection contracts have a visit schedule.")
        )
    if visits_per_year not in (1, 2, 3, 4, 6, 12):
        raise ApplicationError(
            "bad_frequency",
            _("Choose 1, 2, 3, 4, 6 or 12 visits a year."),
            errors={"visits_per_year": [_("Choose 1, 2, 3, 4, 6 or 12 visits a year.")]},
            status=400,
        )
    assert locked.period_start and locked.period_end  # a signed contract has its period (R6)
    first = max(start or locked.period_start, locked.period_start, timezone.localdate())
    dates = schedule_dates(first, locked.period_end, visits_per_year)
    enterprises = list(locked.coverage.select_related("enterprise").order_by("enterprise__name"))
    if not enterprises:
        raise ApplicationError(
            "no_coverage", _("The contract covers no enterprises yet; add them first.")
        )
    # An enterprise already visited (or to be visited) within half an interval of a date
    # keeps that visit instead: running the generator again, on any day, adds nothing twice.
    half = dt.timedelta(days=max(1, int(365 / visits_per_year / 2)))
    existing: dict[int, list[dt.date]] = {}
    for enterprise_id, planned in (
        ServiceTask.objects.filter(contract=locked, kind=TaskKind.INSPECTION)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("enterprise_id", "planned_date")
    ):
        existing.setdefault(enterprise_id, []).append(planned)
    per_year: dict[int, int] = {}
    for year_date in (
        ServiceTask.objects.filter(contract=locked, kind=TaskKind.INSPECTION)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("planned_date", flat=True)
    ):
        per_year[year_date.year] = per_year.get(year_date.year, 0) + 1
    new: list[ServiceTask] = []
    # Titles are stored data: written in the site's language, whatever the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(name)s inspection %(n)d/%(total)d")
    for row in enterprises:
        for number, date in enumerate(dates, start=1):
            if any(abs(other - date) < half for other in existing.get(row.enterprise_id, [])):
                continue
            per_year[date.year] = per_year.get(date.year, 0) + 1
            new.append(
                ServiceTask(
                    contract=locked,
                    county_id=locked.county_id,
                    enterprise_id=row.enterprise_id,
                    kind=TaskKind.INSPECTION,
                    title=(title % {"name": row.enterprise.name, "n": number, "total": len(dates)})[
                        :120
                    ],
                    planned_date=date,
                    created_by=actor,
                )
            )
    over = {year: n for year, n in per_year.items() if n > locked.planned_visits}
    if over:
        year, visits = min(over.items())
        raise ApplicationError(
            "over_planned_visits",
            _(
                "This schedule gives %(visits)d visits in %(year)d, more than the "
                "%(planned)d the contract plans a year (R8). Choose fewer visits a year, or "
                "amend the contract."
            )
            % {"visits": visits, "year": year, "planned": locked.planned_visits},
        )
    if len(new) > SCHEDULE_LIMIT:
        raise ApplicationError(
            "too_many", _("At most %(n)d tasks at a time.") % {"n": SCHEDULE_LIMIT}
        )
    ServiceTask.objects.bulk_create(new, batch_size=500)
    audit_record(
        action="task.schedule_generated",
        actor=actor,
        obj=locked,
        after={"visits_per_year": visits_per_year, "count": len(new), "from": first},
    )
    return len(new)


@transaction.atomic
def task_update(
    *,
    actor: User,
    task: ServiceTask,
    planned_date: dt.date,
    title: str,
    notes: str | None = None,
) -> ServiceTask:
    """A planned task's date, title and (when given) notes."""
    locked = _lock(task)
    require(perms.can_plan_tasks(actor, locked.contract))
    _refuse_state(locked, TaskStatus.PLANNED)
    _check_date(locked.contract, planned_date)
    before = task_snapshot(locked)
    locked.planned_date = planned_date
    locked.title = required_text(title, "title", _("title"))
    if notes is not None:
        locked.notes = notes.strip()
    clean_model(locked, exclude=["contract", "county", "created_by", "enterprise"])
    locked.save(update_fields=["planned_date", "title", "notes", "updated_at"])
    audit_record(
        action="task.updated", actor=actor, obj=locked, before=before, after=task_snapshot(locked)
    )
    return locked


def expert_refusal(contract: Contract, expert: Expert, on_date: dt.date) -> str | None:
    """R7 for one expert on one date, as a sentence, or None when allowed."""
    from safeserve.contracts.services import experts_allowed

    if not expert.is_active:
        return _("%(name)s is inactive and does no tasks.") % {"name": expert.name}
    if experts_allowed(contract, on_date).filter(pk=expert.pk).exists():
        return None
    if not serving_experts(contract.county_id).filter(pk=expert.pk).exists():
        return _(
            "%(name)s is not in the county's expert pool or is suspended from it, and does no "
            "tasks here."
        ) % {"name": expert.name}
    return _(
        "%(name)s is neither employed by %(provider)s nor engaged by it for this contract on "
        "%(date)s; no subcontracting (R7)."
    ) % {"name": expert.name, "provider": contract.provider.name, "date": on_date}


def team_for(contract: Contract, lead_id: int, member_ids: Sequence[int]) -> tuple[Any, list[Any]]:
    """The experts a request names, looked up only among the contract provider's own and
    those engaged for the contract: an id outside them is refused (R7) without revealing
    whose it is; one of them suspended from (or never admitted to) the county's pool is
    refused by name."""
    from django.db.models import Q as Q_

    from safeserve.providers.models import Expert

    ids = [lead_id, *member_ids]
    found = {
        e.pk: e
        for e in Expert.objects.filter(pk__in=ids).filter(
            Q_(employer_id=contract.provider_id) | Q_(engagements__contract=contract)
        )
    }
    unknown = [number for number in ids if number not in found]
    if unknown:
        refusal = _(
            "Expert no. %(ids)s is neither employed by %(provider)s nor engaged by it for this "
            "contract; no subcontracting (R7)."
        ) % {"ids": "、".join(map(str, unknown)), "provider": contract.provider.name}
        raise ApplicationError("expert_not_allowed", refusal, errors={"experts": [refusal]})
    serving = set(
        serving_experts(contract.county_id).filter(pk__in=ids).values_list("pk", flat=True)
    )
    barred = [found[number].name for number in dict.fromkeys(ids) if number not in serving]
    if barred:
        refusal = _(
            "%(names)s is not in the county's expert pool or is suspended from it, and cannot be "
            "assigned."
        ) % {"names": "、".join(barred)}
        raise ApplicationError("expert_not_serving", refusal, errors={"experts": [refusal]})
    return found[lead_id], [found[number] for number in member_ids if number != lead_id]


@transaction.atomic
def task_assign(
    *, actor: User, task: ServiceTask, lead: Expert, members: Sequence[Expert] = ()
) -> ServiceTask:
    """Names the lead expert and members (R10), each allowed by R7 on the planned date. After
    the findings the team can still change, so that an expert of the contract can verify the
    task's rectified hazards; each hazard keeps the experts who found it."""
    locked = _lock(task)
    require(perms.is_provider_staff(actor, locked.contract))
    _refuse_state(locked, TaskStatus.PLANNED, TaskStatus.ON_SITE, TaskStatus.FINDINGS_RECORDED)
    team = [lead, *[m for m in members if m.pk != lead.pk]]
    on_date = max(locked.planned_date, timezone.localdate())
    refusals = [r for r in (expert_refusal(locked.contract, e, on_date) for e in team) if r]
    if refusals:
        raise ApplicationError(
            "expert_not_allowed", " ".join(refusals), errors={"experts": refusals}
        )
    before = sorted(locked.assignments.values_list("expert_id", "role"))
    locked.assignments.all().delete()
    TaskAssignment.objects.bulk_create(
        [
            TaskAssignment(
                task=locked,
                expert=expert,
                role=AssignmentRole.LEAD if expert.pk == lead.pk else AssignmentRole.MEMBER,
                assigned_by=actor,
            )
            for expert in team
        ]
    )
    audit_record(
        action="task.assigned",
        actor=actor,
        obj=locked,
        before={"team": [f"{e}:{r}" for e, r in before]},
        after={"lead": lead.name, "members": [m.name for m in team[1:]]},
    )
    return locked


def _coordinate(value: Any, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not -limit <= number <= limit:
        raise ApplicationError(
            "bad_location",
            _("The location from the phone is not valid; try again or check in without it."),
            errors={field: [_("Not a valid coordinate.")]},
            status=400,
        )
    return number


@transaction.atomic
def task_check_in(
    *,
    actor: User,
    task: ServiceTask,
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
) -> ServiceTask:
    """planned → on site by an assigned expert; time always, location when the phone gave it."""
    locked = _lock(task)
    require(perms.is_assigned(actor, locked))
    _refuse_state(locked, TaskStatus.PLANNED)
    if locked.contract.status != ContractStatus.IN_SERVICE:
        raise ApplicationError(
            "contract_not_in_service",
            _("The contract is %(s)s; check-in is possible once it is in service.")
            % {"s": locked.contract.get_status_display()},
        )
    expert = perms.expert_of(actor)
    assert expert is not None
    refusal = expert_refusal(locked.contract, expert, timezone.localdate())
    if refusal:
        raise ApplicationError("expert_not_allowed", refusal)
    lat = _coordinate(latitude, "latitude", 90)
    lng = _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lng is None):
        lat = lng = None
    try:
        acc = int(float(accuracy)) if accuracy not in (None, "") else None
    except (TypeError, ValueError, OverflowError):
        acc = None
    locked.status = TaskStatus.ON_SITE
    locked.checked_in_at = timezone.now()
    locked.checked_in_by = actor
    locked.check_in_latitude, locked.check_in_longitude = lat, lng
    locked.check_in_accuracy = acc if acc is not None and 0 <= acc < 10**6 else None
    locked.save(
        update_fields=[
            "status",
            "checked_in_at",
            "checked_in_by",
            "check_in_latitude",
            "check_in_longitude",
            "check_in_accuracy",
            "updated_at",
        ]
    )
    audit_record(
        action="task.checked_in",
        actor=actor,
        obj=locked,
        before={"status": TaskStatus.PLANNED},
        after={
            "status": locked.status,
            "latitude": lat,
            "longitude": lng,
            "accuracy": locked.check_in_accuracy,
        },
    )
    return locked


@transaction.atomic
def task_cancel(*, actor: User, task: ServiceTask, reason: str) -> ServiceTask:
    locked = _lock(task)
    require(perms.can_cancel_task(actor, locked))
    _refuse_state(locked, TaskStatus.PLANNED, TaskStatus.ON_SITE)
    reason = required_text(reason, "reason", _("reason"))
    if locked.hazards.exists():
        raise ApplicationError(
            "has_hazards",
            _("Hazards were raised on this task; finish it so they are followed up."),
        )
    before = locked.status
    locked.status = TaskStatus.CANCELLED
    locked.cancelled_reason = reason
    locked.save(update_fields=["status", "cancelled_reason", "updated_at"])
    audit_record(
        action="task.cancelled",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status},
        reason=reason,
    )
    return locked


def _matches(template: ChecklistTemplate, enterprise: Enterprise | None) -> bool:
    if template.applies_to_all:
        return True
    if enterprise is None:
        return False
    if template.special_flag:
        return bool(getattr(enterprise, template.special_flag, False))
    if template.industry_prefixes:
        digits = (enterprise.industry_code or "").upper().lstrip(_SECTIONS)
        return bool(digits) and any(
            digits.startswith(prefix.lstrip(_SECTIONS)) for prefix in template.industry_prefixes
        )
    return bool(enterprise.sector) and enterprise.sector in template.sectors


_SECTIONS = "ABCDEFGHIJKLMNOPQRST"


def available_templates(county_id: int) -> list[ChecklistTemplate]:
    """Every checklist a task of the county may use: the shipped ones and the county's."""
    return list(
        ChecklistTemplate.objects.filter(is_active=True)
        .filter(Q(county__isnull=True) | Q(county_id=county_id))
        .order_by("superseded", "kind", "code")
    )


def suggested_templates(
    task: ServiceTask,
) -> tuple[list[ChecklistTemplate], list[ChecklistTemplate]]:
    """The checklists matching the task's enterprise — its industry code, special flags and
    the ordinary list for everyone — in force, then superseded ones (for areas the current
    criteria's transcription does not cover yet). When no industry criteria match the code
    (an unusual code, a sector set by hand), the criteria of the enterprise's high-risk
    sector are suggested instead. One query."""
    templates = available_templates(task.county_id)
    enterprise = task.enterprise

    def suggest(pool: list[ChecklistTemplate]) -> list[ChecklistTemplate]:
        chosen = [t for t in pool if _matches(t, enterprise)]
        by_industry = [t for t in chosen if t.industry_prefixes]
        if enterprise is not None and enterprise.sector and not by_industry:
            chosen += [t for t in pool if enterprise.sector in t.sectors and t not in chosen]
        return chosen

    current = suggest([t for t in templates if not t.superseded])
    older = suggest([t for t in templates if t.superseded])
    return current, older


@transaction.atomic
def inspection_add(*, actor: User, task: ServiceTask, template: ChecklistTemplate) -> Inspection:
    locked = _lock(task)
    require(perms.can_manage_checklists(actor, locked))
    _refuse_state(locked, TaskStatus.PLANNED, TaskStatus.ON_SITE)
    if not locked.uses_checklists:
        raise ApplicationError(
            "no_checklists", _("This kind of task keeps a record rather than a checklist.")
        )
    if template.county_id not in (None, locked.county_id) or not template.is_active:
        raise ApplicationError("template_unavailable", _("This checklist is not available."))
    inspection, created = Inspection.objects.get_or_create(
        task=locked, template=template, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            action="task.checklist_added",
            actor=actor,
            obj=locked,
            after={"checklist": template.name},
        )
    return inspection


@transaction.atomic
def answer_record(
    *,
    actor: User,
    inspection: Inspection,
    item: ChecklistItem,
    answer: str,
    description: str = "",
    photos: Sequence[Any] = (),
) -> InspectionAnswer:
    """是否存在问题 for one item; photos are added to those already taken."""
    task = _lock(inspection.task)
    require(perms.is_assigned(actor, task))
    _refuse_state(task, TaskStatus.ON_SITE)
    if item.template_id != inspection.template_id:
        raise ApplicationError("wrong_item", _("This item is not on this checklist."), status=400)
    if answer not in Answer.values:
        raise ApplicationError(
            "bad_answer",
            _("Answer yes, no or not applicable."),
            errors={"answer": [_("Answer yes, no or not applicable.")]},
            status=400,
        )
    description = (description or "").strip()
    if answer == Answer.YES and not description:
        raise ApplicationError(
            "description_required",
            _("Describe the problem found."),
            errors={"description": [_("Describe the problem found.")]},
            status=400,
        )
    validate_uploads(list(photos), photos_only=True, field="photos")
    existing = (
        InspectionAnswer.objects.select_for_update()
        .filter(inspection=inspection, item=item)
        .first()
    )
    if existing and answer != Answer.YES and existing.hazards.exists():
        raise ApplicationError(
            "hazard_raised",
            _("A hazard was raised from this item; the answer stays 'problem found'."),
        )
    before = {"answer": existing.answer, "finding": existing.description} if existing else {}
    row = existing or InspectionAnswer(inspection=inspection, item=item, answered_by=actor)
    row.answer, row.description, row.answered_by = answer, description, actor
    row.save()
    for photo in photos:
        InspectionPhoto.objects.create(answer=row, file=photo, uploaded_by=actor)
    audit_record(
        action="task.item_answered",
        actor=actor,
        obj=task,
        before=before,
        after={
            "item": item.reference,
            "answer": answer,
            "finding": description,
            "photos": len(photos),
        },
    )
    return row


RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    TaskKind.DRILL: ("scenario", "participants", "problems_found"),
    TaskKind.TRAINING: ("topic", "hours", "attendees"),
    TaskKind.PUBLICITY: ("topic", "hours", "attendees"),
    TaskKind.EMERGENCY_PLAN: ("summary",),
    TaskKind.STANDARDIZATION_CHECK: (),
    TaskKind.OTHER: ("summary",),
    TaskKind.OCCUPATIONAL_TESTING: (),
    TaskKind.INSPECTION: (),
}


_RECORD_EDITABLE = (
    "summary",
    "scenario",
    "participants",
    "problems_found",
    "topic",
    "hours",
    "attendees",
)


@transaction.atomic
def record_save(
    *, actor: User, task: ServiceTask, data: dict[str, Any], materials: Any = None
) -> TaskRecord:
    locked = _lock(task)
    require(perms.is_assigned(actor, locked))
    _refuse_state(locked, TaskStatus.ON_SITE)
    record = TaskRecord.objects.filter(task=locked).first() or TaskRecord(
        task=locked, updated_by=actor
    )
    before = {f: getattr(record, f) for f in _RECORD_EDITABLE} if record.pk else {}
    for field in _RECORD_EDITABLE:
        if field in data:
            value = data[field]
            setattr(record, field, value.strip() if isinstance(value, str) else value)
    if materials is not None:
        validate_uploads([materials], photos_only=False, field="materials")
        record.materials = materials
    record.updated_by = actor
    clean_model(record, exclude=["task", "updated_by"])
    record.save()
    audit_record(
        action="task.record_saved",
        actor=actor,
        obj=locked,
        before=before,
        after={f: getattr(record, f) for f in _RECORD_EDITABLE},
    )
    return record


@transaction.atomic
def test_result_add(
    *,
    actor: User,
    task: ServiceTask,
    factor: str,
    point: str,
    measured_value: Decimal,
    limit_value: Decimal,
    unit: str = "",
) -> TestingResult:
    """A measurement; pass/fail follows from value against limit (GBZ 2 occupational limits
    are upper limits)."""
    locked = _lock(task)
    require(perms.is_assigned(actor, locked))
    _refuse_state(locked, TaskStatus.ON_SITE)
    for field, value in (("measured_value", measured_value), ("limit_value", limit_value)):
        if not Decimal(value).is_finite():
            raise ApplicationError(
                "not_a_number",
                _("Enter the measured value and the limit as numbers."),
                errors={field: [_("Enter a number.")]},
                status=400,
            )
    if locked.kind != TaskKind.OCCUPATIONAL_TESTING:
        raise ApplicationError("not_testing", _("Only testing tasks record measurements."))
    result = TestingResult(
        task=locked,
        factor=required_text(factor, "factor", _("hazard factor")),
        point=required_text(point, "point", _("measuring point")),
        measured_value=measured_value,
        limit_value=limit_value,
        unit=(unit or "").strip(),
        passed=measured_value <= limit_value,
        recorded_by=actor,
    )
    clean_model(result, exclude=["task", "recorded_by"])
    result.save()
    audit_record(
        action="task.test_result_added",
        actor=actor,
        obj=locked,
        after={
            "factor": result.factor,
            "point": result.point,
            "measured_value": result.measured_value,
            "limit_value": result.limit_value,
            "passed": result.passed,
        },
    )
    return result


def checklist_progress(task: ServiceTask) -> list[tuple[Inspection, int, int]]:
    """Each checklist of the task with its number of items and of answers, in one query."""
    rows = (
        task.inspections.select_related("template")
        .annotate(
            item_count=Count("template__items", distinct=True),
            answer_count=Count("answers", distinct=True),
        )
        .order_by("pk")
    )
    return [(row, row.item_count, row.answer_count) for row in rows]


def missing_findings(task: ServiceTask) -> list[str]:
    """What still stops the lead expert from recording the findings, as sentences."""
    if task.uses_checklists:
        inspections = checklist_progress(task)
        if not inspections:
            return [_("Choose at least one checklist.")]
        missing = []
        for inspection, total, answered in inspections:
            if answered < total:
                missing.append(
                    _("%(name)s: %(n)d of %(total)d items not answered.")
                    % {"name": inspection.template.name, "n": total - answered, "total": total}
                )
        return missing
    if task.kind == TaskKind.OCCUPATIONAL_TESTING:
        return [] if task.test_results.exists() else [_("Record at least one measurement.")]
    record = TaskRecord.objects.filter(task=task).first()
    fields = RECORD_FIELDS.get(task.kind, ("summary",)) or ("summary",)
    missing_fields = [
        str(TaskRecord._meta.get_field(f).verbose_name)  # type: ignore[union-attr]
        for f in fields
        if record is None or getattr(record, f) in (None, "")
    ]
    if missing_fields:
        return [_("Fill in the record: %(fields)s.") % {"fields": "、".join(missing_fields)}]
    return []


@transaction.atomic
def task_finish(*, actor: User, task: ServiceTask) -> ServiceTask:
    """on site → findings recorded, by the lead expert, once every item is answered."""
    locked = _lock(task)
    require(perms.is_lead(actor, locked))
    _refuse_state(locked, TaskStatus.ON_SITE)
    missing = missing_findings(locked)
    if missing:
        raise ApplicationError("findings_incomplete", " ".join(missing))
    locked.status = TaskStatus.FINDINGS_RECORDED
    locked.findings_recorded_at = timezone.now()
    locked.save(update_fields=["status", "findings_recorded_at", "updated_at"])
    audit_record(
        action="task.findings_recorded",
        actor=actor,
        obj=locked,
        before={"status": TaskStatus.ON_SITE},
        after={"status": locked.status, "hazards": locked.hazards.count()},
    )
    return locked


RATEABLE = (TaskStatus.FINDINGS_RECORDED, TaskStatus.REPORTED, TaskStatus.ACCEPTED)


@transaction.atomic
def task_rate(*, actor: User, task: ServiceTask, score: int, comment: str = "") -> TaskRating:
    locked = _lock(task)
    require(locked.enterprise is not None and perms.is_enterprise_user(actor, locked.enterprise))
    _refuse_state(locked, *RATEABLE)
    if TaskRating.objects.filter(task=locked).exists():
        raise ApplicationError("already_rated", _("This task has been rated already."))
    if score not in (1, 2, 3, 4, 5):
        raise ApplicationError(
            "bad_score",
            _("Give a score from 1 to 5."),
            errors={"score": [_("Give a score from 1 to 5.")]},
            status=400,
        )
    rating = TaskRating.objects.create(
        task=locked, score=score, comment=(comment or "").strip(), rated_by=actor
    )
    audit_record(
        action="task.rated",
        actor=actor,
        obj=locked,
        after={"score": score, "comment": rating.comment},
    )
    return rating


@transaction.atomic
def fee_complaint_report(
    *,
    actor: User,
    enterprise: Enterprise,
    contract: Contract,
    demanded_by: str,
    demanded_on: dt.date,
    amount: Decimal,
    description: str,
    evidence: Any = None,
    task: ServiceTask | None = None,
) -> FeeComplaint:
    """R15: the services are paid by the government; a provider demanding a fee from the
    enterprise is reported to the purchaser and the county office."""
    require(perms.is_enterprise_user(actor, enterprise))
    if not contract.coverage.filter(enterprise_id=enterprise.pk).exists():
        raise ApplicationError(
            "not_covered",
            _("Choose a contract that serves your enterprise."),
            errors={"contract": [_("Not a contract serving your enterprise.")]},
            status=400,
        )
    if demanded_on > timezone.localdate():
        raise ApplicationError(
            "future_date",
            _("The date of the demand cannot be in the future."),
            errors={"demanded_on": [_("The date cannot be in the future.")]},
            status=400,
        )
    if evidence is not None:
        validate_uploads([evidence], photos_only=False, field="evidence")
    complaint = FeeComplaint(
        county_id=enterprise.county_id,
        enterprise=enterprise,
        contract=contract,
        task=task if task is not None and task.contract_id == contract.pk else None,
        demanded_by=required_text(demanded_by, "demanded_by", _("who demanded it")),
        demanded_on=demanded_on,
        amount=amount,
        description=required_text(description, "description", _("what happened")),
        reported_by=actor,
    )
    if evidence is not None:
        complaint.evidence = evidence
    clean_model(complaint, exclude=["county", "enterprise", "contract", "task", "reported_by"])
    complaint.save()
    audit_record(
        action="fee_complaint.reported",
        actor=actor,
        obj=complaint,
        after={
            "contract": contract.pk,
            "demanded_by": complaint.demanded_by,
            "demanded_on": demanded_on,
            "amount": complaint.amount,
        },
    )
    return complaint


@transaction.atomic
def fee_complaint_decide(
    *, actor: User, complaint: FeeComplaint, confirmed: bool, note: str
) -> FeeComplaint:
    """The county office confirms (it counts against the provider, R15/R16) or dismisses."""
    locked = FeeComplaint.objects.select_for_update().get(pk=complaint.pk)
    require(perms.is_county_office_of(actor, locked.county_id))
    if locked.status != FeeComplaintStatus.REPORTED:
        raise ApplicationError("already_decided", _("This report has been decided already."))
    locked.status = FeeComplaintStatus.CONFIRMED if confirmed else FeeComplaintStatus.DISMISSED
    locked.decision_note = required_text(note, "note", _("decision"))
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action="fee_complaint.decided",
        actor=actor,
        obj=locked,
        before={"status": FeeComplaintStatus.REPORTED},
        after={"status": locked.status},
        reason=locked.decision_note,
    )
    return locked


def can_request_documents(user: User, contract: Contract) -> bool:
    return perms.is_purchaser(user, contract) or perms.is_provider_staff(user, contract)


@transaction.atomic
def document_request_create(
    *,
    actor: User,
    contract: Contract,
    enterprise: Enterprise,
    kind: str,
    description: str,
    due_date: dt.date,
) -> DocumentRequest:
    require(can_request_documents(actor, contract))
    _plannable(contract)
    if not contract.coverage.filter(enterprise_id=enterprise.pk).exists():
        raise ApplicationError(
            "not_covered",
            _("%(name)s is not served by this contract.") % {"name": enterprise.name},
            errors={"enterprise": [_("Not covered by this contract.")]},
            status=400,
        )
    if kind not in DocumentRequestKind.values:
        raise ApplicationError(
            "bad_kind",
            _("Choose documents or site access."),
            errors={"kind": [_("Choose documents or site access.")]},
            status=400,
        )
    if due_date < timezone.localdate():
        raise ApplicationError(
            "past_due",
            _("The answer date cannot be in the past."),
            errors={"due_date": [_("The answer date cannot be in the past.")]},
            status=400,
        )
    request = DocumentRequest.objects.create(
        county_id=contract.county_id,
        contract=contract,
        enterprise=enterprise,
        requested_by_org_id=actor.organization_id or 0,
        requested_by=actor,
        kind=kind,
        description=required_text(description, "description", _("what is needed")),
        due_date=due_date,
    )
    audit_record(
        action="document_request.created",
        actor=actor,
        obj=request,
        after={"enterprise": enterprise.name, "kind": kind, "due_date": due_date},
    )
    return request


@transaction.atomic
def document_request_answer(
    *,
    actor: User,
    request: DocumentRequest,
    answer: str,
    files: Sequence[tuple[str, Any, bool]] = (),
) -> DocumentRequest:
    """The enterprise answers with text and files (title, file, confidential)."""
    locked = DocumentRequest.objects.select_for_update().get(pk=request.pk)
    require(perms.is_enterprise_user(actor, locked.enterprise))
    if locked.status == DocumentRequestStatus.CLOSED:
        raise ApplicationError("request_closed", _("This request is closed."))
    answer = required_text(answer, "answer", _("answer"))
    validate_uploads([f for _t, f, _c in files], photos_only=False, field="files")
    for title, upload, confidential in files:
        EnterpriseDocument.objects.create(
            request=locked,
            title=(title or upload.name)[:120],
            file=upload,
            confidential=confidential,
            uploaded_by=actor,
        )
    before = locked.status
    locked.answer = answer
    locked.status = DocumentRequestStatus.ANSWERED
    locked.answered_at, locked.answered_by = timezone.now(), actor
    locked.save(update_fields=["answer", "status", "answered_at", "answered_by", "updated_at"])
    audit_record(
        action="document_request.answered",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "files": len(files)},
    )
    return locked


@transaction.atomic
def document_request_close(*, actor: User, request: DocumentRequest) -> DocumentRequest:
    locked = DocumentRequest.objects.select_for_update().get(pk=request.pk)
    org = actor.organization
    require(
        org is not None
        and org.pk == locked.requested_by_org_id
        and can_request_documents(actor, locked.contract)
    )
    if locked.status == DocumentRequestStatus.CLOSED:
        raise ApplicationError("request_closed", _("This request is closed."))
    before = locked.status
    locked.status = DocumentRequestStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="document_request.closed",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status},
    )
    return locked


def document_open(*, actor: User, document: EnterpriseDocument) -> EnterpriseDocument:
    """Reading a confidential enterprise document is logged (R14); the caller fetched the
    request through data scope first."""
    if document.confidential:
        audit_record(
            action="document.viewed",
            actor=actor,
            obj=document,
            county_id=document.request.county_id,
            after={"title": document.title, "enterprise": document.request.enterprise_id},
        )
    return document
