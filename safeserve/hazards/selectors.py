"""Reads of the hazard loop: scoped lists with their details in a constant number of
queries, and the figures pages show (open, overdue, awaiting a decision)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from safeserve.common.validation import id_or_none
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardLevel,
    HazardStatus,
    MajorHazardReport,
    Notice,
)

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


def hazard_list(*, viewer: User) -> QuerySet[Hazard]:
    """The hazards the viewer sees, newest first; HazardFilter narrows them."""
    return with_details(Hazard.objects.visible_to(viewer)).order_by("-found_at", "-pk")


def notice_list(*, viewer: User) -> QuerySet[Notice]:
    """The notices the viewer sees, with how many hazards each lists and how many of those
    still wait for the enterprise's acknowledgement."""
    return (
        Notice.objects.visible_to(viewer)
        .select_related("enterprise", "contract__provider")
        .annotate(
            hazard_count=Count("hazards", distinct=True),
            waiting=Count(
                "hazards", filter=Q(hazards__status=HazardStatus.NOTIFIED), distinct=True
            ),
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
    """Open, overdue, major open and awaiting verification, within the viewer's scope."""
    scoped = Hazard.objects.visible_to(viewer).exclude(status=HazardStatus.CLOSED)
    # One query: the landing page and the hazard list ask on every visit.
    return scoped.aggregate(
        open=Count("pk", distinct=True),
        overdue=Count("pk", filter=Q(deadline__lt=timezone.localdate()), distinct=True),
        major=Count("pk", filter=Q(level=HazardLevel.MAJOR), distinct=True),
        submitted=Count("pk", filter=Q(status=HazardStatus.SUBMITTED), distinct=True),
    )
