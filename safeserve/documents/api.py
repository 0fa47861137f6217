"""The API of signed documents, beside the notice they print: ``GET notices/<id>/document/``
(who signs it, what the requesting user may do), ``POST notices/<id>/sign/`` and ``seal/``
with the password, ``GET notices/<id>/pdf/`` once complete, and the enterprise's copy through
its link, ``GET notice-links/<id>/<token>/pdf/``. Out of scope is 404, as everywhere."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import client_ip
from safeserve.common.request import actor_of
from safeserve.documents import services, verify
from safeserve.documents.models import DocumentStatus, SignedDocument
from safeserve.documents.panels import notice_document_of
from safeserve.documents.views import serve, site_url
from safeserve.documents.workflows import DOCUMENT
from safeserve.hazards.api import link_notice
from safeserve.hazards.models import Notice
from safeserve.hazards.services import LinkActor


class SignatureOut(serializers.Serializer[Any]):
    role = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)


class DocumentOut(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.CharField()
    check_code = serializers.CharField()
    sha256 = serializers.CharField()
    pages = serializers.IntegerField()
    signatures = SignatureOut(many=True)
    pdf = serializers.CharField(allow_null=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


class VerifyInput(serializers.Serializer[Any]):
    number = serializers.CharField(required=False)
    check_code = serializers.CharField(required=False)
    file = serializers.FileField(required=False)


class VerifyOut(serializers.Serializer[Any]):
    found = serializers.BooleanField()
    message = serializers.CharField()
    kind = serializers.CharField()
    number = serializers.CharField()
    provider = serializers.CharField()
    complete = serializers.BooleanField()
    current = serializers.BooleanField()
    signatures = SignatureOut(many=True)
    intact = serializers.BooleanField(allow_null=True)
    registered = serializers.BooleanField(allow_null=True)


class SignInput(serializers.Serializer[Any]):
    password = serializers.CharField(max_length=200, trim_whitespace=False)
    code = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)


def document_out(document: SignedDocument, user: Any) -> dict[str, Any]:
    complete = document.status == DocumentStatus.COMPLETE
    return {
        "number": document.number,
        "status": document.status,
        # what verification asks for, once there is a file to verify
        "check_code": document.check_code if complete else "",
        "sha256": document.sha256 if complete else "",
        "pages": document.pages,
        "signatures": [
            {
                "role": s.role,
                "signer": document.provider.name if s.role == "seal" else s.signer_name,
                "signed_at": s.signed_at,
            }
            for s in document.signatures.all()
        ],
        "pdf": reverse("api:notice-pdf", args=[document.notice_id]) if complete else None,
        "allowed_actions": DOCUMENT.verbs_for(user, document),
    }


def _document(request: Request, pk: int) -> SignedDocument:
    notice = get_visible(Notice.objects.all(), actor_of(request), pk=pk)
    document = notice_document_of(notice)
    if document is None:
        raise Http404
    return document


class NoticeDocumentView(APIView):
    @extend_schema(responses=DocumentOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(document_out(_document(request, pk), actor_of(request)))


class NoticePdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> Any:
        """The signed notice (once every signature is on it); each download is audited."""
        return serve(_document(request, pk), actor_of(request))


class _SignView(APIView):
    verb = "sign"

    @extend_schema(request=SignInput, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        document = _document(request, pk)
        data = SignInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        act = services.document_seal if self.verb == "seal" else services.document_sign
        signed = act(
            actor=actor_of(request),
            document=document,
            password=data.validated_data["password"],
            code=data.validated_data["code"],
            site_url=site_url(request),
        )
        fresh = _document(request, signed.notice_id or 0)
        return Response(document_out(fresh, actor_of(request)))


class NoticeSignView(_SignView):
    """The named expert signs for themselves: ``password`` (and ``code`` where a second
    factor is required). 403 for anyone else; 409 once signed."""

    verb = "sign"


class NoticeSealView(_SignView):
    """The provider's admin or leader applies its seal, once every expert has signed (409
    ``experts_not_signed`` before)."""

    verb = "seal"


class NoticeLinkPdfView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, notice_id: int, token: str) -> Any:
        """The signed notice, for whoever holds its link while the link is valid."""
        notice = link_notice(request, notice_id, token)
        document = SignedDocument.objects.filter(notice=notice).first()
        if document is None:
            raise Http404
        return serve(document, LinkActor(notice=notice))


class VerifyView(APIView):
    """Public verification, without an account: ``number`` and ``check_code`` (JSON or form),
    or multipart ``file`` (a PDF, at most 12 MB: 413 above, 415 for anything else). An
    unknown number and a wrong code get the same 404; 429 past 20 checks a minute from one
    address. Says who signed and when, whether the file is intact and current — nothing of
    the content."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = UPLOAD_PARSERS

    @extend_schema(request=VerifyInput, responses=VerifyOut)
    def post(self, request: Request) -> Response:
        status, result, refusal = verify.check(
            client_ip(request._request), body_dict(request), request.FILES
        )
        if result is None:
            codes = {400: "invalid", 413: "too_large", 415: "not_a_pdf", 429: "throttled"}
            raise ApplicationError(codes.get(status, "refused"), refusal, status=status)
        if status == 404:
            # the same answer for an unknown number and a wrong code
            raise ApplicationError("not_found", result.message, status=404)
        return Response(result.as_dict())
