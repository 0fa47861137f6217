"""The enterprise's no-account link to its notice (printed as a QR code): an HMAC of
SECRET_KEY and a per-notice nonce, valid until 30 days after the notice's latest deadline."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from safeserve.accounts.denials import record_denial
from safeserve.common import ratelimit
from safeserve.common.lib.http import client_ip
from safeserve.hazards.models import Notice

NOTICE_LINK_GRACE_DAYS = 30
# An enterprise opens its link a few times; a script guessing tokens opens it many times.
LINK_REQUESTS_PER_MINUTE = 30


class LinkRateExceeded(Exception):
    """Too many notice-link requests from one address this minute."""


def notice_token(notice: Notice) -> str:
    message = f"notice:{notice.pk}:{notice.link_nonce}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return digest[:40]


def link_is_valid(notice: Notice) -> bool:
    return timezone.now() <= notice.link_expires_at


def notice_by_token(notice_id: int, token: str) -> Notice | None:
    """The notice a link names, if the token is right; expired links are refused by the
    caller with their own message (link_is_valid)."""
    notice = Notice.objects.select_related("enterprise").filter(pk=notice_id).first()
    # Compared as bytes: a token with non-ASCII characters is simply wrong, not an error.
    given = (token or "").encode("utf-8", "replace")
    if notice is None or not hmac.compare_digest(notice_token(notice).encode(), given):
        return None
    return notice


def notice_from_link(request: HttpRequest, notice_id: int, token: str) -> Notice | None:
    """The notice a link opens, counting the request against the address's rate limit; a
    wrong token is recorded as a denied access of the notice's county (without the token)."""
    if not ratelimit.hit(
        f"notice-link:{client_ip(request) or '-'}", limit=LINK_REQUESTS_PER_MINUTE
    ):
        raise LinkRateExceeded
    notice = notice_by_token(notice_id, token)
    if notice is None:
        county_id = (
            Notice.objects.filter(pk=notice_id).values_list("enterprise__county_id", flat=True)
        ).first()
        path = request.path.replace(token, "…") if token else request.path
        record_denial(request, 404, county_id=county_id, path=path)
    return notice
