"""The enterprise directory's filters: the API's filterset, the page's filter bar and the
export's selection (safeserve/common/filters.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.filters import FlagFilter, ListFilterSet, NamedChoiceFilter
from safeserve.enterprises import selectors
from safeserve.enterprises.models import Enterprise, EnterpriseStatus
from safeserve.organizations.models import Region

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _townships(request: HttpRequest | None) -> QuerySet[Region]:
    """Only the townships the viewer may pick: another county's are neither shown nor
    accepted (a 400 in the API, the field's message on the page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Region.objects.none()
    return selectors.townships_for(user)


class EnterpriseFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Name, code or pinyin initials"), method="filter_q", max_length=100
    )
    township = NamedChoiceFilter(
        label=_("Township"), queryset=_townships, empty_label=_("All townships")
    )
    sector = django_filters.ChoiceFilter(
        label=_("Sector"),
        choices=[
            (selectors.ANY_HIGH_RISK, _("Any high-risk sector")),
            (selectors.NOT_HIGH_RISK, _("Not high-risk")),
            *HighRiskSector.choices,
        ],
        empty_label=_("All sectors"),
        method="filter_sector",
    )
    is_key = FlagFilter(
        label=_("Key"),
        widget=forms.Select(
            choices=[("", _("All")), ("1", _("Key enterprises")), ("0", _("Others"))]
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EnterpriseStatus.choices, empty_label=_("All")
    )
    dust_explosion = FlagFilter(label=_("Combustible dust"))
    ammonia_refrigeration = FlagFilter(label=_("Ammonia refrigeration"))
    confined_space = FlagFilter(label=_("Confined spaces"))

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Enterprise], name: str, value: str) -> Any:
        return queryset.filter(selectors.search_filter(value)) if value.strip() else queryset

    def filter_sector(self, queryset: QuerySet[Enterprise], name: str, value: str) -> Any:
        if value == selectors.ANY_HIGH_RISK:  # the home page's 高危行业企业 counter
            return queryset.exclude(sector="")
        return queryset.filter(sector="" if value == selectors.NOT_HIGH_RISK else value)


def _label(form: forms.Form, name: str) -> str:
    return str(form.fields[name].label) if name in form.fields else name


def enterprises_matching(*, viewer: User, data: Mapping[str, Any]) -> QuerySet[Enterprise]:
    """The viewer's enterprises that ``data`` selects, for a service acting on every match
    (outside a list's request). Bad input is refused rather than left out, so a mistyped
    filter never widens what the service acts on."""
    request = HttpRequest()
    request.user = viewer
    filters = EnterpriseFilter(
        dict(data), queryset=selectors.enterprise_list(viewer=viewer), request=request
    )
    if not filters.is_valid():
        form = filters.form
        raise ApplicationError(
            "invalid_filter",
            gettext("The filter cannot be read: %(errors)s")
            % {
                "errors": "；".join(
                    f"{_label(form, name)}：{' '.join(messages)}"
                    for name, messages in form.errors.items()
                )
            },
            errors={name: list(messages) for name, messages in form.errors.items()},
            status=400,
        )
    return filters.qs
