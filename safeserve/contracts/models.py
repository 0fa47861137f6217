"""Contracts with every required term (R6), signed by both parties after the budget (R3) and
capacity (R8) checks, changed only by recorded amendments."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import PURCHASER_KINDS, Organization, OrganizationKind, Region

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    EVALUATED = "evaluated", _("Evaluated")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")


ACTIVE_STATUSES = (ContractStatus.SIGNED, ContractStatus.IN_SERVICE)


class ContractQuerySet(models.QuerySet["Contract"]):
    def visible_to(self, user: User) -> ContractQuerySet:
        """County office: its county; purchaser: its own; provider: its own (not experts,
        who see their tasks); evaluators: those assigned to them (with re-evaluation)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not org.is_active:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(county_id=org.county_id)
        if org.kind in PURCHASER_KINDS:
            return self.filter(purchaser_id=org.pk)
        if org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import Role

            if user.role == Role.EXPERT:
                return self.none()
            return self.filter(provider__organization_id=org.pk)
        if org.kind == OrganizationKind.EVALUATOR:
            # R16: exactly the contracts the county office commissioned it to re-evaluate
            return self.filter(evaluator_grants__evaluator_id=org.pk)
        return self.none()


class Contract(BaseModel):
    project = models.OneToOneField(
        "procurement.PurchaseProject",
        on_delete=models.PROTECT,
        related_name="contract",
        verbose_name=_("purchase project"),
    )
    purchaser = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("provider"),
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("contract number"), max_length=60, blank=True)
    # The terms 财政部令第102号 第23条 requires (R6):
    subject_matter = models.TextField(_("subject matter"), blank=True)
    quantity = models.CharField(_("quantity"), max_length=200, blank=True)
    quality_requirements = models.TextField(_("quality requirements"), blank=True)
    period_start = models.DateField(_("service from"), null=True, blank=True)
    period_end = models.DateField(_("service until"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    payment_method = models.TextField(_("payment method"), blank=True)
    rights_obligations = models.TextField(_("rights and obligations"), blank=True)
    liability = models.TextField(_("liability for breach"), blank=True)
    planned_visits = models.PositiveIntegerField(
        _("enterprise visits planned per year"),
        default=0,
        help_text=_("Counts towards the provider's capacity."),
    )
    pass_score = models.PositiveSmallIntegerField(_("evaluation pass score"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    purchaser_signed_at = models.DateTimeField(null=True, blank=True)
    purchaser_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    provider_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    terminated_reason = models.TextField(_("reason for termination"), blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="contract_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"合同 {self.pk}"

    @property
    def current_amount(self) -> Decimal:
        return self.amount + sum(
            (a.amount_delta for a in self.amendments.all() if a.status == AmendmentStatus.AGREED),
            Decimal(0),
        )


class EvaluationCriterion(models.Model):
    """绩效评估标准 written into the contract: name, weight, requirement, method."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"))
    requirement = models.CharField(_("requirement"), max_length=300)
    method = models.CharField(_("method"), max_length=300)
    # 一票否决: failing it fails the evaluation whatever the total (a confirmed fee demand,
    # subcontracting, a false report).
    veto = models.BooleanField(_("veto criterion"), default=False)

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Installment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="installments")
    sequence = models.PositiveSmallIntegerField(_("installment"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    condition = models.CharField(_("payable when"), max_length=300)

    class Meta:
        ordering = ["contract", "sequence"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")

    def __str__(self) -> str:
        return f"{self.sequence}: {self.amount}"


class AmendmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed by both parties")
    DECLINED = "declined", _("Declined or withdrawn")


class Amendment(BaseModel):
    """A change of a signed contract (政府采购法 第49条 for amounts): proposed by one party,
    in force only once the other agrees (民法典 第543条: 当事人协商一致，可以变更合同)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    reason = models.TextField(_("reason"))
    changes = models.TextField(_("what changes"))
    amount_delta = models.DecimalField(
        _("change of amount (yuan)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PROPOSED,
    )
    proposed_by_side = models.CharField(_("proposed by"), max_length=10, default="purchaser")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed or declined by"),
    )
    decided_at = models.DateTimeField(_("agreed or declined at"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "created_at"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount_delta}"


class Payment(BaseModel):
    """资金支付 against an installment; never more than the amount less deductions (R3)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    installment = models.ForeignKey(
        Installment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("installment"),
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    voucher = models.CharField(_("voucher number"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"


class Deduction(BaseModel):
    """扣减经费: recorded by the purchaser, or by a confirmed sanction after a failed evaluation
    (R17). A lifted sanction reverses its deduction with a credit row (``credit``), so the
    ledger keeps both."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deductions")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    # 应追回: the part of a sanction's deduction beyond what was still unpaid — money already
    # paid that the provider must give back; never counted against what remains payable.
    recoverable = models.DecimalField(
        _("to be recovered (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    credit = models.BooleanField(_("credit reversing a deduction"), default=False)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "created_at"]
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(recoverable__gt=0), name="deduction_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, recoverable__gte=0), name="deduction_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"+{self.amount}" if self.credit else f"-{self.amount}"


class ContractEnterprise(models.Model):
    """服务对象清单: an enterprise a contract covers (R9)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="coverages"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("covered enterprise")
        verbose_name_plural = _("covered enterprises")
        constraints = [
            models.UniqueConstraint(fields=["contract", "enterprise"], name="coverage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.enterprise_id}"


class EngagementRole(models.TextChoices):
    LEAD = "lead", _("Lead expert")
    MEMBER = "member", _("Member")


class Engagement(BaseModel):
    """聘请: an expert from outside the provider, engaged by it for one named contract (R7)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="engagements")
    expert = models.ForeignKey(
        "providers.Expert", on_delete=models.PROTECT, related_name="engagements"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=EngagementRole.choices, default=EngagementRole.MEMBER
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    agreement = models.FileField(
        _("engagement agreement (scan)"), upload_to=UploadPath("engagements")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "expert"],
                condition=Q(ended_at__isnull=True),
                name="engagement_one_open_per_contract",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="engagement_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.contract_id}"


class EvaluatorGrant(models.Model):
    """A third-party evaluator's read-only access to one contract and everything under it,
    given when the county office commissions its re-evaluation (R16, WORKFLOWS.md "Who sees
    what": evaluators see the contracts assigned to them)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="evaluator_grants"
    )
    evaluator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set when its re-evaluations of the contract are all final: the contract and its own
    # results stay readable, its tasks, hazards and reports no longer (R14).
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluator access")
        verbose_name_plural = _("evaluator access")
        constraints = [
            models.UniqueConstraint(fields=["contract", "evaluator"], name="evaluator_grant_once")
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id}→{self.contract_id}"
