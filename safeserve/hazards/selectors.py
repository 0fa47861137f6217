"""Reads of the hazard loop: scoped lists with their details in a constant number of
queries, and the figures pages show (open, overdue, awaiting a decision)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from safeserve.common.db.routers import replica_reads
from safeserve.common.validation import id_or_none
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardDeadlineTally,
    HazardLevel,
    HazardStatus,
    HazardTally,
    MajorHazardReport,
    Notice,
)
from safeserve.organizations.models import OrganizationKind

if TYPE_CHECKING:
    from safeserve.accounts.models import User


_int = id_or_none


def with_details(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    return queryset.select_related(
        "enterprise", "notice", "task", "contract__provider", "major_report"
    ).prefetch_related(
        "experts",
        "files",
        Prefetch("extensions", queryset=ExtensionRequest.objects.order_by("created_at")),
    )


def hazard_list(*, viewer: User, details: bool = True) -> QuerySet[Hazard]:
    """The hazards the viewer sees, newest first (an index per scope serves the order);
    HazardFilter narrows them. The page shows only the enterprise of each (``details=False``);
    the API and the export read the rest."""
    scoped = Hazard.objects.visible_to(viewer)
    hazards = with_details(scoped) if details else scoped.select_related("enterprise")
    return hazards.order_by("-found_at", "-pk")


def notice_list(*, viewer: User) -> QuerySet[Notice]:
    """The notices the viewer sees, with how many hazards each lists and how many of those
    still wait for the enterprise's acknowledgement."""
    listed = Hazard.objects.filter(notice_id=OuterRef("pk")).order_by().values("notice_id")

    def count(hazards: QuerySet[Hazard, Any]) -> Coalesce:
        # per notice shown, not a grouping of every visible notice before the page's limit
        return Coalesce(Subquery(hazards.annotate(n=Count("pk")).values("n")[:1]), 0)

    return (
        Notice.objects.visible_to(viewer)
        .select_related("enterprise", "contract__provider")
        .annotate(
            hazard_count=count(listed),
            waiting=count(listed.filter(status=HazardStatus.NOTIFIED)),
        )
        .order_by("-created_at", "-pk")
    )


def report_details(queryset: QuerySet[MajorHazardReport]) -> QuerySet[MajorHazardReport]:
    return queryset.select_related(
        "hazard__enterprise", "department", "copied_township", "governance_plan"
    )


def report_list(*, viewer: User) -> QuerySet[MajorHazardReport]:
    return report_details(MajorHazardReport.objects.visible_to(viewer)).order_by(
        "-created_at", "-pk"
    )


def hazard_figures(viewer: User) -> dict[str, int]:
    """Open, overdue, major open and awaiting verification, within the viewer's scope.

    Where the scope is a matter of the hazard's scope columns, the figures are sums of the
    tallies the services keep with each hazard (common/db/tally.py), so they agree with the
    lists and cost the same for a township and a province: open, major and submitted from
    ``HazardTally``; overdue (R11) from ``HazardDeadlineTally``'s months before this one,
    plus this month's days read from the open hazards' deadline index."""
    tallies = HazardTally.objects.visible_to(viewer)
    deadlines = HazardDeadlineTally.objects.visible_to(viewer)
    if tallies is None or deadlines is None:
        return _counted_figures(viewer)
    today = timezone.localdate()
    month = today.replace(day=1)
    open_ = ~Q(status=HazardStatus.CLOSED)
    with replica_reads():
        figures = tallies.aggregate(
            open=Coalesce(Sum("n", filter=open_), 0),
            major=Coalesce(Sum("n", filter=open_ & Q(level=HazardLevel.MAJOR)), 0),
            submitted=Coalesce(Sum("n", filter=Q(status=HazardStatus.SUBMITTED)), 0),
        )
        before = HazardDeadlineTally.total(deadlines.filter(open_month__lt=month))
        this_month = (
            Hazard.objects.visible_to(viewer)
            .overdue(today)
            .filter(deadline__gte=month)
            .order_by()
            .count()
        )
    return {**figures, "overdue": before + this_month}


def _counted_figures(viewer: User) -> dict[str, int]:
    """The figures counted from the hazards themselves, for the scopes no tally follows
    (an expert's assignments, an enterprise, an evaluator's grants): a few hundred rows."""
    scoped = Hazard.objects.visible_to(viewer).exclude(status=HazardStatus.CLOSED)
    # One query, read from a partial index of the open hazards (status, deadline, level) per
    # scope: the landing page and the hazard list ask on every visit. Only an evaluator's
    # scope joins its grants, where a contract could appear twice.
    org = getattr(viewer, "organization", None)
    distinct = org is not None and org.kind == OrganizationKind.EVALUATOR
    # A column the index holds (never null), not the id: the index alone then answers.
    counted = "pk" if distinct else "status"
    return scoped.aggregate(
        open=Count(counted, distinct=distinct),
        overdue=Count(counted, filter=Q(deadline__lt=timezone.localdate()), distinct=distinct),
        major=Count(counted, filter=Q(level=HazardLevel.MAJOR), distinct=distinct),
        submitted=Count(counted, filter=Q(status=HazardStatus.SUBMITTED), distinct=distinct),
    )
