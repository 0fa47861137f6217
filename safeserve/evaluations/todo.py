"""What evaluations put in a person's 待办: a draft to score and send (the purchaser), one to
reply to (the provider's admin and leader, by the window's end), one to make final (the
purchaser's leader, once replied or the window has passed — never by itself); and a note of
ended contracts not yet evaluated."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeserve.common.models import annual_submission_due
from safeserve.common.todo import TodoNote, TodoRow, register_todo_notes, register_todo_rows
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationStatus,
    Sanction,
    SanctionStatus,
    SubmissionStatus,
)
from safeserve.evaluations.workflows import ANNUAL_SUBMISSION, EVALUATION, SANCTION
from safeserve.organizations.models import ACTING_ROLES, PURCHASER_KINDS, Role


def _evaluations(user: Any, *statuses: str) -> Any:
    return (
        Evaluation.objects.visible_to(user)
        .filter(status__in=statuses)
        .select_related("contract__provider", "contract__purchaser", "provider")
        .prefetch_related("scores")
        .order_by("created_at", "pk")
    )


def _url(evaluation: Evaluation) -> str:
    return reverse("evaluations:detail", args=[evaluation.pk])


def _title(evaluation: Evaluation) -> str:
    return f"{evaluation.title} · {evaluation.provider.name}"


def _finalisable(evaluation: Evaluation) -> bool:
    """Waits on the leader once replied or once the window has passed (the same as
    workflows.reply_or_window_passed, and the candidates' SQL below)."""
    return evaluation.status == EvaluationStatus.REPLIED or (
        evaluation.reply_due is not None and evaluation.reply_due < timezone.localdate()
    )


def _leaders(user: Any) -> Any:
    if user.role != Role.LEADER:
        return Evaluation.objects.none()
    return _evaluations(user, EvaluationStatus.SENT, EvaluationStatus.REPLIED).filter(
        Q(status=EvaluationStatus.REPLIED) | Q(reply_due__lt=timezone.localdate())
    )


register_todo_rows(
    [
        TodoRow(
            key="evaluation.send",
            table=EVALUATION,
            verbs=("send",),
            label=gettext_lazy("Score and send evaluations"),
            candidates=lambda user: _evaluations(
                user, EvaluationStatus.COMMISSIONED, EvaluationStatus.DRAFT
            ).filter(
                Q(evaluator__isnull=True, purchaser_id=user.organization_id or 0)
                | Q(evaluator_id=user.organization_id or 0)
            ),
            title=_title,
            url=_url,
            homework=True,  # scoring is the evaluator's own work
        ),
        TodoRow(
            key="evaluation.reply",
            table=EVALUATION,
            verbs=("reply",),
            label=gettext_lazy("Reply to evaluations"),
            candidates=lambda user: (
                _evaluations(user, EvaluationStatus.SENT)
                if user.role in (Role.ADMIN, Role.LEADER)
                else Evaluation.objects.none()
            ),
            title=_title,
            url=_url,
            since=lambda e: e.sent_at,
            due=lambda e: e.reply_due,
        ),
        TodoRow(
            key="evaluation.finalise",
            table=EVALUATION,
            verbs=("finalise",),
            label=gettext_lazy("Make evaluations final"),
            candidates=_leaders,
            title=_title,
            url=_url,
            since=lambda e: e.replied_at or e.reply_due,
            waiting=_finalisable,
        ),
    ]
)


def _sanctions(user: Any, **filters: Any) -> Any:
    if user.role != Role.LEADER:
        return Sanction.objects.none()
    return (
        Sanction.objects.visible_to(user)
        .filter(**filters)
        .select_related("provider", "evaluation__contract")
        .order_by("created_at", "pk")
    )


def _sanction_title(sanction: Sanction) -> str:
    return f"{sanction.provider.name} · {sanction.evaluation.title}"


def _sanction_url(sanction: Sanction) -> str:
    return reverse("evaluations:sanction", args=[sanction.pk])


register_todo_rows(
    [
        TodoRow(
            key="sanction.decide",
            table=SANCTION,
            verbs=("confirm", "reject"),
            label=gettext_lazy("Decide proposed sanctions"),
            candidates=lambda user: _sanctions(user, status=SanctionStatus.PROPOSED),
            title=_sanction_title,
            url=_sanction_url,
            since=lambda s: s.created_at,
        ),
        TodoRow(
            key="sanction.lift",
            table=SANCTION,
            verbs=("lift",),
            label=gettext_lazy("Consider lifting sanctions (a later result passed)"),
            candidates=lambda user: _sanctions(
                user, status=SanctionStatus.CONFIRMED, lift_proposed=True
            ),
            title=_sanction_title,
            url=_sanction_url,
            since=lambda s: s.updated_at,
            waiting=lambda s: s.lift_proposed,
        ),
    ]
)


def _submissions(user: Any, status: str) -> Any:
    return (
        AnnualSubmission.objects.visible_to(user)
        .filter(status=status)
        .select_related("purchaser")
        .order_by("due_on", "pk")
    )


def _submission_title(submission: AnnualSubmission) -> str:
    return _("%(org)s: evaluations of %(year)d") % {
        "org": submission.purchaser.name,
        "year": submission.year,
    }


def _submission_url(submission: AnnualSubmission) -> str:
    return reverse("evaluations:submission", args=[submission.pk])


register_todo_rows(
    [
        TodoRow(
            key="annual_submission.submit",
            table=ANNUAL_SUBMISSION,
            verbs=("submit",),
            label=gettext_lazy("Submit the year's evaluations"),
            candidates=lambda user: (
                _submissions(user, SubmissionStatus.DRAFT)
                if user.role == Role.LEADER
                else AnnualSubmission.objects.none()
            ),
            title=_submission_title,
            url=_submission_url,
            due=lambda s: s.due_on,
            homework=True,  # explaining what is not evaluated is the purchaser's own work
        ),
        TodoRow(
            key="annual_submission.receive",
            table=ANNUAL_SUBMISSION,
            verbs=("receive", "return"),
            label=gettext_lazy("Receive annual submissions"),
            candidates=lambda user: _submissions(user, SubmissionStatus.SUBMITTED),
            title=_submission_title,
            url=_submission_url,
            since=lambda s: s.submitted_at,
        ),
    ]
)


def submission_due(user: Any) -> list[TodoNote]:
    """A purchaser that has contracts of last year and has not started its submission of it,
    from the year's end to the deadline and after (R16)."""
    org = getattr(user, "organization", None)
    if org is None or org.kind not in PURCHASER_KINDS or user.role not in ACTING_ROLES:
        return []
    from safeserve.evaluations.annual import RAN

    year = timezone.localdate().year - 1
    if AnnualSubmission.objects.filter(purchaser_id=org.pk, year=year).exists():
        return []
    ran = Contract.objects.filter(
        purchaser_id=org.pk,
        status__in=RAN,
        period_start__year__lte=year,
        period_end__year__gte=year,
    ).exists()
    if not ran:
        return []
    due = annual_submission_due(org.county_id, year)
    return [
        TodoNote(
            gettext_lazy("Annual submission due"),
            _("Submit the evaluations of %(year)d to the county office by %(day)s")
            % {"year": year, "day": due.isoformat()},
            reverse("evaluations:submissions") + f"?year={year}",
        )
    ]


register_todo_notes(submission_due)


def unevaluated(user: Any) -> list[TodoNote]:
    """The purchaser's completed contracts without the evaluation of their last period (R16);
    the link lists its completed contracts."""
    org = getattr(user, "organization", None)
    if org is None or org.kind not in PURCHASER_KINDS or user.role not in ACTING_ROLES:
        return []
    closing = Evaluation.objects.filter(contract=OuterRef("pk"), period_end=OuterRef("period_end"))
    count = (
        Contract.objects.filter(
            purchaser_id=org.pk,
            status=ContractStatus.COMPLETED,
            period_start__isnull=False,
            period_end__isnull=False,
        )
        .exclude(Exists(closing))
        .count()
    )
    if not count:
        return []
    return [
        TodoNote(
            gettext_lazy("Evaluation due"),
            _("%(n)d ended contracts are not evaluated yet") % {"n": count},
            reverse("contracts:list") + "?status=completed",
        )
    ]


register_todo_notes(unevaluated)
