from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error, spreadsheet_upload
from safeserve.common.lib.masking import mask_phone
from safeserve.common.lib.xlsx import save_to_tempfile, write_rows, xlsx_response
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.enterprises import exports, selectors, services
from safeserve.enterprises.filters import EnterpriseFilter
from safeserve.enterprises.forms import (
    RESTORE_MAPPING,
    EnterpriseForm,
    SectorOverrideForm,
    SectorRuleForm,
)
from safeserve.enterprises.importing import import_job_create
from safeserve.enterprises.models import Enterprise, ImportJob, SectorRule
from safeserve.enterprises.permissions import (
    can_create_enterprise,
    can_edit_enterprise,
    can_edit_sector_mapping,
    can_import_enterprises,
    can_override_sector,
    can_read_directory,
)
from safeserve.enterprises.spreadsheets import (
    template_workbook,
)
from safeserve.enterprises.tasks import run_enterprise_import
from safeserve.organizations.permissions import can_manage_organizations


@login_required
def enterprise_list(request: AuthedRequest) -> HttpResponse:
    require(can_read_directory(request.user))
    filters = filtered(request, EnterpriseFilter, selectors.enterprise_list(viewer=request.user))
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "page": paginate(request, selectors.enterprise_rows(filters.qs)),
            "filters": filters,
            "query": query_without_page(request),
            "can_create": can_create_enterprise(request.user),
            "can_import": can_import_enterprises(request.user),
        },
    )


def _enterprise_for(request: AuthedRequest, pk: int) -> Enterprise:
    return get_visible(
        Enterprise.objects.select_related("township", "county", "organization"), request.user, pk=pk
    )


@login_required
def enterprise_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise_for(request, pk)
    history = HistoryPanel(request, enterprise)
    if (fragment := history.fragment()) is not None:
        return fragment
    can_edit = can_edit_enterprise(request.user, enterprise)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "can_edit": can_edit,
            "contact_phone": enterprise.contact_phone
            if can_edit
            else mask_phone(enterprise.contact_phone),
            "can_override": can_override_sector(request.user),
            "sector_form": SectorOverrideForm(
                initial={
                    "sector": enterprise.sector if enterprise.sector_overridden else RESTORE_MAPPING
                }
            ),
            "history": history,
        },
    )


@login_required
def enterprise_create(request: AuthedRequest) -> HttpResponse:
    require(can_create_enterprise(request.user))
    form = EnterpriseForm(
        request.POST or None,
        townships=selectors.townships_for(request.user),
        initial={"status": "operating"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_create(actor=request.user, data=form.to_data())
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Enterprise registered."))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form})


@login_required
def enterprise_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise_for(request, pk)
    require(can_edit_enterprise(request.user, enterprise))
    initial = {field: getattr(enterprise, field) for field in EnterpriseForm.base_fields}
    form = EnterpriseForm(
        request.POST or None, townships=selectors.townships_for(request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=request.user, enterprise=enterprise, data=form.to_data()
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


@login_required
@require_POST
def enterprise_sector(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise_for(request, pk)
    require(can_override_sector(request.user))
    form = SectorOverrideForm(request.POST)
    if form.is_valid():
        sector = form.cleaned_data["sector"]
        try:
            services.enterprise_override_sector(
                actor=request.user,
                enterprise=enterprise,
                sector=None if sector == RESTORE_MAPPING else sector,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Sector saved."))
    else:
        messages.error(request, _("Choose a sector."))
    return redirect("enterprises:detail", pk=enterprise.pk)


@login_required
@require_POST
def enterprise_open_account(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise_for(request, pk)
    require(
        can_manage_organizations(request.user) and can_edit_enterprise(request.user, enterprise)
    )
    try:
        org = services.enterprise_open_account(actor=request.user, enterprise=enterprise)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("enterprises:detail", pk=enterprise.pk)
    messages.success(request, _("Login organization opened; now create the staff accounts."))
    return redirect(reverse("accounts:user_create") + f"?organization={org.pk}")


@login_required
def enterprise_export(request: AuthedRequest) -> HttpResponseBase:
    """The directory as the import template's spreadsheet, of what the filter bar selects."""
    require(can_read_directory(request.user))
    filters = filtered(request, EnterpriseFilter, selectors.enterprise_list(viewer=request.user))
    return export_page(request, export=exports.ENTERPRISES, filters=filters)


@login_required
def enterprise_template(request: AuthedRequest) -> HttpResponseBase:
    require(can_read_directory(request.user))
    townships = [t.name for t in selectors.townships_for(request.user)]
    return xlsx_response(save_to_tempfile(template_workbook(townships)), "企业名录导入模板.xlsx")


def start_import(request: AuthedRequest, upload: Any) -> ImportJob:
    """Creates the job (file checks included) and queues its validation."""
    job = import_job_create(
        actor=request.user, upload=upload, filename=upload.name, size=upload.size
    )
    run_enterprise_import.enqueue(job.pk)
    return job


@login_required
def import_start(request: AuthedRequest) -> HttpResponse:
    require(can_import_enterprises(request.user))
    form, status, job = spreadsheet_upload(request, lambda upload: start_import(request, upload))
    if job is not None:
        return redirect("enterprises:import_job", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")[:10]
    return render(
        request, "enterprises/import_start.html", {"form": form, "jobs": jobs}, status=status
    )


@login_required
def import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible(ImportJob.objects.select_related("created_by"), request.user, pk=pk)
    template = (
        "enterprises/import_job_progress.html"
        if request.htmx  # type: ignore[attr-defined]
        else "enterprises/import_job.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "errors": job.errors[:200],
            "poll_url": reverse("enterprises:import_job", args=[job.pk]),
            "report_url": reverse("enterprises:import_job_report", args=[job.pk]),
        },
    )


@login_required
def import_job_report(request: AuthedRequest, pk: int) -> HttpResponseBase:
    job = get_visible(ImportJob.objects.all(), request.user, pk=pk)
    rows = ([e["row"], e["column"], e["value"], e["reason"]] for e in job.errors)
    handle = write_rows(["行号", "列", "填写的值", "原因"], rows, "错误报告")
    return xlsx_response(handle, f"导入错误报告-{job.pk}.xlsx")


@login_required
def sector_mapping(request: AuthedRequest) -> HttpResponse:
    require(can_read_directory(request.user))
    org = request.user.organization
    county_id = org.county_id if org else None
    can_edit = can_edit_sector_mapping(request.user)
    form = SectorRuleForm(request.POST or None)
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            try:
                _rule, changed = services.sector_rule_save(
                    actor=request.user,
                    prefix=form.cleaned_data["code_prefix"],
                    sector=form.cleaned_data["sector"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request, _("Rule saved; %(n)d enterprises changed sector.") % {"n": changed}
                )
                return redirect("enterprises:sector_mapping")
    rules = list(SectorRule.objects.for_county(county_id).order_by("prefix", "county_id"))
    overridden = {r.prefix for r in rules if r.county_id is not None}
    return render(
        request,
        "enterprises/sector_mapping.html",
        {
            "rules": rules,
            "overridden": overridden,
            "form": form,
            "can_edit": can_edit,
        },
    )


@login_required
@require_POST
def sector_rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    require(can_edit_sector_mapping(request.user))
    org = request.user.organization
    rule = SectorRule.objects.filter(pk=pk, county_id=org.county_id if org else None).first()
    if rule is None:
        from django.http import Http404

        raise Http404
    changed = services.sector_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule deleted; %(n)d enterprises changed sector.") % {"n": changed})
    return redirect("enterprises:sector_mapping")
