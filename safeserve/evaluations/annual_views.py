"""The annual submission pages (R16): the list with its filters and export, and for the county
office the year's overview (who has submitted, who is late, contracts left unevaluated); one
submission with its rows, the explanations form, the verbs, and its summary as Excel and PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.models import annual_submission_due
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import year_or_none
from safeserve.evaluations import annual, exports, selectors, summaries
from safeserve.evaluations.filters import AnnualSubmissionFilter
from safeserve.evaluations.models import AnnualSubmission
from safeserve.evaluations.tabs import tabs_for
from safeserve.evaluations.workflows import ANNUAL_SUBMISSION
from safeserve.organizations.models import PURCHASER_KINDS, OrganizationKind
from safeserve.procurement.permissions import is_purchaser_of


def _year(request: AuthedRequest) -> int:
    """The year asked for, else the last one (whose submission is due early this year)."""
    return year_or_none(request.GET.get("year")) or timezone.localdate().year - 1


@login_required
def submission_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(
        request, AnnualSubmissionFilter, selectors.submission_list(viewer=request.user)
    )
    org = request.user.organization
    year = _year(request)
    county_office = org is not None and org.kind == OrganizationKind.COUNTY_OFFICE
    purchaser = (
        org is not None and org.kind in PURCHASER_KINDS and is_purchaser_of(request.user, org.pk)
    )
    return render(
        request,
        "evaluations/submission_list.html",
        {
            "tabs": tabs_for(request.user, "submissions"),
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
            "year": year,
            "due_on": annual_submission_due(org.county_id if org else None, year),
            "overview": annual.county_overview(viewer=request.user, year=year)
            if county_office
            else None,
            "opens": purchaser,
        },
    )


@login_required
def submission_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(
        request, AnnualSubmissionFilter, selectors.submission_list(viewer=request.user)
    )
    return export_page(request, export=exports.ANNUAL_SUBMISSIONS, filters=filters)


@login_required
@require_POST
def submission_open(request: AuthedRequest) -> HttpResponse:
    try:
        submission = annual.submission_open(
            actor=request.user, year=year_or_none(request.POST.get("year"))
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("evaluations:submissions")
    messages.success(
        request,
        _("The submission of %(year)d is started: explain any contract not evaluated, then submit.")
        % {"year": submission.year},
    )
    return redirect("evaluations:submission", pk=submission.pk)


def _submission(request: AuthedRequest, pk: int) -> AnnualSubmission:
    return get_visible(
        selectors.submission_details(AnnualSubmission.objects.all()), request.user, pk=pk
    )


def _page(
    request: AuthedRequest,
    submission: AnnualSubmission,
    *,
    error: ApplicationError | None = None,
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    history = HistoryPanel(request, submission)
    if (fragment := history.fragment()) is not None:
        return fragment
    rows = annual.summary_of(submission)
    evaluated = sum(1 for r in rows if r["evaluation_id"])
    for row in rows:
        if typed is not None and f"explanation_{row['contract_id']}" in typed:
            row["explanation"] = typed[f"explanation_{row['contract_id']}"]
    return render(
        request,
        "evaluations/submission_detail.html",
        {
            "submission": submission,
            "verbs": ANNUAL_SUBMISSION.verbs_for(request.user, submission),
            "rows": rows,
            "evaluated": evaluated,
            "contracts_label": _("Contracts of the year"),
            "contracts_value": _("%(n)d · with their final evaluation %(done)d")
            % {"n": len(rows), "done": evaluated},
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
    "explain": gettext_lazy("The explanations are saved."),
    "submit": gettext_lazy("Submitted to the county office."),
    "receive": gettext_lazy("The submission is received."),
    "return": gettext_lazy("The submission is returned; the purchaser may submit again."),
}


@login_required
@require_POST
def submission_act(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    submission = _submission(request, pk)
    post = request.POST
    explanations = {
        key.removeprefix("explanation_"): value
        for key, value in post.items()
        if key.startswith("explanation_")
    }

    def explain() -> Any:
        return annual.submission_explain(
            actor=request.user,
            submission=submission,
            explanations=explanations,
            note=post.get("note", ""),
        )

    def submit() -> Any:
        if "explain" in ANNUAL_SUBMISSION.verbs_for(request.user, submission) and (
            explanations or "note" in post
        ):
            explain()  # "save and submit"
        return annual.submission_submit(actor=request.user, submission=_submission(request, pk))

    actions = {
        "explain": explain,
        "submit": submit,
        "receive": lambda: annual.submission_receive(actor=request.user, submission=submission),
        "return": lambda: annual.submission_return(
            actor=request.user, submission=submission, reason=post.get("reason", "")
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
    return redirect("evaluations:submission", pk=pk)


@login_required
def submission_summary(request: AuthedRequest, pk: int, kind: str) -> HttpResponseBase:
    """The summary as Excel or PDF (what the county office files), audited."""
    submission = _submission(request, pk)
    if kind not in ("xlsx", "pdf"):
        raise Http404
    require(submission is not None)
    return summaries.summary_response(actor=request.user, submission=submission, kind=kind)
