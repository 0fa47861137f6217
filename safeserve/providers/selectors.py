from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from safeserve.common.models import policy_for
from safeserve.providers.models import (
    Debarment,
    Expert,
    ExpertPoolMembership,
    ExpertSpecialty,
    PoolStatus,
    Provider,
    ProviderAdmission,
    Qualification,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def serving_experts(county_id: int | None) -> QuerySet[Expert]:
    """The experts who count for a provider in a county (R1 capability, R8 capacity) and who
    may be assigned to or engaged for its contracts (R7): active, admitted to that county's
    expert pool and not suspended from it. One membership per county and expert, so the join
    never repeats a row."""
    return Expert.objects.filter(
        is_active=True,
        pool_memberships__county_id=county_id,
        pool_memberships__status=PoolStatus.ADMITTED,
    )


def _county_id(user: User) -> int | None:
    org = getattr(user, "organization", None)
    return org.county_id if org is not None else None


def lookback_start(county_id: int | None, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    years = policy_for(county_id).violation_lookback_years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def provider_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[Provider]:
    county_id = _county_id(viewer)
    today = timezone.localdate()
    qs = (
        Provider.objects.visible_to(viewer)
        .select_related("organization")
        .prefetch_related(
            Prefetch("qualifications", queryset=Qualification.objects.order_by("type"))
        )
        .annotate(
            admission_status=Subquery(
                ProviderAdmission.objects.filter(
                    provider=OuterRef("pk"), county_id=county_id
                ).values("status")[:1]
            ),
            recent_violations=Count(
                "violations",
                filter=Q(
                    violations__county_id=county_id,
                    violations__occurred_on__gte=lookback_start(county_id, today),
                ),
                distinct=True,
            ),
            debarred=Exists(
                Debarment.objects.filter(
                    provider=OuterRef("pk"),
                    county_id=county_id,
                    starts_on__lte=today,
                    ends_on__gte=today,
                )
            ),
            expert_count=Count("experts", filter=Q(experts__is_active=True), distinct=True),
        )
    )
    if filters.get("q"):
        qs = qs.filter(Q(name__contains=filters["q"]) | Q(uscc__startswith=filters["q"].upper()))
    if filters.get("admission") == "admitted":
        qs = qs.filter(admission_status="admitted")
    elif filters.get("admission") == "not_admitted":
        qs = qs.exclude(admission_status="admitted")
    if filters.get("qualification"):
        qs = qs.filter(
            qualifications__type=filters["qualification"], qualifications__valid_to__gte=today
        ).distinct()
    return qs.order_by("name")


def expert_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[Expert]:
    county_id = _county_id(viewer)
    qs = (
        Expert.objects.visible_to(viewer)
        .select_related("employer")
        .prefetch_related(
            Prefetch("specialties", queryset=ExpertSpecialty.objects.all()), "certificates"
        )
        .annotate(
            pool_status=Subquery(
                ExpertPoolMembership.objects.filter(
                    expert=OuterRef("pk"), county_id=county_id
                ).values("status")[:1]
            )
        )
    )
    if filters.get("q"):
        qs = qs.filter(Q(name__contains=filters["q"]) | Q(title__contains=filters["q"]))
    if filters.get("specialty"):
        qs = qs.filter(specialties__specialty=filters["specialty"])
    if filters.get("employer"):
        qs = qs.filter(employer_id=filters["employer"])
    if filters.get("pool") in ("admitted", "suspended"):
        qs = qs.filter(pool_status=filters["pool"])
    elif filters.get("pool") == "none":
        qs = qs.filter(pool_status__isnull=True)
    return qs.order_by("name", "pk")
