"""Contracts: drafting every term, two-party signing with R3/R6/R8 re-checked under a lock,
amendments within 政府采购法 第49条, start and termination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.audit.services import audit_record, diff
from safeserve.common.choices import ServiceCategory
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import policy_for
from safeserve.common.validation import clean_model
from safeserve.contracts.models import (
    ACTIVE_STATUSES,
    Amendment,
    AmendmentStatus,
    Contract,
    ContractEnterprise,
    ContractStatus,
    Deduction,
    EvaluationCriterion,
    Installment,
    Payment,
)
from safeserve.organizations.access import require
from safeserve.organizations.models import OrganizationKind, Role
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.procurement.permissions import is_purchaser_leader_of, is_purchaser_of
from safeserve.providers.models import Expert, Provider
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User

register_object_types({"contracts.contract": gettext_lazy("Contract")})
register_keys(
    {"proposed_by": gettext_lazy("Proposed by")},
    choices={
        side: {"purchaser": gettext_lazy("Purchaser"), "provider": gettext_lazy("Provider")}
        for side in ("side", "proposed_by")
    },
)
register_actions(
    {
        "contract.drafted": gettext_lazy("Contract drafted"),
        "contract.terms_saved": gettext_lazy("Contract terms saved"),
        "contract.confirmed": gettext_lazy("Signature confirmed"),
        "contract.signed": gettext_lazy("Contract signed by both parties"),
        "contract.started": gettext_lazy("Service started"),
        "contract.terminated": gettext_lazy("Contract terminated"),
        "contract.amended": gettext_lazy("Amendment agreed by both parties"),
        "contract.amendment_proposed": gettext_lazy("Amendment proposed"),
        "contract.amendment_declined": gettext_lazy("Amendment declined or withdrawn"),
    }
)

TERM_FIELDS = {
    # field: label used in "what is missing" (R6)
    "subject_matter": gettext_lazy("subject matter"),
    "quantity": gettext_lazy("quantity"),
    "quality_requirements": gettext_lazy("quality requirements"),
    "period_start": gettext_lazy("service period"),
    "period_end": gettext_lazy("service period"),
    "payment_method": gettext_lazy("payment method"),
    "rights_obligations": gettext_lazy("rights and obligations"),
    "liability": gettext_lazy("liability for breach"),
}


def is_provider_signatory(user: User, contract: Contract) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(
        org
        and org.is_active
        and org.kind == OrganizationKind.PROVIDER
        and org.pk == contract.provider.organization_id
        and user.role in (Role.LEADER, Role.ADMIN)
    )


@dataclass
class Terms:
    number: str = ""
    subject_matter: str = ""
    quantity: str = ""
    quality_requirements: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount: Decimal | None = None
    payment_method: str = ""
    rights_obligations: str = ""
    liability: str = ""
    planned_visits: int = 0


def contract_snapshot(contract: Contract) -> dict[str, Any]:
    return {k: getattr(contract, k) for k in Terms.__dataclass_fields__}


@transaction.atomic
def contract_draft(*, actor: User, project: PurchaseProject) -> Contract:
    """The draft of an awarded project's contract, with the award amount and content."""
    locked = (
        PurchaseProject.objects.select_for_update(of=("self",))
        .select_related("awarded_provider")
        .get(pk=project.pk)
    )
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status != ProjectStatus.AWARDED or locked.awarded_provider is None:
        raise ApplicationError(
            "project_not_awarded", _("A contract is drafted only for an awarded project.")
        )
    if Contract.objects.filter(project=locked).exists():
        raise ApplicationError("contract_exists", _("This project already has its contract."))
    contract = Contract.objects.create(
        project=locked,
        purchaser_id=locked.purchaser_id,
        provider=locked.awarded_provider,
        county_id=locked.county_id,
        amount=locked.award_amount or Decimal("0.01"),
        subject_matter=locked.service_content,
    )
    audit_record(
        action="contract.drafted",
        actor=actor,
        obj=contract,
        after={"project_id": locked.pk, "amount": contract.amount},
    )
    return contract


