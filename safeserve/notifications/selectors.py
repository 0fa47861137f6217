from __future__ import annotations

from typing import Any

from safeserve.notifications.models import Notification

UNREAD_CAP = 99  # the bell shows 99+ beyond: counting further is a scan for nothing


def unread_count(user: Any) -> int:
    """Unread notifications, counted up to 100 (one query on the partial index)."""
    unread = Notification.objects.visible_to(user).unread()
    return len(unread.values_list("pk", flat=True)[: UNREAD_CAP + 1])
