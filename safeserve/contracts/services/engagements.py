"""Experts engaged for a contract and who may work on it (R7: no subcontracting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import (
    Contract,
    Engagement,
    EngagementRole,
)
from safeserve.contracts.permissions import is_provider_staff
from safeserve.contracts.workflows import CONTRACT
from safeserve.providers.models import Expert, ExpertPoolMembership, PoolStatus, Provider
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def engagement_candidates(contract: Contract) -> Any:
    """Experts of the contract county's pool, active, not suspended, employed elsewhere (or
    independent)."""
    return (
        serving_experts(contract.county_id)
        .exclude(employer_id=contract.provider_id)
        .select_related("employer")
        .order_by("name")
    )


def _engaged_on(on_date: dt.date, prefix: str = "") -> Q:
    """An engagement running on the date (``prefix``: the path to it, e.g. ``engagements__``)."""
    return Q(
        **{
            f"{prefix}ended_at__isnull": True,
            f"{prefix}starts_on__lte": on_date,
            f"{prefix}ends_on__gte": on_date,
        }
    )


def experts_allowed(contract: Contract, on_date: dt.date | None = None) -> Any:
    """R7: the experts who may work on the contract's tasks — the provider's own employees
    and the experts it engaged for this contract, on the date, each serving in the county's
    pool (admitted, not suspended). Nobody else, and no other provider."""
    on_date = on_date or timezone.localdate()
    return (
        serving_experts(contract.county_id)
        .filter(
            Q(employer_id=contract.provider_id)
            | (Q(engagements__contract=contract) & _engaged_on(on_date, "engagements__"))
        )
        .distinct()
    )


def contracts_allowing(
    expert: Expert, contracts: Iterable[Contract], on_date: dt.date | None = None
) -> set[int]:
    """``experts_allowed`` asked once for many contracts (a 待办 of several hazards): the ids
    of those on which the expert may work on the date, in a query per county and one more."""
    on_date = on_date or timezone.localdate()
    contracts = list(contracts)
    serving = {
        county_id
        for county_id in {c.county_id for c in contracts}
        if serving_experts(county_id).filter(pk=expert.pk).exists()
    }
    engaged = set(
        Engagement.objects.filter(
            _engaged_on(on_date), expert=expert, contract_id__in=[c.pk for c in contracts]
        ).values_list("contract_id", flat=True)
    )
    return {
        c.pk
        for c in contracts
        if c.county_id in serving and (c.provider_id == expert.employer_id or c.pk in engaged)
    }


@transaction.atomic
def engagement_create(
    *,
    actor: User,
    contract: Contract,
    expert: Expert,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date,
    agreement: Any,
) -> Any:

    # Provider before contract, the order signing uses.
    Provider.objects.select_for_update().filter(pk=contract.provider_id).first()
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=contract.pk)
    )
    CONTRACT.check("engagements", actor, locked)
    if role not in EngagementRole.values:
        raise ApplicationError(
            "invalid_role",
            _("Choose the expert's role."),
            status=400,
            errors={"role": [_("Choose the expert's role.")]},
        )
    if expert.employer_id == locked.provider_id:
        raise ApplicationError(
            "own_expert",
            _("Your own experts need no engagement."),
            errors={"expert": [_("Choose an expert from outside.")]},
            status=400,
        )
    if not expert.is_active:
        raise ApplicationError("expert_inactive", _("This expert is not active."))
    in_pool = ExpertPoolMembership.objects.filter(
        county_id=locked.county_id, expert=expert, status=PoolStatus.ADMITTED
    ).exists()
    if not in_pool:
        raise ApplicationError(
            "not_in_pool", _("Only experts in this county's pool can be engaged.")
        )
    if ends_on < starts_on:
        raise ApplicationError(
            "period_reversed",
            _("The end date must not be before the start date."),
            errors={"ends_on": [_("Check the dates.")]},
            status=400,
        )
    if (
        locked.period_start
        and locked.period_end
        and (starts_on < locked.period_start or ends_on > locked.period_end)
    ):
        raise ApplicationError(
            "outside_period",
            _("The engagement must fall within the contract's service period."),
            errors={"starts_on": [_("Check the dates.")]},
            status=400,
        )
    if agreement is None:
        raise ApplicationError(
            "agreement_missing",
            _("Attach the signed engagement agreement."),
            errors={"agreement": [_("This field is required.")]},
            status=400,
        )
    if Engagement.objects.filter(contract=locked, expert=expert, ended_at__isnull=True).exists():
        raise ApplicationError(
            "already_engaged", _("This expert is already engaged for the contract.")
        )
    engagement = Engagement.objects.create(
        contract=locked,
        expert=expert,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        agreement=agreement,
        created_by=actor,
    )
    audit_record(
        action="contract.expert_engaged",
        actor=actor,
        obj=locked,
        county_id=locked.county_id,
        after={
            "expert_id": expert.pk,
            "expert": expert.name,
            "role": role,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return engagement


@transaction.atomic
def engagement_end(*, actor: User, engagement: Any, reason: str) -> Any:
    locked = (
        type(engagement)
        .objects.select_for_update()
        .select_related("contract__provider")
        .get(pk=engagement.pk)
    )
    require(is_provider_staff(actor, locked.contract))
    if locked.ended_at is not None:
        raise ApplicationError("already_ended", _("The engagement has already ended."))
    locked.ended_at = timezone.now()
    locked.save(update_fields=["ended_at", "updated_at"])
    audit_record(
        action="contract.engagement_ended",
        actor=actor,
        obj=locked.contract,
        county_id=locked.contract.county_id,
        after={"expert_id": locked.expert_id},
        reason=reason.strip(),
    )
    return locked
