"""Users, passwords, sessions, tokens and the login log. Every write is audited."""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from typing import Any

from axes.utils import reset
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeserve.accounts.models import (
    ApiToken,
    LoginChannel,
    LoginLog,
    LoginResult,
    User,
    UserSession,
)
from safeserve.accounts.passwords import password_expired
from safeserve.accounts.selectors import lockout_of
from safeserve.audit.services import audit_record, diff
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import client_ip, user_agent
from safeserve.common.metrics import LOGIN_FAILURES
from safeserve.common.validation import clean_model
from safeserve.organizations.models import Organization, OrganizationKind, Role
from safeserve.organizations.permissions import can_manage_users_of

# Which roles exist in which kind of organization: experts belong to providers only.
ROLES_BY_KIND: dict[str, list[str]] = {
    OrganizationKind.COUNTY_OFFICE: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.VIEWER],
    OrganizationKind.TOWNSHIP: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.VIEWER],
    OrganizationKind.DEPARTMENT: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.VIEWER],
    OrganizationKind.PROVIDER: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.EXPERT, Role.VIEWER],
    OrganizationKind.ENTERPRISE: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.VIEWER],
    OrganizationKind.EVALUATOR: [Role.ADMIN, Role.OFFICER, Role.LEADER, Role.VIEWER],
}

_LOGIN_ACTIONS = {
    LoginResult.SUCCESS: "auth.login",
    LoginResult.FAILED: "auth.login_failed",
    LoginResult.LOCKED: "auth.locked",
    LoginResult.INACTIVE: "auth.login_inactive",
    LoginResult.LOGOUT: "auth.logout",
    LoginResult.TIMEOUT: "auth.timeout",
}


def user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "organization_id": user.organization_id,
        "role": user.role,
        "is_active": user.is_active,
    }


@dataclass(frozen=True)
class TemporaryPassword:
    """A generated password and its hash, made ahead of a transaction: hashing costs a third
    of a second each, far too long to hold the locks of a bulk write."""

    clear: str
    hashed: str

    @classmethod
    def new(cls) -> TemporaryPassword:
        clear = generate_temporary_password()
        return cls(clear, make_password(clear))


def generate_temporary_password() -> str:
    """14 characters from letters and digits, always passing the password validators."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


def _check_role(organization: Organization, role: str) -> None:
    if role not in ROLES_BY_KIND.get(organization.kind, []):
        raise ApplicationError(
            "role_not_allowed",
            _("The role %(role)s does not exist in a %(kind)s.")
            % {
                "role": Role(role).label if role in Role.values else role,
                "kind": organization.get_kind_display(),
            },
            errors={"role": [_("Choose another role.")]},
            status=400,
        )


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ApplicationError(
            "reason_required",
            _("Please give a reason."),
            errors={"reason": [_("This field is required.")]},
            status=400,
        )


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


# --- Sessions and tokens ---------------------------------------------------------------


def session_register(*, user: User, session_key: str) -> None:
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_all(*, user: User) -> int:
    """Ends every session and API token of the user (deactivation, password reset)."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    return len(keys)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def token_issue(*, user: User) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
    )
    audit_record(
        action="auth.token_issued", actor=user, obj=user, after={"expires_at": token.expires_at}
    )
    return key, token


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> None:
    token.delete()
    audit_record(action="auth.token_revoked", actor=user, obj=user)


# --- Login log --------------------------------------------------------------------------


@transaction.atomic
def login_record(
    *,
    request: HttpRequest,
    username: str,
    result: str,
    channel: str = LoginChannel.WEB,
    user: User | None = None,
) -> LoginLog:
    """Records a login attempt, logout or timeout in the login log and the audit trail."""
    if user is None and username:
        user = User.objects.select_related("organization").filter(username=username).first()
    county_id = user.organization.county_id if user and user.organization else None
    if result in (LoginResult.FAILED, LoginResult.LOCKED, LoginResult.INACTIVE):
        LOGIN_FAILURES.labels(channel=channel, result=result).inc()
    entry = LoginLog.objects.create(
        username=username[:150],
        user=user,
        county_id=county_id,
        ip=client_ip(request),
        user_agent=user_agent(request),
        result=result,
        channel=channel,
    )
    audit_record(
        action=_LOGIN_ACTIONS[LoginResult(result)],
        actor=user
        if result in (LoginResult.SUCCESS, LoginResult.LOGOUT, LoginResult.TIMEOUT)
        else (user.username if user else username[:150]),
        obj=user,
        county_id=county_id,
        organization_id=user.organization_id if user else None,
        after={"channel": channel},
    )
    return entry


