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

from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import Organization, Region


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the provider")
    REPLIED = "replied", _("Provider replied")
    FINAL = "final", _("Final")


class EvaluationQuerySet(models.QuerySet["Evaluation"]):
    def visible_to(self, user: Any) -> EvaluationQuerySet:
        """Whoever sees the contract sees its evaluations — except the provider, which sees
        them once sent (a draft is the purchaser's own work)."""
        from safeserve.contracts.models import Contract
        from safeserve.organizations.models import OrganizationKind

        visible = self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))
        org = getattr(user, "organization", None)
        if org is not None and org.kind == OrganizationKind.PROVIDER:
            visible = visible.exclude(status=EvaluationStatus.DRAFT)
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
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    # The period that ends the contract (its last); its final result completes the contract.
    closing = models.BooleanField(_("end of the contract"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
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
