from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from safeserve.procurement.models import (
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def plan_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[PurchasePlan]:
    qs = (
        PurchasePlan.objects.visible_to(viewer)
        .select_related("purchaser")
        .annotate(item_count=Count("items", distinct=True), budget=Sum("items__budget"))
    )
    year = str(filters.get("year") or "")
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(year=int(year))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-year", "purchaser__name", "pk")


def items_with_execution(plan: PurchasePlan) -> list[Any]:
    """Each item with committed and remaining budget (one query, whatever the count)."""
    items: list[Any] = list(
        plan.items.annotate(
            committed=Sum(
                "projects__award_amount", filter=~Q(projects__status=ProjectStatus.CANCELLED)
            )
        )
    )
    for item in items:
        item.committed = item.committed or Decimal(0)
        item.remaining = item.budget - item.committed
    return items


def project_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[PurchaseProject]:
    qs = (
        PurchaseProject.objects.visible_to(viewer)
        .select_related("purchaser", "item", "item__plan", "awarded_provider")
        .prefetch_related(Prefetch("documents"))
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-created_at", "-pk")
