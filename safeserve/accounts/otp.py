"""The second factor (TOTP through django-otp, with one-time backup codes): who must use it
(county policy), checking a code, and the "remember this device for 12 hours" cookie.
GB/T 22239-2019 8.1.4.1 d): 应采用口令、密码技术、生物技术等两种或两种以上组合的鉴别技术."""

from __future__ import annotations

import base64
from typing import Any

import qrcode
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from safeserve.common.models import policy_for
from safeserve.organizations.models import OrganizationKind

GOVERNMENT = (
    OrganizationKind.COUNTY_OFFICE,
    OrganizationKind.DEPARTMENT,
    OrganizationKind.TOWNSHIP,
)
REMEMBER_COOKIE = "safeserve_otp_remember"
REMEMBER_SALT = "safeserve.otp.remember"
SESSION_NEEDED = "safeserve_otp_needed"


def otp_required(user: Any) -> bool:
    """The platform administrator always, and anyone who set up an authenticator; the county
    office, departments and townships when the county policy says so (by default), everyone
    else when it says so (not by default)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or totp_device(user) is not None:  # who set one up uses it
        return True
    organization = user.organization
    if organization is None:
        return True
    policy = policy_for(organization.county_id)
    if organization.kind in GOVERNMENT:
        return bool(policy.otp_government)
    return bool(policy.otp_others)


def otp_needed(request: HttpRequest) -> bool:
    """``otp_required`` for the session's user, remembered in the session (one look-up)."""
    session = request.session
    if SESSION_NEEDED not in session:
        session[SESSION_NEEDED] = otp_required(request.user)
    return bool(session[SESSION_NEEDED])


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def matching_device(user: Any, code: str) -> Any:
    """The device a code belongs to (the authenticator app's, or a backup code, used up by
    matching), or None."""
    code = "".join(code.split())
    if not code:
        return None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.devices_for_user(user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def remember(response: HttpResponse, user: Any, device: Any) -> None:
    value = signing.dumps({"u": user.pk, "d": device.persistent_id}, salt=REMEMBER_SALT)
    response.set_cookie(
        REMEMBER_COOKIE,
        value,
        max_age=settings.OTP_REMEMBER_HOURS * 3600,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def remembered_device(request: HttpRequest, user: Any) -> Any:
    """The device this browser was told to remember for this user, if still within 12 hours
    and still enrolled."""
    value = request.COOKIES.get(REMEMBER_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=REMEMBER_SALT, max_age=settings.OTP_REMEMBER_HOURS * 3600)
    except signing.BadSignature:
        return None
    if data.get("u") != user.pk:
        return None
    device = totp_device(user)
    return device if device is not None and device.persistent_id == data.get("d") else None


def pending_device(user: Any, pk: int) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False).first()


def base32_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (grouped by four)."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here, nothing fetched)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


def mark_verified(session: Any, user: Any) -> None:
    """Marks a session as past the second factor, as the code page does, for the tools that
    log in without pages (``manage.py bench``, the test suite); a user whose role needs a
    device and has none gets one."""
    session[SESSION_NEEDED] = otp_required(user)
    if session[SESSION_NEEDED]:
        device = totp_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="tools", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
