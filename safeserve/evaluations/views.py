"""The evaluation pages: the list with its filters and export; one evaluation — its criteria
and scores beside the metrics from the data, the provider's reply, and the forms of the verbs
the viewer may do (a refused form comes back with what was typed and the reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safeserve.audit.exports import export_page
from safeserve.audit.history import HistoryPanel
from safeserve.audit.services import audit_record
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import filtered
from safeserve.common.lib.http import serve_file
from safeserve.common.pagination import paginate, query_without_page
from safeserve.common.request import AuthedRequest
from safeserve.common.validation import id_or_none, year_or_none
from safeserve.contracts.models import Contract
from safeserve.contracts.panels import contract_url
from safeserve.evaluations import (
    exports,
    metrics,
    ratings,
    reevaluations,
    selectors,
    services,
    summaries,
)
from safeserve.evaluations.filters import EvaluationFilter
from safeserve.evaluations.models import Evaluation, EvaluationStatus, Sanction
from safeserve.evaluations.tabs import tabs_for
from safeserve.evaluations.workflows import EVALUATION
from safeserve.providers.models import Expert


def _evaluation(request: AuthedRequest, pk: int) -> Evaluation:
    return get_visible(selectors.evaluation_details(Evaluation.objects.all()), request.user, pk=pk)


@login_required
def commission(request: AuthedRequest) -> HttpResponse:
    """The county office commissions a third-party re-evaluation: chosen final evaluations of
    a year, or a random share of them."""
    require(reevaluations.may_commission(request.user))
    org = request.user.organization
    year = (
        year_or_none(request.GET.get("year") or request.POST.get("year"))
        or timezone.localdate().year - 1
    )
    picked = {pk for pk in (id_or_none(v) for v in request.POST.getlist("evaluations")) if pk}
    error: ApplicationError | None = None
    if request.method == "POST":
        try:
            made = reevaluations.commission_create(
                actor=request.user,
                evaluator=id_or_none(request.POST.get("evaluator")),
                year=year,
                reason=request.POST.get("reason", ""),
                evaluations=sorted(picked),
                share=request.POST.get("share", "").strip() or None,
            )
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("%(n)d re-evaluations are commissioned to %(org)s.")
                % {"n": made.evaluations.count(), "org": made.evaluator.name},
            )
            return redirect(reverse("evaluations:list") + "?third_party=yes")
    return render(
        request,
        "evaluations/commission.html",
        {
            "year": year,
            "candidates": reevaluations.candidates(org.county_id if org else None, year),
            "evaluators": reevaluations.evaluators(),
            "error": error,
            "errors": (error.errors if error else None) or {},
            "typed": request.POST if error else {},
            "picked": picked,
        },
        status=error.status if error else 200,
    )


@login_required
def evaluation_list(request: AuthedRequest) -> HttpResponse:
    filters = filtered(request, EvaluationFilter, selectors.evaluation_list(viewer=request.user))
    return render(
        request,
        "evaluations/evaluation_list.html",
        {
            "tabs": tabs_for(request.user, "evaluations"),
            "commissions": reevaluations.may_commission(request.user),
            "page": paginate(request, filters.qs.order_by("-period_end", "-pk")),
            "filters": filters,
            "query": query_without_page(request),
        },
    )


@login_required
def evaluation_export(request: AuthedRequest) -> HttpResponseBase:
    filters = filtered(request, EvaluationFilter, selectors.evaluation_list(viewer=request.user))
    return export_page(request, export=exports.EVALUATIONS, filters=filters)


def scores_from(
    data: QueryDict | dict[str, Any], evaluation: Evaluation
) -> dict[int, dict[str, Any]]:
    """The score form's fields (score_<n>, comment_<n>, failed_veto_<n>) by criterion."""
    changes: dict[int, dict[str, Any]] = {}
    for score in evaluation.scores.all():
        n = score.position
        if f"score_{n}" not in data and f"comment_{n}" not in data:
            continue
        changes[n] = {
            "score": data.get(f"score_{n}", ""),
            "comment": data.get(f"comment_{n}", ""),
            "failed_veto": data.get(f"failed_veto_{n}") in ("on", "true", "1"),
        }
    return changes


