from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import SpreadsheetImport
from safeserve.organizations.models import Region
from safeserve.organizations.permissions import can_manage_organizations

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class RosterImportQuerySet(models.QuerySet["RosterImport"]):
    def visible_to(self, user: User) -> RosterImportQuerySet:
        """The county office's admin sees its county's roster imports; the platform
        administrator every one."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not can_manage_organizations(user):
            return self.none()
        return self.filter(county_id=org.county_id)


class RosterImport(SpreadsheetImport):
    """One uploaded roster (organizations and users of a county), checked in the background
    and written all or nothing. The new users' temporary passwords are kept only encrypted,
    for one download by the uploader within ``CREDENTIALS_MINUTES`` of the end."""

    CREDENTIALS_MINUTES = 10

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Deleted once checked: the roster holds people's phone numbers.
    file = models.FileField(upload_to=UploadPath("rosters"), blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    organizations_created = models.PositiveIntegerField(_("organizations created"), default=0)
    users_created = models.PositiveIntegerField(_("users created"), default=0)
    # Fernet token (AES-128-CBC + HMAC) of the temporary passwords; emptied when downloaded.
    credentials = models.BinaryField(null=True, blank=True, editable=False)
    credentials_expire_at = models.DateTimeField(null=True, blank=True)
    credentials_downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = RosterImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def credentials_available(self) -> bool:
        return bool(
            self.credentials
            and self.credentials_expire_at
            and self.credentials_expire_at > timezone.now()
        )
