"""The evaluation's verb table (WORKFLOWS.md "Evaluation", R16). Services check it; the pages,
allowed_actions and the 待办 read it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.permissions import (
    is_county_office_of,
    is_provider_signatory,
    is_purchaser,
    is_purchaser_leader,
)
from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationStatus,
    Sanction,
    SanctionStatus,
    SubmissionStatus,
)
from safeserve.organizations.models import Role
from safeserve.organizations.permissions import acting_org
from safeserve.procurement.permissions import is_purchaser_leader_of, is_purchaser_of


def refuse(evaluation: Evaluation) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the evaluation is %(s)s.") % {"s": evaluation.get_status_display()},
    )


def _evaluator_staff(user: Any, evaluation: Evaluation, roles: Any) -> bool:
    org = acting_org(user)
    return bool(org and org.pk == evaluation.evaluator_id and user.role in roles)


def purchaser(user: Any, evaluation: Evaluation) -> bool:
    """Who evaluates: the contract's purchaser (its officer, leader or admin), or for a
    re-evaluation the commissioned evaluator's officer or leader."""
    if evaluation.evaluator_id:
        return _evaluator_staff(user, evaluation, (Role.OFFICER, Role.LEADER))
    return is_purchaser(user, evaluation.contract)


def purchaser_leader(user: Any, evaluation: Evaluation) -> bool:
    """Who makes it final: the purchaser's leader, or the evaluator's leader."""
    if evaluation.evaluator_id:
        return _evaluator_staff(user, evaluation, (Role.LEADER,))
    return is_purchaser_leader(user, evaluation.contract)


def provider_signatory(user: Any, evaluation: Evaluation) -> bool:
    """The provider's admin or leader answers for it."""
    return is_provider_signatory(user, evaluation.contract)


def every_criterion_scored(evaluation: Evaluation) -> ApplicationError | None:
    """Each criterion has its score and a comment saying why (R16)."""
    missing = [s.name for s in evaluation.scores.all() if s.score is None or not s.comment.strip()]
    if not missing:
        return None
    return ApplicationError(
        "criteria_unscored",
        _("Score every criterion with a comment before sending: %(names)s.")
        % {"names": "、".join(missing)},
    )


def within_reply_window(evaluation: Evaluation) -> ApplicationError | None:
    if evaluation.reply_due is None or timezone.localdate() <= evaluation.reply_due:
        return None
    return ApplicationError(
        "reply_window_closed",
        _("The window to reply closed on %(day)s.") % {"day": evaluation.reply_due},
    )


def reply_or_window_passed(evaluation: Evaluation) -> ApplicationError | None:
    """Nothing is final before the provider replied or its window ended (R16); a lapsed
    window is never finalised by itself."""
    if evaluation.status == EvaluationStatus.REPLIED:
        return None
    if evaluation.reply_due is not None and timezone.localdate() > evaluation.reply_due:
        return None
    return ApplicationError(
        "reply_pending",
        _("The provider may reply until %(day)s; finalise after it replies or that day ends.")
        % {"day": evaluation.reply_due},
    )


S = EvaluationStatus
EVALUATION = VerbTable(
    model=Evaluation,
    verbs=[
        verb("score", [S.COMMISSIONED, S.DRAFT], purchaser, forward=False),
        verb("send", [S.COMMISSIONED, S.DRAFT], purchaser, every_criterion_scored),
        verb("reply", [S.SENT], provider_signatory, within_reply_window),
        verb("finalise", [S.SENT, S.REPLIED], purchaser_leader, reply_or_window_passed),
    ],
    refuse_state=refuse,
)


# --- Sanction (R17, WORKFLOWS.md "Sanction") ---------------------------------------------------


def county_leader(user: Any, sanction: Sanction) -> bool:
    """The county office's leader decides sanctions."""
    return is_county_office_of(user, sanction.county_id) and user.role == Role.LEADER


def county_office(user: Any, sanction: Sanction) -> bool:
    """The county office's officers, leader and admin record referrals."""
    return is_county_office_of(user, sanction.county_id)


def sees_referrals(user: Any, sanction: Sanction) -> bool:
    """Referrals of unlawful conduct are the county office's record (R17): the purchaser and
    the provider are not told what was sent where."""
    return bool(getattr(user, "is_superuser", False)) or county_office(user, sanction)


C = SanctionStatus
SANCTION = VerbTable(
    model=Sanction,
    verbs=[
        verb("confirm", [C.PROPOSED], county_leader),
        verb("reject", [C.PROPOSED], county_leader),
        # waits on the leader only once a later result passed (lift_proposed, see todo.py)
        verb("lift", [C.CONFIRMED], county_leader),
        verb(
            "refer", [C.PROPOSED, C.CONFIRMED, C.REJECTED, C.LIFTED], county_office, forward=False
        ),
    ],
    refuse_state=lambda sanction: ApplicationError(
        "wrong_state",
        _("Not possible while the sanction is %(s)s.") % {"s": sanction.get_status_display()},
    ),
)


# --- Annual submission (R16, WORKFLOWS.md "Annual submission") ---------------------------------


def submission_purchaser(user: Any, submission: AnnualSubmission) -> bool:
    return is_purchaser_of(user, submission.purchaser_id)


def submission_leader(user: Any, submission: AnnualSubmission) -> bool:
    return is_purchaser_leader_of(user, submission.purchaser_id)


def submission_county_office(user: Any, submission: AnnualSubmission) -> bool:
    return is_county_office_of(user, submission.county_id)


def evaluated_or_explained(submission: AnnualSubmission) -> ApplicationError | None:
    """Every contract of the year has its final evaluation or an explanation (R16)."""
    from safeserve.evaluations.annual import year_rows

    missing = [
        row.contract.number or str(row.contract)
        for row in year_rows(submission.purchaser_id, submission.year)
        if row.evaluation is None
        and not str(submission.explanations.get(str(row.contract.pk), "")).strip()
    ]
    if not missing:
        return None
    return ApplicationError(
        "unevaluated_contracts",
        _("Evaluate these contracts or explain why not before submitting: %(names)s.")
        % {"names": "、".join(missing)},
    )


A = SubmissionStatus
ANNUAL_SUBMISSION = VerbTable(
    model=AnnualSubmission,
    verbs=[
        verb("explain", [A.DRAFT], submission_purchaser, forward=False),
        verb("submit", [A.DRAFT], submission_leader, evaluated_or_explained),
        verb("receive", [A.SUBMITTED], submission_county_office),
        verb("return", [A.SUBMITTED], submission_county_office),
    ],
    refuse_state=lambda submission: ApplicationError(
        "wrong_state",
        _("Not possible while the submission is %(s)s.") % {"s": submission.get_status_display()},
    ),
)
