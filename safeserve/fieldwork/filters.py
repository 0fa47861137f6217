"""The filters of fieldwork's lists: service tasks, fee reports and document requests — each
the API's filterset and the page's filter bar (safeserve/common/filters.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet
from safeserve.common.forms import DATE
from safeserve.fieldwork.models import (
    DocumentRequest,
    DocumentRequestKind,
    DocumentRequestStatus,
    FeeComplaint,
    FeeComplaintStatus,
    ServiceTask,
    TaskKind,
    TaskStatus,
    Timeliness,
    answered_late,
    timeliness,
)


class TaskFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=TaskStatus.choices, empty_label=_("All states")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Task kind"), choices=TaskKind.choices, empty_label=_("All kinds")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="planned_date", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("Until"), field_name="planned_date", lookup_expr="lte", widget=DATE
    )
    mine = FlagFilter(label=_("Assigned to me"), method="filter_mine")
    timeliness = django_filters.ChoiceFilter(
        label=_("Timeliness"),
        choices=Timeliness.choices,
        empty_label=_("On time or not"),
        method="filter_timeliness",
    )
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")
    expert = IdFilter(label=_("Expert"), method="filter_expert")

    # What the task tally can count too (the list's total past 10,000 rows).
    tallied = ("status", "kind")

    class Meta:
        model = ServiceTask
        fields: list[str] = []

    def filter_timeliness(self, queryset: QuerySet[ServiceTask], name: str, value: str) -> Any:
        return queryset.filter(timeliness(value, timezone.localdate()))

    def filter_expert(self, queryset: QuerySet[ServiceTask], name: str, value: int) -> Any:
        team = queryset.filter(assignments__expert_id=value).values("pk")
        return queryset.filter(pk__in=team)

    def filter_mine(self, queryset: QuerySet[ServiceTask], name: str, value: bool) -> Any:
        user_id = getattr(self.user, "pk", None) or 0  # no user, nobody's tasks
        mine = queryset.filter(assignments__expert__user_id=user_id).values("pk")
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)


class FeeComplaintFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=FeeComplaintStatus.choices, empty_label=_("All states")
    )
    demanded_from = django_filters.DateFilter(
        label=_("Demanded from"), field_name="demanded_on", lookup_expr="gte", widget=DATE
    )
    demanded_to = django_filters.DateFilter(
        label=_("Demanded until"), field_name="demanded_on", lookup_expr="lte", widget=DATE
    )
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")

    class Meta:
        model = FeeComplaint
        fields: list[str] = []


class DocumentRequestFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DocumentRequestStatus.choices, empty_label=_("All states")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Request"), choices=DocumentRequestKind.choices, empty_label=_("All kinds")
    )
    due_from = django_filters.DateFilter(
        label=_("Answer due from"), field_name="due_date", lookup_expr="gte", widget=DATE
    )
    due_to = django_filters.DateFilter(
        label=_("Answer due until"), field_name="due_date", lookup_expr="lte", widget=DATE
    )
    late = FlagFilter(label=_("Answered late or not at all"), method="filter_late")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")

    class Meta:
        model = DocumentRequest
        fields: list[str] = []

    def filter_late(self, queryset: QuerySet[DocumentRequest], name: str, value: bool) -> Any:
        late = answered_late(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)
