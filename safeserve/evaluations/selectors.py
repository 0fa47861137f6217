"""Reading evaluations: the list as each viewer sees it (one FilterSet, the page, export and
API alike), one evaluation with what its page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeserve.evaluations.models import Evaluation


def evaluation_list(*, viewer: Any) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(viewer).select_related("contract", "purchaser", "provider")


def evaluation_details(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    return queryset.select_related(
        "contract__provider",
        "contract__purchaser",
        "provider",
        "purchaser",
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
        return ("evaluation.opened", "evaluation.scored")
    return ()
