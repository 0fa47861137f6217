from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import HighRiskSector
from safeserve.common.fields import EncryptedCharField
from safeserve.common.models import BaseModel

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")


class RegionQuerySet(models.QuerySet["Region"]):
    def visible_to(self, user: User) -> RegionQuerySet:
        """Reference data: a county user sees its county, the county's townships and the
        county's ancestors; providers and evaluators work across counties and see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not org.is_active:
            return self.none()
        if org.kind in (OrganizationKind.PROVIDER, OrganizationKind.EVALUATOR):
            return self.all()
        county = org.county
        if county is None:
            return self.none()
        # GB/T 2260: a county's province and city codes are its first two and four digits.
        ancestors = [county.code[:2] + "0000", county.code[:4] + "00"]
        return self.filter(Q(pk=county.pk) | Q(parent_id=county.pk) | Q(code__in=ancestors))


class Region(models.Model):
    """Administrative division (GB/T 2260 codes; townships use the 9-digit statistical code)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["parent", "level"], name="region_parent_level_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def county_id_for_scope(self) -> int | None:
        if self.level == RegionLevel.COUNTY:
            return self.pk
        if self.level == RegionLevel.TOWNSHIP:
            return self.parent_id
        return None


class Role(models.TextChoices):
    """A user's one role in its organization (DESIGN.md §1)."""

    ADMIN = "admin", _("Administrator")
    OFFICER = "officer", _("Officer")
    LEADER = "leader", _("Leader")
    EXPERT = "expert", _("Expert")
    VIEWER = "viewer", _("Viewer")


# Roles that act for their organization; experts and viewers never do (WORKFLOWS.md).
ACTING_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.LEADER})


class OrganizationKind(models.TextChoices):
    COUNTY_OFFICE = "county_office", _("County work-safety office")
    TOWNSHIP = "township", _("Township / subdistrict")
    DEPARTMENT = "department", _("County department")
    PROVIDER = "provider", _("Service provider")
    ENTERPRISE = "enterprise", _("Enterprise")
    EVALUATOR = "evaluator", _("Third-party evaluator")


# Kinds that purchase services (DESIGN.md §1).
PURCHASER_KINDS = frozenset({OrganizationKind.TOWNSHIP, OrganizationKind.DEPARTMENT})
GOVERNMENT_KINDS = frozenset(
    {OrganizationKind.COUNTY_OFFICE, OrganizationKind.TOWNSHIP, OrganizationKind.DEPARTMENT}
)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def visible_to(self, user: User) -> OrganizationQuerySet:
        """Data scope for organizations (WORKFLOWS.md "Who sees what").

        County office: every organization of its county. Townships and departments: the
        county's government bodies plus the provider and evaluator registers (they need them
        for R1), and, for a township, enterprise organizations in its jurisdiction. Providers,
        enterprises and evaluators: themselves.
        """
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
            visible = Q(county_id=org.county_id, kind__in=GOVERNMENT_KINDS) | Q(
                county_id=org.county_id,
                kind__in=[OrganizationKind.PROVIDER, OrganizationKind.EVALUATOR],
            )
            if org.kind == OrganizationKind.TOWNSHIP:
                visible |= Q(kind=OrganizationKind.ENTERPRISE, region_id=org.region_id)
            return self.filter(visible)
        return self.filter(pk=org.pk)


class Organization(BaseModel):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    county = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The county whose records this organization belongs to."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Jurisdiction of a township; location of other organizations."),
    )
    is_fallback_department = models.BooleanField(
        _("receives major hazards outside the high-risk sectors"), default=False
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"], name="organization_unique_name_per_county"
            ),
            # One fallback department per county for major hazards outside the high-risk
            # sectors (DESIGN.md R12).
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(is_fallback_department=True),
                name="organization_one_fallback_department_per_county",
            ),
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(kind="county_office"),
                name="organization_one_office_per_county",
            ),
            models.CheckConstraint(
                condition=Q(is_fallback_department=False) | Q(kind="department"),
                name="organization_fallback_is_department",
            ),
        ]
        indexes = [models.Index(fields=["county", "kind"], name="organization_county_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def sector_values(self) -> list[str]:
        return [s.sector for s in self.supervised_sectors.all()]

    def sector_labels(self) -> list[Any]:
        return [HighRiskSector(s).label for s in sorted(self.sector_values)]


class SupervisedSector(models.Model):
    """A high-risk sector a county department supervises; one department per sector."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="supervised_sectors"
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(_("sector"), max_length=20, choices=HighRiskSector.choices)

    class Meta:
        verbose_name = _("supervised sector")
        verbose_name_plural = _("supervised sectors")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "sector"], name="supervised_sector_one_department_per_sector"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_sector_display()}"
