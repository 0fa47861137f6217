"""Third-party re-evaluation (R16, WORKFLOWS.md "Re-evaluation"): the county office
commissions an evaluator organization for chosen final evaluations of a year, or a random
share of them. Each becomes a re-evaluation of the same contract and period, with the same
criteria and metrics, run through the same cycle (scored, sent, replied to by the provider,
made final by the evaluator's leader); the evaluator reads exactly those contracts. Its final
result prevails: it becomes the effective one, the purchaser's stays beside it, and
sanctions follow it (services.evaluation_finalise, sanctions.sanction_follow)."""

from __future__ import annotations

import math
import random
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import begun_year, required_text
from safeserve.contracts.models import EvaluatorGrant
from safeserve.contracts.permissions import is_county_office_of
from safeserve.evaluations.models import (
    Commission,
    Evaluation,
    EvaluationScore,
    EvaluationStatus,
)
from safeserve.organizations.models import Organization, OrganizationKind, Role
from safeserve.organizations.permissions import acting_org

REASON_LIMIT = 2000


def may_commission(user: Any) -> bool:
    """The county office's officers and leader commission (WORKFLOWS.md)."""
    org = acting_org(user)
    return bool(
        org
        and is_county_office_of(user, org.county_id)
        and user.role in (Role.OFFICER, Role.LEADER)
    )


def candidates(county_id: int | None, year: int) -> QuerySet[Evaluation]:
    """The purchasers' final, effective evaluations of periods ending in ``year`` that no
    third party re-evaluates yet."""
    return (
        Evaluation.objects.filter(
            county_id=county_id,
            evaluator__isnull=True,
            status=EvaluationStatus.FINAL,
            effective=True,
            period_end__year=year,
            re_evaluation__isnull=True,
        )
        .select_related("contract", "provider", "purchaser")
        .order_by("period_end", "pk")
    )


def evaluators() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.EVALUATOR, is_active=True).order_by(
        "name"
    )


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, errors={field: [message]}, status=400)


@transaction.atomic
def commission_create(
    *,
    actor: Any,
    evaluator: Any,
    year: Any,
    reason: str,
    evaluations: list[int] | None = None,
    share: Any = None,
) -> Commission:
    """Either ``evaluations`` (ids of candidates) or ``share`` (1–100 %, drawn at random
    among the candidates, at least one)."""
    require(may_commission(actor))
    org = acting_org(actor)
    assert org is not None and org.county_id is not None
    county_id: int = org.county_id
    chosen_org = evaluators().filter(pk=evaluator if isinstance(evaluator, int) else -1).first()
    if chosen_org is None:
        raise _invalid("evaluator", _("Choose a third-party evaluator organization."))
    year = begun_year(year)
    text = required_text(reason, "reason", _("Reason"), limit=REASON_LIMIT)
    if bool(evaluations) == (share not in (None, "")):
        raise _invalid(
            "evaluations", _("Choose the evaluations, or give a random share — one of the two.")
        )
    pool = list(candidates(county_id, year).select_for_update(of=("self",)))
    if evaluations:
        wanted = {int(pk) for pk in evaluations}
        picked = [e for e in pool if e.pk in wanted]
        if len(picked) != len(wanted):
            raise _invalid(
                "evaluations",
                _(
                    "Choose final evaluations of %(year)d in this county that no third party "
                    "re-evaluates yet."
                )
                % {"year": year},
            )
        share_value = None
    else:
        try:
            share_value = int(str(share).strip())
        except ValueError:
            share_value = 0
        if not 1 <= share_value <= 100:
            raise _invalid("share", _("Give the share as a whole percentage from 1 to 100."))
        if not pool:
            raise _invalid(
                "share",
                _("No final evaluation of %(year)d is left to re-evaluate.") % {"year": year},
            )
        count = max(1, math.ceil(len(pool) * share_value / 100))
        picked = sorted(random.SystemRandom().sample(pool, count), key=lambda e: e.pk)
    commission = Commission.objects.create(
        county_id=county_id,
        evaluator=chosen_org,
        year=year,
        share=share_value,
        reason=text,
        created_by=actor,
    )
    for original in picked:
        grant, _created = EvaluatorGrant.objects.get_or_create(
            contract_id=original.contract_id,
            evaluator=chosen_org,
            defaults={"granted_by": actor},
        )
        if grant.ends_at is not None:  # commissioned again: it reads the contract again
            grant.ends_at = None
            grant.save(update_fields=["ends_at"])
        try:
            with transaction.atomic():
                again = _re_evaluation(actor, original, chosen_org, commission)
        except IntegrityError:  # another commission took it first
            raise ApplicationError(
                "already_commissioned",
                _("%(title)s is already being re-evaluated.") % {"title": original.title},
                status=409,
            ) from None
        audit_record(
            action="evaluation.commissioned",
            actor=actor,
            obj=again,
            after={
                "status": again.status,
                "evaluator": chosen_org.name,
                "original": original.pk,
                "period": f"{again.period_start}—{again.period_end}",
            },
            reason=text,
        )
    audit_record(
        action="commission.created",
        actor=actor,
        obj=commission,
        after={
            "evaluator": chosen_org.name,
            "year": year,
            "share": share_value,
            "evaluations": [e.pk for e in picked],
        },
        reason=text,
    )
    return commission


def _re_evaluation(
    actor: Any, original: Evaluation, evaluator: Organization, commission: Commission
) -> Evaluation:
    """The re-evaluation of ``original``'s contract and period, with the same criteria."""
    again = Evaluation.objects.create(
        county_id=original.county_id,
        contract_id=original.contract_id,
        purchaser_id=original.purchaser_id,
        provider_id=original.provider_id,
        evaluator=evaluator,
        original=original,
        commission=commission,
        period_start=original.period_start,
        period_end=original.period_end,
        closing=original.closing,
        pass_score=original.pass_score,
        status=EvaluationStatus.COMMISSIONED,
        created_by=actor,
    )
    EvaluationScore.objects.bulk_create(
        EvaluationScore(
            evaluation=again,
            criterion_id=s.criterion_id,
            position=s.position,
            name=s.name,
            weight=s.weight,
            requirement=s.requirement,
            method=s.method,
            veto=s.veto,
        )
        for s in original.scores.all()
    )
    return again


def end_access_when_done(evaluation: Evaluation) -> None:
    """After its last open re-evaluation of the contract is final, the evaluator no longer
    reads the contract's tasks, hazards and reports (its results stay readable)."""
    still_open = (
        Evaluation.objects.filter(
            contract_id=evaluation.contract_id, evaluator_id=evaluation.evaluator_id
        )
        .exclude(status=EvaluationStatus.FINAL)
        .exists()
    )
    if not still_open:
        EvaluatorGrant.objects.filter(
            contract_id=evaluation.contract_id,
            evaluator_id=evaluation.evaluator_id,
            ends_at__isnull=True,
        ).update(ends_at=timezone.now())
