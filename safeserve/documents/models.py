"""Signed documents (R11, R13): the county's signing authority, each signer's credential,
and every PDF the chain issues with the signatures it needs.

The county CA (``manage.py init_ca``) issues an X.509 certificate to each signer on first
need: an expert signs for themselves, a provider seals with its own key. Private keys are
sealed at rest under FIELD_ENCRYPTION_KEYS (common/lib/crypto.py), like personal numbers, so
a dump of the database alone cannot sign anything.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.fields import EncryptedCharField
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import Region

KEY_LENGTH = 8000  # a PEM private key, sealed


class SigningAuthority(models.Model):
    """县级电子签名根证书: the county's CA and its time-stamping unit."""

    county = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    certificate_pem = models.TextField()
    private_key_pem = EncryptedCharField(max_length=KEY_LENGTH)
    tsa_certificate_pem = models.TextField()
    tsa_private_key_pem = EncryptedCharField(max_length=KEY_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")

    def __str__(self) -> str:
        return str(self.county_id)


class CredentialSource(models.TextChoices):
    COUNTY_CA = "county_ca", _("Issued by the county CA")
    PKCS12 = "pkcs12", _("Uploaded from a licensed CA")


class SigningCredential(models.Model):
    """The key and certificate one signer signs with: a person's (an expert signs for
    themselves) or a provider's seal. At most one current credential per holder and county."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seal_credentials",
    )
    source = models.CharField(
        _("source"), max_length=12, choices=CredentialSource.choices, default="county_ca"
    )
    certificate_pem = models.TextField()
    chain_pem = models.TextField(blank=True)  # the issuing CA's certificates
    private_key_pem = EncryptedCharField(max_length=KEY_LENGTH)
    serial = models.CharField(_("serial number"), max_length=64)
    subject = models.CharField(_("subject"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=300, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signing credential")
        verbose_name_plural = _("signing credentials")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(provider__isnull=True),
                name="credential_one_holder",
            ),
            # one current credential per holder, county and source: each county's CA vouches
            # for its own; an uploaded one (at most one, filed under the holder's county) is
            # used in every county while valid
            models.UniqueConstraint(
                fields=["user", "county", "source"],
                condition=Q(revoked_at__isnull=True, user__isnull=False),
                name="credential_current_per_user",
            ),
            models.UniqueConstraint(
                fields=["provider", "county", "source"],
                condition=Q(revoked_at__isnull=True, provider__isnull=False),
                name="credential_current_per_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class DocumentKind(models.TextChoices):
    NOTICE = "notice", _("Rectification notice")
    REPORT = "report", _("Technical report")


class DocumentStatus(models.TextChoices):
    SIGNING = "signing", _("Waiting for signatures")
    COMPLETE = "complete", _("Signed")


class SignedDocumentQuerySet(models.QuerySet["SignedDocument"]):
    def visible_to(self, user: Any) -> SignedDocumentQuerySet:
        """Whoever sees the record a document is of sees the document (R14)."""
        from safeserve.hazards.models import Notice

        # Correlated (one index probe per document), not IN over every notice and report in
        # scope, which the database would hash whole on each visit (issue 15).
        return self.filter(
            Exists(Notice.objects.visible_to(user).filter(pk=OuterRef("notice_id")))
            | Exists(TechnicalReport.objects.visible_to(user).filter(document_id=OuterRef("pk")))
        )


class SignedDocument(BaseModel):
    """A PDF the chain issues, with the signatures it needs in order. The file is rendered
    when the first signature is made (its content fixed from then) and each signature is
    added incrementally, so every earlier one stays valid."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=60)
    # Printed on the document: with the number, it lets anyone check the file without an
    # account (public verification), and alone it says nothing.
    check_code = models.CharField(_("check code"), max_length=12)
    notice = models.OneToOneField(
        "hazards.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default="signing"
    )
    file = models.FileField(_("file"), upload_to=UploadPath("documents"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    completed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    objects = SignedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        indexes = [models.Index(fields=["number"], name="document_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def waiting(self) -> bool:
        return self.status == DocumentStatus.SIGNING

    @property
    def contract(self) -> Any:
        """The contract the document serves: R7 decides who may sign it from this."""
        if self.notice_id is not None:
            return self.notice.contract  # type: ignore[union-attr]
        return self.report.contract

    @property
    def file_name(self) -> str:
        return f"{self.number or self.kind + '-' + str(self.pk)}.pdf"


class SignatureRole(models.TextChoices):
    EXPERT = "expert", _("Expert's signature")
    SEAL = "seal", _("Provider's seal")


class DocumentSignature(models.Model):
    """One signature a document needs: an expert's own (``signer`` is who must sign), or the
    provider's seal (any admin or leader of the provider applies it)."""

    document = models.ForeignKey(
        SignedDocument, on_delete=models.CASCADE, related_name="signatures"
    )
    position = models.PositiveSmallIntegerField()
    role = models.CharField(_("role"), max_length=8, choices=SignatureRole.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    credential = models.ForeignKey(
        SigningCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signed by"), max_length=150, blank=True)

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="signature_position"),
            models.CheckConstraint(
                condition=Q(role="seal") | Q(signer__isnull=False),
                name="signature_expert_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.position}"

    @property
    def field_name(self) -> str:
        return f"{self.role}-{self.position}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNING = "signing", _("Being signed")
    SEALED = "sealed", _("Sealed")
    ISSUED = "issued", _("Issued")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    SUPERSEDED = "superseded", _("Superseded")


# A version is open while the provider still works on it; a task has at most one.
OPEN_REPORT_STATUSES = (ReportStatus.DRAFT, ReportStatus.SIGNING, ReportStatus.SEALED)
# What the purchaser, the enterprise and the county office see: what the provider issued.
ISSUED_REPORT_STATUSES = (
    ReportStatus.ISSUED,
    ReportStatus.ACCEPTED,
    ReportStatus.RETURNED,
    ReportStatus.SUPERSEDED,
)


class RenderStatus(models.TextChoices):
    NONE = "", _("Not rendered")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    FAILED = "failed", _("Failed")
    DONE = "done", _("Rendered")


class TechnicalReportQuerySet(models.QuerySet["TechnicalReport"]):
    def visible_to(self, user: Any) -> TechnicalReportQuerySet:
        """The provider's staff and the task's experts see every version from its draft; the
        purchaser, the enterprise and the county office see what the provider issued (R13,
        R14) — each through the task they may see."""
        from safeserve.fieldwork.models import ServiceTask
        from safeserve.organizations.models import OrganizationKind

        if not getattr(user, "is_authenticated", False):
            return self.none()
        org = getattr(user, "organization", None)
        issued = Q(issued_at__isnull=False)
        # The whole county's tasks: the report's own county column says it, without asking
        # the county's 200k tasks first (issue 16, the dashboards).
        if user.is_superuser:
            return self.filter(issued)
        if org is not None and org.is_active and org.kind == OrganizationKind.COUNTY_OFFICE:
            return self.filter(issued, county_id=org.county_id)
        tasks = ServiceTask.objects.visible_to(user).values("pk")
        scoped = self.filter(task__in=tasks)
        if user.is_superuser or org is None or org.kind != OrganizationKind.PROVIDER:
            return scoped.filter(issued_at__isnull=False)
        return scoped


class TechnicalReport(BaseModel):
    """安全生产专业技术报告 (R13): one per task, compiled from the task's data, with four text
    sections the provider writes. The content freezes when signatures are requested; every
    participating expert signs it, the provider seals it (the number is assigned then) and
    issues it; the purchaser accepts or returns it. A correction is a new version that
    supersedes this one when it is issued; this one stays readable."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "fieldwork.ServiceTask",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("service task"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("contract"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("provider"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("enterprise"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        verbose_name=_("revises"),
    )
    revision_reason = models.TextField(_("reason for the revision"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    overview = models.TextField(_("overview"), blank=True)
    basis = models.TextField(_("basis"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    # The compiled data, frozen when signatures are requested (what the experts sign).
    content = models.JSONField(_("content"), default=dict, blank=True)
    document = models.OneToOneField(
        SignedDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report",
    )
    number = models.CharField(_("report number"), max_length=60, blank=True)
    render_status = models.CharField(
        _("rendering"), max_length=8, choices=RenderStatus.choices, default="", blank=True
    )
    render_progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    render_error = models.TextField(_("rendering error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The first version is due the county's report days after the task's findings (R13), by
    # the end of that local day; issued after it, it is late (what evaluations and the
    # dashboards count, R16). Fixed when the report opens, under the policy of that day.
    due_on = models.DateField(_("due by"), null=True, blank=True)
    issued_late = models.BooleanField(_("issued late"), default=False)
    requested_at = models.DateTimeField(_("signatures requested at"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = TechnicalReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("technical report")
        verbose_name_plural = _("technical reports")
        constraints = [
            models.UniqueConstraint(fields=["task", "version"], name="report_task_version"),
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status__in=["draft", "signing", "sealed"]),
                name="report_one_open_per_task",
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "status"], name="report_contract_status"),
            models.Index(fields=["county", "status", "created_at"], name="report_county_status"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.task_id} v{self.version}"

    @property
    def title(self) -> str:
        return self.number or _("Technical report (draft %(version)s)") % {"version": self.version}

    @property
    def frozen(self) -> bool:
        return self.status != ReportStatus.DRAFT
