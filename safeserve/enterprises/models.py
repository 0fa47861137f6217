"""The enterprise directory (DESIGN.md §2, §5b): R9's coverage base and R12's routing input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import HighRiskSector
from safeserve.common.fields import EncryptedCharField
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel, SpreadsheetImport
from safeserve.organizations.models import Organization, OrganizationKind, Region

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class IndustryDivision(models.Model):
    """A division (大类) of GB/T 4754-2017; codes deeper than it are accepted by prefix."""

    code = models.CharField(_("division code"), max_length=2, primary_key=True)
    section = models.CharField(_("section"), max_length=1)
    section_name = models.CharField(_("section name"), max_length=60)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry division")
        verbose_name_plural = _("industry divisions")

    def __str__(self) -> str:
        return f"{self.section}{self.code} {self.name}"


class SectorRuleQuerySet(models.QuerySet["SectorRule"]):
    def for_county(self, county_id: int | None) -> SectorRuleQuerySet:
        return self.filter(Q(county__isnull=True) | Q(county_id=county_id))


class SectorRule(BaseModel):
    """Industry code prefix → high-risk sector. Rows without a county are the national
    default (from the shipped CSV); a county's rows override them. The longest matching
    prefix wins; an empty sector marks a prefix as not high-risk."""

    county = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("county"),
    )
    prefix = models.CharField(
        _("code prefix"), max_length=4, help_text=_("Digits of the industry code, 2 to 4 of them.")
    )
    name = models.CharField(_("industry"), max_length=80, blank=True)
    sector = models.CharField(
        _("high-risk sector"), max_length=20, blank=True, choices=HighRiskSector.choices
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = SectorRuleQuerySet.as_manager()

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("industry to sector rule")
        verbose_name_plural = _("industry to sector rules")
        constraints = [
            models.UniqueConstraint(fields=["county", "prefix"], name="sector_rule_unique_county"),
            models.UniqueConstraint(
                fields=["prefix"],
                condition=Q(county__isnull=True),
                name="sector_rule_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} → {self.sector or '-'}"


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def visible_to(self, user: User) -> EnterpriseQuerySet:
        """WORKFLOWS.md: county office → its county; township → its jurisdiction; department →
        the enterprises of its sectors; enterprise → itself; provider → the enterprises its
        contracts cover; evaluators see none."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not org.is_active:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(county_id=org.county_id)
        if org.kind == OrganizationKind.TOWNSHIP:
            return self.filter(township_id=org.region_id)
        if org.kind == OrganizationKind.DEPARTMENT:
            sectors = [s.sector for s in org.supervised_sectors.all()]
            return self.filter(county_id=org.county_id, sector__in=sectors)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(organization_id=org.pk)
        if org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import Role

            if user.role == Role.EXPERT:  # experts see the enterprises of their tasks (later)
                return self.none()
            # The enterprises its contracts cover (the coverage list lives in contracts).
            # A subquery, not a join with DISTINCT: an index then serves the list's order.
            coverage: Any = self.model._meta.get_field("coverages").related_model
            covered = coverage._default_manager.filter(
                contract__provider__organization_id=org.pk
            ).values("enterprise_id")
            return self.filter(pk__in=covered)
        return self.none()


class Enterprise(BaseModel):
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    township = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("township")
    )
    name = models.CharField(_("enterprise name"), max_length=120)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    industry_code = models.CharField(
        _("industry code"), max_length=5, help_text=_("GB/T 4754-2017, e.g. C2614 or 2614.")
    )
    sector = models.CharField(
        _("high-risk sector"),
        max_length=20,
        blank=True,
        choices=HighRiskSector.choices,
        db_index=True,
    )
    sector_overridden = models.BooleanField(_("sector set by hand"), default=False)
    sector_override_reason = models.CharField(
        _("reason for the sector"), max_length=200, blank=True
    )
    is_key = models.BooleanField(_("key enterprise"), default=False)
    dust_explosion = models.BooleanField(_("combustible dust"), default=False)
    ammonia_refrigeration = models.BooleanField(_("ammonia refrigeration"), default=False)
    confined_space = models.BooleanField(_("confined spaces"), default=False)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.OPERATING,
    )
    pinyin_initials = models.TextField(_("pinyin initials"), blank=True, editable=False)
    organization = models.OneToOneField(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprise",
        verbose_name=_("login organization"),
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            models.Index(fields=["county", "township", "name"], name="enterprise_county_twp_idx"),
            models.Index(fields=["county", "sector", "is_key"], name="enterprise_sector_key_idx"),
            # The lists sort by name; with the key this serves ORDER BY name, id LIMIT n.
            models.Index(fields=["name", "id"], name="enterprise_name_id_idx"),
            # ... and this one a county's list: the one above walked every other county's
            # enterprises to find the first 50 of one county (37 ms on the province fixture).
            models.Index(fields=["county", "name", "id"], name="enterprise_county_name_idx"),
            # USCC prefix search (LIKE 'x%') needs the pattern operator class on PostgreSQL.
            models.Index(
                fields=["uscc"],
                opclasses=["varchar_pattern_ops"],
                name="enterprise_uscc_prefix_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_high_risk(self) -> bool:
        return bool(self.sector)


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: User) -> ImportJobQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not org.is_active:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(county_id=org.county_id)
        return self.filter(organization_id=org.pk)


class ImportJob(SpreadsheetImport):
    """One uploaded enterprise spreadsheet, validated in the background, then written all or
    nothing."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("importing organization"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(upload_to=UploadPath("imports"))
    filename = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enterprise import")
        verbose_name_plural = _("enterprise imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
