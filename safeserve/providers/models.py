"""Providers, their qualifications and the expert pool (DESIGN.md §1, §2; R1's inputs).

Provider and Expert are platform-wide records (qualifications are valid nationwide); admission
to a county's register, violation records, debarments and pool membership belong to the county
that recorded them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.common.choices import HighRiskSector
from safeserve.common.fields import EncryptedCharField
from safeserve.common.lib.crypto import blind_index
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


class LegalEntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise legal person")
    INSTITUTION = "institution", _("Public institution")
    SOCIAL = "social_org", _("Social organization")
    OTHER = "other", _("Other")


class QualificationType(models.TextChoices):
    SAFETY_EVALUATION = "safety_evaluation", _("Safety evaluation (安全评价)")
    TESTING = "testing_inspection", _("Work-safety testing and inspection (安全生产检测检验)")
    OCCUPATIONAL = (
        "occupational_health",
        _("Occupational-health technical service (职业卫生技术服务)"),
    )
    OTHER_TECHNICAL = "other_technical", _("Other nationally recognised technical qualification")
    RESEARCH = "research", _("Recognised research qualification")
    EDUCATION = "education", _("Recognised education or training qualification")


class Specialty(models.TextChoices):
    """An expert's specialties: the high-risk sectors plus technical fields."""

    MINING = HighRiskSector.MINING.value, _("Mining")
    METALLURGY_TRADE = HighRiskSector.METALLURGY_TRADE.value, _("Metallurgy, industry and trade")
    CONSTRUCTION = HighRiskSector.CONSTRUCTION.value, _("Construction")
    ROAD_TRANSPORT = HighRiskSector.ROAD_TRANSPORT.value, _("Road transport")
    HAZARDOUS_GOODS = HighRiskSector.HAZARDOUS_GOODS.value, _("Hazardous chemicals")
    ELECTRICAL = "electrical", _("Electrical")
    FIRE = "fire", _("Fire safety")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Occupational health")
    EMERGENCY_RESCUE = "emergency_rescue", _("Emergency rescue")


class CertificateKind(models.TextChoices):
    REGISTERED_SAFETY_ENGINEER = "registered_safety_engineer", _("Registered safety engineer")
    SAFETY_EVALUATOR = "safety_evaluator", _("Safety evaluator")
    PROFESSIONAL_TITLE = "professional_title", _("Professional title certificate")
    OTHER = "other", _("Other certificate")


def _org_of(user: User) -> Organization | None:
    if not user.is_authenticated:
        return None
    org = user.organization
    return org if org is not None and org.is_active else None


class ProviderQuerySet(models.QuerySet["Provider"]):
    def visible_to(self, user: User) -> ProviderQuerySet:
        """County office: providers registered in or applying to its county. Purchasers: the
        county's admitted register (they need it for R1). A provider: itself."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        org = _org_of(user)
        if org is None:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(
                Q(admissions__county_id=org.county_id) | Q(organization__county_id=org.county_id)
            ).distinct()
        if org.kind in PURCHASER_KINDS:
            return self.filter(admissions__county_id=org.county_id, admissions__status__in=LISTED)
        if org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import Role

            if user.role == Role.EXPERT:  # an expert sees its tasks and its own profile only
                return self.none()
            return self.filter(organization_id=org.pk)
        return self.none()


class Provider(BaseModel):
    organization = models.OneToOneField(
        Organization,
        on_delete=models.PROTECT,
        related_name="provider",
        verbose_name=_("login organization"),
    )
    name = models.CharField(_("name"), max_length=120)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    legal_entity_kind = models.CharField(
        _("kind of legal entity"),
        max_length=12,
        choices=LegalEntityKind.choices,
        default=LegalEntityKind.ENTERPRISE,
    )
    is_independent_legal_person = models.BooleanField(
        _("independent legal person"),
        default=True,
        help_text=_("Bears civil liability independently (政府采购法 第22条)."),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    premises_address = models.CharField(_("premises address"), max_length=200, blank=True)
    premises_area = models.DecimalField(
        _("premises area (m²)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    # The word of its document numbers, e.g. 某安技字 in 〔2026〕某安技字第0012号.
    report_prefix = models.CharField(_("report number word"), max_length=20, blank=True)
    notice_prefix = models.CharField(_("notice number word"), max_length=20, blank=True)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True)
    # R1 condition 6: the provider's signed attestation that it meets the other legal conditions.
    attestation_statement = models.TextField(_("attestation"), blank=True)
    attestation_signer = models.CharField(_("signed by"), max_length=40, blank=True)
    attestation_date = models.DateField(_("signed on"), null=True, blank=True)
    attestation_file = models.FileField(
        _("signed attestation (scan)"), upload_to=UploadPath("providers/attestations"), blank=True
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    @property
    def report_word(self) -> str:
        """The word of its report numbers: its own, or the name's first two characters."""
        return self.report_prefix or f"{self.name[:2]}安技字"

    @property
    def notice_word(self) -> str:
        return self.notice_prefix or f"{self.name[:2]}整改字"

    @property
    def attestation_complete(self) -> bool:
        return bool(
            self.attestation_statement
            and self.attestation_signer
            and self.attestation_date
            and self.attestation_file
        )


