"""The figures beside each evaluation's criteria (R16), computed from the contract's data for the
evaluation's period — never typed. Each says what it counts and links to the list of those
rows, filtered by the very filters that list offers (fieldwork.models.timeliness,
hazards.filters.CLOSED_IN_TIME), so the list shows what the figure counts.

A fixed number of queries whatever the contract holds (aggregates, no rows read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.models import policy_for
from safeserve.contracts.models import Contract
from safeserve.documents.models import ISSUED_REPORT_STATUSES, ReportStatus, TechnicalReport
from safeserve.fieldwork.models import (
    DocumentRequest,
    FeeComplaint,
    FeeComplaintStatus,
    ServiceTask,
    TaskRating,
    Timeliness,
    answered_late,
    timeliness,
)
from safeserve.hazards.filters import CLOSED_IN_TIME
from safeserve.hazards.models import Hazard, HazardLevel, MajorHazardReport


@dataclass(frozen=True)
class Figure:
    """One number with what it counts and where its rows are listed."""

    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    figures: list[Figure]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _url(name: str, **params: Any) -> str:
    return reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return f"{Decimal(part * 100) / whole:.1f}%"


def compute(contract: Contract, start: dt.date, end: dt.date) -> list[Metric]:
    """The metrics of ``contract`` for the period ``start``–``end`` (inclusive), as of today."""
    today = timezone.localdate()
    cid, span = contract.pk, {"date_from": start, "date_to": end}
    tasks = ServiceTask.objects.filter(contract=contract, planned_date__range=(start, end)).filter(
        timeliness(Timeliness.PLANNED, today)
    )
    counted = tasks.aggregate(
        planned=Count("pk"),
        done=Count("pk", filter=timeliness(Timeliness.DONE, today)),
        on_time=Count("pk", filter=timeliness(Timeliness.ON_TIME, today)),
        late=Count("pk", filter=timeliness(Timeliness.LATE, today)),
        missed=Count("pk", filter=timeliness(Timeliness.MISSED, today)),
        visited=Count("enterprise", filter=timeliness(Timeliness.DONE, today), distinct=True),
    )
    covered = contract.coverage.count()
    tasks_url = "fieldwork:list"

    hazards = Hazard.objects.filter(contract=contract)
    found = hazards.filter(found_at__date__range=(start, end)).aggregate(
        found=Count("pk"), major=Count("pk", filter=Q(level=HazardLevel.MAJOR))
    )
    due = hazards.filter(deadline__range=(start, end)).aggregate(
        due=Count("pk"), in_time=Count("pk", filter=CLOSED_IN_TIME)
    )
    majors = MajorHazardReport.objects.filter(
        hazard__contract=contract, due_at__date__range=(start, end)
    ).aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(sent_at__isnull=False, sent_late=False)),
        late=Count("pk", filter=Q(sent_late=True)),
        unsent=Count("pk", filter=Q(sent_at__isnull=True, due_at__lt=timezone.now())),
    )
    report_days = policy_for(contract.county_id).report_due_days
    done_tasks = tasks.filter(timeliness(Timeliness.DONE, today))
    reports = TechnicalReport.objects.filter(task__in=done_tasks.values("pk")).aggregate(
        tasks=Count("task", distinct=True, filter=Q(status__in=ISSUED_REPORT_STATUSES)),
        # the first version issued by its due date (R13: the county's days after the findings)
        on_time=Count(
            "task",
            distinct=True,
            filter=Q(status__in=ISSUED_REPORT_STATUSES, version=1, issued_late=False),
        ),
        returned=Count(
            "task",
            distinct=True,
            filter=Q(status=ReportStatus.RETURNED)
            | Q(status=ReportStatus.SUPERSEDED, return_reason__gt=""),
        ),
    )
    ratings = TaskRating.objects.filter(task__in=tasks.values("pk")).aggregate(
        count=Count("pk"), average=Avg("score")
    )
    fees = FeeComplaint.objects.filter(
        contract=contract, demanded_on__range=(start, end), status=FeeComplaintStatus.CONFIRMED
    ).count()
    requests = DocumentRequest.objects.filter(
        contract=contract, due_date__range=(start, end)
    ).aggregate(count=Count("pk"), late=Count("pk", filter=answered_late(today)))

    average = ratings["average"]
    return [
        Metric(
            "coverage",
            _("Coverage"),
            [
                Figure(
                    _("Enterprises visited of those covered"),
                    f"{counted['visited']} / {covered}（{_share(counted['visited'], covered)}）",
                ),
                Figure(
                    _("Tasks done"),
                    str(counted["done"]),
                    _url(tasks_url, contract=cid, timeliness=Timeliness.DONE, **span),
                ),
            ],
        ),
        Metric(
            "tasks",
            _("Tasks on time"),
            [
                Figure(
                    _("Planned in the period"),
                    str(counted["planned"]),
                    _url(tasks_url, contract=cid, timeliness=Timeliness.PLANNED, **span),
                ),
                Figure(
                    _("Done on time"),
                    f"{counted['on_time']}（{_share(counted['on_time'], counted['planned'])}）",
                    _url(tasks_url, contract=cid, timeliness=Timeliness.ON_TIME, **span),
                ),
                Figure(
                    _("Done late"),
                    str(counted["late"]),
                    _url(tasks_url, contract=cid, timeliness=Timeliness.LATE, **span),
                ),
                Figure(
                    _("Not done by their date"),
                    str(counted["missed"]),
                    _url(tasks_url, contract=cid, timeliness=Timeliness.MISSED, **span),
                ),
            ],
        ),
        Metric(
            "hazards",
            _("Hazards found"),
            [
                Figure(
                    _("Found in the period"),
                    f"{found['found']}（{_('major')} {found['major']}）",
                    _url("hazards:list", contract=cid, found_from=start, found_to=end),
                ),
                Figure(
                    _("Per visit done"),
                    f"{Decimal(found['found']) / counted['done']:.1f}" if counted["done"] else "—",
                ),
            ],
        ),
        Metric(
            "rectification",
            _("Rectified by the deadline"),
            [
                Figure(
                    _("Deadline in the period"),
                    str(due["due"]),
                    _url("hazards:list", contract=cid, due_from=start, due_to=end),
                ),
                Figure(
                    _("Closed by the deadline"),
                    f"{due['in_time']}（{_share(due['in_time'], due['due'])}）",
                    _url(
                        "hazards:list",
                        contract=cid,
                        due_from=start,
                        due_to=end,
                        closed_in_time="yes",
                    ),
                ),
            ],
        ),
        Metric(
            "major_reports",
            _("Major-hazard reports sent on time"),
            [
                Figure(
                    _("Due in the period"),
                    str(majors["due"]),
                    _url("hazards:reports", contract=cid, due_from=start, due_to=end),
                ),
                Figure(
                    _("Sent on time"),
                    f"{majors['on_time']}（{_share(majors['on_time'], majors['due'])}）",
                ),
                Figure(
                    _("Sent late"),
                    str(majors["late"]),
                    _url("hazards:reports", contract=cid, due_from=start, due_to=end, late="yes"),
                ),
                Figure(_("Past due and not sent"), str(majors["unsent"])),
            ],
        ),
        Metric(
            "reports",
            _("Technical reports"),
            [
                Figure(
                    _("Tasks done with their report issued"),
                    f"{reports['tasks']} / {counted['done']}",
                ),
                Figure(
                    _("Issued within %(n)d days, first version") % {"n": report_days},
                    f"{reports['on_time']}（{_share(reports['on_time'], counted['done'])}）",
                ),
                Figure(_("Returned by the purchaser"), str(reports["returned"])),
            ],
        ),
        Metric(
            "ratings",
            _("Enterprise ratings"),
            [
                Figure(
                    _("Average of %(n)d ratings (1–5)") % {"n": ratings["count"]},
                    f"{average:.2f}" if average is not None else "—",
                )
            ],
        ),
        Metric(
            "fees",
            _("Fee demands confirmed"),
            [
                Figure(
                    _("Confirmed in the period"),
                    str(fees),
                    _url(
                        "fieldwork:fee_complaints",
                        contract=cid,
                        status="confirmed",
                        demanded_from=start,
                        demanded_to=end,
                    ),
                )
            ],
            note=_("R15: a provider may charge the enterprises nothing."),
        ),
        Metric(
            "requests",
            _("Document requests"),
            [
                Figure(
                    _("Answer due in the period"),
                    str(requests["count"]),
                    _url("fieldwork:document_requests", contract=cid, due_from=start, due_to=end),
                ),
                Figure(
                    _("Answered late or not at all"),
                    str(requests["late"]),
                    _url(
                        "fieldwork:document_requests",
                        contract=cid,
                        due_from=start,
                        due_to=end,
                        late="yes",
                    ),
                ),
            ],
        ),
    ]
