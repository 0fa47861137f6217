"""Signing and downloading documents: the signer's form posts here and returns to the record's
page; the PDF is served only within scope, and every download is audited (R14)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeserve.audit.services import audit_record
from safeserve.common import ratelimit
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import client_ip, serve_file
from safeserve.common.request import AuthedRequest
from safeserve.documents import ca, services, verify
from safeserve.documents.models import (
    DocumentKind,
    DocumentStatus,
    SignedDocument,
    SigningAuthority,
)
from safeserve.hazards.services import (
    LinkActor,
    LinkRateExceeded,
    link_is_valid,
    notice_from_link,
)


def record_url(document: SignedDocument) -> str:
    """The page of what the document prints: its notice or its report."""
    if document.notice_id is not None:
        return reverse("hazards:notice", args=[document.notice_id])
    return reverse("documents:report", args=[document.report.pk])


def site_url(request: HttpRequest) -> str:
    """Where the printed QR code points: this installation's own address."""
    return request.build_absolute_uri("/")


def serve(document: SignedDocument, actor: object) -> FileResponse:
    """The complete, signed PDF (not one still waiting for signatures), audited."""
    if document.status != DocumentStatus.COMPLETE or not document.file:
        raise Http404
    audit_record(action="document.downloaded", actor=actor, obj=document)
    return serve_file(document.file, name=f"{document.number}.pdf")


def serve_report(report: Any, actor: Any) -> FileResponse:
    """A report's PDF: the sealed one within scope; while it is being signed, the file so far
    for those who write, sign or seal it (they read what they sign). Audited either way."""
    from safeserve.documents.selectors import reads_unsigned

    document = report.document
    if document is None:
        raise Http404
    if document.status == DocumentStatus.COMPLETE:
        return serve(document, actor)
    if not reads_unsigned(actor, report):
        raise Http404
    audit_record(action="document.downloaded", actor=actor, obj=document)
    return serve_file(document.file, name=document.file_name)


@login_required
def document_pdf(request: AuthedRequest, pk: int) -> FileResponse:
    document = get_visible(SignedDocument.objects.all(), request.user, pk=pk)
    return serve(document, request.user)


def _signed(document: SignedDocument) -> str:
    if document.kind == DocumentKind.REPORT:
        if document.status == DocumentStatus.COMPLETE:
            return _("Sealed: the report is numbered %(number)s; issue it when ready.") % {
                "number": document.number
            }
        return _("Signed; the report waits for the remaining signatures.")
    if document.status == DocumentStatus.COMPLETE:
        return _("%(number)s is signed; the enterprise can now download and print it.") % {
            "number": document.number
        }
    return _("Signed %(number)s; it waits for the remaining signatures.") % {
        "number": document.number
    }


@login_required
@require_POST
def document_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    document = get_visible(SignedDocument.objects.all(), request.user, pk=pk)
    act = services.SIGNING_VERBS.get(str(request.POST.get("verb")), services.document_sign)
    try:
        signed = act(
            actor=request.user,
            document=document,
            password=request.POST.get("password", ""),
            code=request.POST.get("code", ""),
            site_url=site_url(request),
        )
        messages.success(request, _signed(signed))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect(record_url(document) + "#document")


def notice_link_pdf(request: HttpRequest, pk: int, token: str) -> FileResponse:
    """The signed notice, for whoever holds its link while the link is valid (the link page
    offers it once every signature is on it)."""
    try:
        notice = notice_from_link(request, pk, token)
    except LinkRateExceeded:
        raise Http404 from None
    if notice is None or not link_is_valid(notice):
        raise Http404
    document = SignedDocument.objects.filter(notice=notice).first()
    if document is None:
        raise Http404
    return serve(document, LinkActor(notice=notice))


def public_verify(request: HttpRequest) -> HttpResponse:
    """公开验证: anyone may check a document, without an account."""
    status, result, refusal = 200, None, ""
    if request.method == "POST":
        status, result, refusal = verify.check(client_ip(request), request.POST, request.FILES)
    return render(
        request,
        "documents/verify.html",
        {
            "result": result,
            "refusal": refusal,
            "max_mb": verify.MAX_UPLOAD_MB,
            "authorities": verify.authorities(),
        },
        status=status,
    )


CA_REQUESTS_PER_MINUTE = 60


def public_ca(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """A county CA's certificate (to trust in a PDF reader) or its current revocation list,
    published without an account as a CA publishes them."""
    if not ratelimit.hit(f"public-ca:{client_ip(request) or '-'}", limit=CA_REQUESTS_PER_MINUTE):
        return HttpResponse(
            _("Too many requests: try again in a minute."), status=429, content_type="text/plain"
        )
    authority = SigningAuthority.objects.select_related("county").filter(county__code=code).first()
    if authority is None:
        raise Http404
    if kind == "crl":
        body, content_type = ca.published_revocation_list(authority.county), "application/pkix-crl"
    else:
        body, content_type = authority.certificate_pem.encode(), "application/x-pem-file"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}.{kind}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
