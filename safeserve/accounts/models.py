from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.audit.scope import county_log_scope
from safeserve.common.fields import EncryptedCharField
from safeserve.organizations.models import ACTING_ROLES, Organization, OrganizationKind, Role


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: User) -> UserQuerySet:
        """Users one may see: the colleagues of one's own organization, and for the county
        office's acting roles every user of organizations in its county."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = user.organization
        if org is None or not org.is_active:
            return self.none()
        visible = Q(organization_id=org.pk)
        if org.kind == OrganizationKind.COUNTY_OFFICE and user.role in ACTING_ROLES:
            visible |= Q(organization__county_id=org.county_id)
        return self.filter(visible)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: User) -> UserQuerySet:
        return self.get_queryset().visible_to(user)

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("full_name", username)
        return self.create_user(
            username, password, is_superuser=True, is_staff=True, role=Role.ADMIN, **extra
        )


class User(AbstractBaseUser, PermissionsMixin):
    """One person, one organization, one role (DESIGN.md §1)."""

    username = models.CharField(
        _("username"),
        max_length=60,
        unique=True,
        validators=[ASCIIUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
        error_messages={"unique": _("A user with that username already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=60)
    email = models.EmailField(_("email"), blank=True)
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(organization__isnull=False),
                name="user_belongs_to_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def get_full_name(self) -> str:
        return self.full_name

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def kind(self) -> str | None:
        return self.organization.kind if self.organization else None


class LoginResult(models.TextChoices):
    SUCCESS = "success", _("Succeeded")
    FAILED = "failed", _("Wrong username or password")
    LOCKED = "locked", _("Locked out")
    INACTIVE = "inactive", _("Account deactivated")
    LOGOUT = "logout", _("Logged out")
    TIMEOUT = "timeout", _("Session timed out")


class LoginChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API token")


class LoginLogQuerySet(models.QuerySet["LoginLog"]):
    def visible_to(self, user: User) -> LoginLogQuerySet:
        return county_log_scope(self, user)


class LoginLog(models.Model):
    """Every login attempt, logout and timeout; the county office reads its county's."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    username = models.CharField(_("username entered"), max_length=150)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    county = models.ForeignKey(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=LoginResult.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=LoginChannel.choices)

    objects = LoginLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("login log entry")
        verbose_name_plural = _("login log")
        indexes = [models.Index(fields=["county", "-created_at"], name="loginlog_county_time_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.result}"


class DeniedAccessQuerySet(models.QuerySet["DeniedAccess"]):
    def visible_to(self, user: User) -> DeniedAccessQuerySet:
        return county_log_scope(self, user)


class DeniedAccess(models.Model):
    """A refused request (403, or a 404 for something outside the asker's scope) and a failed
    notice-link token, one row per asker, minute and status with a count, so a scan cannot
    flood the table. Not an audit event: no object's history shows it, and it is not in the
    hash chain. GB/T 22239-2019 8.1.4.3 安全审计: 对重要的用户行为和重要安全事件进行审计."""

    minute = models.DateTimeField(_("minute"), db_index=True)
    # "u<user id>" for a logged-in user, "ip<address>" for anyone else.
    asker = models.CharField(max_length=60)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    county = models.ForeignKey(
        "organizations.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("first address"), max_length=300)
    count = models.PositiveIntegerField(_("times"), default=1)
    last_at = models.DateTimeField(_("last at"))

    objects = DeniedAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-minute", "-id"]
        verbose_name = _("denied access")
        verbose_name_plural = _("denied accesses")
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "asker", "status"], name="denied_access_one_row_a_minute"
            )
        ]
        indexes = [models.Index(fields=["county", "-minute"], name="denied_county_time_idx")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.asker} {self.status} ×{self.count}"


class UserSession(models.Model):
    """The sessions a user holds, so deactivation and password resets can end them all."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}…"


class ApiToken(models.Model):
    """An API token; only its SHA-256 digest is stored, and it expires."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token of user {self.user_id}"