def _parse_lines(text: str, parts: int, field: str) -> list[list[str]]:
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.replace("｜", "|").split("|")]
        if len(cells) != parts or not all(cells):
            raise ApplicationError(
                "malformed_lines",
                _("Line %(n)d: write %(parts)d parts separated by |.")
                % {"n": number, "parts": parts},
                errors={field: [_("Line %(n)d is not in the expected form.") % {"n": number}]},
                status=400,
            )
        rows.append(cells)
    return rows


def parse_criteria(text: str) -> list[EvaluationCriterion]:
    """One criterion per line: name | weight | requirement | method."""
    criteria = []
    for name, weight, requirement, method in _parse_lines(text, 4, "criteria"):
        if not weight.isdigit() or not 1 <= int(weight) <= 100:
            raise ApplicationError(
                "invalid_weight",
                _("A weight is a whole number 1–100."),
                errors={"criteria": [_("Check the weights.")]},
                status=400,
            )
        criteria.append(
            EvaluationCriterion(
                name=name[:100],
                weight=int(weight),
                requirement=requirement[:300],
                method=method[:300],
            )
        )
    return criteria


def parse_installments(text: str) -> list[Installment]:
    """One installment per line: amount | payable when."""
    installments = []
    for sequence, (amount, condition) in enumerate(_parse_lines(text, 2, "installments"), 1):
        try:
            value = Decimal(amount)
        except ArithmeticError:
            value = Decimal(-1)
        if not value.is_finite() or value <= 0 or value > Decimal("999999999999"):
            raise ApplicationError(
                "invalid_installment",
                _("An installment is a positive amount."),
                errors={"installments": [_("Check the amounts.")]},
                status=400,
            )
        installments.append(
            Installment(
                sequence=sequence, amount=value.quantize(Decimal("0.01")), condition=condition[:300]
            )
        )
    return installments


@transaction.atomic
def contract_save_terms(
    *, actor: User, contract: Contract, terms: Terms, criteria: str, installments: str
) -> Contract:
    """Draft contracts only; a signed one changes through amendments."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status != ContractStatus.DRAFT:
        raise ApplicationError(
            "contract_signed", _("A signed contract changes only through an amendment.")
        )
    parsed_criteria = parse_criteria(criteria)
    parsed_installments = parse_installments(installments)
    before = contract_snapshot(locked)
    for key, value in asdict(terms).items():
        if value is not None or key in ("period_start", "period_end"):
            setattr(locked, key, value.strip() if isinstance(value, str) else value)
    # Any change of terms withdraws a confirmation already given: both sign the same text.
    locked.purchaser_signed_at = locked.provider_signed_at = None
    locked.purchaser_signed_by = locked.provider_signed_by = None
    clean_model(locked)
    locked.save()
    locked.criteria.all().delete()
    for item in parsed_criteria:
        item.contract = locked
    EvaluationCriterion.objects.bulk_create(parsed_criteria)
    locked.installments.all().delete()
    for installment in parsed_installments:
        installment.contract = locked
    Installment.objects.bulk_create(parsed_installments)
    old, new = diff(before, contract_snapshot(locked))
    audit_record(
        action="contract.terms_saved",
        actor=actor,
        obj=locked,
        before=old,
        after={
            **new,
            "criteria": [f"{c.name}:{c.weight}" for c in parsed_criteria],
            "installments": [str(i.amount) for i in parsed_installments],
        },
    )
    return locked


def missing_terms(contract: Contract) -> list[str]:
    """R6: what the contract still lacks before it can be signed."""
    missing = []
    for field, label in TERM_FIELDS.items():
        if not getattr(contract, field) and str(label) not in missing:
            missing.append(str(label))
    criteria = list(contract.criteria.all())
    if not criteria:
        missing.append(_("performance evaluation criteria"))
    elif sum(c.weight for c in criteria) != 100:
        missing.append(
            _("criteria weights adding up to 100 (now %(n)d)")
            % {"n": sum(c.weight for c in criteria)}
        )
    if not contract.planned_visits and contract.project.item.category == ServiceCategory.INSPECTION:
        # An inspection contract without planned visits would escape the capacity check (R8).
        missing.append(_("the number of enterprise visits planned per year"))
    installments = list(contract.installments.all())
    if installments and sum(i.amount for i in installments) != contract.amount:
        missing.append(_("installments adding up to the amount"))
    return missing


def _budget_remaining(contract: Contract) -> Decimal:
    """R3: the item's budget less what every other project under it holds."""
    from safeserve.procurement.services import item_committed

    item = contract.project.item
    return item.budget - item_committed(item, excluding_project=contract.project_id)


