"""Reading evaluations: the list as each viewer sees it (one FilterSet, the page, export and
API alike), one evaluation with what its page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeserve.evaluations.models import AnnualSubmission, Evaluation, Sanction


def evaluation_list(*, viewer: Any) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(viewer).select_related(
        "contract", "purchaser", "provider", "evaluator"
    )


def evaluation_details(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    return queryset.select_related(
        "contract__provider",
        "contract__purchaser",
        "provider",
        "purchaser",
        "evaluator",
        "commission",
        "sent_by",
        "replied_by",
        "finalised_by",
    ).prefetch_related("scores", "files")


def hidden_history(viewer: Any) -> tuple[str, ...]:
    """The provider sees the evaluation from when it was sent: the purchaser's drafting (the
    scores before they were sent) is its own work."""
    from safeserve.organizations.models import OrganizationKind

    org = getattr(viewer, "organization", None)
    if org is not None and org.kind == OrganizationKind.PROVIDER:
        # ... and why the county office commissioned a re-evaluation is not its to read
        return ("evaluation.opened", "evaluation.scored", "evaluation.commissioned")
    return ()


def sanction_list(*, viewer: Any) -> QuerySet[Sanction]:
    return (
        Sanction.objects.visible_to(viewer)
        .select_related("contract", "provider", "evaluation", "deduction", "debarment")
        .order_by("-created_at", "-pk")
    )


def sanction_details(queryset: QuerySet[Sanction]) -> QuerySet[Sanction]:
    return queryset.select_related(
        "contract__purchaser",
        "provider",
        "evaluation",
        "deduction",
        "credit",
        "debarment",
        "decided_by",
        "lifted_by",
    ).prefetch_related(
        "referrals",
        "evaluation__scores",
        # the contract's balance on the page, summed from these (payable_balance)
        "contract__amendments",
        "contract__payments",
        "contract__deductions",
    )


def submission_list(*, viewer: Any) -> QuerySet[AnnualSubmission]:
    return (
        AnnualSubmission.objects.visible_to(viewer)
        .select_related("purchaser")
        .order_by("-year", "purchaser__name", "-pk")
    )


def submission_details(queryset: QuerySet[AnnualSubmission]) -> QuerySet[AnnualSubmission]:
    return queryset.select_related(
        "purchaser", "submitted_by", "decided_by", "replaces", "resubmission"
    )
