"""The one FilterSet of the technical-report list (page, export and API alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet
from safeserve.documents.models import (
    OPEN_REPORT_STATUSES,
    ReportStatus,
    TechnicalReport,
)


class TechnicalReportFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, empty_label=_("All states")
    )
    q = django_filters.CharFilter(label=_("Number or enterprise"), method="filter_q")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    task = IdFilter(label=_("Task"), field_name="task_id")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")
    late = FlagFilter(label=_("Late"), method="filter_late")

    class Meta:
        model = TechnicalReport
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[TechnicalReport], name: str, value: str) -> Any:
        text = value.strip()[:60]
        if not text:
            return queryset
        return queryset.filter(Q(number__icontains=text) | Q(enterprise__name__icontains=text))

    def filter_late(self, queryset: QuerySet[TechnicalReport], name: str, value: bool) -> Any:
        late = late_reports(self.user)
        return queryset.filter(late) if value else queryset.exclude(late)


def late_reports(user: Any) -> Q:
    """The first version issued after its due date, or still not issued past it (R13, R16:
    by the end of the local day the county's report days after the findings)."""
    unissued = Q(status__in=OPEN_REPORT_STATUSES, due_on__lt=timezone.localdate())
    return Q(version=1) & (Q(issued_late=True) | unissued)
