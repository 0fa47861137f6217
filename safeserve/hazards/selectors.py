"""Reads of the hazard loop: scoped lists with their details in a constant number of
queries, and the figures pages show (open, overdue, awaiting a decision)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from safeserve.common.validation import id_or_none
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardLevel,
    HazardStatus,
    MajorHazardReport,
    ReportStatus,
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


def hazard_list(
    *,
    viewer: User,
    status: str = "",
    level: str = "",
    overdue: bool = False,
    enterprise_id: Any = "",
    contract_id: Any = "",
    task_id: Any = "",
    open_only: bool = False,
) -> QuerySet[Hazard]:
    hazards = Hazard.objects.visible_to(viewer)
    if status in HazardStatus.values:
        hazards = hazards.filter(status=status)
    if open_only:
        hazards = hazards.exclude(status=HazardStatus.CLOSED)
    if level in HazardLevel.values:
        hazards = hazards.filter(level=level)
    if overdue:
        hazards = hazards.overdue()
    for field, value in (
        ("enterprise_id", enterprise_id),
        ("contract_id", contract_id),
        ("task_id", task_id),
    ):
        if _int(value):
            hazards = hazards.filter(**{field: _int(value)})
    return with_details(hazards).order_by("-found_at", "-pk")


def report_details(queryset: QuerySet[MajorHazardReport]) -> QuerySet[MajorHazardReport]:
    return queryset.select_related(
        "hazard__enterprise", "department", "copied_township", "governance_plan"
    )


def report_list(*, viewer: User, status: str = "") -> QuerySet[MajorHazardReport]:
    reports = MajorHazardReport.objects.visible_to(viewer)
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    return report_details(reports).order_by("-created_at", "-pk")


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
