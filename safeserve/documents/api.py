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
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.exports import ExportMixin
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import client_ip
from safeserve.common.request import actor_of
from safeserve.documents import credentials, report_services, services, verify
from safeserve.documents import exports as report_exports
from safeserve.documents import selectors as report_selectors
from safeserve.documents.filters import TechnicalReportFilter
from safeserve.documents.models import (
    DocumentStatus,
    SignedDocument,
    SigningCredential,
    TechnicalReport,
)
from safeserve.documents.panels import notice_document_of
from safeserve.documents.views import serve, serve_report, site_url
from safeserve.documents.workflows import DOCUMENT, SECTIONS, refuse_report
from safeserve.fieldwork.models import ServiceTask
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
        "pdf": (
            reverse("api:notice-pdf", args=[document.notice_id])
            if complete and document.notice_id
            else None
        ),
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


def _sign(request: Request, document: SignedDocument, verb: str) -> SignedDocument:
    """``sign`` or ``seal`` with the password (and code) in the body: notices and reports."""
    data = SignInput(data=body_dict(request))
    data.is_valid(raise_exception=True)
    return services.SIGNING_VERBS[verb](
        actor=actor_of(request),
        document=document,
        password=data.validated_data["password"],
        code=data.validated_data["code"],
        site_url=site_url(request),
    )


class _SignView(APIView):
    verb = "sign"

    @extend_schema(request=SignInput, responses=DocumentOut)
    def post(self, request: Request, pk: int) -> Response:
        signed = _sign(request, _document(request, pk), self.verb)
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


# --- Technical reports ---------------------------------------------------------------------


class TechnicalReportSerializer(serializers.ModelSerializer[TechnicalReport]):
    enterprise_name = serializers.CharField(source="enterprise.name", default="", read_only=True)
    task_title = serializers.CharField(source="task.title", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = TechnicalReport
        fields = [
            "id",
            "number",
            "version",
            "status",
            "task",
            "task_title",
            "contract",
            "provider",
            "provider_name",
            "enterprise",
            "enterprise_name",
            "previous",
            "revision_reason",
            "requested_at",
            "sealed_at",
            "issued_at",
            "decided_at",
            "return_reason",
            "superseded_at",
        ]


class TechnicalReportDetailSerializer(TechnicalReportSerializer):
    sections = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    render = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(TechnicalReportSerializer.Meta):
        fields = [
            *TechnicalReportSerializer.Meta.fields,
            "sections",
            "content",
            "document",
            "render",
            "allowed_actions",
        ]

    def get_sections(self, obj: TechnicalReport) -> dict[str, str]:
        return {name: getattr(obj, name) for name in SECTIONS}

    def get_content(self, obj: TechnicalReport) -> dict[str, Any]:
        return report_selectors.report_content(obj)

    def get_document(self, obj: TechnicalReport) -> dict[str, Any] | None:
        document = obj.document
        if document is None:
            return None
        out = document_out(document, self.context["request"].user)
        out["pdf"] = (
            reverse("api:report-pdf", args=[obj.pk])
            if document.status == DocumentStatus.COMPLETE
            or report_selectors.reads_unsigned(self.context["request"].user, obj)
            else None
        )
        return out

    def get_render(self, obj: TechnicalReport) -> dict[str, Any]:
        return {
            "status": obj.render_status,
            "progress": obj.render_progress,
            "error": obj.render_error,
        }

    def get_allowed_actions(self, obj: TechnicalReport) -> list[str]:
        return report_selectors.report_verbs(self.context["request"].user, obj)


class SectionsInput(serializers.Serializer[Any]):
    # PATCH: a section left out keeps what it says.
    overview = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    basis = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    conclusion = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    recommendations = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)


class ReportReasonInput(serializers.Serializer[Any]):
    # read by the service, which names a missing or long reason (report_services._reason)
    reason = serializers.CharField(max_length=report_services.REASON_LIMIT)


class ReportCreateInput(serializers.Serializer[Any]):
    task = serializers.IntegerField(min_value=1)


