"""Test worlds built from the session's seeded demo."""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY

from safeserve.accounts.models import User
from safeserve.accounts.otp import otp_required
from safeserve.demo.seed import DEMO_PASSWORD, demo_totp_code
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import Organization
from safeserve.providers import models as p


def without_directory(world: dict[str, User]) -> dict[str, User]:
    """Removes, inside the test's transaction, what the directory seeded: every enterprise,
    and every provider record beyond the two organizations with logins."""
    for model in (
        p.ExpertPoolMembership,
        p.ExpertCertificate,
        p.ExpertSpecialty,
        p.Expert,
        p.Debarment,
        p.ViolationRecord,
        p.ProviderAdmission,
        p.Qualification,
        p.ProviderEquipment,
        p.Provider,
        Enterprise,
    ):
        model.objects.all().delete()
    with_logins = {u.organization_id for u in world.values() if u.organization_id}
    Organization.objects.filter(kind="provider").exclude(pk__in=with_logins).delete()
    return world


def password_login(client: Any, username: str, password: str = DEMO_PASSWORD, **extra: Any) -> Any:
    """Logs in through the login page as a person would: the password, then, for a role that
    needs a second factor, the current code of the demo authenticator. Returns the login
    page's answer."""
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, **extra
    )
    user = User.objects.filter(username=username).first()
    if (
        response.status_code == 302
        and user is not None
        and otp_required(user)
        and DEVICE_ID_SESSION_KEY not in client.session
    ):
        client.post("/accounts/otp/", {"code": demo_totp_code(username)}, **extra)
    return response
