"""Sanctions (R17, WORKFLOWS.md "Sanction"): a failing effective result proposes a fund
deduction on the contract and a county-wide ban of its provider; the county office's leader
confirms — the deduction is booked against what remains unpaid, the rest recorded as 应追回,
and the ban runs from the decision date to the day before the policy period's anniversary —
or rejects with a reason; a confirmed sanction may be lifted with a reason (the ban ends that
day; the deduction is reversed as a credit). Referrals record unlawful conduct sent on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import policy_for
from safeserve.common.validation import required_text
from safeserve.contracts.models import Contract, Deduction
from safeserve.contracts.selectors import payable_balance
from safeserve.evaluations.models import Evaluation, Referral, Sanction, SanctionStatus
from safeserve.evaluations.workflows import SANCTION
from safeserve.providers.models import Debarment

TEXT_LIMIT = 4000


def ban_period(start: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """From the decision date to the day before its ``years``-th anniversary (R17; a ban
    decided on 29 February runs to 28 February)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        anniversary = dt.date(start.year + years, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


def parse_amount(value: Any) -> Decimal:
    """The deduction in yuan: zero or more, at most two decimals (fen)."""
    message = _("Enter the deduction in yuan, zero or more, with at most two decimals.")
    try:
        amount: Decimal | None = Decimal(str(value).strip().replace(",", "").replace("，", ""))
        if (
            amount is None
            or not amount.is_finite()
            or not Decimal(0) <= amount < Decimal("1e12")
            or amount != amount.quantize(Decimal("0.01"))
        ):
            amount = None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None:
        raise ApplicationError("invalid_amount", message, errors={"amount": [message]}, status=400)
    return amount


def _lock(sanction: Sanction) -> Sanction:
    return (
        Sanction.objects.select_for_update(of=("self",))
        .select_related("contract", "provider", "evaluation", "deduction", "debarment")
        .get(pk=sanction.pk)
    )


def sanction_follow(*, actor: Any, evaluation: Evaluation) -> Sanction | None:
    """Called when ``evaluation`` becomes the effective result of its contract and period:
    a fail proposes a sanction (automatic, R17); a pass after a confirmed sanction of the same
    contract and period proposes lifting it, and withdraws one still only proposed."""
    same_period = Sanction.objects.select_for_update().filter(
        contract_id=evaluation.contract_id,
        evaluation__period_start=evaluation.period_start,
        evaluation__period_end=evaluation.period_end,
    )
    if evaluation.passed:
        # The county office decides (WORKFLOWS.md): a confirmed sanction is proposed for
        # lifting, a proposed one flagged for rejection — nothing changes by itself.
        for earlier in same_period:
            if (
                earlier.status in (SanctionStatus.PROPOSED, SanctionStatus.CONFIRMED)
                and not earlier.lift_proposed
            ):
                earlier.lift_proposed = True
                earlier.save(update_fields=["lift_proposed", "updated_at"])
                audit_record(
                    action="sanction.lift_proposed",
                    actor=actor,
                    obj=earlier,
                    after={"evaluation": evaluation.pk},
                )
        return None
    pending = next((s for s in same_period if s.status == SanctionStatus.PROPOSED), None)
    if pending is not None:
        # still undecided: it now rests on the effective (failing) result
        if pending.evaluation_id != evaluation.pk:
            before = pending.evaluation_id
            pending.evaluation, pending.lift_proposed = evaluation, False
            pending.save(update_fields=["evaluation", "lift_proposed", "updated_at"])
            audit_record(
                action="sanction.rebased",
                actor=actor,
                obj=pending,
                before={"evaluation": before},
                after={"evaluation": evaluation.pk, "total": evaluation.total},
            )
        return pending
    if any(s.status == SanctionStatus.CONFIRMED for s in same_period):
        return None  # one sanction per failed period, whoever evaluated
    sanction = Sanction.objects.create(
        county_id=evaluation.county_id,
        contract_id=evaluation.contract_id,
        provider_id=evaluation.provider_id,
        evaluation=evaluation,
    )
    audit_record(
        action="sanction.proposed",
        actor=actor,
        obj=sanction,
        after={
            "evaluation": evaluation.pk,
            "total": evaluation.total,
            "pass_score": evaluation.pass_score,
            "vetoed": evaluation.vetoed,
        },
    )
    return sanction


@transaction.atomic
def sanction_confirm(*, actor: Any, sanction: Sanction, amount: Any, basis: str) -> Sanction:
    """The county office's leader confirms: the deduction (how its amount follows from the
    contract's liability terms is stated) and the county-wide ban from today."""
    locked = _lock(sanction)
    SANCTION.check("confirm", actor, locked)
    value = parse_amount(amount)
    basis_text = required_text(basis, "basis", _("basis of the amount"), limit=TEXT_LIMIT)
    today = timezone.localdate()
    reason = _("Failed evaluation %(title)s (total %(total)s, pass score %(pass)s)") % {
        "title": locked.evaluation.title,
        "total": locked.evaluation.total,
        "pass": locked.evaluation.pass_score,
    }
    if locked.evaluation.vetoed:
        reason += _("; a veto criterion failed")
    if value > 0:
        contract = Contract.objects.select_for_update().get(pk=locked.contract_id)
        # R3: paid never exceeds the amount less deductions; what was already paid beyond
        # it is to be recovered from the provider.
        payable = max(payable_balance(contract)[2], Decimal(0))
        booked = min(value, payable)
        locked.deduction = Deduction.objects.create(
            contract=contract,
            amount=booked,
            recoverable=value - booked,
            reason=f"{reason}。{basis_text}",
            recorded_by=actor,
        )
    years = policy_for(locked.county_id).ban_years
    starts, ends = ban_period(today, years)
    # 政府购买服务管理办法 / R17: banned county-wide for the policy period from the decision.
    locked.debarment = Debarment.objects.create(
        county_id=locked.county_id,
        provider_id=locked.provider_id,
        starts_on=starts,
        ends_on=ends,
        reason=reason,
    )
    locked.status, locked.amount, locked.basis = SanctionStatus.CONFIRMED, value, basis_text
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.save()
    audit_record(
        action="sanction.confirmed",
        actor=actor,
        obj=locked,
        before={"status": SanctionStatus.PROPOSED},
        after={
            "status": locked.status,
            "amount": value,
            "deducted": locked.deduction.amount if locked.deduction else Decimal(0),
            "recoverable": locked.deduction.recoverable if locked.deduction else Decimal(0),
            "ban_from": starts,
            "ban_until": ends,
        },
        reason=basis_text,
    )
    return locked


@transaction.atomic
def sanction_reject(*, actor: Any, sanction: Sanction, reason: str) -> Sanction:
    locked = _lock(sanction)
    SANCTION.check("reject", actor, locked)
    text = required_text(reason, "reason", _("reasons for the decision"), limit=TEXT_LIMIT)
    locked.status, locked.decision_reason = SanctionStatus.REJECTED, text
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.save()
    audit_record(
        action="sanction.rejected",
        actor=actor,
        obj=locked,
        before={"status": SanctionStatus.PROPOSED},
        after={"status": locked.status},
        reason=text,
    )
    return locked


@transaction.atomic
def sanction_lift(*, actor: Any, sanction: Sanction, reason: str) -> Sanction:
    """The ban ends today (it no longer holds from this day); the deduction is reversed by a
    credit of the same amounts, so the ledger keeps both."""
    locked = _lock(sanction)
    SANCTION.check("lift", actor, locked)
    text = required_text(reason, "reason", _("reason for lifting"), limit=TEXT_LIMIT)
    today = timezone.localdate()
    if locked.debarment is not None:
        ban = Debarment.objects.select_for_update().get(pk=locked.debarment.pk)
        # the ban ends today; one that already ran out keeps its whole period
        ban.lifted_on = today if today <= ban.ends_on else None
        ban.lift_reason = text
        ban.save(update_fields=["lifted_on", "lift_reason", "updated_at"])
        locked.debarment = ban
    if locked.deduction is not None:
        locked.credit = Deduction.objects.create(
            contract_id=locked.contract_id,
            amount=locked.deduction.amount,
            recoverable=locked.deduction.recoverable,
            credit=True,
            reason=_("Sanction lifted: %(reason)s") % {"reason": text},
            recorded_by=actor,
        )
    locked.status, locked.lift_reason = SanctionStatus.LIFTED, text
    locked.lifted_at, locked.lifted_by = timezone.now(), actor
    locked.save()
    audit_record(
        action="sanction.lifted",
        actor=actor,
        obj=locked,
        before={"status": SanctionStatus.CONFIRMED},
        after={
            "status": locked.status,
            "ban_lifted_on": today,
            "credited": locked.credit.amount if locked.credit else Decimal(0),
        },
        reason=text,
    )
    return locked


@transaction.atomic
def referral_record(
    *, actor: Any, sanction: Sanction, referred_to: str, referred_on: Any, content: str
) -> Referral:
    """移送: unlawful conduct behind the sanction sent to the authority that deals with it."""
    locked = _lock(sanction)
    SANCTION.check("refer", actor, locked)
    to = required_text(referred_to, "referred_to", _("referred to"), limit=100)
    what = required_text(content, "content", _("what was sent"), limit=TEXT_LIMIT)
    day = referred_on
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, dt.date) or day > timezone.localdate():
        message = _("Enter the date it was referred (YYYY-MM-DD), not in the future.")
        raise ApplicationError(
            "invalid_date", message, errors={"referred_on": [message]}, status=400
        )
    referral = Referral.objects.create(
        county_id=locked.county_id,
        sanction=locked,
        referred_to=to,
        referred_on=day,
        content=what,
        recorded_by=actor,
    )
    audit_record(
        action="sanction.referred",
        actor=actor,
        obj=locked,
        after={"referred_to": to, "referred_on": day},
        reason=what,
    )
    return referral
