"""The demo's hazard statistics (issue 16): the last ended quarter submitted by every township
and department of the demo county — each by its leader, on time and received by the county
office — except one township, which sent its figures four days late and waits to be received.
A unit without a leader in the demo gets a statistics clerk's account (no password: it exists
to have sent them)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.common.models import statistics_due
from safeserve.demo.clock import travel
from safeserve.organizations.models import PURCHASER_KINDS, Organization, Region, Role
from safeserve.supervision import statistics_services as services
from safeserve.supervision.models import StatisticsSubmission
from safeserve.supervision.statistics import last_ended_quarter

DEMO_COUNTY = "安平县"
LATE_DAYS = 4


def _leader(unit: Organization, index: int) -> User:
    leader = User.objects.filter(organization=unit, role=Role.LEADER, is_active=True).first()
    if leader is not None:
        return leader
    clerk = User(
        username=f"stats_{unit.region.code if unit.region else unit.pk}_{index}",
        full_name=f"{unit.name.removeprefix(DEMO_COUNTY)[:20]}统计负责人",
        organization=unit,
        role=Role.LEADER,
    )
    clerk.set_unusable_password()
    clerk.save()
    return clerk


def seed_statistics() -> dict[str, int]:
    county = Region.objects.filter(name=DEMO_COUNTY).first()
    if county is None:
        return {}
    year, quarter = last_ended_quarter()
    if StatisticsSubmission.objects.filter(county=county, year=year, quarter=quarter).exists():
        return {}
    due = statistics_due(county.pk, year, quarter)
    units = list(
        Organization.objects.filter(county=county, kind__in=PURCHASER_KINDS, is_active=True)
        .select_related("region")
        .order_by("kind", "name")
    )
    townships = [u for u in units if u.kind == "township"]
    late_unit = townships[-1] if townships else None
    officer = User.objects.get(username="county_officer")
    made = 0
    for index, unit in enumerate(units):
        leader = _leader(unit, index)
        late = unit == late_unit
        day = due + dt.timedelta(days=LATE_DAYS) if late else due - dt.timedelta(days=3 + index % 5)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, index % 60)))
        with travel(at):
            submission = services.statistics_open(actor=leader, year=year, quarter=quarter)
            services.statistics_submit(actor=leader, submission=submission)
        if not late:
            with travel(
                timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9)))
            ):
                services.statistics_receive(actor=officer, submission=submission)
        made += 1
    return {"hazard statistics submissions": made}
