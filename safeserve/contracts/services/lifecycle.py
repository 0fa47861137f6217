"""A contract from draft to close: every term drafted, two-party signing with R3, R6 and R8
checked again under a lock, start, completion, closing and termination."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.audit.services import audit_record, diff
from safeserve.common.choices import ServiceCategory
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.dates import years_from
from safeserve.common.models import policy_for
from safeserve.common.validation import clean_model
from safeserve.contracts.models import (
    ACTIVE_STATUSES,
    AmendmentStatus,
    Contract,
    ContractStatus,
    EvaluationCriterion,
    Installment,
)
from safeserve.contracts.permissions import is_purchaser_leader
from safeserve.contracts.workflows import CONTRACT
from safeserve.procurement.models import PlanItem, ProjectStatus, PurchaseProject
from safeserve.procurement.services import item_committed
from safeserve.procurement.workflows import PROJECT
from safeserve.providers.models import Provider
from safeserve.providers.selectors import serving_experts

if TYPE_CHECKING:
    from safeserve.accounts.models import User


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
    PROJECT.check("contract", actor, locked)
    assert locked.awarded_provider is not None  # an awarded project names its provider
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


def _parse_lines(text: str, parts: int, field: str, optional: int = 0) -> list[list[str]]:
    """Lines of ``parts`` cells separated by |, each filled; up to ``optional`` more cells
    may follow (returned as they are, missing ones as "")."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.replace("｜", "|").split("|")]
        if not parts <= len(cells) <= parts + optional or not all(cells[:parts]):
            raise ApplicationError(
                "malformed_lines",
                _("Line %(n)d: write %(parts)d parts separated by |.")
                % {"n": number, "parts": parts},
                errors={field: [_("Line %(n)d is not in the expected form.") % {"n": number}]},
                status=400,
            )
        rows.append(cells + [""] * (parts + optional - len(cells)))
    return rows


VETO_WORDS = ("一票否决", "veto")


def parse_criteria(text: str) -> list[EvaluationCriterion]:
    """One criterion per line: name | weight | requirement | method, and 一票否决 after them
    for a criterion whose failure fails the evaluation whatever the total."""
    criteria = []
    for number, (name, weight, requirement, method, veto) in enumerate(
        _parse_lines(text, 4, "criteria", optional=1), start=1
    ):
        if veto and veto.lower() not in VETO_WORDS:
            raise ApplicationError(
                "invalid_veto",
                _("Line %(n)d: the fifth part may only be 一票否决.") % {"n": number},
                errors={"criteria": [_("Write 一票否决 or leave the fifth part out.")]},
                status=400,
            )
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
                veto=bool(veto),
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
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("terms", actor, locked)
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


def budget_remaining(contract: Contract) -> Decimal:
    """R3: the item's budget less what every other project under it holds."""

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
    # 民法典 第二百零三条: a term in years ends on the corresponding day; without one (29
    # February), on the month's last day.
    if start.year + policy.contract_max_years > dt.MAXYEAR:
        limit = dt.date.max
    else:
        limit = years_from(start, policy.contract_max_years)
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
    remaining = budget_remaining(contract)
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


def lock_item_of(contract: Contract) -> None:

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
    lock_item_of(contract)
    Provider.objects.select_for_update().filter(pk=contract.provider_id).first()
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    locked = Contract.objects.select_related("project", "project__item", "provider").get(
        pk=contract.pk
    )
    CONTRACT.check("sign", actor, locked)
    purchaser_side = is_purchaser_leader(actor, locked) and locked.purchaser_signed_at is None
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
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    if actor is not None:
        CONTRACT.check("start", actor, locked)
    elif locked.status != ContractStatus.SIGNED:  # the daily job, on the start date
        raise CONTRACT.refuse_state(locked)
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
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("terminate", actor, locked)
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


@transaction.atomic
def contract_complete(*, actor: User, contract: Contract) -> Contract:
    """in service → completed, when the service period has ended (tasks arrive later)."""
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("complete", actor, locked)
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
def contract_evaluated(*, actor: User, contract: Contract, evaluation: str) -> Contract:
    """completed → evaluated, automatically, when the evaluation of its last period is final
    (WORKFLOWS.md "Contract"); called by that evaluation's service, in its transaction."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status != ContractStatus.COMPLETED:
        return locked
    locked.status = ContractStatus.EVALUATED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="contract.evaluated",
        actor=actor,
        obj=locked,
        before={"status": ContractStatus.COMPLETED},
        after={"status": locked.status, "evaluation": evaluation},
    )
    return locked


@transaction.atomic
def contract_close(*, actor: User, contract: Contract) -> Contract:
    """evaluated → closed, once every payment is settled."""
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    CONTRACT.check("close", actor, locked)
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


def start_due_contracts(today: dt.date | None = None) -> int:
    """For ``manage.py run_daily``: signed contracts whose service starts today or earlier."""
    today = today or timezone.localdate()
    started = 0
    due = Contract.objects.filter(status=ContractStatus.SIGNED, period_start__lte=today)
    for contract in due.only("pk"):
        contract_start(actor=None, contract=contract, today=today)
        started += 1
    return started
