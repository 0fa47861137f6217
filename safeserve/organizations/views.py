from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error
from safeserve.common.lib.masking import mask_phone
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import id_or_none
from safeserve.organizations import exports, selectors, services
from safeserve.organizations.filters import OrganizationFilter
from safeserve.organizations.forms import OrganizationForm
from safeserve.organizations.models import Organization, Region, RegionLevel
from safeserve.organizations.permissions import can_manage_organizations, can_manage_users_of


def _creation_county(request: AuthedRequest) -> Region | None:
    """The county a new organization belongs to: the county office's own; the platform
    administrator picks one (None until picked)."""
    if request.user.is_superuser:
        picked = id_or_none(request.GET.get("county"))
        if picked is None:
            return None
        return Region.objects.filter(pk=picked, level=RegionLevel.COUNTY).first()
    org = request.user.organization
    if org is None or org.county is None:
        raise PermissionDenied
    return org.county


@login_required
def organization_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(
        request, OrganizationFilter, selectors.organization_list(viewer=request.user)
    )
    return render(
        request,
        "organizations/organization_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "can_create": can_manage_organizations(request.user),
        },
    )


@login_required
def organization_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(
        request, OrganizationFilter, selectors.organization_list(viewer=request.user)
    )
    return export_page(request, export=exports.ORGANIZATIONS, filters=filters)


def _organization_for(request: HttpRequest, pk: int) -> Organization:
    return get_visible(
        Organization.objects.select_related("county", "region").prefetch_related(
            "supervised_sectors"
        ),
        request.user,
        pk=pk,
    )


@login_required
def organization_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    org = _organization_for(request, pk)
    history = HistoryPanel(request, org)
    if (fragment := history.fragment()) is not None:
        return fragment
    can_manage_users = can_manage_users_of(request.user, org)
    users = org.users.order_by("username") if can_manage_users else None
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "org": org,
            "users": users,
            "can_manage_users": can_manage_users,
            "can_edit": can_manage_organizations(request.user) and org.county_id is not None,
            "history": history,
            "masked_phone": mask_phone(org.contact_phone),
        },
    )


@login_required
def organization_create(request: AuthedRequest) -> HttpResponse:
    require(can_manage_organizations(request.user))
    county = _creation_county(request)
    if county is None:
        counties = Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent")
        return render(
            request, "organizations/organization_county_pick.html", {"counties": counties}
        )
    form = OrganizationForm(request.POST or None, county=county, platform=request.user.is_superuser)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.organization_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                county=county,
                region=data["region"],
                sectors=data["sectors"],
                is_fallback_department=data["is_fallback_department"],
                address=data["address"],
                contact_phone=data["contact_phone"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Organization created. Now add its users."))
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/organization_form.html", {"form": form, "county": county})


@login_required
def organization_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    org = _organization_for(request, pk)
    require(can_manage_organizations(request.user) and org.county is not None)
    assert org.county is not None
    initial: dict[str, Any] = {
        "name": org.name,
        "region": org.region if org.region_id != org.county_id else None,
        "sectors": org.sector_values,
        "is_fallback_department": org.is_fallback_department,
        "address": org.address,
        "contact_phone": org.contact_phone,
    }
    form = OrganizationForm(request.POST or None, county=org.county, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organization_update(
                actor=request.user,
                organization=org,
                name=data["name"],
                region=data["region"],
                sectors=data["sectors"],
                is_fallback_department=data["is_fallback_department"],
                address=data["address"],
                contact_phone=data["contact_phone"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": data["name"]})
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/organization_form.html", {"form": form, "org": org})


@login_required
@require_POST
def organization_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    org = _organization_for(request, pk)
    require(can_manage_organizations(request.user))
    try:
        services.organization_deactivate(
            actor=request.user,
            organization=org,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Organization deactivated; its users can no longer log in."))
    return redirect("organizations:detail", pk=org.pk)


@login_required
@require_POST
def organization_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    org = _organization_for(request, pk)
    require(can_manage_organizations(request.user))
    try:
        services.organization_reactivate(actor=request.user, organization=org)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Organization reactivated."))
    return redirect("organizations:detail", pk=org.pk)