def provider_workload(
    provider_id: int, county_id: int | None, year: int, extra_visits: int = 0
) -> tuple[int, int]:
    """R8: enterprise visits planned in ``year`` across the provider's signed contracts (plus
    ``extra_visits``), and its employed experts serving in the county (admitted to its pool,
    not suspended)."""
    visits = (
        Contract.objects.filter(
            provider_id=provider_id,
            status__in=ACTIVE_STATUSES,
            period_start__year__lte=year,
            period_end__year__gte=year,
        ).aggregate(total=Sum("planned_visits"))["total"]
        or 0
    )
    experts = serving_experts(county_id).filter(employer_id=provider_id).count()
    return visits + extra_visits, experts


def _check_before_signing(contract: Contract) -> None:
    missing = missing_terms(contract)
    if missing:
        raise ApplicationError(
            "terms_missing",
            _("The contract cannot be signed yet; it lacks: %(missing)s.")
            % {"missing": "、".join(missing)},
        )
    policy = policy_for(contract.county_id)
    assert contract.period_start is not None and contract.period_end is not None
    start = contract.period_start
    try:
        limit = start.replace(year=start.year + policy.contract_max_years)
    except ValueError:  # 29 February, or beyond the calendar
        limit = (
            dt.date(start.year + policy.contract_max_years, 3, 1)
            if start.year + policy.contract_max_years <= dt.MAXYEAR
            else dt.date.max
        )
    if contract.period_end >= limit:
        # 财政部令第102号 第24条: at most three years (the county may set less).
        raise ApplicationError(
            "term_too_long",
            _("The service period may last at most %(n)d years.")
            % {"n": policy.contract_max_years},
        )
    award = contract.project.award_amount
    if award is not None and contract.amount > award:
        # R3/R5: the contract follows the award; a higher price is not what was procured.
        raise ApplicationError(
            "over_award",
            _("The amount %(a)s exceeds the awarded amount %(w)s.")
            % {"a": contract.amount, "w": award},
        )
    remaining = _budget_remaining(contract)
    if contract.amount > remaining:
        raise ApplicationError(
            "over_budget",
            _("The amount %(a)s exceeds what remains of the plan item's budget (%(r)s).")
            % {"a": contract.amount, "r": remaining},
        )
    cap = policy.expert_workload_cap
    # R8 for every calendar year the service period touches, not only the first.
    for year in range(contract.period_start.year, contract.period_end.year + 1):
        _check_capacity(contract, year, cap)


def _check_capacity(contract: Contract, year: int, cap: int) -> None:
    visits, experts = provider_workload(
        contract.provider_id, contract.county_id, year, contract.planned_visits
    )
    if experts == 0 or visits / experts > cap:
        # R8 量力而行: the provider must not take more than its experts can do.
        raise ApplicationError(
            "over_capacity",
            _(
                "Over capacity: %(v)d enterprise visits planned in %(y)d for %(e)d active "
                "employed experts is %(per)s per expert; the county's cap is %(cap)d."
            )
            % {
                "v": visits,
                "y": year,
                "e": experts,
                "per": f"{visits / experts:.0f}" if experts else "∞",
                "cap": cap,
            },
        )


def _lock_item_of(contract: Contract) -> None:
    from safeserve.procurement.models import PlanItem

    item_id = Contract.objects.filter(pk=contract.pk).values_list("project__item_id", flat=True)
    PlanItem.objects.select_for_update().filter(pk__in=list(item_id)).first()