def _rows(evaluation: Evaluation, posted: dict[int, dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Each criterion with what the form shows: what was typed when refused, else stored."""
    rows = []
    for score in evaluation.scores.all():
        typed = (posted or {}).get(score.position)
        rows.append(
            {
                "score": score,
                "value": typed["score"] if typed else ("" if score.score is None else score.score),
                "comment": typed["comment"] if typed else score.comment,
                "failed_veto": typed["failed_veto"] if typed else score.failed_veto,
            }
        )
    return rows


def _page(
    request: AuthedRequest,
    evaluation: Evaluation,
    *,
    posted: dict[int, dict[str, Any]] | None = None,
    error: ApplicationError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    history = HistoryPanel(request, evaluation, hide_actions=selectors.hidden_history(request.user))
    if (fragment := history.fragment()) is not None:
        return fragment
    verbs = EVALUATION.verbs_for(request.user, evaluation)
    if evaluation.status == EvaluationStatus.DRAFT:
        live = [
            m.as_dict()
            for m in metrics.compute(
                evaluation.contract, evaluation.period_start, evaluation.period_end
            )
        ]
        shown, computed_at = live, None
    else:
        shown = evaluation.metrics.get("items", [])
        computed_at = evaluation.metrics.get("computed_at")
    return render(
        request,
        "evaluations/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "verbs": verbs,
            "rows": _rows(evaluation, posted),
            "metrics": shown,
            "computed_at": dt.datetime.fromisoformat(computed_at) if computed_at else None,
            "error": error,
            "errors": (error.errors if error else None) or {},
            "typed": typed or {},
            "history": history,
            # why the county office commissioned a re-evaluation is not the provider's to read
            "is_provider": getattr(request.user.organization, "kind", "") == "provider",
            "sanction": Sanction.objects.visible_to(request.user)
            .filter(evaluation=evaluation)
            .first(),
            # R16: a re-evaluation and the purchaser's result, side by side
            "counterpart": Evaluation.objects.visible_to(request.user)
            .select_related("evaluator", "finalised_by")
            .filter(
                Q(pk=evaluation.original_id)
                if evaluation.original_id
                else Q(original_id=evaluation.pk)
            )
            .first(),
        },
        status=status,
    )


@login_required
def evaluation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, _evaluation(request, pk))


@login_required
@require_POST
def evaluation_open(request: AuthedRequest, contract_pk: int) -> HttpResponse:
    contract = get_visible(
        Contract.objects.select_related("provider"), request.user, pk=contract_pk
    )
    try:
        start = dt.date.fromisoformat(request.POST.get("period_start", ""))
        end = dt.date.fromisoformat(request.POST.get("period_end", ""))
    except ValueError:
        messages.error(request, _("Choose one of the periods offered."))
        return redirect(contract_url(contract, "evaluations"))
    try:
        evaluation = services.evaluation_open(
            actor=request.user, contract=contract, period_start=start, period_end=end
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(contract_url(contract, "evaluations"))
    messages.success(
        request, _("The evaluation is open: score each criterion with a comment, then send it.")
    )
    return redirect("evaluations:detail", pk=evaluation.pk)


DONE = {
    "score": gettext_lazy("The scores are saved."),
    "send": gettext_lazy("Sent to the provider, who may reply until %(day)s."),
    "reply": gettext_lazy("Your reply is with the purchaser."),
    "finalise": gettext_lazy("The evaluation is final: %(result)s."),
}


def _done(verb: str, evaluation: Evaluation) -> str:
    result = _("Passed") if evaluation.passed else _("Did not pass")
    return str(DONE[verb]) % {"day": evaluation.reply_due, "result": result}


@login_required
@require_POST
def evaluation_act(request: AuthedRequest, pk: int, verb: str) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    posted = scores_from(request.POST, evaluation)
    actions = {
        "score": lambda: services.evaluation_score(
            actor=request.user, evaluation=evaluation, changes=posted
        ),
        "send": lambda: services.evaluation_send(actor=request.user, evaluation=evaluation),
        "reply": lambda: services.evaluation_reply(
            actor=request.user,
            evaluation=evaluation,
            statement=request.POST.get("statement", ""),
            files=request.FILES.getlist("files"),
        ),
        "finalise": lambda: services.evaluation_finalise(
            actor=request.user,
            evaluation=evaluation,
            changes=posted,
            reason=request.POST.get("reason", ""),
        ),
    }
    if verb not in actions:
        raise Http404
    try:
        if verb == "send" and posted:  # "save and send": the scores first, then the verb
            services.evaluation_score(actor=request.user, evaluation=evaluation, changes=posted)
            evaluation = _evaluation(request, pk)
        result = actions[verb]()
    except ApplicationError as exc:
        fresh = _evaluation(request, pk)
        typed = {k: request.POST.get(k, "") for k in ("statement", "reason")}
        return _page(request, fresh, posted=posted, error=exc, typed=typed, status=exc.status)
    messages.success(request, _done(verb, result))
    return redirect("evaluations:detail", pk=result.pk)


@login_required
def evaluation_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    """The evaluation record as a PDF, for whoever may see the evaluation (audited)."""
    return summaries.evaluation_pdf_response(
        actor=request.user, evaluation=_evaluation(request, pk)
    )


@login_required
def evaluation_file(request: AuthedRequest, pk: int, file_pk: int) -> FileResponse:
    evaluation = _evaluation(request, pk)
    attachment = next((f for f in evaluation.files.all() if f.pk == file_pk), None)
    if attachment is None:
        raise Http404
    audit_record(
        action="evaluation.file_downloaded",
        actor=request.user,
        obj=evaluation,
        after={"file": attachment.name},
    )
    return serve_file(attachment.file, attachment=True, name=attachment.name)


@login_required
@require_POST
def expert_rate(request: AuthedRequest, contract_pk: int, expert_pk: int) -> HttpResponse:
    contract = get_visible(Contract.objects.all(), request.user, pk=contract_pk)
    expert = Expert.objects.filter(pk=expert_pk).first()  # the service checks it worked here
    if expert is None:
        raise Http404
    try:
        ratings.expert_rate(
            actor=request.user,
            contract=contract,
            expert=expert,
            quality=request.POST.get("quality"),
            diligence=request.POST.get("diligence"),
            integrity=request.POST.get("integrity"),
            comment=request.POST.get("comment", ""),
        )
    except ApplicationError as exc:
        messages.error(request, f"{expert.name}：{exc.message}")
    else:
        messages.success(request, _("%(name)s is rated.") % {"name": expert.name})
    return redirect(contract_url(contract, "evaluations"))
