"""The one FilterSet of the technical-report list (page, export and API alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import IdFilter, ListFilterSet
from safeserve.documents.models import ReportStatus, TechnicalReport


class TechnicalReportFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, empty_label=_("All states")
    )
    q = django_filters.CharFilter(label=_("Number or enterprise"), method="filter_q")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    task = IdFilter(label=_("Task"), field_name="task_id")
    enterprise = IdFilter(label=_("Enterprise"), field_name="enterprise_id")

    class Meta:
        model = TechnicalReport
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[TechnicalReport], name: str, value: str) -> Any:
        text = value.strip()[:60]
        if not text:
            return queryset
        return queryset.filter(Q(number__icontains=text) | Q(enterprise__name__icontains=text))