@transaction.atomic
def contract_sign(*, actor: User, contract: Contract) -> Contract:
    """Each party confirms; the second confirmation re-checks R6, R3 and R8 under a lock on
    the contract and the provider's other contracts, then the contract is signed."""
    # Lock the provider first, always: it serialises every signing of its contracts, so two
    # purchasers cannot both squeeze under the capacity cap (R8), and one lock order means no
    # deadlock between them.
    # The plan item before it: contracts of different providers under one item cannot both
    # pass the budget check (R3). Order everywhere: item, provider, contract.
    _lock_item_of(contract)
    Provider.objects.select_for_update().filter(pk=contract.provider_id).first()
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    locked = Contract.objects.select_related("project", "project__item", "provider").get(
        pk=contract.pk
    )
    purchaser_side = is_purchaser_leader_of(actor, locked.purchaser_id)
    provider_side = is_provider_signatory(actor, locked)
    require(purchaser_side or provider_side)
    if locked.status != ContractStatus.DRAFT:
        raise ApplicationError(
            "already_signed",
            _("The contract is already %(s)s.") % {"s": locked.get_status_display()},
        )
    if locked.project.status != ProjectStatus.AWARDED:
        raise ApplicationError(
            "project_not_awarded",
            _("The purchase project is %(s)s; only an awarded project's contract is signed.")
            % {"s": locked.project.get_status_display()},
        )
    _check_before_signing(locked)
    now = timezone.now()
    side = "purchaser" if purchaser_side else "provider"
    if purchaser_side:
        locked.purchaser_signed_at, locked.purchaser_signed_by = now, actor
    else:
        locked.provider_signed_at, locked.provider_signed_by = now, actor
    fields = [f"{side}_signed_at", f"{side}_signed_by", "updated_at"]
    audit_record(action="contract.confirmed", actor=actor, obj=locked, after={"side": side})
    if locked.purchaser_signed_at and locked.provider_signed_at:
        locked.status = ContractStatus.SIGNED
        locked.signed_on = timezone.localdate()
        locked.pass_score = policy_for(locked.county_id).pass_score  # fixed at signing (R6)
        fields += ["status", "signed_on", "pass_score"]
        PurchaseProject.objects.filter(pk=locked.project_id).update(status=ProjectStatus.CONTRACTED)
        audit_record(
            action="contract.signed",
            actor=actor,
            obj=locked,
            before={"status": ContractStatus.DRAFT},
            after={
                "status": ContractStatus.SIGNED,
                "amount": locked.amount,
                "pass_score": locked.pass_score,
            },
        )
    locked.save(update_fields=fields)
    return locked


