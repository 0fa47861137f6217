"""Hazards' notifications (issue 16): deadlines in 3 days and passed, extension requests
waiting, and — at once, in the event's own transaction — a major hazard raised and its report
sent; counted in hours, a major-hazard report due within 6 hours, overdue, or sent and not
acknowledged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.models import policy_for
from safeserve.hazards.models import (
    ExtensionRequest,
    ExtensionStatus,
    Hazard,
    HazardLevel,
    HazardStatus,
    MajorHazardReport,
    ReportStatus,
)
from safeserve.notifications.registry import Kind, Occasion, register_kinds
from safeserve.notifications.services import notify

DUE_SOON_DAYS = 3
OVERDUE_LOOKBACK_DAYS = 7  # a day the job missed is caught up; older ones were told then
REPORT_WARNING = dt.timedelta(hours=6)
# The enterprise's part: found, notified, rectifying (submitted waits on the verifier).
WAITING_ON_ENTERPRISE = (HazardStatus.FOUND, HazardStatus.NOTIFIED, HazardStatus.RECTIFYING)


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _hazard_params(hazard: Hazard) -> dict[str, str]:
    return {
        "number": hazard.number,
        "enterprise": hazard.enterprise.name,
        "deadline": hazard.deadline.isoformat(),
    }


def _hazard_url(hazard: Hazard) -> str:
    return reverse("hazards:detail", args=[hazard.pk])


def hazards_due_soon(now: dt.datetime) -> Iterator[Occasion]:
    """Open hazards whose deadline is within three days: to the enterprise and the
    provider; once per deadline (an extension reminds again)."""
    today = timezone.localdate(now)
    hazards = Hazard.objects.filter(
        status__in=WAITING_ON_ENTERPRISE,
        deadline__gt=today,
        deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
    )
    for hazard in hazards.select_related("enterprise").order_by("pk").iterator(chunk_size=500):
        yield Occasion(
            obj=hazard,
            key=f"{hazard.pk}:{hazard.deadline}",
            params=_hazard_params(hazard),
            url=_hazard_url(hazard),
            county_id=hazard.county_id,
            organizations=(hazard.enterprise.organization_id, hazard.provider_org_id),
        )


def hazards_overdue(now: dt.datetime) -> Iterator[Occasion]:
    """Open hazards past their deadline: to the enterprise, the provider and the purchaser,
    and a major one's responsible department; once per deadline."""
    today = timezone.localdate(now)
    hazards = Hazard.objects.filter(
        status__in=WAITING_ON_ENTERPRISE,
        deadline__lt=today,
        deadline__gte=today - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS),
    )
    for hazard in hazards.select_related("enterprise").order_by("pk").iterator(chunk_size=500):
        yield Occasion(
            obj=hazard,
            key=f"{hazard.pk}:{hazard.deadline}",
            params=_hazard_params(hazard),
            url=_hazard_url(hazard),
            county_id=hazard.county_id,
            organizations=(
                hazard.enterprise.organization_id,
                hazard.provider_org_id,
                hazard.purchaser_id,
                hazard.routed_department_id,
            ),
        )


def extensions_waiting(now: dt.datetime) -> Iterator[Occasion]:
    """Extension requests waiting for a decision: to who decides — the purchaser for a
    general hazard, the responsible department for a major one (WORKFLOWS.md "extend")."""
    requests = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).select_related(
        "hazard__enterprise", "hazard__major_report"
    )
    for request in requests.order_by("pk").iterator(chunk_size=500):
        hazard = request.hazard
        if hazard.level == HazardLevel.MAJOR:
            report = getattr(hazard, "major_report", None)
            decider = hazard.routed_department_id or (report.department_id if report else None)
        else:
            decider = hazard.purchaser_id
        yield Occasion(
            obj=hazard,
            key=str(request.pk),
            params={**_hazard_params(hazard), "date": request.new_deadline.isoformat()},
            url=_hazard_url(hazard),
            county_id=hazard.county_id,
            organizations=(decider,) if decider else (),
        )


def _report_params(report: MajorHazardReport) -> dict[str, str]:
    return {
        "number": report.hazard.number,
        "enterprise": report.hazard.enterprise.name,
        "due": _local(report.due_at),
        "sent": _local(report.sent_at),
        "department": report.department.name,
    }


def _report_occasion(
    report: MajorHazardReport, key: str, *orgs: int | None, office: bool = True
) -> Occasion:
    return Occasion(
        obj=report,
        key=key,
        params=_report_params(report),
        url=reverse("hazards:report", args=[report.pk]),
        county_id=report.county_id,
        organizations=tuple(pk for pk in orgs if pk),
        county_office=office,
    )


def _reports(**filters: object) -> Iterator[MajorHazardReport]:
    reports = MajorHazardReport.objects.filter(**filters).select_related(
        "hazard__enterprise", "department"
    )
    return reports.order_by("pk").iterator(chunk_size=500)


def _due_key(report: MajorHazardReport) -> str:
    return f"{report.pk}:{report.due_at:%Y%m%d%H%M}"


