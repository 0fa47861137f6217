"""The hazard statistics pages (issue 16): the table for a quarter or a year within one's
scope, by sector, township or enterprise, as Excel and PDF; a unit's submission of it and the
county office's view of who has and has not submitted; each submission with its verbs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.models import statistics_due
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.organizations.models import OrganizationKind
from safeserve.supervision import statistics
from safeserve.supervision import statistics_services as services
from safeserve.supervision.filters import StatisticsSubmissionFilter
from safeserve.supervision.models import StatisticsSubmission, period_label
from safeserve.supervision.navigation import reads_statistics as may_read_statistics
from safeserve.supervision.statistics_exports import (
    SUBMISSIONS,
    submission_table,
    table_response,
)
from safeserve.supervision.workflows import STATISTICS, reporting_unit_of


def _period(request: AuthedRequest) -> tuple[int, int, dict[str, list[str]]]:
    """The period asked for (the last ended quarter by default), and any error by field."""
    default_year, default_quarter = statistics.last_ended_quarter()
    year: Any = request.GET.get("year") or default_year
    quarter: Any = request.GET.get("quarter")
    if quarter in (None, ""):
        quarter = default_quarter
    try:
        return (*services.period_or_error(year, quarter), {})
    except ApplicationError as exc:
        return default_year, default_quarter, dict(exc.errors or {})


def _by(request: AuthedRequest) -> str:
    by = request.GET.get("by", "sector")
    return by if by in statistics.BREAKDOWNS else "sector"


@login_required
def statistics_index(request: AuthedRequest) -> HttpResponse:
    require(may_read_statistics(request.user))
    year, quarter, errors = _period(request)
    by = _by(request)
    table = statistics.hazard_statistics(viewer=request.user, year=year, quarter=quarter, by=by)
    org = request.user.organization
    county_office = org is not None and org.kind == OrganizationKind.COUNTY_OFFICE
    unit = org is not None and reporting_unit_of(request.user, org.pk)
    mine = None
    if unit and org is not None:
        mine = (
            StatisticsSubmission.objects.filter(organization=org, year=year, quarter=quarter)
            .order_by("-pk")
            .first()
        )
    shown = table.rows[: statistics.PAGE_ROWS]
    return render(
        request,
        "supervision/statistics.html",
        {
            "table": table,
            "rows": shown,
            "truncated": len(table.rows) > len(shown),
            "headers": statistics.headers(),
            "year": year,
            "quarter": quarter,
            "by": by,
            "breakdowns": statistics.BREAKDOWNS.items(),
            "first": statistics.FIRST_COLUMN[by],
            "quarters": [(0, _("Whole year"))] + [(q, _("Q%(q)d") % {"q": q}) for q in range(1, 5)],
            "period": period_label(year, quarter),
            "errors": errors,
            "due_on": statistics_due(org.county_id if org else None, year, quarter),
            "ended": statistics.period_ended(year, quarter),
            "overview": statistics.unit_overview(viewer=request.user, year=year, quarter=quarter)
            if county_office
            else None,
            "unit": unit,
            "mine": mine,
        },
    )


@login_required
def statistics_download(request: AuthedRequest, kind: str) -> HttpResponseBase:
    """The table as shown (every row), as Excel or PDF, audited."""
    require(may_read_statistics(request.user))
    if kind not in ("xlsx", "pdf"):
        raise Http404
    year, quarter, errors = _period(request)
    if errors:
        messages.error(request, _("Nothing exported: correct the period."))
        return redirect("statistics:index")
    table = statistics.hazard_statistics(
        viewer=request.user, year=year, quarter=quarter, by=_by(request)
    )
    org = request.user.organization
    return table_response(
        actor=request.user,
        table=table,
        unit=org.name if org else _("Platform"),
        kind=kind,
        submission=None,
    )


def _submissions(request: AuthedRequest) -> StatisticsSubmissionFilter:
    return filtered(
        request,
        StatisticsSubmissionFilter,
        StatisticsSubmission.objects.visible_to(request.user).select_related("organization"),
    )


@login_required
def submission_list(request: AuthedRequest) -> HttpResponse:
    require(may_read_statistics(request.user))
    filters = _submissions(request)
    return render(
        request,
        "supervision/statistics_submissions.html",
        {
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def submission_export(request: AuthedRequest) -> HttpResponseBase:
    require(may_read_statistics(request.user))
    return export_page(request, export=SUBMISSIONS, filters=_submissions(request))


@login_required
@require_POST
def submission_open(request: AuthedRequest) -> HttpResponse:
    try:
        submission = services.statistics_open(
            actor=request.user, year=request.POST.get("year"), quarter=request.POST.get("quarter")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("statistics:index")
    messages.success(
        request,
        _(
            "The statistics of %(period)s are started: check the figures, then your leader "
            "submits them."
        )
        % {"period": submission.period_label},
    )
    return redirect("statistics:submission", pk=submission.pk)


def _submission(request: AuthedRequest, pk: int) -> StatisticsSubmission:
    return get_visible(
        StatisticsSubmission.objects.select_related(
            "organization", "submitted_by", "decided_by", "replaces"
        ),
        request.user,
        pk=pk,
    )


def _page(
    request: AuthedRequest,
    submission: StatisticsSubmission,
    *,
    error: ApplicationError | None = None,
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    history = HistoryPanel(request, submission)
    if (fragment := history.fragment()) is not None:
        return fragment
    table = submission_table(submission, viewer=request.user)
    return render(
        request,
        "supervision/statistics_submission.html",
        {
            "submission": submission,
            "table": table,
            "rows": table.rows if table else [],
            "headers": statistics.headers(),
            "verbs": STATISTICS.verbs_for(request.user, submission),
            "error": error,
            "errors": (error.errors if error else None) or {},
            "typed": typed or {},
            "history": history,
        },
        status=status,
    )


@login_required
def submission_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, _submission(request, pk))


DONE = {
    "note": gettext_lazy("The covering note is saved."),
    "submit": gettext_lazy("Submitted to the county office."),
    "receive": gettext_lazy("The statistics are received."),
    "return": gettext_lazy("The statistics are returned; the unit may submit again."),
}


@login_required
@require_POST
def submission_act(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    submission = _submission(request, pk)
    post = request.POST
    user = request.user

    def submit() -> Any:
        if "note" in post and "note" in STATISTICS.verbs_for(user, submission):
            services.statistics_note(actor=user, submission=submission, note=post["note"])
        return services.statistics_submit(actor=user, submission=_submission(request, pk))

    actions = {
        "note": lambda: services.statistics_note(
            actor=user, submission=submission, note=post.get("note", "")
        ),
        "submit": submit,
        "receive": lambda: services.statistics_receive(actor=user, submission=submission),
        "return": lambda: services.statistics_return(
            actor=user, submission=submission, reason=post.get("reason", "")
        ),
    }
    if verb not in actions:
        raise Http404
    try:
        actions[verb]()
    except ApplicationError as exc:
        typed = {k: v for k, v in post.items() if k != "csrfmiddlewaretoken"}
        typed["verb"] = verb
        return _page(request, _submission(request, pk), error=exc, typed=typed, status=exc.status)
    messages.success(request, str(DONE[verb]))
    return redirect("statistics:submission", pk=pk)


@login_required
def submission_download(request: AuthedRequest, pk: int, kind: str) -> HttpResponseBase:
    submission = _submission(request, pk)
    if kind not in ("xlsx", "pdf"):
        raise Http404
    table = submission_table(submission, viewer=request.user)
    if table is None:
        raise Http404
    return table_response(
        actor=request.user,
        table=table,
        unit=submission.organization.name,
        kind=kind,
        submission=submission,
    )
