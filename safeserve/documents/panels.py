"""What documents add to the notice pages (registered in DocumentsConfig.ready): the signed
PDF with its signatures and the signer's form on the notice page; the download on the
enterprise's link page."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from safeserve.accounts.otp import otp_required
from safeserve.common.request import AuthedRequest
from safeserve.documents.models import DocumentStatus, SignedDocument, TechnicalReport
from safeserve.documents.workflows import DOCUMENT


def notice_document_of(notice: Any) -> SignedDocument | None:
    """The notice's document with what its verb table and panel read."""
    return (
        SignedDocument.objects.filter(notice=notice)
        .select_related("provider", "notice__contract")
        .prefetch_related("signatures")
        .first()
    )


def notice_document(request: HttpRequest, notice: Any) -> SafeString:
    document = notice_document_of(notice)
    if document is None:
        return SafeString("")
    return cast(
        SafeString,
        render_to_string(
            "documents/_signatures.html",
            {
                "document": document,
                "document_verbs": DOCUMENT.verbs_for(request.user, document),
                "needs_code": otp_required(request.user),
            },
            request=request,
        ),
    )


def link_document(request: HttpRequest, notice: Any, token: str) -> SafeString:
    if not SignedDocument.objects.filter(notice=notice, status=DocumentStatus.COMPLETE).exists():
        return SafeString("")
    return cast(
        SafeString,
        render_to_string(
            "documents/_link_download.html",
            {"url": reverse("notice_link_pdf", args=[notice.pk, token])},
            request=request,
        ),
    )


def task_report(request: AuthedRequest, task: Any, verbs: list[str]) -> SafeString:
    """The task page's technical report: its versions the viewer may see, each with its
    state, and the button that opens one for a task finished before reports existed."""
    from safeserve.documents.report_services import may_open_report

    reports = list(
        TechnicalReport.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("document")
        .order_by("-version")
    )
    can_open = not reports and may_open_report(request.user, task)
    if not reports and not can_open:
        return SafeString("")
    return cast(
        SafeString,
        render_to_string(
            "documents/_task_report.html",
            {"task": task, "reports": reports, "can_open": can_open},
            request=request,
        ),
    )
