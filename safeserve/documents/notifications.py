"""Documents' notifications: a notice or technical report waiting for an expert's signature,
and an issued technical report waiting for the purchaser's acceptance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.documents.models import (
    DocumentSignature,
    DocumentStatus,
    ReportStatus,
    SignatureRole,
    SignedDocument,
    TechnicalReport,
)
from safeserve.documents.views import record_url
from safeserve.notifications.registry import Kind, Occasion, register_kinds


def _title(document: SignedDocument) -> str:
    if document.notice is not None:
        return f"{document.number} · {document.notice.enterprise.name}"
    report = document.report
    where = report.enterprise.name if report.enterprise else report.task.title
    return f"{report.title} · {where}"


def documents_to_sign(now: dt.datetime) -> Iterator[Occasion]:
    """Each document being signed, to the experts whose signature it still lacks."""
    pending = DocumentSignature.objects.filter(
        role=SignatureRole.EXPERT,
        signed_at__isnull=True,
        signer_id__isnull=False,
        document__status=DocumentStatus.SIGNING,
    ).values_list("document_id", "signer_id")
    signers: dict[int, list[int]] = defaultdict(list)
    for document_id, signer_id in pending.iterator():
        signers[document_id].append(signer_id)
    documents = SignedDocument.objects.filter(pk__in=list(signers)).select_related(
        "notice__enterprise", "report__enterprise", "report__task"
    )
    for document in documents.order_by("pk").iterator(chunk_size=500):
        yield Occasion(
            obj=document,
            key=str(document.pk),
            params={"title": _title(document)},
            url=record_url(document),
            county_id=document.county_id,
            users=tuple(signers[document.pk]),
        )


def reports_to_accept(now: dt.datetime) -> Iterator[Occasion]:
    """Issued technical reports, to the purchaser who accepts or returns them."""
    reports = TechnicalReport.objects.filter(status=ReportStatus.ISSUED).select_related(
        "enterprise", "task", "contract"
    )
    for report in reports.order_by("pk").iterator(chunk_size=500):
        where = report.enterprise.name if report.enterprise else report.task.title
        yield Occasion(
            obj=report,
            key=f"{report.pk}:{report.version}",
            params={"title": f"{report.title} · {where}"},
            url=reverse("documents:report", args=[report.pk]),
            county_id=report.county_id,
            organizations=(report.contract.purchaser_id,),
        )


register_kinds(
    [
        Kind(
            key="document_to_sign",
            label=_("Documents to sign"),
            subject=_("%(title)s waits for your signature"),
            due=documents_to_sign,
            order=30,
            icon="bi-pen",
        ),
        Kind(
            key="report_to_accept",
            label=_("Technical reports to accept"),
            subject=_("The technical report %(title)s waits for your acceptance"),
            due=reports_to_accept,
            order=31,
            icon="bi-file-earmark-check",
        ),
    ]
)
