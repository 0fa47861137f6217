"""Providers' notifications: a qualification expiring within the county's warning period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.models import CountyPolicy
from safeserve.notifications.registry import Kind, Occasion, register_kinds
from safeserve.organizations.models import Organization, OrganizationKind
from safeserve.providers.models import Qualification


def qualifications_expiring(now: dt.datetime) -> Iterator[Occasion]:
    """Each county office, of the qualifications expiring within its policy's warning
    period; the provider with them (told once, whichever county's warning comes first)."""
    today = timezone.localdate(now)
    default = CountyPolicy._meta.get_field("qualification_warning_days").get_default()
    warnings = dict(CountyPolicy.objects.values_list("county_id", "qualification_warning_days"))
    counties = list(
        Organization.objects.filter(kind=OrganizationKind.COUNTY_OFFICE, is_active=True)
        .values_list("county_id", flat=True)
        .distinct()
    )
    if not counties:
        return
    longest = max(warnings.get(county, default) for county in counties)
    expiring = list(
        Qualification.objects.filter(
            valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=longest)
        )
        .select_related("provider")
        .order_by("valid_to", "pk")
    )
    for county in counties:
        until = today + dt.timedelta(days=warnings.get(county, default))
        for qualification in expiring:
            if qualification.valid_to > until:
                break
            provider = qualification.provider
            yield Occasion(
                obj=provider,
                key=f"{qualification.pk}:{qualification.valid_to}",
                params={
                    "provider": provider.name,
                    "certificate": qualification.certificate_no,
                    "type": str(qualification.get_type_display()),
                    "date": qualification.valid_to.isoformat(),
                },
                url=reverse("providers:detail", args=[provider.pk]),
                county_id=county,
                organizations=(provider.organization_id,),
                county_office=True,
            )


register_kinds(
    [
        Kind(
            key="qualification_expiring",
            label=_("Qualifications expiring"),
            subject=_(
                "%(provider)s: the qualification %(type)s %(certificate)s expires on %(date)s"
            ),
            due=qualifications_expiring,
            order=45,
            icon="bi-patch-exclamation",
        )
    ]
)