class ProviderEquipment(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField(_("equipment"), max_length=80)
    model = models.CharField(_("model"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    calibrated_until = models.DateField(_("calibration valid until"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class QualificationState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    NOT_YET = "not_yet", _("Not yet valid")


class Qualification(BaseModel):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="qualifications")
    type = models.CharField(_("type"), max_length=24, choices=QualificationType.choices)
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=80)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"))
    scope = models.TextField(_("scope"), blank=True)
    scan = models.FileField(_("scan"), upload_to=UploadPath("providers/qualifications"), blank=True)

    class Meta:
        ordering = ["provider", "type", "-valid_to"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["type", "certificate_no"], name="qualification_unique_certificate"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="qualification_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["valid_to"], name="qualification_valid_to_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.certificate_no}"

    def state_on(self, day: dt.date | None = None, warning_days: int = 30) -> str:
        day = day or timezone.localdate()
        if self.valid_from > day:
            return QualificationState.NOT_YET
        if self.valid_to < day:
            return QualificationState.EXPIRED
        if (self.valid_to - day).days <= warning_days:
            return QualificationState.EXPIRING
        return QualificationState.VALID

    @property
    def state(self) -> str:
        return self.state_on()


class AdmissionStatus(models.TextChoices):
    APPLYING = "applying", _("Applying")
    ADMITTED = "admitted", _("Admitted")
    # R10 动态调整: fails eligibility and signs nothing; contracts in force continue.
    SUSPENDED = "suspended", pgettext_lazy("provider admission", "Suspended")
    REMOVED = "removed", _("Removed")


# Entries of a county's register proper (an application is not one yet).
IN_REGISTER = (AdmissionStatus.ADMITTED, AdmissionStatus.SUSPENDED, AdmissionStatus.REMOVED)
# Providers the county's purchasers may read about (those they work or may work with).
LISTED = (AdmissionStatus.ADMITTED, AdmissionStatus.SUSPENDED)


class ProviderAdmission(BaseModel):
    """A county's register (准入) entry for a provider: opened as an application when the
    provider's profile is registered in the county, then admitted or removed by the county
    office (providers/workflows.py ADMISSION)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="admissions")
    status = models.CharField(_("status"), max_length=10, choices=AdmissionStatus.choices)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("county admission")
        verbose_name_plural = _("county admissions")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "provider"], name="admission_unique_per_county"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}@{self.county_id}: {self.status}"


class ViolationSource(models.TextChoices):
    PENALTY = "penalty", _("Administrative penalty")
    INSPECTION = "inspection", _("Supervision inspection")
    COMPLAINT = "complaint", _("Complaint or report")
    EVALUATION = "evaluation", _("Performance evaluation")
    OTHER = "other", _("Other")


class ViolationRecord(BaseModel):
    """违法违纪记录 recorded by a county (R1 condition 4 looks back over these)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="violations")
    occurred_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=12, choices=ViolationSource.choices)
    description = models.TextField(_("description"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on"]
        verbose_name = _("violation record")
        verbose_name_plural = _("violation records")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_source_display()}"


class DebarmentQuerySet(models.QuerySet["Debarment"]):
    def in_force(self, day: dt.date | None = None) -> DebarmentQuerySet:
        """The bans that hold on ``day`` (R17): begun, not ended and not lifted by then —
        a ban lifted on a day no longer holds on that day."""
        day = day or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day).filter(
            Q(lifted_on__isnull=True) | Q(lifted_on__gt=day)
        )


class Debarment(BaseModel):
    """不得承接: a county-wide ban (created by sanctions, R17; read-only in the directory)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="debarments")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    # Lifted (e.g. a re-evaluation overturned the fail): the ban ends on this day.
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = DebarmentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("debarment")
        verbose_name_plural = _("debarments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="debarment_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"

    def is_active_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        lifted = self.lifted_on is not None and self.lifted_on <= day
        return self.starts_on <= day <= self.ends_on and not lifted


class ExpertQuerySet(models.QuerySet["Expert"]):
    def visible_to(self, user: User) -> ExpertQuerySet:
        """County office: its pool and the experts of providers in its register; purchasers:
        the experts of admitted providers and the pool (names, titles, specialties — never
        ID numbers or phones); a provider: its own experts; an expert: their own profile."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        org = _org_of(user)
        if org is None:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(
                Q(pool_memberships__county_id=org.county_id)
                | Q(employer__admissions__county_id=org.county_id)
                | Q(employer__organization__county_id=org.county_id)
            ).distinct()
        if org.kind in PURCHASER_KINDS:
            return self.filter(
                Q(pool_memberships__county_id=org.county_id)
                | Q(
                    employer__admissions__county_id=org.county_id,
                    employer__admissions__status=AdmissionStatus.ADMITTED,
                )
            ).distinct()
        if org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import Role

            if user.role == Role.EXPERT:
                return self.filter(user_id=user.pk)
            return self.filter(employer__organization_id=org.pk)
        return self.none()


class Expert(BaseModel):
    name = models.CharField(_("name"), max_length=40)
    id_number = EncryptedCharField(_("ID number"), max_length=18)
    # The blind index of the ID number (common/lib/crypto.py): one expert per person, and the
    # only way to find an expert by ID number.
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True)
    title = models.CharField(_("professional title"), max_length=40, blank=True)
    employer = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="experts",
        null=True,
        blank=True,
        verbose_name=_("employing provider"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expert",
        null=True,
        blank=True,
        verbose_name=_("login account"),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Still working; inactive experts do no tasks.")
    )

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return self.name

    @property
    def specialty_values(self) -> list[str]:
        return [s.specialty for s in self.specialties.all()]

    def specialty_labels(self) -> list[str]:
        return [str(Specialty(s).label) for s in sorted(self.specialty_values)]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_index = blind_index(self.id_number) if self.id_number else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_index"}
        super().save(*args, **kwargs)


