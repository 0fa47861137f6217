"""Reads of fieldwork that carry rules: scoped task lists with everything a page shows
fetched in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.contracts.services.engagements import experts_allowed
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork.models import (
    OPEN_TASK_STATUSES,
    RECORD_FIELDS,
    DocumentRequest,
    FeeComplaint,
    Inspection,
    ServiceTask,
    TaskAssignment,
    TaskKind,
    TaskRecord,
    TaskStatus,
)
from safeserve.organizations.models import ACTING_ROLES, OrganizationKind
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.providers.models import EmployerChange, Expert


def contracts_acted_on(viewer: User) -> QuerySet[Contract]:
    """Signed and in-service contracts this user acts on, as the purchaser's or the provider's
    officer, leader or admin: the query form of ``permissions.is_purchaser`` /
    ``is_provider_staff``, for the contracts whose tasks it plans and whose enterprises it
    asks for documents."""
    org = viewer.organization if viewer.is_authenticated else None
    if org is None or not org.is_active or viewer.role not in ACTING_ROLES:
        return Contract.objects.none()
    return (
        Contract.objects.visible_to(viewer)
        .filter(status__in=[ContractStatus.SIGNED, ContractStatus.IN_SERVICE])
        .filter(Q(purchaser_id=org.pk) | Q(provider__organization_id=org.pk))
        .order_by("-pk")
    )


def own_enterprise(viewer: User) -> Enterprise | None:
    """The enterprise an enterprise user's organization is."""
    org = viewer.organization if viewer.is_authenticated else None
    if org is None or org.kind != OrganizationKind.ENTERPRISE or not org.is_active:
        return None
    return Enterprise.objects.filter(organization=org).first()


def with_details(
    queryset: QuerySet[ServiceTask], *, inspections: bool = True
) -> QuerySet[ServiceTask]:
    """The task with what its page, list and API show (``inspections``: its checklists, which
    the list page does not show)."""
    tasks = queryset.select_related(
        "enterprise", "contract__provider", "contract__purchaser", "contract__project__item"
    ).prefetch_related(
        Prefetch(
            "assignments",
            # the team's names; their ID numbers and phones stay encrypted (not decrypted
            # for every row of a week's tasks)
            queryset=TaskAssignment.objects.select_related("expert")
            .defer("expert__id_number", "expert__phone")
            .order_by("role", "pk"),
        ),
    )
    return tasks.prefetch_related("inspections__template") if inspections else tasks


def with_hazard_flag(queryset: QuerySet[ServiceTask]) -> QuerySet[ServiceTask]:
    """Each task with ``has_hazards`` (any hazard raised on it, whoever may see them), which the
    cancel verb's guard reads instead of asking again."""
    raised = ServiceTask.objects.filter(pk=OuterRef("pk"), hazards__isnull=False)
    return queryset.annotate(has_hazards=Exists(raised))


def task_list(*, viewer: User, inspections: bool = True) -> QuerySet[ServiceTask]:
    """The tasks the viewer sees, by planned date, each with its hazard count; TaskFilter
    narrows them (``inspections``: read their checklists too, for the API)."""
    tasks = ServiceTask.objects.visible_to(viewer)
    # The hazards app comes after this one: reach its model through the relation.
    hazard_model = ServiceTask._meta.get_field("hazards").related_model
    hazards = hazard_model._default_manager.filter(task_id=OuterRef("pk"))
    org = getattr(viewer, "organization", None)
    if org is not None and org.kind == "enterprise":
        # The enterprise counts only the hazards a notice told it of.
        hazards = hazards.exclude(status="found")
    # A subquery per task shown, not a grouping of every visible task before the page's
    # limit (issue 15): the database counts them for the rows it returns.
    count = Coalesce(
        Subquery(hazards.order_by().values("task_id").annotate(n=Count("pk")).values("n")[:1]),
        0,
    )
    counted = tasks.annotate(hazard_count=count)
    return with_details(counted, inspections=inspections).order_by("planned_date", "pk")


# What a row of the task list page shows (fieldwork/task_list.html), and no more.
TASK_ROW_FIELDS = (
    "title",
    "kind",
    "status",
    "planned_date",
    "enterprise",
    "enterprise__name",
    "contract",
    "contract__number",
)


