"""The hazard statistics' notifications: a period's figures due within a week (or late), to
the townships and departments that have not sent them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.models import statistics_due
from safeserve.notifications.registry import Kind, Occasion, register_kinds
from safeserve.organizations.models import PURCHASER_KINDS, Organization
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission, period_label
from safeserve.supervision.todo import due_periods

WARNING_DAYS = 7


def statistics_due_soon(now: dt.datetime) -> Iterator[Occasion]:
    """Each unit without a sent submission of a period due within a week or already past
    (up to a week): once per period and due date."""
    today = timezone.localdate(now)
    periods = due_periods(today)
    units = list(Organization.objects.filter(kind__in=PURCHASER_KINDS, is_active=True))
    sent = set(
        StatisticsSubmission.objects.filter(
            status__in=(StatisticsStatus.SUBMITTED, StatisticsStatus.RECEIVED),
            year__in={year for year, _q in periods},
        ).values_list("organization_id", "year", "quarter")
    )
    dues = {
        (county, year, quarter): statistics_due(county, year, quarter)
        for county in {unit.county_id for unit in units}
        for year, quarter in periods
    }
    for unit in units:
        for year, quarter in periods:
            due = dues[(unit.county_id, year, quarter)]
            if not due - dt.timedelta(days=WARNING_DAYS) <= today <= due + dt.timedelta(days=7):
                continue
            if (unit.pk, year, quarter) in sent:
                continue
            yield Occasion(
                obj=unit,
                key=f"{year}-{quarter}:{due}",
                params={"period": period_label(year, quarter), "date": due.isoformat()},
                url=reverse("statistics:index") + f"?year={year}&quarter={quarter}",
                county_id=unit.county_id,
                organizations=(unit.pk,),
            )


register_kinds(
    [
        Kind(
            key="statistics_due",
            label=_("Hazard statistics due"),
            subject=_(
                "The hazard statistics of %(period)s are due at the county office by %(date)s"
            ),
            due=statistics_due_soon,
            order=42,
            icon="bi-table",
        )
    ]
)
