"""What evaluations add to the contract page: its evaluations by period, and the periods the
purchaser may open now."""

from __future__ import annotations

from typing import cast

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from safeserve.common.request import AuthedRequest
from safeserve.contracts.models import Contract
from safeserve.contracts.permissions import is_purchaser
from safeserve.evaluations import ratings
from safeserve.evaluations.models import Evaluation, ExpertRating, Sanction
from safeserve.evaluations.services import open_periods
from safeserve.providers.models import Expert


def contract_evaluations(
    request: AuthedRequest, contract: Contract, verbs: list[str]
) -> SafeString:
    evaluations = list(
        Evaluation.objects.visible_to(request.user)
        .filter(contract=contract)
        .order_by("period_start")
    )
    purchaser = is_purchaser(request.user, contract)
    opens = open_periods(contract) if purchaser else []
    participants = list(ratings.participants(contract))
    given = (
        {
            r.expert_id: r
            for r in ExpertRating.objects.visible_to(request.user).filter(contract=contract)
        }
        if participants
        else {}
    )
    experts = []
    for expert in participants:
        rating = given.get(expert.pk)
        experts.append(
            {
                "expert": expert,
                "rating": rating,
                "fields": [
                    (name, label, getattr(rating, name) if rating else 5)
                    for name, label in ratings.dimension_labels()
                ],
            }
        )
    # A sanction follows a failed evaluation (R17): none to read before one.
    sanctions = (
        list(Sanction.objects.visible_to(request.user).filter(contract=contract))
        if evaluations
        else []
    )
    if not evaluations and not opens and not experts:
        return SafeString("")
    return cast(
        SafeString,
        render_to_string(
            "evaluations/_contract_panel.html",
            {
                "contract": contract,
                "evaluations": evaluations,
                "sanctions": sanctions,
                "periods": opens,
                "experts": experts,
                "rates": purchaser,
                "scale": range(1, 6),
            },
            request=request,
        ),
    )


def expert_ratings(request: AuthedRequest, expert: Expert) -> SafeString:
    """The ratings the viewer may see of this expert, contract by contract (R10)."""
    given = list(
        ExpertRating.objects.visible_to(request.user)
        .filter(expert=expert)
        .select_related("contract", "contract__purchaser")
        .order_by("-updated_at", "-pk")[:50]
    )
    if not given:
        return SafeString("")
    return cast(
        SafeString,
        render_to_string("evaluations/_expert_ratings.html", {"ratings": given}, request=request),
    )