# --- Users ------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User,
    organization: Organization,
    username: str,
    full_name: str,
    role: str,
    email: str = "",
    phone: str = "",
    password: str | None = None,
    temporary: TemporaryPassword | None = None,
) -> tuple[User, str | None]:
    """Creates a user. Without ``password`` a temporary one is generated (or the prepared
    ``temporary`` is used), returned once, and must be changed at first login."""
    require(can_manage_users_of(actor, organization))
    return user_insert(
        actor=actor,
        organization=organization,
        username=username,
        full_name=full_name,
        role=role,
        email=email,
        phone=phone,
        password=password,
        temporary=temporary,
    )


@transaction.atomic
def user_insert(
    *,
    actor: User | str,
    organization: Organization,
    username: str,
    full_name: str,
    role: str,
    email: str = "",
    phone: str = "",
    password: str | None = None,
    temporary: TemporaryPassword | None = None,
) -> tuple[User, str | None]:
    """``user_create`` without the capability check, for callers that made it themselves:
    the command line installing a county (``actor`` names the command) and the platform
    administrator creating a county's first admin."""
    if not organization.is_active:
        raise ApplicationError(
            "organization_inactive", _("This organization is deactivated; reactivate it first.")
        )
    _check_role(organization, role)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            "duplicate_username",
            _("The username %(u)s is already taken.") % {"u": username},
            errors={"username": [_("Choose another username.")]},
            status=400,
        )
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        organization=organization,
        role=role,
    )
    clear = None
    if password is None:
        # Generated passwords pass the validators by construction.
        temporary = temporary or TemporaryPassword.new()
        clear = temporary.clear
        user.password = temporary.hashed
        user.must_change_password = True
    else:
        problems = _password_errors(password, user)
        if problems:
            raise ApplicationError(
                "weak_password", " ".join(problems), errors={"password": problems}, status=400
            )
        user.set_password(password)
    clean_model(user, exclude=["password"])
    user.save()
    audit_record(
        action="user.created",
        actor=actor,
        obj=user,
        county_id=organization.county_id,
        organization_id=organization.pk if isinstance(actor, str) else None,
        after=user_snapshot(user),
    )
    return user, clear


def _managed(actor: User, user: User) -> tuple[User, Organization]:
    """The user locked for a change, and its organization, if the actor manages its users."""
    target = (
        User.objects.select_for_update(of=("self",)).select_related("organization").get(pk=user.pk)
    )
    assert target.organization is not None
    require(can_manage_users_of(actor, target.organization))
    return target, target.organization


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    email: str = "",
    phone: str = "",
) -> User:
    target, organization = _managed(actor, user)
    _check_role(organization, role)
    if target.pk == actor.pk and role != target.role:
        raise ApplicationError("cannot_change_own_role", _("You cannot change your own role."))
    before = user_snapshot(target)
    target.full_name, target.role = full_name.strip(), role
    target.email, target.phone = email.strip(), phone.strip()
    clean_model(target, exclude=["password"])
    target.save(update_fields=["full_name", "role", "email", "phone"])
    old, new = diff(before, user_snapshot(target))
    if new:
        audit_record(
            action="user.updated",
            actor=actor,
            obj=target,
            county_id=organization.county_id,
            before=old,
            after=new,
        )
    return target


