"""Append-only, hash-chained audit trail (DESIGN.md §3 "Audit", R19).

Each county has its own chain (and the platform one more), so counties never serialise each
other's writes. An event stores the canonical text it was hashed from; verification re-hashes
that text and compares it with the columns, so neither can be edited unnoticed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.audit.scope import county_log_scope
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import Progress

if TYPE_CHECKING:
    from safeserve.accounts.models import User

GENESIS_HASH = "0" * 64
PLATFORM_CHAIN = "platform"


class AuditChain(models.Model):
    """The head of one chain; appending locks this row only."""

    key = models.CharField(primary_key=True, max_length=40)
    county = models.OneToOneField(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Events up to pruned_seq were removed by manage.py audit_prune after the retention
    # period; the chain now starts after them, from the last removed event's hash.
    pruned_seq = models.BigIntegerField(default=0)
    pruned_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The last time the whole chain was recomputed (the daily job, or verify_audit), and
    # what it found: shown to the county's officers on the audit trail page.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_events = models.BigIntegerField(default=0)
    verified_problem = models.TextField(blank=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self) -> str:
        return self.key


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user: User) -> AuditEventQuerySet:
        """The county office reads its county's chain; everyone else reads events only
        through the history panel of an object they can already see."""
        return county_log_scope(self, user)


class AuditEvent(models.Model):
    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="events")
    seq = models.BigIntegerField(_("sequence"))
    created_at = models.DateTimeField(_("time"))
    # Plain references without database constraints: users and organizations are never
    # deleted, and an append-only row must never be touched by a cascade.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("organization"),
    )
    county = models.ForeignKey(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("county"),
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object ID"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    canonical = models.TextField()

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_unique_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_event_seq_positive"),
        ]
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "-created_at"], name="audit_event_object_idx"
            ),
            models.Index(fields=["county", "-created_at"], name="audit_event_county_time_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        from safeserve.audit.actions import action_label

        return str(action_label(self.action))


class AuditDigestQuerySet(models.QuerySet["AuditDigest"]):
    def visible_to(self, user: User) -> AuditDigestQuerySet:
        """The county office's own county's digests; the platform administrator's all."""
        return county_log_scope(self, user)


class AuditDigest(models.Model):
    """A signed record of one chain's head (audit/digests.py); its worth is the copy the
    county office and the backups keep outside the database."""

    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="digests")
    county = models.ForeignKey(
        "organizations.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.BigIntegerField(_("sequence"))
    hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    document = models.TextField()

    objects = AuditDigestQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("audit digest")
        verbose_name_plural = _("audit digests")

    def __str__(self) -> str:
        return f"{self.chain_id} @ {self.seq}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    SUCCEEDED = "succeeded", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: Any) -> ExportJobQuerySet:
        """One's own exports only: the file holds what its requester's scope showed."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(created_by_id=user.pk)


class ExportJob(Progress, models.Model):
    """A list export too large to write during the request (audit/exports.py): written by a
    background task, downloadable by its requester for ``EXPORT_KEEP_DAYS`` days."""

    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("list"), max_length=60)
    title = models.CharField(_("title"), max_length=120)
    channel = models.CharField(_("channel"), max_length=10)
    filters = models.CharField(_("filters"), max_length=500, blank=True)
    described = models.CharField(_("filters in words"), max_length=500, blank=True)
    language = models.CharField(max_length=10, editable=False)  # the headers' language
    # The list's query, pickled with a MAC (audit/exports.py): the requester's data scope and
    # filters as they were when asked.
    query = models.BinaryField(editable=False)
    mac = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(upload_to=UploadPath("exports"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    FINISHED = (ExportStatus.SUCCEEDED, ExportStatus.FAILED, ExportStatus.EXPIRED)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["created_by", "-created_at", "-id"], name="export_owner_idx"),
            models.Index(fields=["status", "expires_at"], name="export_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"
