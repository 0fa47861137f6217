"""What every submission to the county office does the same way (common.CountySubmission):
the annual evaluations here (R16) and the hazard statistics (supervision) — one lock, one
"sent" stamp, one receive and one return, each through the lifecycle's own verb table and
audited under its own name."""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.models import CountySubmission, SubmissionStatus
from safeserve.common.validation import required_text
from safeserve.common.workflow import VerbTable

S = TypeVar("S", bound=CountySubmission)
REASON_LIMIT = 2000


def lock(submission: S, *related: str) -> S:
    """The row, locked, with what the caller reads of it."""
    manager: Any = type(submission)._default_manager
    return manager.select_for_update(of=("self",)).select_related(*related).get(pk=submission.pk)


def open_or_returned(model: type[S], **period: Any) -> tuple[S | None, S | None]:
    """The period's submission still standing (not returned), and else the last returned one
    not yet sent again — what a new one replaces and carries over."""
    manager: Any = model._default_manager
    standing = manager.filter(**period).exclude(status=SubmissionStatus.RETURNED).first()
    returned = (
        manager.filter(status=SubmissionStatus.RETURNED, resubmission=None, **period)
        .order_by("-pk")
        .first()
    )
    return standing, returned


def mark_sent(submission: CountySubmission, actor: Any) -> None:
    """Submitted now, late after the due date (the caller saves)."""
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at, submission.submitted_by = timezone.now(), actor
    submission.late = timezone.localdate() > submission.due_on


def receive(*, actor: Any, submission: S, table: VerbTable, action: str) -> S:
    locked = lock(submission)
    table.check("receive", actor, locked)
    locked.status = SubmissionStatus.RECEIVED
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.save()
    audit_record(
        action=action,
        actor=actor,
        obj=locked,
        before={"status": SubmissionStatus.SUBMITTED},
        after={"status": locked.status, "late": locked.late},
    )
    return locked


def give_back(*, actor: Any, submission: S, table: VerbTable, action: str, reason: str) -> S:
    """Returned with reasons (required): the unit then sends a new one."""
    locked = lock(submission)
    table.check("return", actor, locked)
    text = required_text(reason, "reason", _("reasons for returning"), limit=REASON_LIMIT)
    locked.status, locked.return_reason = SubmissionStatus.RETURNED, text
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.save()
    audit_record(
        action=action,
        actor=actor,
        obj=locked,
        before={"status": SubmissionStatus.SUBMITTED},
        after={"status": locked.status},
        reason=text,
    )
    return locked
