"""Reading technical reports within scope: the list (page, export, API) and one report's page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeserve.documents.models import SignatureRole, TechnicalReport
from safeserve.documents.report_content import compile_content
from safeserve.documents.workflows import DOCUMENT, REPORT, provider_signatory, writes_report


def report_list(*, viewer: Any) -> QuerySet[TechnicalReport]:
    return TechnicalReport.objects.visible_to(viewer).select_related(
        "enterprise", "task", "contract", "provider"
    )


def report_details(queryset: QuerySet[TechnicalReport]) -> QuerySet[TechnicalReport]:
    """One report with everything its page, its API detail and its verb tables read."""
    return queryset.select_related(
        "enterprise",
        "task",
        "contract__provider",
        "contract__purchaser",
        "provider",
        "document__provider",
        "previous",
        "next_version",
    ).prefetch_related("task__assignments__expert", "document__signatures")


def report_verbs(user: Any, report: TechnicalReport) -> list[str]:
    """What the user may do on the report now: its own verbs, and while it is being signed,
    the signing verbs of its document (``sign``, ``seal``)."""
    verbs = REPORT.verbs_for(user, report)
    if report.document is not None:
        report.document.__dict__["report"] = report  # R7 reads the contract from the report
        verbs += DOCUMENT.verbs_for(user, report.document)
    return verbs


def reads_unsigned(user: Any, report: TechnicalReport) -> bool:
    """Who reads the PDF before it is complete: those who write it or sign or seal it."""
    document = report.document
    if document is None or not document.file:
        return False
    signs = any(
        s.role == SignatureRole.EXPERT and s.signer_id == user.pk for s in document.signatures.all()
    )
    return signs or writes_report(user, report) or provider_signatory(user, report)


def report_content(report: TechnicalReport) -> dict[str, Any]:
    """What the report says: frozen once signatures are requested, compiled afresh before."""
    return report.content if report.frozen else compile_content(report.task)
