"""The filter of the contract list — the API's filterset and the page's filter bar
(safeserve/common/filters.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import ListFilterSet, NamedChoiceFilter
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.organizations.models import OrganizationKind
from safeserve.procurement.filters import YearFilter, hide, is_purchaser, purchasers_of
from safeserve.providers.models import Provider


def _providers(request: HttpRequest | None) -> QuerySet[Provider]:
    """The providers of the contracts the viewer sees: no other names than the list's."""
    user = getattr(request, "user", None)
    if user is None:
        return Provider.objects.none()
    shown = Contract.objects.visible_to(user).values("provider_id")
    return Provider.objects.filter(pk__in=shown).order_by("name")


class ContractFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ContractStatus.choices, empty_label=_("All states")
    )
    year = YearFilter(label=_("Year of service"), method="filter_year")
    purchaser = NamedChoiceFilter(
        label=_("Purchaser"),
        queryset=purchasers_of(lambda user: Contract.objects.visible_to(user)),
        empty_label=_("All"),
    )
    provider = NamedChoiceFilter(label=_("Provider"), queryset=_providers, empty_label=_("All"))

    class Meta:
        model = Contract
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = getattr(self.user, "organization", None)
        if is_purchaser(self.user):  # a purchaser sees its own contracts only
            hide(self, "purchaser")
        if org is not None and org.kind == OrganizationKind.PROVIDER:  # likewise a provider
            hide(self, "provider")

    def filter_year(self, queryset: QuerySet[Contract], name: str, value: int) -> Any:
        """The contracts in service during the year (a draft without a period is in none)."""
        return queryset.filter(period_start__year__lte=value, period_end__year__gte=value)
