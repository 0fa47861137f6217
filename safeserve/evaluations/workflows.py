"""The evaluation's verb table (WORKFLOWS.md "Evaluation", R16). Services check it; the pages,
allowed_actions and the 待办 read it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.permissions import (
    is_provider_signatory,
    is_purchaser,
    is_purchaser_leader,
)
from safeserve.evaluations.models import Evaluation, EvaluationStatus


def refuse(evaluation: Evaluation) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the evaluation is %(s)s.") % {"s": evaluation.get_status_display()},
    )


def purchaser(user: Any, evaluation: Evaluation) -> bool:
    """The contract's purchaser: its officer, leader or admin."""
    return is_purchaser(user, evaluation.contract)


def purchaser_leader(user: Any, evaluation: Evaluation) -> bool:
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
        verb("score", [S.DRAFT], purchaser, forward=False),
        verb("send", [S.DRAFT], purchaser, every_criterion_scored),
        verb("reply", [S.SENT], provider_signatory, within_reply_window),
        verb("finalise", [S.SENT, S.REPLIED], purchaser_leader, reply_or_window_passed),
    ],
    refuse_state=refuse,
)
