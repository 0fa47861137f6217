"""The hazard statistics submission's verbs (issue 16; the same shape as WORKFLOWS.md
"Annual submission"): a township or department keeps a covering note on its draft, its
leader submits once the period has ended, the county office receives it or returns it with
reasons (the unit then opens a new one)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.permissions import is_county_office_of
from safeserve.organizations.models import ACTING_ROLES, PURCHASER_KINDS, Role
from safeserve.organizations.permissions import acting_org
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission


def reporting_unit_of(user: Any, org_id: int) -> bool:
    """Its officers, leaders and administrators act for a township or a department."""
    org = acting_org(user)
    return bool(
        org and org.pk == org_id and org.kind in PURCHASER_KINDS and user.role in ACTING_ROLES
    )


def unit_member(user: Any, submission: StatisticsSubmission) -> bool:
    return reporting_unit_of(user, submission.organization_id)


def unit_leader(user: Any, submission: StatisticsSubmission) -> bool:
    return unit_member(user, submission) and user.role == Role.LEADER


def county_office(user: Any, submission: StatisticsSubmission) -> bool:
    return is_county_office_of(user, submission.county_id)


def period_over(submission: StatisticsSubmission) -> ApplicationError | None:
    from safeserve.supervision.statistics import period_bounds, period_ended

    if period_ended(submission.year, submission.quarter):
        return None
    end = period_bounds(submission.year, submission.quarter)[1]
    return ApplicationError(
        "period_not_over",
        _("The figures of %(period)s can be submitted once it has ended, from %(date)s.")
        % {"period": submission.period_label, "date": f"{end:%Y-%m-%d}"},
    )


S = StatisticsStatus
STATISTICS = VerbTable(
    model=StatisticsSubmission,
    verbs=[
        verb("note", [S.DRAFT], unit_member, forward=False),
        verb("submit", [S.DRAFT], unit_leader, period_over),
        verb("receive", [S.SUBMITTED], county_office),
        verb("return", [S.SUBMITTED], county_office),
    ],
    refuse_state=lambda submission: ApplicationError(
        "wrong_state",
        _("Not possible while the statistics are %(s)s.") % {"s": submission.get_status_display()},
    ),
)
