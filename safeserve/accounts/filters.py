"""The filters of the accounts app's lists: users (the page, the API and the export) and the
login log (the page and the export) — safeserve/common/filters.py."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safeserve.accounts.models import DeniedAccess, LoginLog, LoginResult, User
from safeserve.common.filters import FlagFilter, ListFilterSet, NamedChoiceFilter
from safeserve.common.forms import DATE
from safeserve.organizations.models import Organization, Role


def _organizations(request: HttpRequest | None) -> QuerySet[Organization]:
    """Only organizations whose users the viewer may see, in its data scope: another
    county's are neither shown nor accepted."""
    viewer = getattr(request, "user", None)
    if viewer is None or not viewer.is_authenticated:
        return Organization.objects.none()
    return (
        Organization.objects.visible_to(viewer)
        .filter(users__in=User.objects.visible_to(viewer))
        .distinct()
        .order_by("name")
    )


class UserFilter(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name or username"), method="filter_q", max_length=60)
    organization = NamedChoiceFilter(
        label=_("Organization"), queryset=_organizations, empty_label=_("All organizations")
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, empty_label=_("All roles")
    )
    is_active = FlagFilter(
        label=_("Status"),
        widget=forms.Select(choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))]),
    )
    # What the API took before the page and the API shared one filter: kept, not shown.
    username = django_filters.CharFilter(
        label=_("Username"), lookup_expr="icontains", max_length=60, widget=forms.HiddenInput
    )

    class Meta:
        model = User
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[User], name: str, value: str) -> Any:
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))


class LoginLogFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Username"), field_name="username", lookup_expr="icontains", max_length=150
    )
    result = django_filters.ChoiceFilter(
        label=_("Result"), choices=LoginResult.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = LoginLog
        fields: list[str] = []


class DeniedAccessFilter(ListFilterSet):
    q = django_filters.CharFilter(label=_("Username or address"), method="filter_q", max_length=150)
    status = django_filters.ChoiceFilter(
        label=_("Answer"),
        choices=[(403, _("403 refused")), (404, _("404 not found or out of scope"))],
        empty_label=_("All"),
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="minute", lookup_expr="date__gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="minute", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = DeniedAccess
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[DeniedAccess], name: str, value: str) -> Any:
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(user__full_name__icontains=value)
            | Q(ip__startswith=value)
        )
