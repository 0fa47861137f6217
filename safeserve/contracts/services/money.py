"""Payments and deductions (R3 专款专用): never more than the amount less deductions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import (
    Contract,
    Deduction,
    Installment,
    Payment,
)
from safeserve.contracts.selectors import payable_balance
from safeserve.contracts.workflows import CONTRACT

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _money(value: Decimal | None, field: str) -> Decimal:
    if value is None or not value.is_finite() or value <= 0:
        raise ApplicationError(
            "amount_positive",
            _("The amount must be more than zero."),
            errors={field: [_("The amount must be more than zero.")]},
            status=400,
        )
    if value != value.quantize(Decimal("0.01")) or value >= Decimal("1e12"):
        raise ApplicationError(
            "amount_format",
            _("Enter the amount in yuan with at most two decimals (fen)."),
            errors={field: [_("Enter the amount in yuan with at most two decimals (fen).")]},
            status=400,
        )
    return value


@transaction.atomic
def payment_record(
    *,
    actor: User,
    contract: Contract,
    amount: Decimal,
    paid_on: dt.date,
    installment: Installment | None = None,
    voucher: str = "",
) -> Any:
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("payments", actor, locked)
    amount = _money(amount, "amount")
    if installment is not None and installment.contract_id != locked.pk:
        raise ApplicationError(
            "invalid_installment", _("That installment belongs to another contract."), status=400
        )
    _paid, _deducted, payable = payable_balance(locked)
    if amount > payable:
        # R3: payments never exceed the contract amount less deductions (专款专用).
        raise ApplicationError(
            "over_payable",
            _("Only %(p)s can still be paid (amount less deductions and earlier payments).")
            % {"p": payable},
            errors={"amount": [_("Over what can still be paid.")]},
        )
    payment = Payment.objects.create(
        contract=locked,
        installment=installment,
        amount=amount,
        paid_on=paid_on,
        voucher=voucher.strip()[:60],
        recorded_by=actor,
    )
    audit_record(
        action="contract.payment_recorded",
        actor=actor,
        obj=locked,
        after={
            "amount": amount,
            "paid_on": paid_on,
            "voucher": payment.voucher,
            "installment": installment.sequence if installment else None,
        },
    )
    return payment


@transaction.atomic
def deduction_record(*, actor: User, contract: Contract, amount: Decimal, reason: str) -> Any:
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("deductions", actor, locked)
    amount = _money(amount, "amount")
    if not reason.strip():
        raise ApplicationError(
            "reason_required",
            _("Please give a reason."),
            errors={"reason": [_("This field is required.")]},
            status=400,
        )
    paid, deducted, _payable = payable_balance(locked)
    if deducted + amount > locked.current_amount - paid:
        raise ApplicationError(
            "over_deduction",
            _("Deductions cannot exceed what has not been paid (%(r)s).")
            % {"r": locked.current_amount - paid - deducted},
        )
    deduction = Deduction.objects.create(
        contract=locked, amount=amount, reason=reason.strip(), recorded_by=actor
    )
    audit_record(
        action="contract.deduction_recorded",
        actor=actor,
        obj=locked,
        after={"amount": amount},
        reason=reason.strip(),
    )
    return deduction
