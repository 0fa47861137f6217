"""Coverage (R9): key enterprises covered / total per purchaser and county-wide, and gaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from safeserve.contracts.models import (
    Contract,
    ContractEnterprise,
    ContractStatus,
    Deduction,
    Payment,
)
from safeserve.enterprises.models import Enterprise, EnterpriseStatus
from safeserve.organizations.models import Organization, OrganizationKind, SupervisedSector

if TYPE_CHECKING:
    from safeserve.accounts.models import User

LIVE = [
    ContractStatus.SIGNED,
    ContractStatus.IN_SERVICE,
    ContractStatus.COMPLETED,
    ContractStatus.EVALUATED,
    ContractStatus.CLOSED,
]


@dataclass
class PurchaserCoverage:
    purchaser_id: int
    name: str
    kind: str
    total: int = 0
    covered: int = 0
    gaps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.covered * 100 / self.total) if self.total else 100


@dataclass
class CoverageReport:
    year: int
    rows: list[PurchaserCoverage]
    unassigned: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows) + len(self.unassigned)

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.rows)

    @property
    def gaps(self) -> list[dict[str, Any]]:
        return [g for r in self.rows for g in r.gaps] + self.unassigned


def contract_list(*, viewer: User) -> QuerySet[Contract]:
    """The contracts the viewer sees, newest first, with what the amount after agreed
    amendments reads; ContractFilter narrows them."""
    return (
        Contract.objects.visible_to(viewer)
        .select_related("purchaser", "provider")
        .prefetch_related("amendments")
        .order_by("-created_at", "-pk")
    )


def _net_of_credits(field: str) -> Sum:
    """R17 in SQL: a deduction's ``field`` less the credits that reversed it (a credit row
    counts negative). ``deduction_totals_of`` is the same rule for rows already read."""
    return Sum(Case(When(credit=True, then=-F(field)), default=F(field)))


def with_balance(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """Each contract with its payments' and net deductions' totals read in the same query
    (``paid_total``, ``deducted_total``), which payable_balance then reads: every tab of the
    contract page shows the verbs, and their guards read the balance."""
    money = DecimalField(max_digits=16, decimal_places=2)
    paid = (
        Payment.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    deducted = (
        Deduction.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(total=_net_of_credits("amount"))
        .values("total")
    )
    return contracts.annotate(
        paid_total=Coalesce(
            Subquery(paid, output_field=money), Value(Decimal(0)), output_field=money
        ),
        deducted_total=Coalesce(
            Subquery(deducted, output_field=money), Value(Decimal(0)), output_field=money
        ),
    )


def payable_balance(contract: Contract) -> tuple[Decimal, Decimal, Decimal]:
    """(paid, deducted, still payable) — payable = amount (after amendments) − deductions − paid.
    Read from the lists the contract page prefetched, else from with_balance's totals, else
    summed in the database."""
    read = getattr(contract, "_prefetched_objects_cache", {})  # the contract page's lists
    if "payments" in read:
        paid = sum((p.amount for p in read["payments"]), Decimal(0))
    elif hasattr(contract, "paid_total"):
        paid = contract.paid_total
    else:
        paid = contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if "deductions" in read:
        deducted = deduction_totals_of(list(read["deductions"]))[0]
    elif hasattr(contract, "deducted_total"):
        deducted = contract.deducted_total
    else:
        deducted = deduction_totals(contract)[0]
    return paid, deducted, contract.current_amount - deducted - paid


def deduction_totals_of(deductions: list[Any]) -> tuple[Decimal, Decimal]:
    """``deduction_totals`` of deductions already read (the contract page lists them)."""
    zero = Decimal(0)
    deducted = sum((d.amount for d in deductions if not d.credit), zero)
    credited = sum((d.amount for d in deductions if d.credit), zero)
    owed = sum((d.recoverable for d in deductions if not d.credit), zero)
    waived = sum((d.recoverable for d in deductions if d.credit), zero)
    return deducted - credited, owed - waived


def deduction_totals(contract: Contract) -> tuple[Decimal, Decimal]:
    """(deducted, to be recovered): deductions less the credits that reversed them (R17)."""
    sums = contract.deductions.aggregate(
        deducted=_net_of_credits("amount"), owed=_net_of_credits("recoverable")
    )
    return sums["deducted"] or Decimal(0), sums["owed"] or Decimal(0)


def coverage_report(*, viewer: User, year: int) -> CoverageReport:
    """Key enterprises (operating or suspended) against the live contracts of the year. Each
    is the responsibility of its township (not high-risk) or of the department supervising
    its sector. A purchaser sees its own row; the county office sees every row. Five queries,
    whatever the number of enterprises."""
    org = viewer.organization
    county_id = org.county_id if org else None
    townships, departments = _owners(county_id)
    covered_ids = set(
        ContractEnterprise.objects.filter(contract__in=_live(county_id, year)).values_list(
            "enterprise_id", flat=True
        )
    )
    rows: dict[int, PurchaserCoverage] = {}
    unassigned = []
    enterprises = (
        Enterprise.objects.filter(county_id=county_id, is_key=True)
        .exclude(status=EnterpriseStatus.CLOSED)
        .select_related("township")
        .order_by("township__code", "name")
    )
    for enterprise in enterprises:
        purchaser = _owner(townships, departments, enterprise.sector, enterprise.township_id)
        entry = {
            "id": enterprise.pk,
            "name": enterprise.name,
            "uscc": enterprise.uscc,
            "township": enterprise.township.name,
            "sector": enterprise.get_sector_display(),
            "purchaser": purchaser.name if purchaser else "",
        }
        if purchaser is None:
            unassigned.append(entry)
            continue
        row = rows.setdefault(
            purchaser.pk, PurchaserCoverage(purchaser.pk, purchaser.name, purchaser.kind)
        )
        row.total += 1
        if enterprise.pk in covered_ids:
            row.covered += 1
        else:
            row.gaps.append(entry)
    ordered = _mine(viewer, rows.values())
    if ordered is not None:
        return CoverageReport(year, ordered, [])
    return CoverageReport(year, sorted(rows.values(), key=lambda r: (r.kind, r.name)), unassigned)


def coverage_counts(*, viewer: User, year: int) -> list[PurchaserCoverage]:
    """``coverage_report``'s rows without their lists of gaps, counted by the database per
    township and sector (a dashboard reads it on every visit: issue 16). Three queries."""
    org = viewer.organization
    county_id = org.county_id if org else None
    townships, departments = _owners(county_id)
    covered = ContractEnterprise.objects.filter(
        contract__in=_live(county_id, year), enterprise_id=OuterRef("pk")
    )
    groups = (
        Enterprise.objects.filter(county_id=county_id, is_key=True)
        .exclude(status=EnterpriseStatus.CLOSED)
        .annotate(is_covered=Exists(covered))
        .order_by()
        .values("township_id", "sector")
        .annotate(total=Count("pk"), covered=Count("pk", filter=Q(is_covered=True)))
    )
    rows: dict[int, PurchaserCoverage] = {}
    for group in groups:
        purchaser = _owner(townships, departments, group["sector"], group["township_id"])
        if purchaser is None:
            continue
        row = rows.setdefault(
            purchaser.pk, PurchaserCoverage(purchaser.pk, purchaser.name, purchaser.kind)
        )
        row.total += group["total"]
        row.covered += group["covered"]
    mine = _mine(viewer, rows.values())
    return mine if mine is not None else sorted(rows.values(), key=lambda r: (r.kind, r.name))


def _owners(county_id: int | None) -> tuple[dict[Any, Organization], dict[str, Organization]]:
    """Who answers for a key enterprise's coverage: its township (by region; the last active
    township organization of the region in the default order) or the department supervising
    its sector."""
    townships = {
        o.region_id: o
        for o in Organization.objects.filter(
            county_id=county_id, kind=OrganizationKind.TOWNSHIP, is_active=True
        )
    }
    departments = {
        s.sector: s.organization
        for s in SupervisedSector.objects.filter(county_id=county_id).select_related("organization")
    }
    return townships, departments


def _owner(
    townships: dict[Any, Organization],
    departments: dict[str, Organization],
    sector: str | None,
    township_id: Any,
) -> Organization | None:
    return departments.get(sector) if sector else townships.get(township_id)


def _live(county_id: int | None, year: int) -> QuerySet[Contract]:
    return Contract.objects.filter(
        county_id=county_id,
        status__in=LIVE,
        period_start__year__lte=year,
        period_end__year__gte=year,
    )


def _mine(viewer: User, rows: Any) -> list[PurchaserCoverage] | None:
    """A purchaser sees its own row only (None: the county office and the platform see all)."""
    org = viewer.organization
    if org is not None and org.kind != OrganizationKind.COUNTY_OFFICE and not viewer.is_superuser:
        return [r for r in rows if r.purchaser_id == org.pk]
    return None


def _responsibility(org: Organization) -> Q | None:
    """The key enterprises ``coverage_report`` files under this purchaser, as a filter: a
    township those of its township outside the high-risk sectors, a department the sectors
    it supervises."""
    if org.kind == OrganizationKind.TOWNSHIP:
        # coverage_report files a township's enterprises under the last active township
        # organization of the region in the default order (kind, name): so does this
        chosen = (
            Organization.objects.filter(
                county_id=org.county_id,
                kind=OrganizationKind.TOWNSHIP,
                is_active=True,
                region_id=org.region_id or 0,
            )
            .order_by("-name")
            .values_list("pk", flat=True)
            .first()
        )
        if chosen != org.pk:
            return None
        return Q(township_id=org.region_id) & (Q(sector="") | Q(sector__isnull=True))
    departments = {
        s.sector: s.organization_id
        for s in SupervisedSector.objects.filter(county_id=org.county_id).order_by("pk")
    }
    sectors = [sector for sector, owner in departments.items() if owner == org.pk and sector]
    return Q(sector__in=sectors) if sectors else None


def coverage_gap_count(*, viewer: User, year: int) -> int:
    """How many of the viewer's key enterprises no live contract of the year covers: the
    figure of its row in ``coverage_report``, counted by the database (two queries) for the
    待办 on every visit of the home page (issue 15)."""
    org = viewer.organization
    if org is None:
        return 0
    mine = _responsibility(org)
    if mine is None:
        return 0
    contracts = Contract.objects.filter(
        county_id=org.county_id,
        status__in=LIVE,
        period_start__year__lte=year,
        period_end__year__gte=year,
    )
    covered = ContractEnterprise.objects.filter(contract__in=contracts).values("enterprise_id")
    return (
        Enterprise.objects.filter(mine, county_id=org.county_id, is_key=True)
        .exclude(status=EnterpriseStatus.CLOSED)
        .exclude(pk__in=covered)
        .count()
    )


def budget_execution(*, viewer: User, year: int) -> list[Any]:
    """R3 per plan item of the year: budget, contracted (signed contracts, amendments
    included; a terminated one counts what was paid under it), paid, deducted and remaining.
    A fixed number of queries, whatever the number of items."""
    from decimal import Decimal

    from django.db.models import Sum

    from safeserve.contracts.models import Amendment, Deduction, Payment
    from safeserve.procurement.models import PlanItem, ProjectStatus, PurchasePlan, PurchaseProject

    plans = PurchasePlan.objects.visible_to(viewer).filter(year=year)
    items = list(
        PlanItem.objects.filter(plan__in=plans)
        .select_related("plan", "plan__purchaser")
        .order_by("plan__purchaser__name", "pk")
    )
    signed = Contract.objects.filter(project__item__in=items).exclude(status=ContractStatus.DRAFT)
    live = signed.exclude(status=ContractStatus.TERMINATED)
    contracted = dict(
        live.values("project__item")
        .annotate(total=Sum("amount"))
        .values_list("project__item", "total")
    )
    for key, total in (
        Amendment.objects.filter(contract__in=live, status="agreed")
        .values("contract__project__item")
        .annotate(total=Sum("amount_delta"))
        .values_list("contract__project__item", "total")
    ):
        contracted[key] = contracted.get(key, Decimal(0)) + total
    # A terminated contract keeps what was paid under it: that money is spent (R3).
    for key, total in (
        Payment.objects.filter(contract__in=signed, contract__status=ContractStatus.TERMINATED)
        .values("contract__project__item")
        .annotate(total=Sum("amount"))
        .values_list("contract__project__item", "total")
    ):
        contracted[key] = contracted.get(key, Decimal(0)) + total
    paid = dict(
        Payment.objects.filter(contract__in=signed)
        .values("contract__project__item")
        .annotate(total=Sum("amount"))
        .values_list("contract__project__item", "total")
    )
    # deductions less the credits that reversed them (R17), and what is to be recovered
    deducted, recoverable = {}, {}
    for key, booked, credited, owed, waived in (
        Deduction.objects.filter(contract__in=signed)
        .values("contract__project__item")
        .annotate(
            booked=Sum("amount", filter=Q(credit=False)),
            credited=Sum("amount", filter=Q(credit=True)),
            owed=Sum("recoverable", filter=Q(credit=False)),
            waived=Sum("recoverable", filter=Q(credit=True)),
        )
        .values_list("contract__project__item", "booked", "credited", "owed", "waived")
    ):
        zero = Decimal(0)
        deducted[key] = (booked or zero) - (credited or zero)
        recoverable[key] = (owed or zero) - (waived or zero)
    # Awards whose contract is not signed yet hold their amount too (procurement.item_committed).
    held = dict(
        PurchaseProject.objects.filter(item__in=items, status=ProjectStatus.AWARDED)
        .values("item")
        .annotate(total=Sum("award_amount"))
        .values_list("item", "total")
    )
    for item in items:
        item_any: Any = item
        item_any.contracted = contracted.get(item.pk, Decimal(0))
        item_any.awarded = held.get(item.pk) or Decimal(0)
        item_any.paid = paid.get(item.pk, Decimal(0))
        item_any.deducted = deducted.get(item.pk, Decimal(0))
        item_any.recoverable = recoverable.get(item.pk, Decimal(0))
        item_any.remaining = item.budget - item_any.contracted - item_any.awarded
    return items
