"""The filters of the register's lists: providers, their qualifications and the experts — each
the API's filterset and the page's filter bar (safeserve/common/filters.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.common.filters import FlagFilter, IdFilter, ListFilterSet, NamedChoiceFilter
from safeserve.common.lib.crypto import blind_index
from safeserve.providers.models import (
    AdmissionStatus,
    EmployerChange,
    EmployerChangeStatus,
    Expert,
    ExpertPoolMembership,
    PoolStatus,
    Provider,
    ProviderAdmission,
    Qualification,
    QualificationType,
    Specialty,
)
from safeserve.providers.permissions import works_for_a_provider

ADMISSION = [
    ("admitted", _("Admitted")),
    ("applying", _("Applying")),
    ("not_admitted", _("Not admitted")),
]
POOL = [
    ("admitted", _("In the pool")),
    ("suspended", pgettext_lazy("expert pool", "Suspended")),
    ("none", _("Not in the pool")),
]


def county_of(user: Any) -> int | None:
    """The county whose register and pool the viewer reads (None: no county, nothing)."""
    org = getattr(user, "organization", None)
    return org.county_id if org is not None else None


def valid_on(day: Any) -> Q:
    """A qualification that still counts on ``day`` (the register's "valid" — not expired)."""
    return Q(valid_to__gte=day)


class ProviderFilter(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    admission = django_filters.ChoiceFilter(
        label=_("Register"), choices=ADMISSION, empty_label=_("All"), method="filter_admission"
    )
    qualification = django_filters.ChoiceFilter(
        label=_("Valid qualification"),
        choices=QualificationType.choices,
        empty_label=_("Any"),
        method="filter_qualification",
    )
    # What the API took before the page and the API shared one filter: kept, not shown.
    name = django_filters.CharFilter(
        label=_("Name"), lookup_expr="contains", widget=forms.HiddenInput
    )
    uscc = django_filters.CharFilter(
        label=_("Unified social credit code"), widget=forms.HiddenInput
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Provider], name: str, value: str) -> Any:
        return queryset.filter(Q(name__contains=value) | Q(uscc__startswith=value.upper()))

    def filter_admission(self, queryset: QuerySet[Provider], name: str, value: str) -> Any:
        # In the viewer's county; without an entry there a provider is not admitted.
        admitted = Exists(
            ProviderAdmission.objects.filter(
                provider=OuterRef("pk"),
                county_id=county_of(self.user),
                status=AdmissionStatus.ADMITTED,
            )
        )
        if value == "applying":
            return queryset.filter(
                Exists(
                    ProviderAdmission.objects.filter(
                        provider=OuterRef("pk"),
                        county_id=county_of(self.user),
                        status=AdmissionStatus.APPLYING,
                    )
                )
            )
        return queryset.filter(admitted if value == "admitted" else ~admitted)

    def filter_qualification(self, queryset: QuerySet[Provider], name: str, value: str) -> Any:
        held = Qualification.objects.filter(provider=OuterRef("pk"), type=value).filter(
            valid_on(timezone.localdate())
        )
        return queryset.filter(Exists(held))


class QualificationFilter(ListFilterSet):
    provider = IdFilter(label=_("Provider"), field_name="provider_id")
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=QualificationType.choices, empty_label=_("Any")
    )
    valid = FlagFilter(label=_("Valid qualification"), method="filter_valid")

    class Meta:
        model = Qualification
        fields: list[str] = []

    def filter_valid(self, queryset: QuerySet[Qualification], name: str, value: bool) -> Any:
        valid = valid_on(timezone.localdate())
        return queryset.filter(valid) if value else queryset.exclude(valid)


def _employers(request: HttpRequest | None) -> QuerySet[Provider]:
    """The employers of the experts the viewer sees: no other names than the list's."""
    user = getattr(request, "user", None)
    if user is None:
        return Provider.objects.none()
    shown = Expert.objects.visible_to(user).values("employer_id")
    return Provider.objects.filter(pk__in=shown).order_by("name")


class ExpertFilter(ListFilterSet):
    q = django_filters.CharFilter(label=_("Name or title"), method="filter_q")
    specialty = django_filters.ChoiceFilter(
        label=_("Specialty"),
        field_name="specialties__specialty",
        choices=Specialty.choices,
        empty_label=_("All"),
    )
    pool = django_filters.ChoiceFilter(
        label=_("Pool"), choices=POOL, empty_label=_("All"), method="filter_pool"
    )
    employer = NamedChoiceFilter(
        label=_("Employing provider"), queryset=_employers, empty_label=_("All")
    )
    is_active = FlagFilter(label=_("Active only"))
    # Exact only, through the blind index: the stored number is encrypted.
    id_number = django_filters.CharFilter(
        label=_("ID number (exact)"), method="filter_id_number", max_length=18
    )
    # What the API took before the page and the API shared one filter: kept, not shown.
    name = django_filters.CharFilter(
        label=_("Name"), lookup_expr="contains", widget=forms.HiddenInput
    )

    class Meta:
        model = Expert
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if works_for_a_provider(self.user):  # a provider sees its own experts only: one employer
            self.form.fields["employer"].widget = forms.HiddenInput()

    def filter_q(self, queryset: QuerySet[Expert], name: str, value: str) -> Any:
        return queryset.filter(Q(name__contains=value) | Q(title__contains=value))

    def filter_id_number(self, queryset: QuerySet[Expert], name: str, value: str) -> Any:
        return queryset.filter(id_number_index=blind_index(value))

    def filter_pool(self, queryset: QuerySet[Expert], name: str, value: str) -> Any:
        # Membership of the viewer's county's pool.
        memberships = ExpertPoolMembership.objects.filter(
            expert=OuterRef("pk"), county_id=county_of(self.user)
        )
        if value == "none":
            return queryset.filter(~Exists(memberships))
        status = PoolStatus.ADMITTED if value == "admitted" else PoolStatus.SUSPENDED
        return queryset.filter(Exists(memberships.filter(status=status)))


class EmployerChangeFilter(ListFilterSet):
    q = django_filters.CharFilter(label=_("Expert or provider"), method="filter_q")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EmployerChangeStatus.choices, empty_label=_("All")
    )
    # Exact only, through the expert's blind index: the stored number is encrypted.
    id_number = django_filters.CharFilter(
        label=_("ID number (exact)"), method="filter_id_number", max_length=18
    )

    class Meta:
        model = EmployerChange
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[EmployerChange], name: str, value: str) -> Any:
        from safeserve.providers.permissions import is_county_office_actor

        typed = Q(name__contains=value) | Q(to_provider__name__contains=value)
        if not is_county_office_actor(self.user):
            # The requester searches what it typed: matching the registered name or the
            # former employer would tell it who holds the record and where.
            return queryset.filter(typed)
        return queryset.filter(
            typed | Q(expert__name__contains=value) | Q(from_provider__name__contains=value)
        )

    def filter_id_number(self, queryset: QuerySet[EmployerChange], name: str, value: str) -> Any:
        return queryset.filter(expert__id_number_index=blind_index(value))
