"""What service tasks, document requests and fee reports put in a person's 待办
(safeserve/common/todo.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.fieldwork.models import (
    AssignmentRole,
    DocumentRequest,
    FeeComplaint,
    ServiceTask,
    TaskAssignment,
)
from safeserve.fieldwork.workflows import DOCUMENT_REQUEST, FEE_REPORT, TASK


def _tasks(user: Any) -> Any:
    return (
        ServiceTask.objects.visible_to(user)
        .select_related("contract__provider", "enterprise")
        .prefetch_related("assignments")
    )


def _mine(user: Any, **extra: Any) -> Any:
    """Tasks the user's expert profile is assigned to."""
    return TaskAssignment.objects.filter(expert__user_id=user.pk, **extra).values("task_id")


def _task_title(task: ServiceTask) -> str:
    return f"{task.enterprise.name if task.enterprise else task.title} · {task.get_kind_display()}"


def _task_url(task: ServiceTask) -> str:
    return reverse("fieldwork:detail", args=[task.pk])


def _tasks_list(query: str) -> Any:
    return lambda user: reverse("fieldwork:list") + query


def _request_url(item: DocumentRequest) -> str:
    return reverse("fieldwork:document_request", args=[item.pk])


register_todo_rows(
    [
        TodoRow(
            key="task.check_in",
            table=TASK,
            verbs=("check-in",),
            label=_("Go on site"),
            candidates=lambda user: (
                _tasks(user)
                .filter(pk__in=_mine(user), planned_date__lte=timezone.localdate())
                .order_by("planned_date", "pk")
            ),
            title=_task_title,
            url=_task_url,
            waiting=lambda task: task.planned_date <= timezone.localdate(),
            since=lambda task: None,
            due=lambda task: task.planned_date,
            list_url=_tasks_list("?mine=1&status=planned"),
        ),
        TodoRow(
            key="task.finish",
            table=TASK,
            verbs=("finish",),
            homework=True,
            label=_("Record the findings"),
            candidates=lambda user: (
                _tasks(user)
                .filter(pk__in=_mine(user, role=AssignmentRole.LEAD))
                .order_by("planned_date", "pk")
            ),
            title=_task_title,
            url=_task_url,
            since=lambda task: task.checked_in_at,
            due=lambda task: task.planned_date,
            list_url=_tasks_list("?mine=1&status=on_site"),
        ),
        TodoRow(
            key="task.assign",
            table=TASK,
            verbs=("assign",),
            label=_("Assign experts"),
            candidates=lambda user: (
                _tasks(user)
                .filter(
                    provider_org_id=user.organization_id or 0,
                    assignments__isnull=True,
                )
                .order_by("planned_date", "pk")
            ),
            title=_task_title,
            url=_task_url,
            waiting=lambda task: not task.assignments.all(),
            due=lambda task: task.planned_date,
            list_url=_tasks_list("?status=planned"),
        ),
        TodoRow(
            key="task.rate",
            table=TASK,
            verbs=("rate",),
            label=_("Rate the service"),
            candidates=lambda user: (
                _tasks(user)
                .filter(enterprise__organization_id=user.organization_id or 0, rating__isnull=True)
                .order_by("findings_recorded_at", "pk")
            ),
            title=_task_title,
            url=_task_url,
            since=lambda task: task.findings_recorded_at,
        ),
        TodoRow(
            key="document_request.answer",
            table=DOCUMENT_REQUEST,
            verbs=("answer",),
            label=_("Provide the documents asked for"),
            candidates=lambda user: (
                DocumentRequest.objects.visible_to(user)
                .filter(enterprise__organization_id=user.organization_id or 0, status="open")
                .select_related("enterprise", "requested_by_org")
                .order_by("due_date", "pk")
            ),
            title=lambda item: f"{item.requested_by_org.name} · {item.get_kind_display()}",
            url=_request_url,
            # It may add to its answer later, but once answered it waits on the asker.
            waiting=lambda item: item.status == "open",
            due=lambda item: item.due_date,
            list_url=lambda user: reverse("fieldwork:document_requests") + "?status=open",
        ),
        TodoRow(
            key="document_request.close",
            table=DOCUMENT_REQUEST,
            verbs=("close",),
            label=_("Check the answer and close the request"),
            candidates=lambda user: (
                DocumentRequest.objects.visible_to(user)
                .filter(requested_by_org_id=user.organization_id or 0, status="answered")
                .select_related("enterprise", "contract__provider")
                .order_by("answered_at", "pk")
            ),
            title=lambda item: f"{item.enterprise.name} · {item.get_kind_display()}",
            url=_request_url,
            since=lambda item: item.answered_at,
            list_url=lambda user: reverse("fieldwork:document_requests") + "?status=answered",
        ),
        TodoRow(
            key="fee_report.decide",
            table=FEE_REPORT,
            verbs=("decide",),
            label=_("Decide the fee report"),
            candidates=lambda user: (
                FeeComplaint.objects.visible_to(user)
                .select_related("enterprise", "contract__provider")
                .order_by("created_at", "pk")
            ),
            title=lambda c: f"{c.enterprise.name} — {c.contract.provider.name}",
            url=lambda c: reverse("fieldwork:fee_complaints") + f"?status=reported#fee-{c.pk}",
            list_url=lambda user: reverse("fieldwork:fee_complaints") + "?status=reported",
        ),
    ]
)
