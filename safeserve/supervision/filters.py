from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.common.filters import FlagFilter, ListFilterSet
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission


def _quarters() -> list[tuple[str, str]]:
    """Read when the form is built, in the reader's language."""
    return [("0", str(_("Whole year"))), *[(str(q), _("Q%(q)d") % {"q": q}) for q in range(1, 5)]]


class StatisticsSubmissionFilter(ListFilterSet):
    year = django_filters.NumberFilter(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    quarter = django_filters.ChoiceFilter(
        label=gettext_lazy("Quarter"), choices=_quarters, empty_label=gettext_lazy("All periods")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=StatisticsStatus.choices,
        empty_label=gettext_lazy("All states"),
    )
    late = FlagFilter(label=gettext_lazy("Late only"), method="filter_late")

    class Meta:
        model = StatisticsSubmission
        fields: list[str] = []

    def filter_late(
        self, queryset: QuerySet[StatisticsSubmission], name: str, value: bool
    ) -> QuerySet[StatisticsSubmission]:
        return queryset.filter(late=True) if value else queryset
