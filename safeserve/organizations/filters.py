"""The filters of the organizations app's lists: organizations (the page, the API and the
export) and regions (the API) — safeserve/common/filters.py."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel


class OrganizationFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Name"), field_name="name", lookup_expr="icontains", max_length=120
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=OrganizationKind.choices, empty_label=_("All kinds")
    )
    is_active = FlagFilter(
        label=_("Status"),
        widget=forms.Select(choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))]),
    )
    # What the API took before the page and the API shared one filter: kept, not shown.
    name = django_filters.CharFilter(
        label=_("Name"), lookup_expr="icontains", max_length=120, widget=forms.HiddenInput
    )
    county = IdFilter(label=_("County"), field_name="county_id")
    region = IdFilter(label=_("Region"), field_name="region_id")

    class Meta:
        model = Organization
        fields: list[str] = []


class RegionFilter(ListFilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=RegionLevel.choices)
    parent = IdFilter(label=_("Parent region"), field_name="parent_id")
    code = django_filters.CharFilter(label=_("Code"), lookup_expr="startswith", max_length=12)
    name = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains", max_length=60)

    class Meta:
        model = Region
        fields: list[str] = []