@transaction.atomic
def contract_start(*, actor: Any, contract: Contract, today: dt.date | None = None) -> Contract:
    """signed → in service, by the purchaser or the daily job on the start date."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if actor is not None:
        require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status != ContractStatus.SIGNED:
        raise ApplicationError("not_signed", _("Only a signed contract starts service."))
    locked.status = ContractStatus.IN_SERVICE
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="contract.started",
        actor=actor or "run_daily",
        obj=locked,
        before={"status": ContractStatus.SIGNED},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def contract_terminate(
    *, actor: User, contract: Contract, reason: str, liability: str = ""
) -> Contract:
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_leader_of(actor, locked.purchaser_id))
    if locked.status not in (ContractStatus.DRAFT, *ACTIVE_STATUSES):
        raise ApplicationError(
            "cannot_terminate",
            _("Not possible while the contract is %(s)s.") % {"s": locked.get_status_display()},
        )
    if not reason.strip():
        raise ApplicationError(
            "reason_required",
            _("Please give a reason."),
            errors={"reason": [_("This field is required.")]},
            status=400,
        )
    before = locked.status
    locked.status = ContractStatus.TERMINATED
    locked.terminated_reason = reason.strip()
    locked.save(update_fields=["status", "terminated_reason", "updated_at"])
    # Proposals still waiting lapse with the contract.
    locked.amendments.filter(status=AmendmentStatus.PROPOSED).update(
        status=AmendmentStatus.DECLINED, decided_by=actor, decided_at=timezone.now()
    )
    audit_record(
        action="contract.terminated",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "liability": liability.strip()},
        reason=reason.strip(),
    )
    return locked


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
    if amount_delta > 0 and locked.current_amount + amount_delta > _budget_remaining(locked):
        raise ApplicationError(
            "over_budget", _("The amendment would exceed the plan item's budget.")
        )


def _lock_for_amendment(contract: Contract) -> Contract:
    _lock_item_of(contract)
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project__item")
        .get(pk=contract.pk)
    )
    if locked.status not in ACTIVE_STATUSES:
        raise ApplicationError(
            "cannot_amend", _("Only a signed or in-service contract is amended.")
        )
    return locked


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
    purchaser_side = is_purchaser_of(actor, locked.purchaser_id)
    require(purchaser_side or is_provider_signatory(actor, locked))
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


def _other_side_may_decide(actor: User, locked: Contract, amendment: Amendment) -> bool:
    if amendment.proposed_by_side == "purchaser":
        return is_provider_signatory(actor, locked)
    return is_purchaser_leader_of(actor, locked.purchaser_id)


def _pending(locked: Contract, amendment: Amendment) -> Amendment:
    current = Amendment.objects.get(pk=amendment.pk, contract=locked)
    if current.status != AmendmentStatus.PROPOSED:
        raise ApplicationError(
            "amendment_decided",
            _("This amendment is already %(s)s.") % {"s": current.get_status_display()},
        )
    return current


@transaction.atomic
def amendment_agree(*, actor: User, amendment: Amendment) -> Amendment:
    """The other party agrees: the limits are checked again under the lock, then the amendment
    is in force."""
    locked = _lock_for_amendment(amendment.contract)
    current = _pending(locked, amendment)
    require(_other_side_may_decide(actor, locked, current))
    _check_amendment(locked, current.amount_delta)
    return _decide(actor, locked, current, AmendmentStatus.AGREED, current.reason)


@transaction.atomic
def amendment_decline(*, actor: User, amendment: Amendment, reason: str = "") -> Amendment:
    """The other party declines, or the proposing party withdraws."""
    locked = Contract.objects.select_for_update().get(pk=amendment.contract_id)
    current = _pending(locked, amendment)
    proposer_side = (
        is_purchaser_of(actor, locked.purchaser_id)
        if current.proposed_by_side == "purchaser"
        else is_provider_signatory(actor, locked)
    )
    require(proposer_side or _other_side_may_decide(actor, locked, current))
    return _decide(actor, locked, current, AmendmentStatus.DECLINED, reason.strip())


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


def start_due_contracts(today: dt.date | None = None) -> int:
    """For ``manage.py run_daily``: signed contracts whose service starts today or earlier."""
    today = today or timezone.localdate()
    started = 0
    due = Contract.objects.filter(status=ContractStatus.SIGNED, period_start__lte=today)
    for contract in due.only("pk"):
        contract_start(actor=None, contract=contract, today=today)
        started += 1
    return started


# --- Payments and deductions (R3 专款专用) ---------------------------------------------------

register_actions(
    {
        "contract.payment_recorded": gettext_lazy("Payment recorded"),
        "contract.deduction_recorded": gettext_lazy("Fund deduction recorded"),
        "contract.completed": gettext_lazy("Service completed"),
        "contract.closed": gettext_lazy("Contract closed"),
    }
)


def payable_balance(contract: Contract) -> tuple[Decimal, Decimal, Decimal]:
    """(paid, deducted, still payable) — payable = amount (after amendments) − deductions − paid."""
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    deducted = contract.deductions.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return paid, deducted, contract.current_amount - deducted - paid


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
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status in (ContractStatus.DRAFT, ContractStatus.TERMINATED, ContractStatus.CLOSED):
        raise ApplicationError("cannot_pay", _("Payments are made on a signed contract only."))
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
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status in (ContractStatus.DRAFT, ContractStatus.TERMINATED, ContractStatus.CLOSED):
        raise ApplicationError(
            "cannot_deduct", _("Deductions apply to a signed contract that is not closed.")
        )
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


@transaction.atomic
def contract_complete(*, actor: User, contract: Contract) -> Contract:
    """in service → completed, when the service period has ended (tasks arrive later)."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status != ContractStatus.IN_SERVICE:
        raise ApplicationError("not_in_service", _("Only a contract in service is completed."))
    if locked.period_end and locked.period_end > timezone.localdate():
        raise ApplicationError(
            "period_not_ended", _("The service period ends on %(d)s.") % {"d": locked.period_end}
        )
    locked.status = ContractStatus.COMPLETED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="contract.completed",
        actor=actor,
        obj=locked,
        before={"status": ContractStatus.IN_SERVICE},
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def contract_close(*, actor: User, contract: Contract) -> Contract:
    """evaluated → closed, once every payment is settled."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status != ContractStatus.EVALUATED:
        raise ApplicationError("not_evaluated", _("A contract is closed after its evaluation."))
    _paid, _deducted, payable = payable_balance(locked)
    if payable > 0:
        raise ApplicationError(
            "payments_open", _("%(p)s is still to be paid or deducted.") % {"p": payable}
        )
    locked.status = ContractStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="contract.closed",
        actor=actor,
        obj=locked,
        before={"status": ContractStatus.EVALUATED},
        after={"status": locked.status},
    )
    return locked


# --- Coverage (R9) ------------------------------------------------------------------------

register_actions(
    {
        "contract.coverage_added": gettext_lazy("Enterprises added to the coverage list"),
        "contract.coverage_removed": gettext_lazy("Enterprise removed from the coverage list"),
    }
)


def coverage_refusal(contract: Contract, enterprise: Any) -> str | None:
    """Why the contract's purchaser may not cover this enterprise, or None (R9)."""
    purchaser = contract.purchaser
    if enterprise.county_id != contract.county_id:
        return _("not in this county")
    if purchaser.kind == OrganizationKind.TOWNSHIP:
        if enterprise.township_id != purchaser.region_id:
            return _("outside the township's jurisdiction")
        if enterprise.sector:
            return _("a high-risk enterprise (%(s)s): the supervising department covers it") % {
                "s": enterprise.get_sector_display()
            }
        return None
    sectors = {s.sector for s in purchaser.supervised_sectors.all()}
    if enterprise.sector not in sectors:
        return _("not in a sector this department supervises")
    return None


