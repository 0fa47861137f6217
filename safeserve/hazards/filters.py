"""The filters of the hazard loop's lists: hazards, notices and major-hazard reports — each the
API's filterset and the page's filter bar (safeserve/common/filters.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet
from safeserve.common.forms import DATE
from safeserve.hazards.models import (
    Hazard,
    HazardLevel,
    HazardStatus,
    MajorHazardReport,
    Notice,
    ReportStatus,
    SupervisionLevel,
)

NOT_SUPERVISED = "none"


def _late(today: Any) -> Q:
    return Q(deadline__lt=today) & ~Q(status=HazardStatus.CLOSED)


# Closed by its deadline (R11): what evaluations count as rectified in time (R16).
CLOSED_IN_TIME = Q(status=HazardStatus.CLOSED, closed_at__date__lte=models.F("deadline"))


class HazardFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HazardStatus.choices, empty_label=_("All states")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=HazardLevel.choices, empty_label=_("All levels")
    )
    open = FlagFilter(label=_("Open only"), method="filter_open")
    overdue = FlagFilter(label=_("Overdue only"), method="filter_overdue")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    task = IdFilter(label=_("Task"), field_name="task_id")
    found_from = django_filters.DateFilter(
        label=_("Found from"), field_name="found_at__date", lookup_expr="gte", widget=DATE
    )
    found_to = django_filters.DateFilter(
        label=_("Found until"), field_name="found_at__date", lookup_expr="lte", widget=DATE
    )
    due_from = django_filters.DateFilter(
        label=_("Deadline from"), field_name="deadline", lookup_expr="gte", widget=DATE
    )
    due_to = django_filters.DateFilter(
        label=_("Deadline until"), field_name="deadline", lookup_expr="lte", widget=DATE
    )
    closed_in_time = FlagFilter(label=_("Closed by the deadline"), method="filter_in_time")
    closed_from = django_filters.DateFilter(
        label=_("Closed from"), field_name="closed_at__date", lookup_expr="gte", widget=DATE
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed until"), field_name="closed_at__date", lookup_expr="lte", widget=DATE
    )
    # What the hazard tally can count too (the list's total past 10,000 rows).
    tallied = ("status", "level", "open")

    class Meta:
        model = Hazard
        fields: list[str] = []

    def filter_in_time(self, queryset: QuerySet[Hazard], name: str, value: bool) -> Any:
        return queryset.filter(CLOSED_IN_TIME) if value else queryset.exclude(CLOSED_IN_TIME)

    def filter_open(self, queryset: QuerySet[Hazard], name: str, value: bool) -> Any:
        closed = Q(status=HazardStatus.CLOSED)
        return queryset.exclude(closed) if value else queryset.filter(closed)

    def filter_overdue(self, queryset: QuerySet[Hazard], name: str, value: bool) -> Any:
        late = _late(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class NoticeFilter(ListFilterSet):
    waiting = FlagFilter(label=_("Waiting for the enterprise"), method="filter_waiting")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    task = IdFilter(label=_("Task"), field_name="task_id")

    class Meta:
        model = Notice
        fields: list[str] = []

    def filter_waiting(self, queryset: QuerySet[Notice], name: str, value: bool) -> Any:
        waiting = Exists(
            Hazard.objects.filter(notice_id=OuterRef("pk"), status=HazardStatus.NOTIFIED)
        )
        return queryset.filter(waiting) if value else queryset.exclude(waiting)


class ReportFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, empty_label=_("All states")
    )
    late = FlagFilter(label=_("Sent late"), field_name="sent_late")
    overdue = FlagFilter(label=_("Not sent, past the due time"), method="filter_overdue")
    open = FlagFilter(label=_("Hazard not closed"), method="filter_open")
    supervision_level = django_filters.ChoiceFilter(
        label=_("supervision level"),
        choices=[*SupervisionLevel.choices, (NOT_SUPERVISED, _("Not listed for supervision"))],
        empty_label=_("Any supervision"),
        method="filter_level",
    )
    department = IdFilter(label=_("Responsible department"), field_name="department_id")
    contract = IdFilter(label=_("Contract"), field_name="hazard__contract_id")
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_at__date", lookup_expr="gte", widget=DATE
    )
    due_to = django_filters.DateFilter(
        label=_("Due until"), field_name="due_at__date", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = MajorHazardReport
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[MajorHazardReport], name: str, value: bool) -> Any:
        unsent = Q(sent_at__isnull=True, due_at__lt=timezone.now())
        return queryset.filter(unsent) if value else queryset.exclude(unsent)

    def filter_open(self, queryset: QuerySet[MajorHazardReport], name: str, value: bool) -> Any:
        closed = Q(hazard__status=HazardStatus.CLOSED)
        return queryset.exclude(closed) if value else queryset.filter(closed)

    def filter_level(self, queryset: QuerySet[MajorHazardReport], name: str, value: str) -> Any:
        return queryset.filter(supervision_level="" if value == NOT_SUPERVISED else value)
