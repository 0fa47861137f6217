"""Service tasks from planning to findings (WORKFLOWS.md "Service task"): schedules, the team
(R7, R10), check-in on site, cancelling, finishing and the enterprise's rating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import clean_model, required_text
from safeserve.contracts.models import ContractStatus
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import (
    ENTERPRISE_OPTIONAL_KINDS,
    KINDS_BY_CATEGORY,
    AssignmentRole,
    ServiceTask,
    TaskAssignment,
    TaskKind,
    TaskRating,
    TaskStatus,
)
from safeserve.fieldwork.selectors import expert_refusal
from safeserve.fieldwork.workflows import TASK
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.contracts.models import Contract
    from safeserve.enterprises.models import Enterprise
    from safeserve.providers.models import Expert


# The largest schedule one call generates; a county contract is far below it.
SCHEDULE_LIMIT = 5000


def lock_task(task: ServiceTask) -> ServiceTask:
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


def plannable(contract: Contract) -> None:
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
    plannable(contract)
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
        purchaser_id=contract.purchaser_id,
        provider_org_id=contract.provider.organization_id,
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
    plannable(locked)
    if TaskKind.INSPECTION not in KINDS_BY_CATEGORY.get(locked.project.item.category, []):
        raise ApplicationError(
            "not_inspection", _("Only inspection contracts have a visit schedule.")
        )
    provider_org_id = locked.provider.organization_id
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
                    purchaser_id=locked.purchaser_id,
                    provider_org_id=provider_org_id,
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
                "%(planned)d the contract plans a year. Choose fewer visits a year, or "
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
    locked = lock_task(task)
    TASK.check("update", actor, locked)
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
        # R7. Counted, not named: an expert of another provider is not the asker's to know.
        refusal = ngettext(
            "%(n)d of the chosen experts is neither employed by %(provider)s nor engaged by it "
            "for this contract; no subcontracting.",
            "%(n)d of the chosen experts are neither employed by %(provider)s nor engaged by it "
            "for this contract; no subcontracting.",
            len(unknown),
        ) % {"n": len(unknown), "provider": contract.provider.name}
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


_TEAM_CHANGED: list[Callable[[ServiceTask, Expert], Any]] = []


def register_team_changed(callback: Callable[[ServiceTask, Expert], Any]) -> None:
    """What a later app does when a task gets its team, with the new lead, in the same
    transaction (documents: an unsigned notice waits on the new lead expert), registered in
    its AppConfig.ready."""
    if callback not in _TEAM_CHANGED:
        _TEAM_CHANGED.append(callback)


_FINISHED: list[Callable[[ServiceTask, Any], Any]] = []


def register_task_finished(callback: Callable[[ServiceTask, Any], Any]) -> None:
    """What a later app does when a task's findings are recorded, in the same transaction
    (documents: the technical report's draft is opened, R13), registered in its
    AppConfig.ready."""
    if callback not in _FINISHED:
        _FINISHED.append(callback)


@transaction.atomic
def task_assign(
    *, actor: User, task: ServiceTask, lead: Expert, members: Sequence[Expert] = ()
) -> ServiceTask:
    """Names the lead expert and members (R10), each allowed by R7 on the planned date. After
    the findings the team can still change, so that an expert of the contract can verify the
    task's rectified hazards; each hazard keeps the experts who found it."""
    locked = lock_task(task)
    TASK.check("assign", actor, locked)
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
    for callback in _TEAM_CHANGED:
        callback(locked, lead)
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
    locked = lock_task(task)
    expert = perms.expert_of(actor)
    refusal = (
        expert_refusal(locked.contract, expert, timezone.localdate())
        if expert is not None and perms.is_assigned(actor, locked)
        else None
    )
    if refusal:  # the team's expert whom R7 no longer allows: say why, not only "no"
        raise ApplicationError("expert_not_allowed", refusal)
    TASK.check("check-in", actor, locked)
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
    locked = lock_task(task)
    TASK.check("cancel", actor, locked)
    reason = required_text(reason, "reason", _("reason"))
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


@transaction.atomic
def task_finish(*, actor: User, task: ServiceTask) -> ServiceTask:
    """on site → findings recorded, by the lead expert, once every item is answered."""
    locked = lock_task(task)
    TASK.check("finish", actor, locked)
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
    for callback in _FINISHED:
        callback(locked, actor)
    return locked


def task_report_moved(*, actor: Any, task: ServiceTask, status: str, report: str) -> None:
    """The task follows its technical report (WORKFLOWS.md "Service task", R13): reported
    when a report is issued, accepted when the purchaser accepts it, back to findings
    recorded when it is returned. Called by the report's services, in their transaction."""
    locked = lock_task(task)
    if locked.status == status:
        return
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action={
            str(TaskStatus.REPORTED): "task.reported",
            str(TaskStatus.ACCEPTED): "task.accepted",
        }.get(status, "task.report_returned"),
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": status, "report": report},
    )


@transaction.atomic
def task_rate(*, actor: User, task: ServiceTask, score: int, comment: str = "") -> TaskRating:
    locked = lock_task(task)
    TASK.check("rate", actor, locked)
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