# One request adds at most this many by filter; a wider filter is refused, never cut short.
COVERAGE_ADD_LIMIT = 5000


def coverage_add_listed(
    *,
    actor: User,
    contract: Contract,
    codes: Sequence[str] = (),
    ids: Sequence[int] = (),
) -> int:
    """Adds the enterprises named by unified social credit code (pasted, uploaded or sent) or
    by id — all of them or, if any is not in the actor's directory, none."""
    from safeserve.enterprises.models import Enterprise
    from safeserve.enterprises.validation import text

    wanted = list(dict.fromkeys(text(code).upper() for code in codes if text(code)))
    visible = Enterprise.objects.visible_to(actor)
    found = list(visible.filter(pk__in=list(ids))) + list(visible.filter(uscc__in=wanted))
    missing = sorted(
        {str(i) for i in ids} - {str(e.pk) for e in found} | set(wanted) - {e.uscc for e in found}
    )
    if missing:
        raise ApplicationError(
            "unknown_enterprises",
            _("Not in your directory: %(codes)s. Nothing was added.")
            % {"codes": "、".join(missing[:20])},
            errors={"enterprises": missing[:50]},
            status=400,
        )
    return coverage_add(actor=actor, contract=contract, enterprises=found)


def coverage_add_matching(*, actor: User, contract: Contract, filters: dict[str, Any]) -> int:
    """Adds every open enterprise of the actor's directory matching the directory's filters."""
    from safeserve.enterprises import selectors as enterprise_selectors

    found = list(
        enterprise_selectors.enterprise_list(viewer=actor, filters=filters).exclude(
            status="closed"
        )[: COVERAGE_ADD_LIMIT + 1]
    )
    if len(found) > COVERAGE_ADD_LIMIT:
        raise ApplicationError(
            "too_many_matches",
            _(
                "More than %(n)d enterprises match; narrow the filter (township, sector or "
                "name). Nothing was added."
            )
            % {"n": COVERAGE_ADD_LIMIT},
        )
    return coverage_add(actor=actor, contract=contract, enterprises=found)


