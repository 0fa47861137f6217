"""In-app notifications and their email (issue 16): one row per person told of one occasion;
its email, where the person has an address and wants it, is sent after the row is written and
retried on failure — the notification in the app never depends on it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.notifications.registry import kind_of


class EmailStatus(models.TextChoices):
    NONE = "none", pgettext_lazy("email", "No email")
    PENDING = "pending", pgettext_lazy("email", "To be sent")
    SENT = "sent", pgettext_lazy("email", "Sent")
    FAILED = "failed", pgettext_lazy("email", "Not delivered")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: Any) -> NotificationQuerySet:
        """One's own notifications only, and only those written for the role one holds: each
        was checked against its recipient's scope when written, and a changed role changes
        the scope (an administrator made an expert no longer sees the whole provider's)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient_id=user.pk, role=user.role)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    county = models.ForeignKey(
        "organizations.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The recipient's role when it was written (see NotificationQuerySet.visible_to).
    role = models.CharField(max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(max_length=120)  # the occasion (registry.Occasion.key)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        pgettext_lazy("notification", "email"),
        max_length=8,
        choices=EmailStatus.choices,
        default=EmailStatus.NONE,
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="notification_once_per_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["kind", "key"], name="notification_occasion_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["email_next_at"],
                condition=Q(email_status="pending"),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def subject(self) -> str:
        kind = kind_of(self.kind)
        return kind.render(self.params) if kind else self.kind

    @property
    def kind_label(self) -> str:
        kind = kind_of(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def icon(self) -> str:
        kind = kind_of(self.kind)
        return kind.icon if kind else "bi-bell"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row, both in the app and by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
