from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from safeserve.accounts.models import DeniedAccess, LoginLog, User


def user_list(*, viewer: User) -> QuerySet[User]:
    """The users the viewer sees, by organization; UserFilter narrows them."""
    return (
        User.objects.visible_to(viewer)
        .select_related("organization")
        .order_by("organization__name", "username")
    )


def login_log_list(*, viewer: User) -> QuerySet[LoginLog]:
    """The county's login log, newest first; LoginLogFilter narrows it."""
    return (
        LoginLog.objects.visible_to(viewer)
        .select_related("user", "user__organization")
        .order_by("-created_at", "-id")
    )


def denied_access_list(*, viewer: User) -> QuerySet[DeniedAccess]:
    """The county's refused requests, newest minute first; DeniedAccessFilter narrows them."""
    return (
        DeniedAccess.objects.visible_to(viewer)
        .select_related("user", "user__organization")
        .order_by("-minute", "-id")
    )


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
