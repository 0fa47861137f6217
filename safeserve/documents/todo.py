"""What documents put in a person's 待办 (safeserve/common/todo.py): a notice or a report to
sign for the expert it names, one to seal for the provider's admin and leader; a report to
send for signature (its lead expert and the provider's admin), to issue (the provider's
admin and leader), to accept (the purchaser)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.documents.models import (
    DocumentSignature,
    DocumentStatus,
    ReportStatus,
    SignatureRole,
    SignedDocument,
    TechnicalReport,
)
from safeserve.documents.views import record_url
from safeserve.documents.workflows import DOCUMENT, REPORT, share_allowed
from safeserve.organizations.models import Role


def _waiting(user: Any, role: str, **mine: Any) -> Any:
    # Driven from the few signatures still missing (an index on the signer), not from every
    # document in scope: the county's whole archive at province scale (issue 15).
    pending = DocumentSignature.objects.filter(role=role, signed_at__isnull=True, **mine)
    return (
        SignedDocument.objects.visible_to(user)
        .filter(status=DocumentStatus.SIGNING)
        .filter(pk__in=pending.values("document_id"))
        .select_related(
            "provider",
            "notice__enterprise",
            "notice__contract__provider",
            "report__enterprise",
            "report__contract__provider",
            "report__task",
        )
        .prefetch_related("signatures")
        .order_by("created_at", "pk")
    )


def _title(document: SignedDocument) -> str:
    """The notice's number or the report's title, and whom it concerns."""
    if document.notice is not None:
        return f"{document.number} · {document.notice.enterprise.name}"
    return _report_title(document.report)


def _report_title(report: TechnicalReport) -> str:
    where = report.enterprise.name if report.enterprise else report.task.title
    return f"{report.title} · {where}"


def _report_url(report: TechnicalReport) -> str:
    return reverse("documents:report", args=[report.pk])


def _reports(user: Any, status: str, *, team: bool = False) -> Any:
    """Reports in the state, visible to the user; with the task's team when the verb asks
    who leads it."""
    reports = (
        TechnicalReport.objects.visible_to(user)
        .filter(status=status)
        .select_related("enterprise", "task", "contract__provider", "provider")
        .order_by("created_at", "pk")
    )
    return reports.prefetch_related("task__assignments__expert") if team else reports


def _signatories(user: Any) -> bool:
    """Only a provider's admin or leader seals or issues (the tables say who exactly): the
    rest are spared the queries."""
    return user.role in (Role.ADMIN, Role.LEADER)


register_todo_rows(
    [
        # One row per signing verb for every kind of document (the verb table is shared):
        # a rectification notice or a technical report, each linking to its own page.
        TodoRow(
            key="document.sign",
            table=DOCUMENT,
            verbs=("sign",),
            label=_("Sign notices and technical reports"),
            candidates=lambda user: _waiting(user, SignatureRole.EXPERT, signer_id=user.pk),
            title=_title,
            url=record_url,
            prepare=lambda documents, user: share_allowed(documents, user),
        ),
        TodoRow(
            key="document.seal",
            table=DOCUMENT,
            verbs=("seal",),
            label=_("Seal notices and technical reports"),
            candidates=lambda user: (
                _waiting(user, SignatureRole.SEAL).filter(
                    provider__organization_id=user.organization_id or 0
                )
                if _signatories(user)
                else SignedDocument.objects.none()
            ),
            title=_title,
            url=record_url,
            homework=False,
        ),
        TodoRow(
            key="technical_report.request-signatures",
            table=REPORT,
            verbs=("request-signatures",),
            label=_("Write technical reports and send them for signature"),
            candidates=lambda user: _reports(user, ReportStatus.DRAFT, team=True),
            title=_report_title,
            url=_report_url,
            homework=True,  # the sections are the writer's own work
        ),
        TodoRow(
            key="technical_report.issue",
            table=REPORT,
            verbs=("issue",),
            label=_("Issue sealed technical reports"),
            candidates=lambda user: (
                _reports(user, ReportStatus.SEALED).filter(
                    provider__organization_id=user.organization_id or 0
                )
                if _signatories(user)
                else TechnicalReport.objects.none()
            ),
            title=_report_title,
            url=_report_url,
        ),
        TodoRow(
            key="technical_report.accept",
            table=REPORT,
            verbs=("accept",),
            label=_("Accept technical reports"),
            candidates=lambda user: _reports(user, ReportStatus.ISSUED).filter(
                contract__purchaser_id=user.organization_id or 0
            ),
            title=_report_title,
            url=_report_url,
            since=lambda report: report.issued_at,
        ),
    ]
)
