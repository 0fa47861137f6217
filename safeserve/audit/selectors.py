from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from safeserve.audit.describe import describe
from safeserve.audit.models import AuditEvent
from safeserve.audit.scope import reads_county_log

HISTORY_LIMIT = 50


def history_for(
    obj: models.Model,
    viewer: Any,
    limit: int = HISTORY_LIMIT,
    hide_actions: tuple[str, ...] = (),
) -> list[AuditEvent]:
    """The events about one object, newest first, for its history panel.

    The caller has already fetched ``obj`` through data scope. Platform-wide records (providers,
    experts) also collect events from other counties, so only the viewer's own county's events
    (and platform events) are shown; login events only to the county office; ``hide_actions``
    are events this viewer has no business seeing (e.g. other bidders' refusals). Each event
    carries its ``changes`` in words (audit/describe.py): one query, and one per kind of
    record the events name.
    """
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if not viewer.is_superuser:
        org = viewer.organization
        county_id = org.county_id if org is not None else None
        events = events.filter(models.Q(county_id=county_id) | models.Q(county__isnull=True))
        if not reads_county_log(viewer):
            events = events.exclude(action__startswith="auth.")
    if hide_actions:
        events = events.exclude(action__in=hide_actions)
    return describe(list(events.select_related("actor").order_by("-created_at", "-seq")[:limit]))


def event_list(*, user: Any) -> models.QuerySet[AuditEvent]:
    """The county's trail, newest first; AuditEventFilter narrows it."""
    return (
        AuditEvent.objects.visible_to(user)
        .select_related("actor", "organization")
        .order_by("-created_at", "-seq")
    )


@dataclass(frozen=True)
class Verification:
    at: Any  # datetime of the oldest last check among the viewer's chains; None: never
    events: int
    broken: bool


def last_verification(viewer: Any) -> Verification:
    """How the viewer's county's trail (the platform administrator: every trail) was last
    verified, in one line for the audit page. One query."""
    from django.db.models import Count, Min, Q, Sum

    from safeserve.audit.models import AuditChain

    chains = AuditChain.objects.all()
    if not viewer.is_superuser:
        org = viewer.organization
        chains = chains.filter(county_id=org.county_id if org is not None else None)
    summary = chains.aggregate(
        at=Min("verified_at"),
        never=Count("key", filter=Q(verified_at__isnull=True)),
        events=Sum("verified_events"),
        broken=Count("key", filter=~Q(verified_problem="")),
    )
    return Verification(
        at=None if summary["never"] else summary["at"],
        events=summary["events"] or 0,
        broken=bool(summary["broken"]),
    )
