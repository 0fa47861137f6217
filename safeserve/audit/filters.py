"""The audit trail page's filters: its filter bar and its export's selection
(safeserve/common/filters.py). There is no audit list in the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.audit.actions import action_choices, object_type_choices
from safeserve.audit.models import AuditDigest, AuditEvent, ExportJob, ExportStatus
from safeserve.common.filters import ListFilterSet
from safeserve.common.forms import DATE


class AuditEventFilter(ListFilterSet):
    # Callables: each app registers its actions and object types when it is imported.
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=action_choices, empty_label=_("All actions")
    )
    actor = django_filters.CharFilter(label=_("Actor"), method="filter_actor", max_length=150)
    object_type = django_filters.ChoiceFilter(
        label=_("Object type"), choices=object_type_choices, empty_label=_("All kinds")
    )
    object_id = django_filters.CharFilter(label=_("Object ID"), max_length=40)
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_actor(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        """The login name recorded with the event, or the name the page shows."""
        return queryset.filter(
            Q(actor_name__icontains=value) | Q(actor__full_name__icontains=value)
        )


class AuditDigestFilter(ListFilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="issued_at", lookup_expr="date__gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="issued_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = AuditDigest
        fields: list[str] = []


class ExportJobFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ExportStatus.choices, empty_label=_("All states")
    )

    class Meta:
        model = ExportJob
        fields: list[str] = []
