"""What the hazard statistics put in a person's 待办 (safeserve/common/todo.py): a unit's
draft to submit (its leader), a submitted one to receive or return (the county office), and
— before any draft exists — the period whose figures are due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.common.models import statistics_due
from safeserve.common.todo import TodoNote, TodoRow, register_todo_notes, register_todo_rows
from safeserve.organizations.models import ACTING_ROLES, PURCHASER_KINDS, Role
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission, period_label
from safeserve.supervision.statistics import last_ended_quarter
from safeserve.supervision.workflows import STATISTICS

# A period's figures are asked for from its end until this long after they were due.
NOTE_AFTER_DUE = dt.timedelta(days=60)


def _submissions(user: Any, status: str) -> Any:
    return (
        StatisticsSubmission.objects.visible_to(user)
        .filter(status=status)
        .select_related("organization")
        .order_by("due_on", "pk")
    )


def _title(submission: StatisticsSubmission) -> str:
    return f"{submission.organization.name} · {submission.period_label}"


def _url(submission: StatisticsSubmission) -> str:
    return reverse("statistics:submission", args=[submission.pk])


register_todo_rows(
    [
        TodoRow(
            key="statistics.submit",
            table=STATISTICS,
            verbs=("submit",),
            label=gettext_lazy("Submit the hazard statistics"),
            candidates=lambda user: (
                _submissions(user, StatisticsStatus.DRAFT)
                if user.role == Role.LEADER
                else StatisticsSubmission.objects.none()
            ),
            title=_title,
            url=_url,
            due=lambda s: s.due_on,
            homework=True,  # the period must end first; then it is the leader's to send
        ),
        TodoRow(
            key="statistics.receive",
            table=STATISTICS,
            verbs=("receive", "return"),
            label=gettext_lazy("Receive hazard statistics"),
            candidates=lambda user: _submissions(user, StatisticsStatus.SUBMITTED),
            title=_title,
            url=_url,
            since=lambda s: s.submitted_at,
        ),
    ]
)


def due_periods(today: dt.date) -> list[tuple[int, int]]:
    """The periods whose figures may be due now: the last ended quarter and the last year
    (its due date, county policy, may be any month of this one; callers keep those due
    soon or lately)."""
    return [last_ended_quarter(today), (today.year - 1, 0)]


def statistics_due_notes(user: Any) -> list[TodoNote]:
    """A township or department that has not started the submission of a period that has
    ended (one query)."""
    org = getattr(user, "organization", None)
    if org is None or org.kind not in PURCHASER_KINDS or user.role not in ACTING_ROLES:
        return []
    today = timezone.localdate()
    periods = [
        (year, quarter, statistics_due(org.county_id, year, quarter))
        for year, quarter in due_periods(today)
    ]
    periods = [p for p in periods if today <= p[2] + NOTE_AFTER_DUE]
    if not periods:
        return []
    started = Q()
    for year, quarter, _due in periods:
        started |= Q(year=year, quarter=quarter)
    begun = set(
        StatisticsSubmission.objects.filter(started, organization_id=org.pk)
        .exclude(status=StatisticsStatus.RETURNED)
        .values_list("year", "quarter")
    )
    return [
        TodoNote(
            gettext_lazy("Hazard statistics due"),
            _("Submit the hazard statistics of %(period)s to the county office by %(day)s")
            % {"period": period_label(year, quarter), "day": due.isoformat()},
            reverse("statistics:index") + f"?year={year}&quarter={quarter}",
        )
        for year, quarter, due in periods
        if (year, quarter) not in begun
    ]


register_todo_notes(statistics_due_notes)
