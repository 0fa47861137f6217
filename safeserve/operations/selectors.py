from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def county_list(*, viewer: User) -> QuerySet[Region]:
    """Every county with its office and its number of townships: how far each is set up
    (the platform administrator's view)."""
    if not viewer.is_superuser:
        return Region.objects.none()
    office = Organization.objects.filter(
        county_id=OuterRef("pk"), kind=OrganizationKind.COUNTY_OFFICE
    )
    return (
        Region.objects.filter(level=RegionLevel.COUNTY)
        .select_related("parent")
        .annotate(
            township_count=Count("children", filter=Q(children__level=RegionLevel.TOWNSHIP)),
            office_name=Subquery(office.values("name")[:1]),
        )
        .order_by("code")
    )
