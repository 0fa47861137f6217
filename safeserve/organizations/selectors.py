from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet

from safeserve.common.choices import HighRiskSector
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    SupervisedSector,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def organization_list(*, viewer: User) -> QuerySet[Organization]:
    """The organizations the viewer sees, with their active users; OrganizationFilter
    narrows them."""
    return (
        Organization.objects.visible_to(viewer)
        .select_related("county", "region")
        .prefetch_related(Prefetch("supervised_sectors", queryset=SupervisedSector.objects.all()))
        .annotate(active_users=Count("users", filter=Q(users__is_active=True)))
        .order_by("kind", "name")
    )


@dataclass(frozen=True)
class SectorRoute:
    sector: str
    label: Any
    department: Organization | None


@dataclass(frozen=True)
class CountySetup:
    """The county's townships and who supervises which sector: what R12 routing reads."""

    county: Region
    townships: list[tuple[Region, Organization | None]]
    routes: list[SectorRoute]
    fallback: Organization | None
    departments: list[Organization]


def county_setup(county: Region) -> CountySetup:
    townships = list(Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP))
    governments = {
        org.region_id: org
        for org in Organization.objects.filter(
            county=county, kind=OrganizationKind.TOWNSHIP, region__in=townships
        )
    }
    departments = list(
        Organization.objects.filter(county=county, kind=OrganizationKind.DEPARTMENT)
        .prefetch_related("supervised_sectors")
        .order_by("name")
    )
    by_sector = {s.sector: org for org in departments for s in org.supervised_sectors.all()}
    return CountySetup(
        county=county,
        townships=[(t, governments.get(t.pk)) for t in townships],
        routes=[
            SectorRoute(sector, label, by_sector.get(sector))
            for sector, label in HighRiskSector.choices
        ],
        fallback=next((d for d in departments if d.is_fallback_department), None),
        departments=departments,
    )
