"""The sanction pages (R17): the list with its filters and export; one sanction — the failing
result behind it, the contract's liability terms and money, the decision forms of the county
office's leader, the deduction and ban as recorded, referrals and history; and the public list
of bans in force."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.models import policy_for
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.contracts.selectors import deduction_totals_of, payable_balance
from safeserve.evaluations import exports, sanctions, selectors
from safeserve.evaluations.filters import SanctionFilter
from safeserve.evaluations.models import Sanction
from safeserve.evaluations.tabs import tabs_for
from safeserve.evaluations.workflows import SANCTION, sees_referrals
from safeserve.providers.models import Debarment


def _sanction(request: AuthedRequest, pk: int) -> Sanction:
    return get_visible(selectors.sanction_details(Sanction.objects.all()), request.user, pk=pk)


@login_required
def sanction_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, SanctionFilter, selectors.sanction_list(viewer=request.user))
    return render(
        request,
        "evaluations/sanction_list.html",
        {
            "tabs": tabs_for(request.user, "sanctions"),
            "page": paginate(request, filters.qs),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def sanction_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, SanctionFilter, selectors.sanction_list(viewer=request.user))
    return export_page(request, export=exports.SANCTIONS, filters=filters)


def _page(
    request: AuthedRequest,
    sanction: Sanction,
    *,
    error: ApplicationError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    referrals = sees_referrals(request.user, sanction)
    history = HistoryPanel(
        request, sanction, hide_actions=() if referrals else ("sanction.referred",)
    )
    if (fragment := history.fragment()) is not None:
        return fragment
    verbs = SANCTION.verbs_for(request.user, sanction)
    today = timezone.localdate()
    ban_from, ban_until = sanctions.ban_period(today, policy_for(sanction.county_id).ban_years)
    return render(
        request,
        "evaluations/sanction_detail.html",
        {
            "sanction": sanction,
            "evaluation": sanction.evaluation,
            "contract": sanction.contract,
            "verbs": verbs,
            "balance": payable_balance(sanction.contract),
            "recoverable": deduction_totals_of(list(sanction.contract.deductions.all()))[1],
            "ban_from": ban_from,
            "ban_until": ban_until,
            "failed": [
                s
                for s in sanction.evaluation.scores.all()
                if s.failed_veto or (s.score is not None and s.score < s.weight)
            ],
            "error": error,
            "errors": (error.errors if error else None) or {},
            "typed": typed or {},
            "sees_referrals": referrals,
            "history": history,
        },
        status=status,
    )


@login_required
def sanction_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, _sanction(request, pk))


DONE = {
    "confirm": gettext_lazy("The sanction is confirmed: the deduction and the ban are recorded."),
    "reject": gettext_lazy("The sanction is rejected."),
    "lift": gettext_lazy(
        "The sanction is lifted: the ban ends today and the deduction is credited back."
    ),
    "refer": gettext_lazy("The referral is recorded."),
}
FIELDS = ("amount", "basis", "reason", "referred_to", "referred_on", "content")


@login_required
@require_POST
def sanction_act(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    sanction = _sanction(request, pk)
    post = request.POST
    actions = {
        "confirm": lambda: sanctions.sanction_confirm(
            actor=request.user,
            sanction=sanction,
            amount=post.get("amount", ""),
            basis=post.get("basis", ""),
        ),
        "reject": lambda: sanctions.sanction_reject(
            actor=request.user, sanction=sanction, reason=post.get("reason", "")
        ),
        "lift": lambda: sanctions.sanction_lift(
            actor=request.user, sanction=sanction, reason=post.get("reason", "")
        ),
        "refer": lambda: sanctions.referral_record(
            actor=request.user,
            sanction=sanction,
            referred_to=post.get("referred_to", ""),
            referred_on=post.get("referred_on", ""),
            content=post.get("content", ""),
        ),
    }
    if verb not in actions:
        raise Http404
    try:
        actions[verb]()
    except ApplicationError as exc:
        typed = {k: post.get(k, "") for k in FIELDS}
        typed["verb"] = verb
        return _page(request, _sanction(request, pk), error=exc, typed=typed, status=exc.status)
    messages.success(request, str(DONE[verb]))
    return redirect("evaluations:sanction", pk=pk)


def public_bans(request: HttpRequest) -> HttpResponse:
    """不得承接名单: the bans in force today in every county, with their end dates — no login,
    nothing but the provider, the county, the period and why (R17)."""
    bans = (
        Debarment.objects.in_force(timezone.localdate())
        .select_related("provider", "county")
        .order_by("-starts_on", "-pk")
    )
    return render(
        request,
        "evaluations/public_bans.html",
        {"page": paginate(request, bans), "query": query_without_page(request)},
    )
