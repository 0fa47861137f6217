from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from safeserve.procurement.models import (
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def plan_list(*, viewer: User) -> QuerySet[PurchasePlan]:
    """The plans the viewer sees with their item count and budget; PlanFilter narrows them."""
    return (
        PurchasePlan.objects.visible_to(viewer)
        .select_related("purchaser")
        .annotate(item_count=Count("items", distinct=True), budget=Sum("items__budget"))
        .order_by("-year", "purchaser__name", "pk")
    )


def project_holds(project: PurchaseProject) -> Decimal:
    """R3: what one project holds of its item's budget — the one rule awards, signing,
    amendments and the budget pages all use. It holds its award until its contract is signed,
    then the contract's amount after agreed amendments; a terminated contract holds only what
    was paid under it; a cancelled project holds nothing. Reads the totals ``holding_projects``
    adds, else the contract's amendments and payments."""
    if project.status == ProjectStatus.CANCELLED:
        return Decimal(0)
    award = project.award_amount or Decimal(0)
    contract = getattr(project, "contract", None)
    if contract is None or contract.status == "draft":
        return award
    if contract.status == "terminated":
        paid = getattr(project, "contract_paid", None)
        if paid is not None:
            return Decimal(paid)
        return sum((p.amount for p in contract.payments.all()), Decimal(0))
    agreed = getattr(project, "contract_agreed", None)
    if agreed is not None:
        return Decimal(contract.amount) + Decimal(agreed)
    return Decimal(contract.current_amount)


def holding_projects(items: Any) -> Any:
    """The projects under ``items`` with what ``project_holds`` reads — each contract's agreed
    amendments and payments summed (``contract_agreed``, ``contract_paid``) — in one query."""
    money = DecimalField(max_digits=16, decimal_places=2)

    def total(path: str, **only: Any) -> Coalesce:
        # one relation per subquery, so neither sum is multiplied by the other's rows
        summed = (
            PurchaseProject.objects.filter(pk=OuterRef("pk"))
            .annotate(total=Sum(path, filter=Q(**only) if only else None))
            .values("total")
        )
        return Coalesce(Subquery(summed, output_field=money), Value(Decimal(0)), output_field=money)

    return (
        PurchaseProject.objects.filter(item__in=items)
        .exclude(status=ProjectStatus.CANCELLED)
        .select_related("contract")
        .annotate(
            contract_agreed=total(
                "contract__amendments__amount_delta", contract__amendments__status="agreed"
            ),
            contract_paid=total("contract__payments__amount"),
        )
    )


def items_with_execution(plan: PurchasePlan) -> list[Any]:
    """Each item with what its projects hold and what remains (a fixed number of queries,
    whatever the count)."""
    items: list[Any] = list(plan.items.all())
    held: dict[int, Decimal] = {}
    for project in holding_projects(items):
        held[project.item_id] = held.get(project.item_id, Decimal(0)) + project_holds(project)
    for item in items:
        item.committed = held.get(item.pk, Decimal(0))
        item.remaining = item.budget - item.committed
    return items


def project_list(*, viewer: User) -> QuerySet[PurchaseProject]:
    """The projects the viewer sees, newest first; ProjectFilter narrows them."""
    return (
        PurchaseProject.objects.visible_to(viewer)
        .select_related("purchaser", "item", "item__plan", "awarded_provider")
        .prefetch_related(Prefetch("documents"))
        .order_by("-created_at", "-pk")
    )
