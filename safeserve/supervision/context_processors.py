from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from safeserve.accounts.otp import otp_needed
from safeserve.organizations.permissions import can_read_county_logs
from safeserve.supervision.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "audit_details_visible": False, "notifications_bell": False}
    items = navigation_for(user)
    current = request.path
    matches = [
        (len(prefix), item)
        for item in items
        for prefix in item.prefixes
        if current.startswith(prefix)
    ]
    active = max(matches, key=lambda match: match[0])[1] if matches else None
    return {
        "nav_items": items,
        "nav_active": active.url_name if active else None,
        # IP addresses in history panels: only for those who read the county's logs.
        "audit_details_visible": can_read_county_logs(user),
        # Only once through the password change and the second factor: before, the bell's
        # request would be sent back to them.
        "notifications_bell": _through(request, user),
    }


def _through(request: HttpRequest, user: Any) -> bool:
    if user.must_change_password:
        return False
    verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    return bool(verified is not None and verified()) or not otp_needed(request)
