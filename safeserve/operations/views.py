from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.forms import apply_error, spreadsheet_upload
from safeserve.common.lib.xlsx import save_to_tempfile, write_rows
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import id_or_none
from safeserve.operations import exports, roster, selectors, setup
from safeserve.operations.checks import readiness
from safeserve.operations.filters import CountyFilter
from safeserve.operations.forms import CountyForm, TownshipForm
from safeserve.operations.models import RosterImport
from safeserve.operations.tasks import run_roster_import
from safeserve.organizations.models import Region, RegionLevel
from safeserve.organizations.permissions import (
    can_create_counties,
    can_manage_organizations,
    can_read_county_setup,
)
from safeserve.organizations.selectors import county_setup as county_setup_of
from safeserve.organizations.services import township_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static file
    (looked up per request: the manifest does not exist before collectstatic)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. It touches nothing else, so a database outage makes
    instances unready (/readyz), not restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness for load balancers: database reachable, migrations applied, task queue
    keeping up, storage writable. 503 with the failing check named."""
    checks = readiness()
    ok = all(check.ok for check in checks)
    body = {
        "status": "ok" if ok else "error",
        "checks": {
            check.name: {"ok": check.ok, **({"detail": check.detail} if check.detail else {})}
            for check in checks
        },
    }
    return JsonResponse(body, status=200 if ok else 503)


# --- Counties (platform administrator) -------------------------------------------------------

# The service names the new admin's fields as a user's; the form prefixes them.
_ADMIN_FIELDS = {
    "username": "admin_username",
    "full_name": "admin_full_name",
    "phone": "admin_phone",
}


def _on_county_form(form: CountyForm, exc: ApplicationError) -> None:
    exc.errors = {_ADMIN_FIELDS.get(k, k): v for k, v in exc.errors.items()}
    apply_error(form, exc)


@never_cache  # the page that follows a creation shows a temporary password
@login_required
def county_list(request: AuthedRequest) -> HttpResponse:
    require(can_create_counties(request.user))
    form = CountyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = setup.county_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _on_county_form(form, exc)
        else:
            return render(
                request,
                "operations/county_created.html",
                {"created": created},
            )
    filters = filtered(request, CountyFilter, selectors.county_list(viewer=request.user))
    return render(
        request,
        "operations/county_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def county_export(request: AuthedRequest) -> HttpResponseBase:
    require(can_create_counties(request.user))
    filters = filtered(request, CountyFilter, selectors.county_list(viewer=request.user))
    return export_page(request, export=exports.COUNTIES, filters=filters)


# --- One county's setup ----------------------------------------------------------------------


def _county_of(request: AuthedRequest) -> Region:
    """The viewer's county; the platform administrator names one (?county=)."""
    if request.user.is_superuser:
        picked = id_or_none(request.GET.get("county") or request.POST.get("county"))
        county = (
            Region.objects.filter(pk=picked, level=RegionLevel.COUNTY).first() if picked else None
        )
        if county is None:
            raise PermissionDenied(_("Choose a county from the list of counties first."))
        return county
    org = request.user.organization
    if org is None or org.county is None:
        raise PermissionDenied
    return org.county


@login_required
def county_setup(request: AuthedRequest) -> HttpResponse:
    require(can_read_county_setup(request.user))
    if request.user.is_superuser and not request.GET.get("county"):
        return redirect("operations:counties")
    county = _county_of(request)
    can_edit = can_manage_organizations(request.user)
    form = TownshipForm(request.POST or None)
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            try:
                org = township_create(actor=request.user, county=county, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s added, with its government %(org)s. Now add its users.")
                    % {"name": org.region.name if org.region else "", "org": org.name},
                )
                return redirect(f"{request.path}?county={county.pk}#townships")
    return render(
        request,
        "operations/county_setup.html",
        {
            "setup": county_setup_of(county),
            "form": form,
            "can_edit": can_edit,
            "county_query": f"?county={county.pk}" if request.user.is_superuser else "",
        },
        status=400 if form.errors else 200,
    )


# --- The roster ------------------------------------------------------------------------------


@login_required
def roster_start(request: AuthedRequest) -> HttpResponse:
    require(can_manage_organizations(request.user) and not request.user.is_superuser)
    roster.roster_credentials_purge()

    def start(upload: UploadedFile) -> RosterImport:
        job = roster.roster_import_create(
            actor=request.user, upload=upload, filename=upload.name or "", size=upload.size or 0
        )
        run_roster_import.enqueue(job.pk)
        return job

    form, status, job = spreadsheet_upload(request, start)
    if job is not None:
        return redirect("operations:roster_job", pk=job.pk)
    jobs = RosterImport.objects.visible_to(request.user).select_related("created_by")[:10]
    return render(
        request, "operations/roster_start.html", {"form": form, "jobs": jobs}, status=status
    )


@login_required
def roster_template(request: AuthedRequest) -> FileResponse:
    require(can_manage_organizations(request.user) and not request.user.is_superuser)
    county = _county_of(request)
    handle = save_to_tempfile(roster.template_workbook(county))
    return FileResponse(
        handle, as_attachment=True, filename="单位与用户名册模板.xlsx", content_type=XLSX
    )


@login_required
def roster_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible(RosterImport.objects.select_related("created_by"), request.user, pk=pk)
    template = (
        "operations/roster_job_progress.html"
        if request.htmx  # type: ignore[attr-defined]
        else "operations/roster_job.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "errors": job.errors[:200],
            "is_uploader": job.created_by_id == request.user.pk,
            "poll_url": reverse("operations:roster_job", args=[job.pk]),
            "report_url": reverse("operations:roster_report", args=[job.pk]),
            "show_sheet": True,
        },
    )


@login_required
def roster_report(request: AuthedRequest, pk: int) -> FileResponse:
    job = get_visible(RosterImport.objects.all(), request.user, pk=pk)
    rows = ([e["sheet"], e["row"], e["column"], e["value"], e["reason"]] for e in job.errors)
    handle = write_rows(roster.ERROR_HEADERS, rows, "错误报告")
    return FileResponse(
        handle, as_attachment=True, filename=f"名册导入错误报告-{job.pk}.xlsx", content_type=XLSX
    )


@login_required
@require_POST
def roster_credentials(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A POST, so a link preview or a prefetch can never spend the one download."""
    job = get_visible(RosterImport.objects.all(), request.user, pk=pk)
    try:
        rows = roster.roster_credentials_take(actor=request.user, job=job)
    except ApplicationError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc.message)) from None
        messages.error(request, str(exc.message))
        return redirect("operations:roster_job", pk=job.pk)
    handle = write_rows(roster.CREDENTIAL_HEADERS, roster.credentials_rows(rows), "临时密码")
    response = FileResponse(
        handle, as_attachment=True, filename=f"临时密码-{job.pk}.xlsx", content_type=XLSX
    )
    response["Cache-Control"] = "no-store"
    return response
