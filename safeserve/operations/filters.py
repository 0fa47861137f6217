"""The counties list's filter (the platform administrator's): the page's filter bar, the
API's filterset and the export's selection (safeserve/common/filters.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import ListFilterSet
from safeserve.organizations.models import Region


class CountyFilter(ListFilterSet):
    # ``q``, not ``name``: the page's county form next to the filter bar has a ``name``.
    q = django_filters.CharFilter(label=_("Name or county code"), method="filter_q", max_length=60)

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Region], name: str, value: str) -> Any:
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(code__startswith=term))
