from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, ListFilterSet
from safeserve.notifications.models import Notification
from safeserve.notifications.registry import kinds


def _kind_choices() -> list[tuple[str, Any]]:
    return [(kind.key, kind.label) for kind in kinds()]


class NotificationFilter(ListFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=_kind_choices, empty_label=_("All kinds")
    )
    unread = FlagFilter(label=_("Unread only"), method="filter_unread")
    sent_after = django_filters.DateFilter(
        label=_("Sent from"), field_name="created_at", lookup_expr="date__gte"
    )
    sent_before = django_filters.DateFilter(
        label=_("Sent until"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(
        self, queryset: QuerySet[Notification], name: str, value: bool
    ) -> QuerySet[Notification]:
        return queryset.filter(read_at__isnull=value)
