"""Evaluations' notifications: a provider's window to reply to an evaluation closing, and a
purchaser's annual submission coming due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationStatus,
    SubmissionStatus,
)
from safeserve.notifications.registry import Kind, Occasion, register_kinds

REPLY_WARNING_DAYS = 2
SUBMISSION_WARNING_DAYS = 7


def replies_closing(now: dt.datetime) -> Iterator[Occasion]:
    """Evaluations sent and not replied to whose window closes within two days: to the
    provider, once per window."""
    today = timezone.localdate(now)
    evaluations = Evaluation.objects.filter(
        status=EvaluationStatus.SENT,
        reply_due__gte=today,
        reply_due__lte=today + dt.timedelta(days=REPLY_WARNING_DAYS),
    ).select_related("contract", "provider")
    for evaluation in evaluations.order_by("pk").iterator(chunk_size=500):
        assert evaluation.reply_due is not None
        yield Occasion(
            obj=evaluation,
            key=f"{evaluation.pk}:{evaluation.reply_due}",
            params={
                "contract": evaluation.contract.number or str(evaluation.contract),
                "date": evaluation.reply_due.isoformat(),
            },
            url=reverse("evaluations:detail", args=[evaluation.pk]),
            county_id=evaluation.county_id,
            organizations=(evaluation.provider.organization_id,),
        )


def submissions_due(now: dt.datetime) -> Iterator[Occasion]:
    """Annual submissions not yet sent (or returned) due within a week or already late: to
    the purchaser who submits, once per due date."""
    today = timezone.localdate(now)
    # a draft, or a returned one not yet followed by a new one
    waiting = Q(status=SubmissionStatus.DRAFT) | Q(
        status=SubmissionStatus.RETURNED, resubmission__isnull=True
    )
    submissions = AnnualSubmission.objects.filter(
        waiting,
        due_on__lte=today + dt.timedelta(days=SUBMISSION_WARNING_DAYS),
        due_on__gte=today - dt.timedelta(days=SUBMISSION_WARNING_DAYS),
    )
    for submission in submissions.order_by("pk").iterator(chunk_size=500):
        yield Occasion(
            obj=submission,
            key=f"{submission.pk}:{submission.due_on}",
            params={"year": str(submission.year), "date": submission.due_on.isoformat()},
            url=reverse("evaluations:submission", args=[submission.pk]),
            county_id=submission.county_id,
            organizations=(submission.purchaser_id,),
        )


register_kinds(
    [
        Kind(
            key="evaluation_reply",
            label=_("Evaluation reply windows closing"),
            subject=_("You can reply to the evaluation of contract %(contract)s until %(date)s"),
            due=replies_closing,
            order=40,
            icon="bi-chat-left-text",
        ),
        Kind(
            key="submission_due",
            label=_("Annual submissions due"),
            subject=_("The annual submission for %(year)s is due by %(date)s"),
            due=submissions_due,
            order=41,
            icon="bi-inbox",
        ),
    ]
)
