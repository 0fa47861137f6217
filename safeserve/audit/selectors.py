from __future__ import annotations

from typing import Any

from django.db import models

from safeserve.audit.models import AuditEvent

HISTORY_LIMIT = 50


def history_for(obj: models.Model, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    """The events about one object, newest first, for its history panel.

    The caller has already fetched ``obj`` through data scope, so the panel is scoped like the
    object. One query, whatever the number of events.
    """
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-created_at", "-seq")[:limit]
    )


def event_list(*, user: Any, filters: dict[str, Any]) -> models.QuerySet[AuditEvent]:
    qs = AuditEvent.objects.visible_to(user).select_related("actor", "organization")
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("actor"):
        qs = qs.filter(actor_name__icontains=filters["actor"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=str(filters["object_id"]))
    if filters.get("date_from"):
        qs = qs.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(created_at__date__lte=filters["date_to"])
    return qs.order_by("-created_at", "-seq")