class ExpertSpecialty(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.CharField(_("specialty"), max_length=24, choices=Specialty.choices)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        constraints = [
            models.UniqueConstraint(fields=["expert", "specialty"], name="expert_specialty_unique")
        ]
        indexes = [models.Index(fields=["specialty"], name="expert_specialty_idx")]

    def __str__(self) -> str:
        return self.get_specialty_display()


class ExpertCertificate(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("kind"), max_length=30, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PoolStatus(models.TextChoices):
    ADMITTED = "admitted", _("In the pool")
    SUSPENDED = "suspended", pgettext_lazy("expert pool", "Suspended")


class ExpertPoolMembership(BaseModel):
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="pool_memberships")
    status = models.CharField(_("status"), max_length=10, choices=PoolStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("pool membership")
        verbose_name_plural = _("pool memberships")
        constraints = [
            models.UniqueConstraint(fields=["county", "expert"], name="pool_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.county_id}: {self.status}"


class EmployerChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the county office")
    APPROVED = "approved", pgettext_lazy("employer change", "Approved")
    REJECTED = "rejected", pgettext_lazy("employer change", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("employer change", "Withdrawn")


class EmployerChangeQuerySet(models.QuerySet["EmployerChange"]):
    def visible_to(self, user: User) -> EmployerChangeQuerySet:
        """The county office of the new employer's county decides; the provider that filed a
        request follows it. Nobody else hears of it: the former employer sees its expert
        leave through the expert's history, not who asked."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        org = _org_of(user)
        if org is None:
            return self.none()
        if org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(county_id=org.county_id)
        if org.kind == OrganizationKind.PROVIDER:
            from safeserve.organizations.models import ACTING_ROLES

            if user.role not in ACTING_ROLES:
                return self.none()
            return self.filter(to_provider__organization_id=org.pk)
        return self.none()


class EmployerChange(BaseModel):
    """变更执业单位: an expert moves to another provider. The new provider files the request
    with the expert's ID number (it cannot see the record); the county office of its county
    approves, and the same expert record — with its tasks, hazards, certificates, pool
    standing and login — moves, so the expert's history follows the person."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    to_provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="employer_change_requests",
        verbose_name=_("new employer"),
    )
    # The record the ID number named when the request was filed (there always is one: an
    # unknown number is simply registered instead).
    expert = models.ForeignKey(
        Expert,
        on_delete=models.PROTECT,
        related_name="employer_changes",
        verbose_name=_("expert"),
    )
    from_provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("former employer"),
    )
    name = models.CharField(_("name as given"), max_length=40)
    id_number = EncryptedCharField(_("ID number"), max_length=18)
    statement = models.TextField(_("statement"))
    evidence = models.FileField(
        _("proof of employment (PDF or image)"),
        upload_to=UploadPath("providers/employer_changes"),
        blank=True,
    )
    original_name = models.CharField(_("uploaded as"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EmployerChangeStatus.choices,
        default=EmployerChangeStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)

    objects = EmployerChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("employer change")
        verbose_name_plural = _("employer changes")
        constraints = [
            # One open request per expert and new employer.
            models.UniqueConstraint(
                fields=["expert", "to_provider"],
                condition=Q(status="requested"),
                name="employer_change_one_open",
            )
        ]
        indexes = [models.Index(fields=["county", "status"], name="employer_change_county_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.to_provider_id}"

    @property
    def masked_id_number(self) -> str:
        """What every page shows of the number the requester typed."""
        from safeserve.common.lib.masking import mask_id_number

        return mask_id_number(self.id_number)


class DocumentCounter(models.Model):
    """The last number a provider gave a kind of document (reports, notices) in a year:
    numbers are taken under this row's lock, in the transaction that uses them, so a
    provider's numbers run without gaps (providers/numbering.py)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "year", "kind"], name="counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.year}/{self.kind}: {self.last}"