def task_rows(tasks: QuerySet[ServiceTask]) -> QuerySet[ServiceTask]:
    """The list page's rows: of the task, its enterprise, its contract and its team only what
    the row shows, so a page of 50 builds 50 tasks with their enterprise, contract number and
    experts' names instead of every column of six related records (issue 15)."""
    team = Prefetch(
        "assignments",
        queryset=TaskAssignment.objects.select_related("expert")
        .only("task_id", "role", "expert__name")
        .order_by("role", "pk"),
    )
    return (
        tasks.select_related(None)
        .select_related("enterprise", "contract")
        .only(*TASK_ROW_FIELDS)
        .prefetch_related(None)
        .prefetch_related(team)
    )


def fee_complaint_list(*, viewer: User) -> QuerySet[FeeComplaint]:
    return (
        FeeComplaint.objects.visible_to(viewer)
        .select_related("enterprise", "contract__provider")
        .order_by("-created_at", "-pk")
    )


def document_request_list(*, viewer: User) -> QuerySet[DocumentRequest]:
    return (
        DocumentRequest.objects.visible_to(viewer)
        .select_related("enterprise", "requested_by_org")
        .prefetch_related("documents")
        .order_by("-created_at", "-pk")
    )


def _my_open_tasks(viewer: User, today: dt.date) -> QuerySet[ServiceTask]:
    """An expert's own tasks on site, or planned up to the end of this week."""
    week_end = today + dt.timedelta(days=6 - today.weekday())
    return (
        ServiceTask.objects.visible_to(viewer)
        .filter(
            assignments__expert__user_id=viewer.pk,
            status__in=[TaskStatus.PLANNED, TaskStatus.ON_SITE],
        )
        .filter(Q(status=TaskStatus.ON_SITE) | Q(planned_date__lte=week_end))
    )


def _week_bucket(task: ServiceTask, today: dt.date) -> str:
    if task.status == TaskStatus.ON_SITE:
        return "on_site"
    if task.planned_date < today:
        return "late"
    return "today" if task.planned_date == today else "week"


WEEK_BUCKETS = ("on_site", "late", "today", "week")


def my_week(viewer: User, today: dt.date) -> dict[str, list[ServiceTask]]:
    """An expert's open tasks: overdue (planned before today, not yet on site), today, and the
    rest of the week; on-site tasks first."""
    # What the week's cards show: the enterprise's name and address, the date and kind.
    tasks = (
        _my_open_tasks(viewer, today).select_related("enterprise").order_by("planned_date", "pk")
    )
    week: dict[str, list[ServiceTask]] = {bucket: [] for bucket in WEEK_BUCKETS}
    for task in tasks:
        week[_week_bucket(task, today)].append(task)
    return week


def my_week_counts(viewer: User, today: dt.date) -> dict[str, int]:
    """How many tasks ``my_week`` holds in each part, in one query (the home page's figures)."""
    on_site = Q(status=TaskStatus.ON_SITE)
    planned = Q(status=TaskStatus.PLANNED)
    counted = _my_open_tasks(viewer, today).aggregate(
        on_site=Count("pk", filter=on_site, distinct=True),
        late=Count("pk", filter=planned & Q(planned_date__lt=today), distinct=True),
        today=Count("pk", filter=planned & Q(planned_date=today), distinct=True),
        week=Count("pk", filter=planned & Q(planned_date__gt=today), distinct=True),
    )
    return {bucket: int(counted[bucket] or 0) for bucket in WEEK_BUCKETS}


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
    """What still stops the lead expert from recording the findings, as sentences. The task
    page sets ``checklist_progress_read`` to the progress it has just read, for its verbs'
    guards and its own list alike; anything else reads it here."""
    if task.uses_checklists:
        inspections = getattr(task, "checklist_progress_read", None)
        if inspections is None:
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


def expert_refusal(contract: Contract, expert: Expert, on_date: dt.date) -> str | None:
    """R7 for one expert on one date, as a sentence, or None when allowed."""
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
        "%(date)s; no subcontracting."
    ) % {"name": expert.name, "provider": contract.provider.name, "date": on_date}


def open_tasks_left_behind(change: EmployerChange) -> ApplicationError | None:
    """An expert moving employer leaves no planned or ongoing task of another provider's
    contracts behind: that provider reassigns them first (R7 — after the move the expert may
    not do them). Registered as an employer-change blocker (apps.py)."""
    left = (
        TaskAssignment.objects.filter(
            expert_id=change.expert_id, task__status__in=OPEN_TASK_STATUSES
        )
        .exclude(task__contract__provider_id=change.to_provider_id)
        .count()
    )
    if not left:
        return None
    return ApplicationError(
        "open_tasks",
        _(
            "%(name)s still has %(n)d planned or ongoing tasks with the current employer; it "
            "must reassign them before the expert moves."
        )
        % {"name": change.expert.name, "n": left},
    )
