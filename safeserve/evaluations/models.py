"""Performance evaluations (R16, WORKFLOWS.md "Evaluation"): one per contract and period, by
its purchaser against the contract's own criteria, beside metrics computed from the data;
sent to the provider, who may reply within the county's window; made final by the
purchaser's leader. A final evaluation never changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel, CountySubmission
from safeserve.common.models import SubmissionStatus as SubmissionStatus
from safeserve.organizations.models import Organization, Region


class EvaluationStatus(models.TextChoices):
    COMMISSIONED = "commissioned", _("Commissioned")
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the provider")
    REPLIED = "replied", _("Provider replied")
    FINAL = "final", _("Final")


class EvaluationQuerySet(models.QuerySet["Evaluation"]):
    def visible_to(self, user: Any) -> EvaluationQuerySet:
        """Whoever sees the contract sees its evaluations once sent; a draft is its
        evaluator's own work — the purchaser's drafts are seen by the purchaser, a
        re-evaluation's by its evaluator, all of them by the county office."""
        from safeserve.contracts.models import Contract
        from safeserve.organizations.models import PURCHASER_KINDS, OrganizationKind

        visible = self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))
        drafts = Q(status__in=[EvaluationStatus.COMMISSIONED, EvaluationStatus.DRAFT])
        org = getattr(user, "organization", None)
        if org is None or getattr(user, "is_superuser", False):
            return visible
        if org.kind == OrganizationKind.PROVIDER:
            return visible.exclude(drafts)
        if org.kind in PURCHASER_KINDS:
            return visible.exclude(drafts & Q(evaluator__isnull=False))
        if org.kind == OrganizationKind.EVALUATOR:
            return visible.exclude(drafts & (Q(evaluator__isnull=True) | ~Q(evaluator_id=org.pk)))
        return visible


