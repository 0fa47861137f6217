"""Fieldwork's notifications: a task tomorrow, to its experts and its provider."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.fieldwork.models import ServiceTask, TaskStatus
from safeserve.notifications.registry import Kind, Occasion, register_kinds


def tasks_tomorrow(now: dt.datetime) -> Iterator[Occasion]:
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    tasks = (
        ServiceTask.objects.filter(status=TaskStatus.PLANNED, planned_date=tomorrow)
        .select_related("enterprise")
        .prefetch_related("assignments__expert")
        .order_by("pk")
    )
    for task in tasks.iterator(chunk_size=500):
        yield Occasion(
            obj=task,
            key=f"{task.pk}:{task.planned_date}",
            params={
                "title": task.title,
                "date": task.planned_date.isoformat(),
                "enterprise": task.enterprise.name if task.enterprise else "—",
            },
            url=reverse("fieldwork:detail", args=[task.pk]),
            county_id=task.county_id,
            organizations=(task.provider_org_id,),
            users=tuple(a.expert.user_id for a in task.assignments.all() if a.expert.user_id),
        )


register_kinds(
    [
        Kind(
            key="task_tomorrow",
            label=_("Tasks tomorrow"),
            subject=_("Task tomorrow (%(date)s): %(title)s"),
            due=tasks_tomorrow,
            order=10,
            icon="bi-calendar-event",
        )
    ]
)