class TechnicalReportViewSet(ExportMixin, ScopedViewSet):
    """``GET /reports/?status=&q=&contract=&task=&enterprise=`` (and ``/reports/export/``).
    The provider and the task's experts see every version; the purchaser, the enterprise
    and the county office see issued ones. Verbs: POST ``…/request-signatures/``,
    ``sign/`` and ``seal/`` (``password``, ``code``), ``issue/``, ``accept/``, ``return/``
    and ``revise/`` (``reason``), ``retry-render/``; ``GET …/pdf/``."""

    serializer_class = TechnicalReportSerializer
    detail_serializer_class = TechnicalReportDetailSerializer
    filterset_class = TechnicalReportFilter
    list_export = report_exports.REPORTS

    def scoped_queryset(self, actor: Any) -> Any:
        if self.action == "list" or self.action == "export":
            return report_selectors.report_list(viewer=actor).order_by("-created_at", "-pk")
        return report_selectors.report_details(TechnicalReport.objects.visible_to(actor))

    def _out(self, report: TechnicalReport, status: int = 200) -> Response:
        fresh = self.scoped_queryset(actor_of(self.request)).get(pk=report.pk)
        return Response(
            TechnicalReportDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status,
        )

    @extend_schema(request=ReportCreateInput, responses={201: TechnicalReportDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Opens the report of a task whose findings are recorded (normally opened when the
        lead expert records them)."""
        data = ReportCreateInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        task = get_visible(
            ServiceTask.objects.all(), actor_of(request), pk=data.validated_data["task"]
        )
        report = report_services.report_create(actor=actor_of(request), task=task)
        return self._out(report, status=201)

    @extend_schema(request=SectionsInput, responses=TechnicalReportDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The four sections, while a draft (409 once sent for signature)."""
        report = self.get_object()
        data = SectionsInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        report_services.report_update(actor=actor_of(request), report=report, **data.validated_data)
        return self._out(report)

    @extend_schema(request=None, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-signatures")
    def request_signatures(self, request: Request, pk: str | None = None) -> Response:
        report = report_services.report_request_signatures(
            actor=actor_of(request), report=self.get_object(), site_url=site_url(request)
        )
        return self._out(report)

    @extend_schema(request=None, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="retry-render")
    def retry_render(self, request: Request, pk: str | None = None) -> Response:
        report = report_services.report_retry_render(
            actor=actor_of(request), report=self.get_object(), site_url=site_url(request)
        )
        return self._out(report)

    def _signing(self, request: Request, verb: str) -> Response:
        report = self.get_object()
        if report.document is None:  # a draft: nothing to sign yet
            raise refuse_report(report)
        _sign(request, report.document, verb)
        return self._out(report)

    @extend_schema(request=SignInput, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """A participating expert signs for themselves (403 for anyone else; 409 once
        signed or before the PDF is ready)."""
        return self._signing(request, "sign")

    @extend_schema(request=SignInput, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def seal(self, request: Request, pk: str | None = None) -> Response:
        """The provider's admin or leader seals it once every expert signed (409
        ``experts_not_signed`` before); the number is assigned now."""
        return self._signing(request, "seal")

    @extend_schema(request=None, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        report = report_services.report_issue(actor=actor_of(request), report=self.get_object())
        return self._out(report)

    @extend_schema(request=None, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        report = report_services.report_accept(actor=actor_of(request), report=self.get_object())
        return self._out(report)

    @extend_schema(request=ReportReasonInput, responses=TechnicalReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        report = report_services.report_return(
            actor=actor_of(request), report=self.get_object(), reason=_reason(request)
        )
        return self._out(report)

    @extend_schema(request=ReportReasonInput, responses={201: TechnicalReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """A new version as a draft; it supersedes this one when issued."""
        revision = report_services.report_revise(
            actor=actor_of(request), report=self.get_object(), reason=_reason(request)
        )
        return self._out(revision, status=201)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> Any:
        """The signed and sealed report; while it is being signed, the PDF so far for those
        who write, sign or seal it. Each download is audited."""
        return serve_report(self.get_object(), actor_of(request))


def _reason(request: Request) -> str:
    return str(body_dict(request).get("reason") or "")


class SigningCredentialOut(serializers.ModelSerializer[Any]):
    holder = serializers.SerializerMethodField()
    use = serializers.ChoiceField(
        choices=["in_use", "standby", "ended"],
        read_only=True,
        help_text="in_use: signs now; standby: a county CA's while an uploaded one signs; "
        "ended: withdrawn, revoked or run out",
    )

    class Meta:
        model = SigningCredential
        fields = [
            "id",
            "holder",
            "source",
            "subject",
            "issuer",
            "serial",
            "valid_from",
            "valid_to",
            "revoked_at",
            "use",
        ]

    def get_holder(self, obj: SigningCredential) -> str:
        return "provider" if obj.provider_id else "self"


class SigningCredentialUpload(serializers.Serializer[Any]):
    file = serializers.FileField()
    passphrase = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False, max_length=200
    )
    holder = serializers.ChoiceField(choices=["self", "provider"], default="self")


class SigningCredentialViewSet(ScopedViewSet):
    """The signing certificates the user holds (their own) or manages (their provider's seal,
    as its admin or leader). ``POST`` multipart ``file`` (.p12/.pfx from a licensed CA),
    ``passphrase``, ``holder`` (``self`` or ``provider``) makes it what they sign with; 400
    names what is wrong with the file. ``POST {id}/withdraw/`` stops using an uploaded one."""

    serializer_class = SigningCredentialOut
    parser_classes = UPLOAD_PARSERS
    pagination_class = None

    def scoped_queryset(self, actor: Any) -> Any:
        return credentials.credentials_of(actor)

    def _out(self, actor: Any, pk: int) -> dict[str, Any]:
        mine = credentials.with_use(list(credentials.credentials_of(actor)))
        return dict(SigningCredentialOut(next(c for c in mine if c.pk == pk)).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        mine = credentials.with_use(list(self.get_queryset()))
        return Response(SigningCredentialOut(mine, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._out(actor_of(request), self.get_object().pk))

    @extend_schema(request=SigningCredentialUpload, responses={201: SigningCredentialOut})
    def create(self, request: Request) -> Response:
        data = SigningCredentialUpload(data=body_dict(request))
        data.is_valid(raise_exception=True)
        credential = credentials.credential_upload(
            actor=actor_of(request),
            data=data.validated_data["file"].read(credentials.MAX_BYTES + 1),
            passphrase=data.validated_data["passphrase"],
            holder=data.validated_data["holder"],
        )
        return Response(self._out(actor_of(request), credential.pk), status=201)

    @extend_schema(request=None, responses=SigningCredentialOut)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: int) -> Response:
        credential = self.get_object()
        credentials.credential_withdraw(actor=actor_of(request), credential=credential)
        return Response(self._out(actor_of(request), credential.pk))