@transaction.atomic
def coverage_add(*, actor: User, contract: Contract, enterprises: list[Any]) -> int:
    """Adds enterprises to the coverage list, all or none; returns how many were new."""

    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("purchaser")
        .get(pk=contract.pk)
    )
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status in (ContractStatus.TERMINATED, ContractStatus.CLOSED):
        raise ApplicationError("contract_ended", _("The contract has ended."))
    refused = [
        (e, reason) for e in enterprises if (reason := coverage_refusal(locked, e)) is not None
    ]
    if refused:
        listed = "；".join(f"{e.name}：{reason}" for e, reason in refused[:20])
        raise ApplicationError(
            "coverage_refused",
            _("%(n)d enterprises cannot be covered by this contract: %(list)s")
            % {"n": len(refused), "list": listed},
        )
    existing = set(locked.coverage.values_list("enterprise_id", flat=True))
    new = [e for e in {e.pk: e for e in enterprises}.values() if e.pk not in existing]
    ContractEnterprise.objects.bulk_create(
        ContractEnterprise(contract=locked, enterprise=e, added_by=actor) for e in new
    )
    if new:
        audit_record(
            action="contract.coverage_added",
            actor=actor,
            obj=locked,
            after={"count": len(new), "enterprise_ids": [e.pk for e in new][:1000]},
        )
    return len(new)


@transaction.atomic
def coverage_remove(*, actor: User, contract: Contract, enterprise: Any) -> None:
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    require(is_purchaser_of(actor, locked.purchaser_id))
    if locked.status in (ContractStatus.TERMINATED, ContractStatus.CLOSED):
        # The coverage of an ended contract is a record of what was bought (R9); it stays.
        raise ApplicationError("contract_ended", _("The contract has ended."))
    deleted, _rows = locked.coverage.filter(enterprise=enterprise).delete()
    if deleted:
        audit_record(
            action="contract.coverage_removed",
            actor=actor,
            obj=locked,
            before={"enterprise_id": enterprise.pk, "name": enterprise.name},
        )


# --- Engagements (R7: no subcontracting) -----------------------------------------------------

register_actions(
    {
        "contract.expert_engaged": gettext_lazy("Outside expert engaged"),
        "contract.engagement_ended": gettext_lazy("Engagement ended"),
    }
)


def is_provider_staff_of(user: User, contract: Contract) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(
        org
        and org.is_active
        and org.pk == contract.provider.organization_id
        and user.role in (Role.ADMIN, Role.LEADER, Role.OFFICER)
    )


def engagement_candidates(contract: Contract) -> Any:
    """Experts of the contract county's pool, active, not suspended, employed elsewhere (or
    independent)."""
    return (
        serving_experts(contract.county_id)
        .exclude(employer_id=contract.provider_id)
        .select_related("employer")
        .order_by("name")
    )


def experts_allowed(contract: Contract, on_date: dt.date | None = None) -> Any:
    """R7: the experts who may work on the contract's tasks — the provider's own employees
    and the experts it engaged for this contract, on the date, each serving in the county's
    pool (admitted, not suspended). Nobody else, and no other provider."""
    on_date = on_date or timezone.localdate()
    from django.db.models import Q as Q_

    return (
        serving_experts(contract.county_id)
        .filter(
            Q_(employer_id=contract.provider_id)
            | Q_(
                engagements__contract=contract,
                engagements__ended_at__isnull=True,
                engagements__starts_on__lte=on_date,
                engagements__ends_on__gte=on_date,
            )
        )
        .distinct()
    )


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
    from safeserve.contracts.models import Engagement, EngagementRole
    from safeserve.providers.models import ExpertPoolMembership, PoolStatus

    # Provider before contract, the order signing uses.
    Provider.objects.select_for_update().filter(pk=contract.provider_id).first()
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=contract.pk)
    )
    org = actor.organization
    require(
        bool(
            org
            and org.pk == locked.provider.organization_id
            and actor.role in (Role.ADMIN, Role.LEADER, Role.OFFICER)
        )
    )
    if locked.status not in (ContractStatus.DRAFT, *ACTIVE_STATUSES):
        raise ApplicationError("contract_ended", _("The contract has ended."))
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
    org = actor.organization
    require(
        bool(
            org
            and org.pk == locked.contract.provider.organization_id
            and actor.role in (Role.ADMIN, Role.LEADER, Role.OFFICER)
        )
    )
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