def reports_due_soon(now: dt.datetime) -> Iterator[Occasion]:
    """Drafts due within six hours: to the provider who sends it."""
    soon = _reports(status=ReportStatus.DRAFT, due_at__gt=now, due_at__lte=now + REPORT_WARNING)
    for report in soon:
        yield _report_occasion(report, _due_key(report), report.provider_org_id, office=False)


def reports_overdue(now: dt.datetime) -> Iterator[Occasion]:
    """Drafts past their due time (R12: late if sent after it): to the provider, the
    purchaser and the county office."""
    for report in _reports(status=ReportStatus.DRAFT, due_at__lte=now):
        yield _report_occasion(
            report, _due_key(report), report.provider_org_id, report.purchaser_id
        )


def reports_unacknowledged(now: dt.datetime) -> Iterator[Occasion]:
    """Sent and not acknowledged within the county's reporting hours (the department has as
    long to acknowledge as the provider had to send): to the department and the county
    office."""
    hours = {}
    for report in _reports(status=ReportStatus.SENT, sent_at__lte=now - dt.timedelta(hours=1)):
        if report.county_id not in hours:
            hours[report.county_id] = policy_for(report.county_id).major_hazard_report_hours
        if report.sent_at and report.sent_at + dt.timedelta(hours=hours[report.county_id]) <= now:
            yield _report_occasion(report, str(report.pk), report.department_id)


def major_hazard_raised(hazard: Hazard, report: MajorHazardReport) -> None:
    """At once, in the raising transaction: the provider (who must send the report), the
    purchaser and the county office. The department and the township are told when the
    report is sent: until then the hazard is not theirs to see (R12)."""
    notify(
        "major_hazard_raised",
        [
            Occasion(
                obj=hazard,
                key=str(hazard.pk),
                params={**_hazard_params(hazard), "due": _local(report.due_at)},
                url=_hazard_url(hazard),
                county_id=hazard.county_id,
                organizations=(hazard.provider_org_id, hazard.purchaser_id),
                county_office=True,
            )
        ],
    )


def major_report_sent(report: MajorHazardReport) -> None:
    """At once, in the sending transaction: the responsible department, the copied township,
    the purchaser and the county office."""
    notify(
        "major_report_sent",
        [
            _report_occasion(
                report,
                str(report.pk),
                report.department_id,
                report.copied_township_id,
                report.purchaser_id,
            )
        ],
    )


register_kinds(
    [
        Kind(
            key="hazard_due_soon",
            label=_("Hazard deadlines in 3 days"),
            subject=_("Hazard %(number)s at %(enterprise)s is to be rectified by %(deadline)s"),
            due=hazards_due_soon,
            order=20,
            icon="bi-hourglass-split",
        ),
        Kind(
            key="hazard_overdue",
            label=_("Overdue hazards"),
            subject=_(
                "Hazard %(number)s at %(enterprise)s is overdue: it was to be rectified by "
                "%(deadline)s"
            ),
            due=hazards_overdue,
            order=21,
            icon="bi-exclamation-circle",
        ),
        Kind(
            key="extension_waiting",
            label=_("Extension requests waiting"),
            subject=_(
                "Hazard %(number)s at %(enterprise)s: an extension to %(date)s waits for your "
                "decision"
            ),
            due=extensions_waiting,
            order=22,
            icon="bi-calendar-plus",
        ),
        Kind(
            key="major_hazard_raised",
            label=_("Major hazards raised"),
            subject=_(
                "Major hazard %(number)s raised at %(enterprise)s: its report is due by %(due)s"
            ),
            mandatory=True,
            order=1,
            icon="bi-exclamation-octagon",
        ),
        Kind(
            key="major_report_sent",
            label=_("Major-hazard reports sent"),
            subject=_(
                "The report on major hazard %(number)s at %(enterprise)s was sent to %(department)s"
            ),
            mandatory=True,
            order=2,
            icon="bi-send-exclamation",
        ),
        Kind(
            key="major_report_due",
            label=_("Major-hazard reports due within 6 hours"),
            subject=_("The report on major hazard %(number)s at %(enterprise)s is due by %(due)s"),
            due=reports_due_soon,
            hourly=True,
            mandatory=True,
            order=3,
            icon="bi-alarm",
        ),
        Kind(
            key="major_report_overdue",
            label=_("Major-hazard reports overdue"),
            subject=_(
                "The report on major hazard %(number)s at %(enterprise)s was due by %(due)s "
                "and has not been sent"
            ),
            due=reports_overdue,
            hourly=True,
            mandatory=True,
            order=4,
            icon="bi-alarm-fill",
        ),
        Kind(
            key="major_report_unacknowledged",
            label=_("Major-hazard reports not acknowledged"),
            subject=_(
                "The report on major hazard %(number)s at %(enterprise)s, sent %(sent)s, has "
                "not been acknowledged"
            ),
            due=reports_unacknowledged,
            hourly=True,
            mandatory=True,
            order=5,
            icon="bi-bell-fill",
        ),
    ]
)
