from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet

from safeserve.organizations.models import Organization, SupervisedSector

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def organization_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[Organization]:
    qs = (
        Organization.objects.visible_to(viewer)
        .select_related("county", "region")
        .prefetch_related(Prefetch("supervised_sectors", queryset=SupervisedSector.objects.all()))
        .annotate(active_users=Count("users", filter=Q(users__is_active=True)))
    )
    if filters.get("q"):
        qs = qs.filter(name__icontains=filters["q"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("is_active") in ("1", "0"):
        qs = qs.filter(is_active=filters["is_active"] == "1")
    return qs.order_by("kind", "name")
