from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from safeserve.audit.digests import digest_document, latest_digests
from safeserve.audit.exports import export_page
from safeserve.audit.filters import AuditDigestFilter, AuditEventFilter, ExportJobFilter
from safeserve.audit.models import AuditDigest, ExportJob, ExportStatus
from safeserve.audit.scope import reads_county_log
from safeserve.audit.selectors import event_list, last_verification
from safeserve.audit.trail_export import DIGESTS, EVENTS, EXPORT_JOBS
from safeserve.common.access import get_visible, require
from safeserve.common.filters import filtered
from safeserve.common.lib.http import serve_file
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    require(reads_county_log(request.user))
    filters = filtered(request, AuditEventFilter, event_list(user=request.user))
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "verification": last_verification(request.user),
        },
    )


@login_required
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    require(reads_county_log(request.user))
    filters = filtered(request, AuditEventFilter, event_list(user=request.user))
    return export_page(request, export=EVENTS, filters=filters)


def _digests(request: AuthedRequest) -> AuditDigestFilter:
    require(reads_county_log(request.user))
    found = AuditDigest.objects.visible_to(request.user).select_related("county")
    return filtered(request, AuditDigestFilter, found.order_by("-issued_at", "-id"))


@login_required
def digest_list(request: AuthedRequest) -> HttpResponse:
    filters = _digests(request)
    return render(
        request,
        "audit/digest_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def digest_export(request: AuthedRequest) -> HttpResponseBase:
    return export_page(request, export=DIGESTS, filters=_digests(request))


def _json_download(payload: object, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def digest_download(request: AuthedRequest, pk: int) -> HttpResponse:
    require(reads_county_log(request.user))
    digest = get_visible(AuditDigest.objects.all(), request.user, pk=pk)
    return _json_download(
        digest_document(digest),
        "audit-digest-{}-{}.json".format(digest.chain_id.replace(":", "-"), digest.seq),
    )


@login_required
def digest_latest(request: AuthedRequest) -> HttpResponse:
    """The newest digest of every chain the viewer reads, in one file to keep."""
    require(reads_county_log(request.user))
    organization = request.user.organization
    county_id = (
        None if request.user.is_superuser or organization is None else organization.county_id
    )
    stamp = timezone.localdate().isoformat()
    return _json_download(latest_digests(county_id), f"audit-digests-{stamp}.json")


def _export_jobs(request: AuthedRequest) -> ExportJobFilter:
    return filtered(request, ExportJobFilter, ExportJob.objects.visible_to(request.user))


@login_required
def export_job_list(request: AuthedRequest) -> HttpResponse:
    filters = _export_jobs(request)
    return render(
        request,
        "audit/export_job_list.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "keep_days": settings.EXPORT_KEEP_DAYS,
        },
    )


@login_required
def export_job_list_export(request: AuthedRequest) -> HttpResponseBase:
    return export_page(request, export=EXPORT_JOBS, filters=_export_jobs(request))


@login_required
def export_job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The export's progress (polled by htmx while it is written), then its download."""
    job = get_visible(ExportJob.objects.all(), request.user, pk=pk)
    template = (
        "audit/_export_progress.html"
        if request.headers.get("HX-Request")
        else "audit/export_job_detail.html"
    )
    return render(request, template, {"job": job, "keep_days": settings.EXPORT_KEEP_DAYS})


@login_required
def export_job_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    job = get_visible(ExportJob.objects.all(), request.user, pk=pk)
    if job.status != ExportStatus.SUCCEEDED or not job.file:
        return render(
            request, "audit/export_job_detail.html", {"job": job, "gone": True}, status=410
        )
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    return serve_file(job.file, attachment=True, name=f"{job.title}-{stamp}.xlsx")
