"""The FilterSets of the evaluation lists (page, export and API alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet
from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationStatus,
    ExpertRating,
    Sanction,
    SanctionStatus,
    SubmissionStatus,
)
from safeserve.evaluations.rankings import Tier
from safeserve.providers.models import Expert, Provider


class EvaluationFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EvaluationStatus.choices, empty_label=_("All states")
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="period_end__year", min_value=2000, max_value=2100
    )
    passed = FlagFilter(label=_("Passed"), field_name="passed")
    q = django_filters.CharFilter(label=_("Contract or provider"), method="filter_q")
    third_party = FlagFilter(
        label=_("Third-party re-evaluation"),
        field_name="evaluator",
        lookup_expr="isnull",
        exclude=True,
    )
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    provider = IdFilter(label=_("Provider"), field_name="provider_id")

    class Meta:
        model = Evaluation
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Evaluation], name: str, value: str) -> Any:
        text = value.strip()[:60]
        if not text:
            return queryset
        from django.db.models import Q

        return queryset.filter(
            Q(contract__number__icontains=text) | Q(provider__name__icontains=text)
        )


class ExpertRatingFilter(ListFilterSet):
    contract = IdFilter(label=_("Contract"), field_name="contract_id")
    expert = IdFilter(label=_("Expert"), field_name="expert_id")

    class Meta:
        model = ExpertRating
        fields: list[str] = []


class SanctionFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SanctionStatus.choices, empty_label=_("All states")
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="evaluation__period_end__year", min_value=2000, max_value=2100
    )
    lift_proposed = FlagFilter(label=_("Lifting proposed"), field_name="lift_proposed")
    provider = IdFilter(label=_("Provider"), field_name="provider_id")
    contract = IdFilter(label=_("Contract"), field_name="contract_id")

    class Meta:
        model = Sanction
        fields: list[str] = []


class AnnualSubmissionFilter(ListFilterSet):
    year = django_filters.NumberFilter(label=_("Year"), min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SubmissionStatus.choices, empty_label=_("All states")
    )
    late = FlagFilter(label=_("Late"), field_name="late")
    purchaser = IdFilter(label=_("Purchaser"), field_name="purchaser_id")

    class Meta:
        model = AnnualSubmission
        fields: list[str] = []


class ProviderRankingFilter(ListFilterSet):
    tier = django_filters.ChoiceFilter(
        label=_("Tier"), choices=Tier.CHOICES, empty_label=_("All tiers"), field_name="tier"
    )
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = Provider
        fields: list[str] = []


class ExpertRankingFilter(ListFilterSet):
    tier = django_filters.ChoiceFilter(
        label=_("Tier"), choices=Tier.CHOICES, empty_label=_("All tiers"), field_name="tier"
    )
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    provider = IdFilter(label=_("Provider"), field_name="employer_id")

    class Meta:
        model = Expert
        fields: list[str] = []
