"""Every write of the hazard statistics submissions (issue 16): open, note, submit, receive,
return — each through the verb table (workflows.STATISTICS) and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import statistics_due
from safeserve.evaluations import submissions
from safeserve.organizations.models import Organization
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission
from safeserve.supervision.statistics import hazard_statistics, period_bounds
from safeserve.supervision.workflows import STATISTICS, reporting_unit_of

NOTE_LIMIT = 2000


def period_or_error(year: Any, quarter: Any) -> tuple[int, int]:
    """A year from 2000 that has begun, and a quarter 1–4 (0 for the whole year) that has
    begun; else a 400 naming the field."""
    try:
        year_value = int(str(year).strip())
    except (TypeError, ValueError):
        year_value = 0
    today = timezone.localdate()
    if not 2000 <= year_value <= today.year:
        message = _("Enter a year from 2000 to %(year)d.") % {"year": today.year}
        raise ApplicationError("invalid_period", message, errors={"year": [message]}, status=400)
    try:
        quarter_value = int(str(quarter if quarter not in (None, "") else 0).strip())
    except (TypeError, ValueError):
        quarter_value = -1
    if not 0 <= quarter_value <= 4:
        message = _("Choose a quarter from 1 to 4, or the whole year.")
        raise ApplicationError("invalid_period", message, errors={"quarter": [message]}, status=400)
    if period_bounds(year_value, quarter_value)[0] > timezone.now():
        message = _("That quarter has not begun.")
        raise ApplicationError("invalid_period", message, errors={"quarter": [message]}, status=400)
    return year_value, quarter_value


def _lock(submission: StatisticsSubmission) -> StatisticsSubmission:
    return submissions.lock(submission, "organization")


@transaction.atomic
def statistics_open(*, actor: Any, year: Any, quarter: Any) -> StatisticsSubmission:
    """A township or department starts its submission of a period (a draft; one at a time;
    after a return, a new one that carries the note over)."""
    org = getattr(actor, "organization", None)
    require(org is not None and reporting_unit_of(actor, org.pk))
    assert org is not None
    year_value, quarter_value = period_or_error(year, quarter)
    Organization.objects.select_for_update().get(pk=org.pk)  # one opener at a time
    existing, returned = submissions.open_or_returned(
        StatisticsSubmission, organization_id=org.pk, year=year_value, quarter=quarter_value
    )
    if existing is not None:
        raise ApplicationError(
            "submission_exists",
            _("The statistics of %(period)s are already %(s)s.")
            % {"period": existing.period_label, "s": existing.get_status_display()},
        )
    submission = StatisticsSubmission.objects.create(
        county_id=org.county_id,
        organization=org,
        year=year_value,
        quarter=quarter_value,
        due_on=statistics_due(org.county_id, year_value, quarter_value),
        note=returned.note if returned else "",
        replaces=returned,
        created_by=actor,
    )
    audit_record(
        action="statistics.opened",
        actor=actor,
        obj=submission,
        after={
            "statistics_period": submission.period_label,
            "due_on": submission.due_on,
            "replaces": returned and returned.pk,
        },
    )
    return submission


@transaction.atomic
def statistics_note(
    *, actor: Any, submission: StatisticsSubmission, note: str
) -> StatisticsSubmission:
    locked = _lock(submission)
    STATISTICS.check("note", actor, locked)
    text = (note or "").replace("\r\n", "\n").strip()
    if len(text) > NOTE_LIMIT:
        message = _("The covering note is over %(n)d characters.") % {"n": NOTE_LIMIT}
        raise ApplicationError("invalid", message, errors={"note": [message]}, status=400)
    before = locked.note
    locked.note = text
    locked.save(update_fields=["note", "updated_at"])
    audit_record(
        action="statistics.noted",
        actor=actor,
        obj=locked,
        before={"note": before},
        after={"note": text},
    )
    return locked


@transaction.atomic
def statistics_submit(*, actor: Any, submission: StatisticsSubmission) -> StatisticsSubmission:
    """The unit's leader sends the figures as they stand (by sector, within the unit's own
    scope): they are frozen as sent, late after the due date."""
    locked = _lock(submission)
    STATISTICS.check("submit", actor, locked)
    table = hazard_statistics(viewer=actor, year=locked.year, quarter=locked.quarter)
    submissions.mark_sent(locked, actor)
    assert locked.submitted_at is not None
    locked.figures = {**table.as_dict(), "submitted_at": locked.submitted_at.isoformat()}
    locked.save()
    audit_record(
        action="statistics.submitted",
        actor=actor,
        obj=locked,
        before={"status": StatisticsStatus.DRAFT},
        after={
            "status": locked.status,
            "late": locked.late,
            "general_found": table.total.general_found,
            "major_found": table.total.major_found,
        },
    )
    return locked


@transaction.atomic
def statistics_receive(*, actor: Any, submission: StatisticsSubmission) -> StatisticsSubmission:
    return submissions.receive(
        actor=actor, submission=submission, table=STATISTICS, action="statistics.received"
    )


@transaction.atomic
def statistics_return(
    *, actor: Any, submission: StatisticsSubmission, reason: str
) -> StatisticsSubmission:
    return submissions.give_back(
        actor=actor,
        submission=submission,
        table=STATISTICS,
        action="statistics.returned",
        reason=reason,
    )
