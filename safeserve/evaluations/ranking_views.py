"""The ranking pages (R10 动态调整): providers and experts of the viewer's county with their
tiers, for the county office and the county's purchasers (who choose providers and experts,
R1); each with its FilterSet and export. The public list of providers with their tiers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from safeserve.audit.exports import export_page
from safeserve.common.access import require
from safeserve.common.filters import filtered
from safeserve.common.models import policy_for
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.evaluations import exports, rankings
from safeserve.evaluations.filters import ExpertRankingFilter, ProviderRankingFilter
from safeserve.evaluations.tabs import tabs_for
from safeserve.organizations.models import Region, RegionLevel
from safeserve.procurement.permissions import can_read_procurement
from safeserve.providers.models import AdmissionStatus, Provider, ProviderAdmission, Qualification


def county_of(user: object) -> int | None:
    org = getattr(user, "organization", None)
    return org.county_id if org is not None else None


def _provider_filters(request: AuthedRequest) -> ProviderRankingFilter:
    require(can_read_procurement(request.user))
    rows = rankings.provider_rankings(county_of(request.user))
    return filtered(request, ProviderRankingFilter, rows)


def _expert_filters(request: AuthedRequest) -> ExpertRankingFilter:
    require(can_read_procurement(request.user))
    rows = rankings.expert_rankings(county_of(request.user))
    return filtered(request, ExpertRankingFilter, rows)


@login_required
def provider_rankings(request: AuthedRequest) -> HttpResponse:
    filters = _provider_filters(request)
    return render(
        request,
        "evaluations/provider_rankings.html",
        {
            "tabs": tabs_for(request.user, "rankings"),
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "policy": policy_for(county_of(request.user)),
        },
    )


@login_required
def provider_rankings_export(request: AuthedRequest) -> HttpResponseBase:
    return export_page(
        request, export=exports.PROVIDER_RANKINGS, filters=_provider_filters(request)
    )


@login_required
def expert_rankings(request: AuthedRequest) -> HttpResponse:
    filters = _expert_filters(request)
    return render(
        request,
        "evaluations/expert_rankings.html",
        {
            "tabs": tabs_for(request.user, "rankings"),
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "policy": policy_for(county_of(request.user)),
        },
    )


@login_required
def expert_rankings_export(request: AuthedRequest) -> HttpResponseBase:
    return export_page(request, export=exports.EXPERT_RANKINGS, filters=_expert_filters(request))


def public_providers(request: HttpRequest) -> HttpResponse:
    """服务机构名录 (public): for each county, the providers in its register with their
    qualifications and tier — no login, no personal data."""
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    code = request.GET.get("county", "")
    county = next((c for c in counties if c.code == code), counties[0] if counties else None)
    county_id = county.pk if county else None
    listed = Provider.objects.filter(
        pk__in=ProviderAdmission.objects.filter(
            county_id=county_id,
            status__in=[AdmissionStatus.ADMITTED, AdmissionStatus.SUSPENDED],
        ).values("provider_id")
    )
    rows = (
        rankings.with_tier(listed, county_id)
        .prefetch_related(
            Prefetch("qualifications", queryset=Qualification.objects.order_by("type"))
        )
        .order_by("name", "pk")
    )
    return render(
        request,
        "evaluations/public_providers.html",
        {
            "counties": counties,
            "county": county,
            "page": paginate(request, rows),
            "query": query_without_page(request),
        },
    )
