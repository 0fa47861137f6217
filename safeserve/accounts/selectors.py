from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from safeserve.accounts.models import LoginLog, User


def user_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[User]:
    qs = User.objects.visible_to(viewer).select_related("organization")
    if filters.get("q"):
        term = filters["q"]
        qs = qs.filter(Q(username__icontains=term) | Q(full_name__icontains=term))
    if filters.get("organization"):
        qs = qs.filter(organization=filters["organization"])
    if filters.get("role"):
        qs = qs.filter(role=filters["role"])
    if filters.get("is_active") in ("1", "0"):
        qs = qs.filter(is_active=filters["is_active"] == "1")
    return qs.order_by("organization__name", "username")


def login_log_list(*, viewer: User, filters: dict[str, Any]) -> QuerySet[LoginLog]:
    qs = LoginLog.objects.visible_to(viewer).select_related("user", "user__organization")
    if filters.get("q"):
        qs = qs.filter(username__icontains=filters["q"])
    if filters.get("result"):
        qs = qs.filter(result=filters["result"])
    if filters.get("date_from"):
        qs = qs.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(created_at__date__lte=filters["date_to"])
    return qs


def lockout_of(user: User) -> dt.datetime | None:
    """Until when the account is locked after too many wrong passwords (counted per
    username on the login page and the API token endpoint), or None."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    latest = AccessAttempt.objects.filter(
        username=user.username,
        attempt_time__gte=since,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
    ).aggregate(last=Max("attempt_time"))["last"]
    return latest + settings.AXES_COOLOFF_TIME if latest else None
