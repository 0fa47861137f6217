from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

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

from safeserve.common.lib.dates import years_from
from safeserve.common.models import CountyPolicy, policy_for
from safeserve.providers.models import (
    Debarment,
    EmployerChange,
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


def lookback_start(
    county_id: int | None, today: dt.date | None = None, policy: CountyPolicy | None = None
) -> dt.date:
    """Where the county's look-back for violations begins (``policy``: already read)."""
    today = today or timezone.localdate()
    years = (policy or policy_for(county_id)).violation_lookback_years
    return years_from(today, -years)


ListAnnotation = Callable[[QuerySet[Provider], "int | None"], QuerySet[Provider]]
_LIST_ANNOTATIONS: list[ListAnnotation] = []


def register_provider_annotation(annotate: ListAnnotation) -> None:
    """What a later app adds to each provider of the directory in the viewer's county
    (evaluations: the tier, R10), registered in its AppConfig.ready; in the same query."""
    if annotate not in _LIST_ANNOTATIONS:
        _LIST_ANNOTATIONS.append(annotate)


def provider_list(*, viewer: User) -> QuerySet[Provider]:
    """The register as the viewer sees it, with each provider's standing in the viewer's
    county (admission, recent violations, debarment, and what later apps add: the tier) and
    its qualifications; ProviderFilter narrows it."""
    county_id = _county_id(viewer)
    queryset = _provider_list(viewer, county_id)
    for annotate in _LIST_ANNOTATIONS:
        queryset = annotate(queryset, county_id)
    return queryset


def _provider_list(viewer: User, county_id: int | None) -> QuerySet[Provider]:
    today = timezone.localdate()
    return (
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
                Debarment.objects.in_force(today).filter(
                    provider=OuterRef("pk"), county_id=county_id
                )
            ),
            expert_count=Count("experts", filter=Q(experts__is_active=True), distinct=True),
        )
        .order_by("name", "pk")
    )


def qualification_list(*, viewer: User) -> QuerySet[Qualification]:
    """The qualifications of the providers the viewer sees; QualificationFilter narrows them."""
    return (
        Qualification.objects.filter(provider__in=Provider.objects.visible_to(viewer))
        .select_related("provider")
        .order_by("provider__name", "type", "-valid_to", "pk")
    )


def expert_list(*, viewer: User) -> QuerySet[Expert]:
    """The experts the viewer sees, with their standing in the viewer's county's pool;
    ExpertFilter narrows them."""
    county_id = _county_id(viewer)
    return (
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
        .order_by("name", "pk")
    )


def employer_change_list(*, viewer: User) -> QuerySet[EmployerChange]:
    """The employer-change requests the viewer decides or filed; EmployerChangeFilter
    narrows them. Waiting requests first, then the newest."""
    from django.db.models import CharField, F, IntegerField, Value, When
    from django.db.models.expressions import Case

    from safeserve.providers.permissions import is_county_office_actor

    # Who holds the record and where (workflows.sees_record_holder, here in SQL): the
    # deciding county office, else only once approved.
    former = (
        F("from_provider__name")
        if is_county_office_actor(viewer)
        else Case(
            When(status="approved", then=F("from_provider__name")),
            default=Value(""),
            output_field=CharField(),
        )
    )
    return (
        EmployerChange.objects.visible_to(viewer)
        .select_related("expert", "from_provider", "to_provider", "to_provider__organization")
        .annotate(
            waiting=Case(
                When(status="requested", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            former_employer=former,
        )
        .order_by("waiting", "-created_at", "-pk")
    )
