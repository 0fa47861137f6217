"""The filters of procurement's lists: purchase plans and purchase projects — each the API's
filterset and the page's filter bar (safeserve/common/filters.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import ServiceCategory
from safeserve.common.filters import ListFilterSet, NamedChoiceFilter
from safeserve.organizations.models import PURCHASER_KINDS, Organization
from safeserve.procurement.models import (
    PlanStatus,
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)


class YearFilter(django_filters.Filter):
    """A year of four digits; anything else is refused naming the field."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 2000)  # the years a plan may have (PlanForm)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


def purchasers_of(
    rows: Callable[[Any], QuerySet[Any]],
) -> Callable[[HttpRequest | None], QuerySet[Organization]]:
    """The choices of a purchaser filter: the purchasers of the rows the viewer sees, so the
    page never names another county's (or another purchaser's) units."""

    def choices(request: HttpRequest | None) -> QuerySet[Organization]:
        user = getattr(request, "user", None)
        if user is None:
            return Organization.objects.none()
        return Organization.objects.filter(pk__in=rows(user).values("purchaser_id")).order_by(
            "name"
        )

    return choices


def is_purchaser(user: Any) -> bool:
    org = getattr(user, "organization", None)
    return org is not None and org.kind in PURCHASER_KINDS


def hide(filterset: ListFilterSet, name: str) -> None:
    """Keeps a filter the viewer has no choice in out of the bar (the API still reads it)."""
    filterset.form.fields[name].widget = forms.HiddenInput()


class PlanFilter(ListFilterSet):
    year = YearFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PlanStatus.choices, empty_label=_("All states")
    )
    purchaser = NamedChoiceFilter(
        label=_("Purchaser"),
        queryset=purchasers_of(lambda user: PurchasePlan.objects.visible_to(user)),
        empty_label=_("All"),
    )

    class Meta:
        model = PurchasePlan
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_purchaser(self.user):  # a purchaser sees its own plans only
            hide(self, "purchaser")


class ProjectFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProjectStatus.choices, empty_label=_("All states")
    )
    category = django_filters.ChoiceFilter(
        label=_("Service category"),
        field_name="item__category",
        choices=ServiceCategory.choices,
        empty_label=_("All kinds"),
    )
    purchaser = NamedChoiceFilter(
        label=_("Purchaser"),
        queryset=purchasers_of(lambda user: PurchaseProject.objects.visible_to(user)),
        empty_label=_("All"),
    )

    class Meta:
        model = PurchaseProject
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_purchaser(self.user):
            hide(self, "purchaser")
