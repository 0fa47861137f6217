"""Plans, budgets, leading groups and purchase projects (R1, R3, R4, R5, R18)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import ProcurementMethod, ServiceCategory
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import (
    PURCHASER_KINDS,
    Organization,
    OrganizationKind,
    Region,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _purchaser_scope(qs: models.QuerySet, user: User, field: str = "purchaser") -> models.QuerySet:
    """County office: its county; a purchaser: its own; everyone else: nothing yet."""
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    org = user.organization
    if org is None or not org.is_active:
        return qs.none()
    if org.kind == OrganizationKind.COUNTY_OFFICE:
        return qs.filter(county_id=org.county_id)
    if org.kind in PURCHASER_KINDS:
        return qs.filter(**{f"{field}_id": org.pk})
    return qs.none()


class LeadingGroupRole(models.TextChoices):
    LEADER = "leader", _("Group leader (principal leader)")
    DEPUTY = "deputy", _("Deputy leader (leader in charge of work safety)")
    MEMBER = "member", _("Member (head of a relevant unit)")


class LeadingGroupQuerySet(models.QuerySet["LeadingGroup"]):
    def visible_to(self, user: User) -> LeadingGroupQuerySet:
        return _purchaser_scope(self, user)  # type: ignore[return-value]


class LeadingGroup(BaseModel):
    """领导小组 of a purchaser for a year (R4)."""

    purchaser = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))

    objects = LeadingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("leading group")
        verbose_name_plural = _("leading groups")
        constraints = [
            models.UniqueConstraint(fields=["purchaser", "year"], name="leading_group_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.purchaser} {self.year}"


class LeadingGroupMember(models.Model):
    group = models.ForeignKey(LeadingGroup, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role in the group"), max_length=10, choices=LeadingGroupRole.choices)
    name = models.CharField(_("name"), max_length=40)
    position = models.CharField(_("position"), max_length=80)

    class Meta:
        ordering = ["group", "role", "pk"]
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved (in the annual budget)")
    CLOSED = "closed", _("Closed")


class PurchasePlanQuerySet(models.QuerySet["PurchasePlan"]):
    def visible_to(self, user: User) -> PurchasePlanQuerySet:
        return _purchaser_scope(self, user)  # type: ignore[return-value]


class PurchasePlan(BaseModel):
    """购买服务计划 of one purchaser for one year."""

    purchaser = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser")
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)

    objects = PurchasePlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "purchaser__name"]
        verbose_name = _("purchase plan")
        verbose_name_plural = _("purchase plans")
        constraints = [
            models.UniqueConstraint(fields=["purchaser", "year"], name="purchase_plan_one_per_year")
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(BaseModel):
    plan = models.ForeignKey(PurchasePlan, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(
        _("service category"), max_length=16, choices=ServiceCategory.choices
    )
    description = models.CharField(
        _("description of an 'other' service"), max_length=200, blank=True
    )
    content = models.TextField(_("service content"))
    target_enterprises = models.PositiveIntegerField(_("enterprises to serve"), default=0)
    target_visits = models.PositiveIntegerField(_("enterprise visits"), default=0)
    target_sessions = models.PositiveIntegerField(_("sessions (training, drills…)"), default=0)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_pilot = models.BooleanField(_("pilot (试点)"), default=False)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="plan_item_budget_positive"),
            models.CheckConstraint(
                condition=~Q(category="other") | ~Q(description=""),
                name="plan_item_other_described",
            ),
        ]

    def __str__(self) -> str:
        label = (
            self.description
            if self.category == ServiceCategory.OTHER
            else self.get_category_display()
        )
        return f"{self.plan.year} {label}"


class ProjectStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    AWARDED = "awarded", _("Awarded")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseProjectQuerySet(models.QuerySet["PurchaseProject"]):
    def visible_to(self, user: User) -> PurchaseProjectQuerySet:
        """Purchasers and the county office as plans; a provider sees projects awarded to it."""
        org = user.organization if user.is_authenticated else None
        if org is not None and org.is_active and org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import Role

            if user.role == Role.EXPERT:
                return self.none()
            return self.filter(awarded_provider__organization_id=org.pk)
        return _purchaser_scope(self, user)  # type: ignore[return-value]


class PurchaseProject(BaseModel):
    """购买项目: one procurement under an approved plan item (R5)."""

    item = models.ForeignKey(
        PlanItem, on_delete=models.PROTECT, related_name="projects", verbose_name=_("plan item")
    )
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    service_content = models.TextField(_("service items and content"))
    enterprise_scope = models.TextField(_("industries and enterprises in scope"))
    required_experts = models.PositiveSmallIntegerField(_("experts required"), default=1)
    required_specialties = models.JSONField(_("specialties required"), default=list, blank=True)
    min_premises_area = models.DecimalField(
        _("minimum premises area (m²)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    extra_requirements = models.JSONField(
        _("other requirements"),
        default=list,
        blank=True,
        help_text=_("Conditions the purchaser confirms at award, one per line."),
    )
    method = models.CharField(
        _("procurement method"), max_length=24, choices=ProcurementMethod.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PREPARING
    )
    awarded_provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awarded_projects",
        verbose_name=_("awarded provider"),
    )
    award_date = models.DateField(_("award date"), null=True, blank=True)
    award_amount = models.DecimalField(
        _("award amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    eligibility = models.JSONField(_("eligibility check at award"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)

    objects = PurchaseProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("purchase project")
        verbose_name_plural = _("purchase projects")

    def __str__(self) -> str:
        return self.title


class ProjectDocument(BaseModel):
    """Decision documents of the procurement (notice, evaluation minutes, award notice…)."""

    project = models.ForeignKey(PurchaseProject, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to=UploadPath("procurement"))
    original_name = models.CharField(_("uploaded as"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")

    def __str__(self) -> str:
        return self.title
