"""Amendments of a signed contract: proposed by one party, in force once the other agrees,
within 政府采购法 第49条 and the plan item's budget (R3)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import policy_for
from safeserve.contracts.models import (
    Amendment,
    AmendmentStatus,
    Contract,
)
from safeserve.contracts.permissions import is_purchaser
from safeserve.contracts.selectors import payable_balance
from safeserve.contracts.services.lifecycle import budget_remaining, lock_item_of
from safeserve.contracts.workflows import AMENDMENT, CONTRACT

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _check_amendment(locked: Contract, amount_delta: Decimal) -> None:
    """政府采购法 第49条 and R3, against the amendments already agreed plus this one."""
    agreed = [a for a in locked.amendments.all() if a.status == AmendmentStatus.AGREED]
    increase = sum((a.amount_delta for a in agreed), Decimal(0)) + amount_delta
    ratio = policy_for(locked.county_id).amendment_max_percent
    ceiling = (locked.amount * ratio / 100).quantize(Decimal("0.01"))
    if increase > ceiling:
        raise ApplicationError(
            "amendment_over_limit",
            _(
                "Amendments would add %(inc)s in all, more than %(ratio)d %% of the original "
                "amount (%(ceiling)s)."
            )
            % {"inc": increase, "ratio": ratio, "ceiling": ceiling},
        )
    if locked.amount + increase <= 0:
        raise ApplicationError("amount_not_positive", _("The amount must stay above zero."))
    paid, deducted, _payable = payable_balance(locked)
    if locked.amount + increase < paid + deducted:
        # R3: what was paid and deducted can never exceed the contract's amount.
        raise ApplicationError(
            "below_paid",
            _(
                "The amount would fall below what is already paid and deducted "
                "(%(paid)s + %(deducted)s)."
            )
            % {"paid": paid, "deducted": deducted},
        )
    if amount_delta > 0 and locked.current_amount + amount_delta > budget_remaining(locked):
        raise ApplicationError(
            "over_budget", _("The amendment would exceed the plan item's budget.")
        )


def _lock_for_amendment(contract: Contract) -> Contract:
    """Item, then contract: the order signing uses (R3 is checked under both)."""
    lock_item_of(contract)
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project__item", "provider")
        .get(pk=contract.pk)
    )


@transaction.atomic
def contract_amend(
    *,
    actor: User,
    contract: Contract,
    reason: str,
    changes: str,
    amount_delta: Decimal = Decimal(0),
) -> Amendment:
    """One party proposes a change of a signed or in-service contract; it is in force only once
    the other party agrees (``amendment_agree``). The limits are checked now and again then."""
    locked = _lock_for_amendment(contract)
    CONTRACT.check("amend", actor, locked)
    purchaser_side = is_purchaser(actor, locked)
    if not reason.strip() or not changes.strip():
        raise ApplicationError(
            "amendment_incomplete",
            _("Give the reason and what changes."),
            errors={"reason": [_("This field is required.")]},
            status=400,
        )
    if amount_delta and amount_delta != amount_delta.quantize(Decimal("0.01")):
        raise ApplicationError(
            "amount_format",
            _("Enter the amount in yuan with at most two decimals (fen)."),
            errors={
                "amount_delta": [_("Enter the amount in yuan with at most two decimals (fen).")]
            },
            status=400,
        )
    _check_amendment(locked, amount_delta)
    amendment = Amendment.objects.create(
        contract=locked,
        reason=reason.strip(),
        changes=changes.strip(),
        amount_delta=amount_delta,
        created_by=actor,
        proposed_by_side="purchaser" if purchaser_side else "provider",
    )
    audit_record(
        action="contract.amendment_proposed",
        actor=actor,
        obj=locked,
        after={"amount_delta": amount_delta, "changes": changes.strip()},
        reason=reason.strip(),
    )
    return amendment


def _pending(locked: Contract, amendment: Amendment) -> Amendment:
    current = Amendment.objects.select_for_update().get(pk=amendment.pk, contract=locked)
    current.contract = locked
    return current


@transaction.atomic
def amendment_agree(*, actor: User, amendment: Amendment) -> Amendment:
    """The other party agrees: the limits are checked again under the lock, then the amendment
    is in force."""
    locked = _lock_for_amendment(amendment.contract)
    current = _pending(locked, amendment)
    AMENDMENT.check("agree", actor, current)
    _check_amendment(locked, current.amount_delta)
    return _decide(actor, locked, current, AmendmentStatus.AGREED, current.reason)


@transaction.atomic
def amendment_decline(*, actor: User, amendment: Amendment, reason: str = "") -> Amendment:
    """The other party declines."""
    locked, current = _lock_pending(amendment)
    AMENDMENT.check("decline", actor, current)
    return _decide(actor, locked, current, AmendmentStatus.DECLINED, reason.strip())


@transaction.atomic
def amendment_withdraw(*, actor: User, amendment: Amendment, reason: str = "") -> Amendment:
    """The proposing party withdraws its proposal."""
    locked, current = _lock_pending(amendment)
    AMENDMENT.check("withdraw", actor, current)
    return _decide(actor, locked, current, AmendmentStatus.DECLINED, reason.strip())


def _lock_pending(amendment: Amendment) -> tuple[Contract, Amendment]:
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=amendment.contract_id)
    )
    return locked, _pending(locked, amendment)


def _decide(
    actor: User, locked: Contract, amendment: Amendment, status: str, reason: str
) -> Amendment:
    amendment.status = status
    amendment.decided_by, amendment.decided_at = actor, timezone.now()
    amendment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action="contract.amended"
        if status == AmendmentStatus.AGREED
        else "contract.amendment_declined",
        actor=actor,
        obj=locked,
        after={"amount_delta": amendment.amount_delta, "changes": amendment.changes},
        reason=reason,
    )
    return amendment
