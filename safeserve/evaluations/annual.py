"""Annual submissions (R16, WORKFLOWS.md "Annual submission"): each purchaser sends its year's
final evaluations to the county office by the policy deadline (by default 31 January of the
following year), every contract of the year evaluated or explained; the county office
receives it (late when sent after the deadline) or returns it with reasons, and the purchaser
submits again as a new submission. The county office's overview shows who has submitted, who
is late and which contracts are left unevaluated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import annual_submission_due
from safeserve.common.validation import begun_year
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.evaluations import submissions
from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationStatus,
    SubmissionStatus,
)
from safeserve.evaluations.workflows import ANNUAL_SUBMISSION
from safeserve.organizations.models import PURCHASER_KINDS, Organization
from safeserve.procurement.permissions import is_purchaser_of

EXPLANATION_LIMIT = 2000
# Contracts that ran during the year (signed ones; drafts and cancelled ones never ran).
RAN = (
    ContractStatus.SIGNED,
    ContractStatus.IN_SERVICE,
    ContractStatus.COMPLETED,
    ContractStatus.EVALUATED,
    ContractStatus.TERMINATED,
)


@dataclass
class YearRow:
    contract: Contract
    period_start: dt.date
    period_end: dt.date
    evaluation: Evaluation | None  # the effective final result of the period, if any


def _year_contracts(year: int) -> Q:
    return Q(
        status__in=RAN,
        period_start__isnull=False,
        period_end__isnull=False,
        period_start__lte=dt.date(year, 12, 31),
        period_end__gte=dt.date(year, 1, 1),
    )


def year_rows(purchaser_id: int, year: int) -> list[YearRow]:
    """The purchaser's contracts that ran in ``year``, each with its period of that year and
    the effective final evaluation of it. Two queries."""
    contracts = list(
        Contract.objects.filter(_year_contracts(year), purchaser_id=purchaser_id)
        .select_related("provider")
        .order_by("number", "pk")
    )
    finals = {
        e.contract_id: e
        for e in Evaluation.objects.filter(
            contract__in=[c.pk for c in contracts],
            status=EvaluationStatus.FINAL,
            effective=True,
            period_end__year=year,
        ).order_by("period_end")
    }
    rows = []
    for contract in contracts:
        assert contract.period_start is not None and contract.period_end is not None
        start = max(contract.period_start, dt.date(year, 1, 1))
        end = min(contract.period_end, dt.date(year, 12, 31))
        rows.append(YearRow(contract, start, end, finals.get(contract.pk)))
    return rows


def summary_of(submission: AnnualSubmission) -> list[dict[str, Any]]:
    """The rows of the submission: as submitted, or (a draft) as they stand now."""
    if submission.status != SubmissionStatus.DRAFT and submission.summary.get("rows"):
        return list(submission.summary["rows"])
    rows = []
    for row in year_rows(submission.purchaser_id, submission.year):
        e = row.evaluation
        rows.append(
            {
                "contract_id": row.contract.pk,
                "contract": row.contract.number or str(row.contract),
                "provider": row.contract.provider.name,
                "period": f"{row.period_start:%Y-%m-%d}—{row.period_end:%Y-%m-%d}",
                "evaluation_id": e.pk if e else None,
                "total": str(e.total) if e else "",
                "pass_score": e.pass_score if e else None,
                "vetoed": bool(e and e.vetoed),
                "passed": e.passed if e else None,
                "explanation": str(submission.explanations.get(str(row.contract.pk), "")),
            }
        )
    return rows


def _lock(submission: AnnualSubmission) -> AnnualSubmission:
    return submissions.lock(submission, "purchaser")


@transaction.atomic
def submission_open(*, actor: Any, year: Any) -> AnnualSubmission:
    """The purchaser starts its submission of ``year`` (a draft; one at a time)."""
    org = getattr(actor, "organization", None)
    require(org is not None and org.kind in PURCHASER_KINDS and is_purchaser_of(actor, org.pk))
    assert org is not None
    year = begun_year(year)
    Organization.objects.select_for_update().get(pk=org.pk)  # one opener at a time
    existing, returned = submissions.open_or_returned(
        AnnualSubmission, purchaser_id=org.pk, year=year
    )
    if existing is not None:
        raise ApplicationError(
            "submission_exists",
            _("The submission of %(year)d is already %(s)s.")
            % {"year": year, "s": existing.get_status_display()},
        )
    submission = AnnualSubmission.objects.create(
        county_id=org.county_id,
        purchaser=org,
        year=year,
        due_on=annual_submission_due(org.county_id, year),
        explanations=dict(returned.explanations) if returned else {},
        note=returned.note if returned else "",
        replaces=returned,
        created_by=actor,
    )
    audit_record(
        action="annual_submission.opened",
        actor=actor,
        obj=submission,
        after={"year": year, "due_on": submission.due_on, "replaces": returned and returned.pk},
    )
    return submission


@transaction.atomic
def submission_explain(
    *, actor: Any, submission: AnnualSubmission, explanations: dict[Any, Any], note: str = ""
) -> AnnualSubmission:
    """Why a contract of the year has no final evaluation (e.g. terminated and awaiting the
    closing evaluation), and the covering note. Only contracts of the year are accepted."""
    locked = _lock(submission)
    ANNUAL_SUBMISSION.check("explain", actor, locked)
    known = {str(r.contract.pk) for r in year_rows(locked.purchaser_id, locked.year)}
    cleaned: dict[str, str] = {}
    for key, value in (explanations or {}).items():
        key = str(key)
        if key not in known:
            message = _("Contract %(id)s is not one of this year's contracts.") % {"id": key}
            raise ApplicationError(
                "unknown_contract", message, errors={"explanations": [message]}, status=400
            )
        text = (value if isinstance(value, str) else "").replace("\r\n", "\n").strip()
        if len(text) > EXPLANATION_LIMIT:
            message = _("An explanation is over %(n)d characters.") % {"n": EXPLANATION_LIMIT}
            raise ApplicationError(
                "invalid", message, errors={f"explanation_{key}": [message]}, status=400
            )
        if text:
            cleaned[key] = text
    note_text = (note or "").replace("\r\n", "\n").strip()
    if len(note_text) > EXPLANATION_LIMIT:
        message = _("The covering note is over %(n)d characters.") % {"n": EXPLANATION_LIMIT}
        raise ApplicationError("invalid", message, errors={"note": [message]}, status=400)
    before = {"explanations": locked.explanations, "note": locked.note}
    locked.explanations, locked.note = cleaned, note_text
    locked.save(update_fields=["explanations", "note", "updated_at"])
    audit_record(
        action="annual_submission.explained",
        actor=actor,
        obj=locked,
        before=before,
        after={"explanations": cleaned, "note": note_text},
    )
    return locked


@transaction.atomic
def submission_submit(*, actor: Any, submission: AnnualSubmission) -> AnnualSubmission:
    """The purchaser's leader sends it; the rows are frozen as sent; after the deadline it is
    marked late (R16)."""
    locked = _lock(submission)
    ANNUAL_SUBMISSION.check("submit", actor, locked)
    rows = summary_of(locked)
    submissions.mark_sent(locked, actor)
    assert locked.submitted_at is not None
    locked.summary = {"rows": rows, "submitted_at": locked.submitted_at.isoformat()}
    locked.save()
    audit_record(
        action="annual_submission.submitted",
        actor=actor,
        obj=locked,
        before={"status": SubmissionStatus.DRAFT},
        after={"status": locked.status, "late": locked.late, "contracts": len(rows)},
    )
    return locked


@transaction.atomic
def submission_receive(*, actor: Any, submission: AnnualSubmission) -> AnnualSubmission:
    return submissions.receive(
        actor=actor,
        submission=submission,
        table=ANNUAL_SUBMISSION,
        action="annual_submission.received",
    )


@transaction.atomic
def submission_return(*, actor: Any, submission: AnnualSubmission, reason: str) -> AnnualSubmission:
    return submissions.give_back(
        actor=actor,
        submission=submission,
        table=ANNUAL_SUBMISSION,
        action="annual_submission.returned",
        reason=reason,
    )


@dataclass
class OverviewRow:
    purchaser: Organization
    contracts: int
    evaluated: int
    submission: AnnualSubmission | None
    due_on: dt.date
    late: bool

    @property
    def unevaluated(self) -> int:
        return self.contracts - self.evaluated


def county_overview(*, viewer: Any, year: int) -> list[OverviewRow]:
    """Each purchaser of the viewer's county with contracts in ``year`` or a submission: how
    many contracts ran, how many have their final evaluation, its current submission, and
    whether it is late (sent after the deadline, or not sent and the deadline passed).
    Four queries, whatever the number of purchasers."""
    org = getattr(viewer, "organization", None)
    county_id = org.county_id if org else None
    due = annual_submission_due(county_id, year)
    today = timezone.localdate()
    contracts = list(
        Contract.objects.filter(_year_contracts(year), county_id=county_id).values_list(
            "pk", "purchaser_id"
        )
    )
    evaluated = set(
        Evaluation.objects.filter(
            contract__in=[pk for pk, _p in contracts],
            status=EvaluationStatus.FINAL,
            effective=True,
            period_end__year=year,
        ).values_list("contract_id", flat=True)
    )
    submissions: dict[int, AnnualSubmission] = {}
    for s in AnnualSubmission.objects.filter(county_id=county_id, year=year).order_by("pk"):
        submissions[s.purchaser_id] = s  # the latest one counts
    counts: dict[int, list[int]] = {}
    for pk, purchaser_id in contracts:
        pair = counts.setdefault(purchaser_id, [0, 0])
        pair[0] += 1
        pair[1] += pk in evaluated
    ids = set(counts) | set(submissions)
    rows = []
    for purchaser in Organization.objects.filter(pk__in=ids).order_by("kind", "name"):
        submission = submissions.get(purchaser.pk)
        total, done = counts.get(purchaser.pk, [0, 0])
        sent = submission is not None and submission.sent
        late = submission.late if sent and submission else today > due
        rows.append(OverviewRow(purchaser, total, done, submission, due, late))
    return rows
