"""What purchase plans and projects put in a person's 待办 (safeserve/common/todo.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.procurement.models import PurchasePlan, PurchaseProject
from safeserve.procurement.workflows import PLAN, PROJECT


def _own(user: Any) -> Q:
    """The purchaser's own records (the county office's rows need no narrowing)."""
    return Q(purchaser_id=user.organization_id) if user.organization_id else Q(pk__in=[])


def _plans(user: Any) -> Any:
    return PurchasePlan.objects.visible_to(user).select_related("purchaser")


def _projects(user: Any) -> Any:
    return (
        PurchaseProject.objects.visible_to(user)
        .filter(_own(user))
        .select_related("item__plan", "purchaser")
    )


def _plan_url(plan: PurchasePlan) -> str:
    return reverse("procurement:plan_detail", args=[plan.pk])


def _project_url(project: PurchaseProject) -> str:
    return reverse("procurement:project_detail", args=[project.pk])


register_todo_rows(
    [
        TodoRow(
            key="plan.submit",
            table=PLAN,
            verbs=("submit",),
            homework=True,
            label=_("Submit the purchase plan"),
            candidates=lambda user: _plans(user).filter(_own(user)).order_by("year", "pk"),
            title=lambda plan: plan.title,
            url=_plan_url,
            list_url=lambda user: reverse("procurement:plan_list") + "?status=draft",
        ),
        TodoRow(
            key="plan.approve",
            table=PLAN,
            verbs=("approve",),
            label=_("Approve the purchase plan"),
            candidates=lambda user: _plans(user).order_by("submitted_at", "pk"),
            title=lambda plan: f"{plan.purchaser.name} · {plan.title}",
            url=_plan_url,
            since=lambda plan: plan.submitted_at,
            list_url=lambda user: reverse("procurement:plan_list") + "?status=submitted",
        ),
        TodoRow(
            key="plan.close",
            table=PLAN,
            verbs=("close",),
            label=_("Close the purchase plan"),
            candidates=lambda user: _plans(user).filter(_own(user)).order_by("year", "pk"),
            title=lambda plan: plan.title,
            url=_plan_url,
            since=lambda plan: plan.decided_at,
            list_url=lambda user: reverse("procurement:plan_list") + "?status=approved",
        ),
        TodoRow(
            key="project.award",
            table=PROJECT,
            verbs=("award",),
            homework=True,
            label=_("Record the award"),
            candidates=lambda user: _projects(user).prefetch_related("documents").order_by("pk"),
            title=lambda project: project.title,
            url=_project_url,
            list_url=lambda user: reverse("procurement:project_list") + "?status=preparing",
        ),
        TodoRow(
            key="project.contract",
            table=PROJECT,
            verbs=("contract",),
            label=_("Draft the contract"),
            candidates=lambda user: (
                _projects(user)
                .filter(contract__isnull=True)
                .select_related("contract")
                .order_by("award_date", "pk")
            ),
            title=lambda project: project.title,
            url=_project_url,
            since=lambda project: project.award_date,
            list_url=lambda user: reverse("procurement:project_list") + "?status=awarded",
        ),
    ]
)