@transaction.atomic
def user_deactivate(*, actor: User, user: User, reason: str) -> User:
    """Deactivates the account and ends all its sessions and tokens at once."""
    target, organization = _managed(actor, user)
    _require_reason(reason)
    if target.pk == actor.pk:
        raise ApplicationError("cannot_deactivate_self", _("You cannot deactivate yourself."))
    if not target.is_active:
        raise ApplicationError("already_inactive", _("This user is already deactivated."))
    target.is_active = False
    target.deactivated_at = timezone.now()
    target.save(update_fields=["is_active", "deactivated_at"])
    ended = sessions_end_all(user=target)
    audit_record(
        action="user.deactivated",
        actor=actor,
        obj=target,
        county_id=organization.county_id,
        before={"is_active": True},
        after={"is_active": False, "sessions_ended": ended},
        reason=reason.strip(),
    )
    return target


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    target, organization = _managed(actor, user)
    if target.is_active:
        raise ApplicationError("already_active", _("This user is already active."))
    target.is_active = True
    target.deactivated_at = None
    target.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        action="user.reactivated",
        actor=actor,
        obj=target,
        county_id=organization.county_id,
        before={"is_active": False},
        after={"is_active": True},
    )
    return target


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Sets a temporary password (shown once to the administrator), forces a change at next
    login, and ends the user's sessions and tokens."""
    target, organization = _managed(actor, user)
    temporary = generate_temporary_password()
    target.set_password(temporary)
    target.must_change_password = True
    target.save(update_fields=["password", "password_changed_at", "must_change_password"])
    ended = sessions_end_all(user=target)
    audit_record(
        action="user.password_reset",
        actor=actor,
        obj=target,
        county_id=organization.county_id,
        after={"sessions_ended": ended},
    )
    return temporary


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    target = User.objects.select_for_update().get(pk=user.pk)
    if not target.check_password(old_password):
        raise ApplicationError(
            "wrong_password",
            _("The current password is wrong."),
            errors={"old_password": [_("The current password is wrong.")]},
            status=400,
        )
    if old_password == new_password:
        raise ApplicationError(
            "same_password",
            _("Choose a password different from the current one."),
            errors={"new_password1": [_("Choose a new password.")]},
            status=400,
        )
    problems = _password_errors(new_password, target)
    if problems:
        raise ApplicationError(
            "weak_password", " ".join(problems), errors={"new_password1": problems}, status=400
        )
    target.set_password(new_password)
    target.must_change_password = False
    target.save(update_fields=["password", "password_changed_at", "must_change_password"])
    # A token taken with the old password must not outlive it.
    revoked, _by_model = ApiToken.objects.filter(user=target).delete()
    audit_record(
        action="user.password_changed", actor=target, obj=target, after={"tokens_revoked": revoked}
    )
    return target


@transaction.atomic
def password_expiry_enforce(*, user: User) -> bool:
    """At login: a password older than the county allows must be changed before anything
    else, as a temporary one is. True when it has expired."""
    if user.must_change_password or not password_expired(user):
        return user.must_change_password
    user.must_change_password = True
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    audit_record(
        action="user.password_expired",
        actor=user,
        obj=user,
        after={"password_changed_at": user.password_changed_at},
    )
    return True


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """Lifts a lockout after too many wrong passwords before it expires by itself, e.g. when
    the user phoned the county office. The password stays as it is."""
    target, organization = _managed(actor, user)
    if lockout_of(target) is None:
        raise ApplicationError("not_locked", _("This account is not locked; the user can log in."))
    reset(username=target.username)
    audit_record(
        action="user.unlocked",
        actor=actor,
        obj=target,
        county_id=organization.county_id,
        before={"locked": True},
        after={"locked": False},
    )
    return target


# --- Second factor -------------------------------------------------------------------------

BACKUP_CODES = 10


def otp_enrol_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (any earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def otp_enrol_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirms the authenticator with a first code; replaces any earlier one and returns ten
    one-time backup codes, shown once."""
    if (
        device.user_id != user.pk
        or device.confirmed
        or not device.verify_token("".join(code.split()))
    ):
        raise ApplicationError(
            "otp_invalid",
            _("That code is not right; enter the 6 digits the app shows now."),
            errors={"code": [_("Enter the current 6-digit code.")]},
            status=400,
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_record(action="user.otp_enrolled", actor=user, obj=user)
    return codes


def otp_failure_record(*, request: HttpRequest, user: User) -> None:
    """A wrong code counts as a failed login in the login log."""
    login_record(request=request, username=user.username, user=user, result=LoginResult.FAILED)


@transaction.atomic
def otp_reset(*, actor: User, user: User, reason: str) -> User:
    """Recovery: an administrator removes a user's authenticator and backup codes (a lost
    phone); the user enrols again at the next login. The user's sessions and tokens end."""
    target, organization = _managed(actor, user)
    _require_reason(reason)
    removed = TOTPDevice.objects.filter(user=target).delete()[0]
    removed += StaticDevice.objects.filter(user=target).delete()[0]
    ended = sessions_end_all(user=target)
    audit_record(
        action="user.otp_reset",
        actor=actor,
        obj=target,
        county_id=organization.county_id,
        after={"devices_removed": removed, "sessions_ended": ended},
        reason=reason.strip(),
    )
    return target