class Evaluation(BaseModel):
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("contract"),
    )
    purchaser = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("provider"),
    )
    # A third-party re-evaluation (R16): the evaluator organization the county office
    # commissioned, and the purchaser's final evaluation of the same period it re-does.
    evaluator = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("third-party evaluator"),
    )
    original = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="re_evaluation",
        verbose_name=_("re-evaluates"),
    )
    commission = models.ForeignKey(
        "Commission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("commission"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    # The period that ends the contract (its last); its final result completes the contract.
    closing = models.BooleanField(_("end of the contract"), default=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.DRAFT,
    )
    pass_score = models.PositiveSmallIntegerField(_("pass score"))
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=1, default=0)
    vetoed = models.BooleanField(_("failed a veto criterion"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # The metrics as the provider was shown them when it was sent (the data may move on).
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_due = models.DateField(_("reply by"), null=True, blank=True)
    reply = models.TextField(_("provider's statement"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_note = models.TextField(_("reasons for the final result"), blank=True)
    # The result that counts for the contract and period (R16): a final evaluation, until a
    # third-party re-evaluation of the same period is made final and prevails.
    effective = models.BooleanField(_("effective result"), default=False)
    finalised_at = models.DateTimeField(_("final at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_start", "period_end"],
                condition=Q(evaluator__isnull=True),
                name="evaluation_one_per_contract_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="evaluation_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "status"], name="evaluation_county_status"),
            models.Index(fields=["purchaser", "period_end"], name="evaluation_purchaser_end"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.period_start}–{self.period_end}"

    @property
    def title(self) -> str:
        period = f"{self.period_start:%Y-%m-%d}—{self.period_end:%Y-%m-%d}"
        return f"{self.contract.number or self.contract} · {period}"


class Commission(BaseModel):
    """第三方评估委托: the county office commissions an evaluator organization to re-evaluate
    chosen final evaluations of a year, or a random share of them (R16). Each becomes a
    re-evaluation of the same contract and period, and the evaluator may read those
    contracts (contracts.EvaluatorGrant)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    share = models.PositiveSmallIntegerField(_("random share (%)"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")

    def __str__(self) -> str:
        return f"{self.evaluator} {self.year}"


class EvaluationScore(models.Model):
    """One criterion of the contract, as it stood when the evaluation opened, and its score
    (0 to the weight) with the evaluator's comment."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "contracts.EvaluationCriterion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("criterion"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"))
    requirement = models.CharField(_("requirement"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=300, blank=True)
    veto = models.BooleanField(_("veto criterion"), default=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    failed_veto = models.BooleanField(_("veto failed"), default=False)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["evaluation", "position"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "position"], name="evaluation_score_position"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0),
                name="evaluation_score_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.score}"


class EvaluationFile(models.Model):
    """An attachment to the provider's reply."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=UploadPath("evaluations"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("reply attachment")
        verbose_name_plural = _("reply attachments")

    def __str__(self) -> str:
        return self.name


class ExpertRatingQuerySet(models.QuerySet["ExpertRating"]):
    def visible_to(self, user: Any) -> ExpertRatingQuerySet:
        """Whoever sees the contract sees its ratings; an expert sees their own (R10: kept
        on the expert)."""
        from safeserve.contracts.models import Contract

        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(
            Q(contract__in=Contract.objects.visible_to(user).values("pk"))
            | Q(expert__user_id=user.pk)
        )


class ExpertRating(BaseModel):
    """The purchaser's rating of an expert who worked on its contract (R10): professional
    quality, diligence and integrity, each 1–5, with a comment. One per contract and expert;
    a later rating replaces it (audited)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="expert_ratings"
    )
    expert = models.ForeignKey("providers.Expert", on_delete=models.PROTECT, related_name="ratings")
    quality = models.PositiveSmallIntegerField(_("professional quality"))
    diligence = models.PositiveSmallIntegerField(_("diligence"))
    integrity = models.PositiveSmallIntegerField(_("integrity"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ExpertRatingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("expert rating")
        verbose_name_plural = _("expert ratings")
        constraints = [
            models.UniqueConstraint(fields=["contract", "expert"], name="expert_rating_once"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"expert_rating_{name}_1_to_5",
                )
                for name in ("quality", "diligence", "integrity")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.contract_id}"

    @property
    def average(self) -> float:
        return round((self.quality + self.diligence + self.integrity) / 3, 2)


class SanctionStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("sanction", "Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("sanction", "Confirmed")
    REJECTED = "rejected", pgettext_lazy("sanction", "Rejected")
    LIFTED = "lifted", pgettext_lazy("sanction", "Lifted")


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def visible_to(self, user: Any) -> SanctionQuerySet:
        """The county office sees its county's; the purchaser and the provider see those on
        their contracts (the provider may see every figure behind its result); an evaluator
        none (it sees contracts and its re-evaluations only)."""
        from safeserve.contracts.models import Contract
        from safeserve.organizations.models import OrganizationKind

        if not getattr(user, "is_authenticated", False):
            return self.none()
        org = getattr(user, "organization", None)
        if org is not None and org.kind == OrganizationKind.EVALUATOR:
            return self.none()
        return self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))


class Sanction(BaseModel):
    """R17: a failing effective result proposes a fund deduction and a county-wide ban of the
    provider; the county office's leader confirms (the deduction and the ban are recorded
    from the decision date) or rejects it with a reason, and may later lift a confirmed one
    (the ban ends that day, the deduction is reversed as a credit)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="sanctions",
        verbose_name=_("contract"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="sanctions",
        verbose_name=_("provider"),
    )
    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="sanction",
        verbose_name=_("evaluation"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SanctionStatus.choices,
        default=SanctionStatus.PROPOSED,
    )
    # The deduction the leader decided, how it follows from the contract's liability terms,
    # and how it was booked: against what remained unpaid, the rest to be recovered.
    amount = models.DecimalField(
        _("deduction (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    basis = models.TextField(_("basis of the amount"), blank=True)
    deduction = models.ForeignKey(
        "contracts.Deduction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit = models.ForeignKey(
        "contracts.Deduction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    debarment = models.ForeignKey(
        "providers.Debarment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when a later effective result passes: the county office should consider lifting.
    lift_proposed = models.BooleanField(_("lifting proposed"), default=False)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        indexes = [models.Index(fields=["county", "status"], name="sanction_county_status")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.contract}"


class Referral(BaseModel):
    """移送: unlawful conduct found behind a sanction, referred to the authority that deals with
    it (R17) — to whom, when, and what was sent."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="referrals")
    referred_to = models.CharField(_("referred to"), max_length=100)
    referred_on = models.DateField(_("referred on"))
    content = models.TextField(_("what was sent"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["sanction", "referred_on", "pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.referred_on} → {self.referred_to}"


class CountySubmissionQuerySet(models.QuerySet[Any]):
    """Who sees a submission to the county office (common.CountySubmission): the county
    office its county's, the township or department that sends it its own (R16). A concrete
    queryset names the column of the sending unit."""

    unit_field = "purchaser_id"

    def visible_to(self, user: Any) -> Any:
        from safeserve.organizations.models import PURCHASER_KINDS, OrganizationKind

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        org = getattr(user, "organization", None)
        if org is None or not org.is_active:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(county_id=org.county_id)
        if org.kind in PURCHASER_KINDS:
            return self.filter(**{self.unit_field: org.pk})
        return self.none()


class AnnualSubmissionQuerySet(CountySubmissionQuerySet):
    unit_field = "purchaser_id"


class AnnualSubmission(CountySubmission):
    """年度报送 (R16, WORKFLOWS.md "Annual submission"): a purchaser's year of final evaluations
    sent to the county office by the policy deadline, every contract of the year evaluated or
    explained; received, or returned with reasons and submitted again as a new one."""

    purchaser = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Why a contract of the year has no final evaluation: {contract id: text}.
    explanations = models.JSONField(_("explanations"), default=dict, blank=True)
    # The rows as submitted (the evaluations cannot change, but this is what was sent).
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    objects = AnnualSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "purchaser__name", "-pk"]
        verbose_name = _("annual submission")
        verbose_name_plural = _("annual submissions")
        constraints = [
            # one at a time per purchaser and year; a returned one is followed by a new one
            models.UniqueConstraint(
                fields=["purchaser", "year"],
                condition=~Q(status="returned"),
                name="annual_submission_one_open",
            )
        ]
        indexes = [models.Index(fields=["county", "year"], name="submission_county_year")]

    def __str__(self) -> str:
        return f"{self.purchaser} {self.year}"
