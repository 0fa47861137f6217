"""The technical-report pages: the list with its filters and export, one report's page (its
sections, the compiled content, the signatures and the verbs the viewer may do), and the
forms that post to its services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.accounts.otp import otp_required
from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import label
from safeserve.documents import exports, report_services, selectors
from safeserve.documents.filters import TechnicalReportFilter
from safeserve.documents.models import RenderStatus, TechnicalReport
from safeserve.documents.views import serve_report, site_url
from safeserve.documents.workflows import SECTIONS
from safeserve.fieldwork.models import ServiceTask


def _report(request: AuthedRequest, pk: int) -> TechnicalReport:
    return get_visible(selectors.report_details(TechnicalReport.objects.all()), request.user, pk=pk)


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, TechnicalReportFilter, selectors.report_list(viewer=request.user))
    return render(
        request,
        "documents/report_list.html",
        {
            "page": paginate(request, filters.qs.order_by("-created_at", "-pk")),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def report_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, TechnicalReportFilter, selectors.report_list(viewer=request.user))
    return export_page(request, export=exports.REPORTS, filters=filters)


@login_required
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    history = HistoryPanel(request, report)
    if (fragment := history.fragment()) is not None:
        return fragment
    verbs = selectors.report_verbs(request.user, report)
    versions = list(
        TechnicalReport.objects.visible_to(request.user)
        .filter(task_id=report.task_id)
        .order_by("-version")
        .only("pk", "version", "status", "number", "task_id", "revision_reason")
    )
    return render(
        request,
        "documents/report_detail.html",
        {
            "report": report,
            "document": report.document,
            "verbs": verbs,
            "document_verbs": [v for v in verbs if v in ("sign", "seal")],
            "needs_code": otp_required(request.user),
            "c": selectors.report_content(report),
            "sections": [(name, TechnicalReport._meta.get_field(name)) for name in SECTIONS],
            "versions": versions,
            "reads_unsigned": selectors.reads_unsigned(request.user, report),
            "history": history,
        },
    )


@login_required
def report_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The PDF's progress while it is made (polled by the page); the page reloads once it
    is ready or has failed."""
    report = _report(request, pk)
    response = render(request, "documents/_render_progress.html", {"report": report})
    if report.render_status not in (RenderStatus.QUEUED, RenderStatus.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def report_create(request: AuthedRequest, task_pk: int) -> HttpResponse:
    task = get_visible(
        ServiceTask.objects.select_related("contract__provider"), request.user, pk=task_pk
    )
    try:
        report = report_services.report_create(actor=request.user, task=task)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("fieldwork:detail", pk=task.pk)
    messages.success(request, _("The report's draft is open; write its sections."))
    return redirect("documents:report", pk=report.pk)


@login_required
@require_POST
def report_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        report_services.report_update(
            actor=request.user,
            report=report,
            **{name: request.POST.get(name, "") for name in SECTIONS if name in request.POST},
        )
        messages.success(request, _("The sections are saved."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        for field, problems in (exc.errors or {}).items():
            messages.error(
                request, f"{label(TechnicalReport, field)}：{'；'.join(str(p) for p in problems)}"
            )
    return redirect("documents:report", pk=report.pk)


DONE = {
    "request-signatures": lambda r: _(
        "Sent for signature: each participating expert now signs it for themselves."
    ),
    "retry-render": lambda r: _("The PDF is being made again."),
    "issue": lambda r: (
        _("%(number)s is issued: the purchaser and the enterprise can read it.")
        % {"number": r.number}
    ),
    "accept": lambda r: _("%(number)s is accepted; the task is complete.") % {"number": r.number},
    "return": lambda r: (
        _("%(number)s is returned to the provider with your reasons.") % {"number": r.number}
    ),
    "revise": lambda r: (
        _("Version %(v)s is open as a draft; it supersedes the old one when issued.")
        % {"v": r.version}
    ),
}


@login_required
@require_POST
def report_act(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    report = _report(request, pk)
    reason = request.POST.get("reason", "")
    actions = {
        "request-signatures": lambda: report_services.report_request_signatures(
            actor=request.user, report=report, site_url=site_url(request)
        ),
        "retry-render": lambda: report_services.report_retry_render(
            actor=request.user, report=report, site_url=site_url(request)
        ),
        "issue": lambda: report_services.report_issue(actor=request.user, report=report),
        "accept": lambda: report_services.report_accept(actor=request.user, report=report),
        "return": lambda: report_services.report_return(
            actor=request.user, report=report, reason=reason
        ),
        "revise": lambda: report_services.report_revise(
            actor=request.user, report=report, reason=reason
        ),
    }
    if verb not in actions:
        raise Http404
    try:
        result = actions[verb]()
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("documents:report", pk=report.pk)
    messages.success(request, DONE[verb](result))
    return redirect("documents:report", pk=result.pk)


@login_required
def report_unsigned_pdf(request: AuthedRequest, pk: int) -> FileResponse:
    """The PDF while it is being signed (views.serve_report says who may read it)."""
    return serve_report(_report(request, pk), request.user)
