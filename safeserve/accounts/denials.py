"""Recording refused requests (DeniedAccess): one row per asker, minute and status, counted.
The county office reads its county's rows on the "denied accesses" page."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from safeserve.accounts.models import DeniedAccess
from safeserve.common.lib.http import client_ip

logger = logging.getLogger(__name__)

RECORDED_STATUSES = (403, 404)
# Notice links record their own refusals, without the token their address carries
# (hazards/links.py); the rest are not about anyone's data.
NOT_RECORDED = (
    "/static/",
    "/favicon.ico",
    "/healthz",
    "/readyz",
    "/metrics",
    "/n/",
    "/api/v1/notice-links/",
)


def record_denial(
    request: HttpRequest, status: int, *, county_id: int | None = None, path: str = ""
) -> None:
    """Counts one refusal. ``path`` replaces the request's (a notice link's token must not be
    stored); ``county_id`` names the county for an asker without an account."""
    user: Any = getattr(request, "user", None)
    user = user if user is not None and user.is_authenticated else None
    ip = client_ip(request)
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    asker = f"u{user.pk}" if user is not None else f"ip{ip or '-'}"
    if user is not None and county_id is None and user.organization_id:
        county_id = user.organization.county_id
    rows = DeniedAccess.objects.filter(minute=minute, asker=asker, status=status)
    try:
        if rows.update(count=F("count") + 1, last_at=now):
            return
        try:
            with transaction.atomic():
                DeniedAccess.objects.create(
                    minute=minute,
                    asker=asker,
                    user=user,
                    county_id=county_id,
                    ip=ip,
                    status=status,
                    method=(request.method or "")[:8],
                    path=(path or request.path)[:300],
                    last_at=now,
                )
        except IntegrityError:  # a parallel request of the same asker made the row
            rows.update(count=F("count") + 1, last_at=now)
    except Exception:  # the refusal itself must still be answered
        logger.exception("could not record a denied access")


def should_record(request: HttpRequest, status: int) -> bool:
    user = getattr(request, "user", None)
    return (
        status in RECORDED_STATUSES
        and user is not None
        and user.is_authenticated
        and not request.path.startswith(NOT_RECORDED)
    )
