"""API of the hazard loop: hazards and their verbs, notices, major-hazard reports, and the
enterprise's notice link (no account; only that notice's hazards)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.exports import ExportMixin
from safeserve.api.fields import AllowedActionsField
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import serve_file
from safeserve.common.request import actor_of
from safeserve.common.validation import MAX_ID, id_or_none
from safeserve.fieldwork import api as fieldwork_api
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import Answer, InspectionAnswer, ServiceTask
from safeserve.hazards import exports, selectors, services
from safeserve.hazards.filters import HazardFilter, NoticeFilter, ReportFilter
from safeserve.hazards.models import (
    GOVERNANCE_PARTS,
    Hazard,
    HazardLevel,
    MajorHazardReport,
    Notice,
    SupervisionLevel,
)
from safeserve.hazards.workflows import EXTENSION, HAZARD


class HazardSerializer(serializers.ModelSerializer[Hazard]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    experts = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    notice_number = serializers.CharField(source="notice.number", default="", read_only=True)
    extensions = serializers.SerializerMethodField()
    major_report = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "enterprise",
            "enterprise_name",
            "contract",
            "task",
            "level",
            "status",
            "overdue",
            "description",
            "location",
            "basis",
            "checklist_item",
            "advice",
            "deadline",
            "responsible_person",
            "funds_estimate",
            "found_at",
            "acknowledged_at",
            "submitted_at",
            "closed_at",
            "notice",
            "notice_number",
            "experts",
            "files",
            "extensions",
            "major_report",
        ]

    def get_experts(self, obj: Hazard) -> list[str]:
        return [e.name for e in obj.experts.all()]

    def get_files(self, obj: Hazard) -> list[dict[str, Any]]:
        return [
            {
                "id": f.pk,
                "stage": f.stage,
                "image": f.is_image,
                "url": reverse("api:hazard-file", args=[obj.pk, f.pk]),
            }
            for f in obj.files.all()
        ]

    def get_extensions(self, obj: Hazard) -> list[dict[str, Any]]:
        return [
            {
                "id": e.pk,
                "status": e.status,
                "new_deadline": e.new_deadline,
                "reason": e.reason,
                "decision_note": e.decision_note,
            }
            for e in obj.extensions.all()
        ]

    def get_major_report(self, obj: Hazard) -> int | None:
        """The report's id, for those who may read it: the enterprise only once it is sent."""
        report = getattr(obj, "major_report", None)
        if report is None:
            return None
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if report.status == "draft" and user is not None and not perms.sees_working_papers(user):
            return None
        return report.pk


class HazardDetailSerializer(HazardSerializer):
    """One hazard: what the viewer may do to it and to each pending extension request."""

    allowed_actions = AllowedActionsField()

    class Meta(HazardSerializer.Meta):
        fields = [*HazardSerializer.Meta.fields, "allowed_actions"]

    def get_extensions(self, obj: Hazard) -> list[dict[str, Any]]:
        user = self.context["request"].user
        rows = super().get_extensions(obj)
        for row, extension in zip(rows, obj.extensions.all(), strict=True):
            extension.hazard = obj  # the table reads the hazard's state
            row["allowed_actions"] = EXTENSION.verbs_for(user, extension)
        return rows


class RaiseInput(serializers.Serializer[Any]):
    task = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    level = serializers.ChoiceField(choices=HazardLevel.choices, default=HazardLevel.GENERAL)
    description = serializers.CharField(max_length=4000)
    location = serializers.CharField(max_length=200)
    advice = serializers.CharField(max_length=4000)
    basis = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    answer = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    responsible_person = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    funds_estimate = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal(0),
    )


class HazardReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=4000)


class HazardNoteInput(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=4000)


class SubmitInput(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=4000)
    submitter_name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class ExtendInput(serializers.Serializer[Any]):
    new_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=4000)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    data = serializer_class(data=body_dict(request))
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class HazardViewSet(ExportMixin, ScopedViewSet):
    """``GET /hazards/?status=&level=&open=1&overdue=1&enterprise=&contract=&task=`` (and
    ``/hazards/export/``); POST raises one (multipart with ``photos``)."""

    serializer_class = HazardSerializer
    detail_serializer_class = HazardDetailSerializer
    filterset_class = HazardFilter
    list_export = exports.HAZARDS
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.hazard_list(viewer=actor)

    def _out(self, hazard: Hazard) -> Any:
        return HazardDetailSerializer(
            selectors.with_details(Hazard.objects.filter(pk=hazard.pk)).get(),
            context=self.get_serializer_context(),
        ).data

    @extend_schema(request=RaiseInput, responses={201: HazardDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        values = _valid(RaiseInput, request)
        task = get_visible(ServiceTask.objects.all(), actor, pk=values.pop("task"))
        answer_id = values.pop("answer")
        answer = (
            InspectionAnswer.objects.filter(pk=answer_id, inspection__task=task).first()
            if answer_id
            else None
        )
        if answer_id and answer is None:
            raise serializers.ValidationError({"answer": [_("Not an answer on this task.")]})
        hazard = services.hazard_raise(
            actor=actor,
            task=task,
            answer=answer,
            photos=request.FILES.getlist("photos"),
            **values,
        )
        return Response(self._out(hazard), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>\d{1,12})")
    def file(self, request: Request, pk: str | None = None, file_id: str = "") -> Any:
        """A photo or document of the hazard (served only within scope)."""
        stored = self.get_object().files.filter(pk=int(file_id)).first()
        if stored is None or not stored.file:
            raise Http404
        return serve_file(stored.file, name=stored.original_name)

    @extend_schema(request=None, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request: Request, pk: str | None = None) -> Response:
        """Issues a written notice listing this hazard (POST /notices/ lists several)."""
        hazard = self.get_object()
        services.notice_issue(actor=actor_of(request), task=hazard.task, hazards=[hazard])
        return Response(self._out(hazard))

    @extend_schema(request=None, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        services.hazard_acknowledge(actor=actor_of(request), hazard=hazard)
        return Response(self._out(hazard))

    @extend_schema(request=SubmitInput, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Multipart: ``description`` and ``files`` (photos or PDF, at least one)."""
        hazard = self.get_object()
        values = _valid(SubmitInput, request)
        services.hazard_submit(
            actor=actor_of(request), hazard=hazard, files=request.FILES.getlist("files"), **values
        )
        return Response(self._out(hazard))

    @extend_schema(request=HazardNoteInput, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        values = _valid(HazardNoteInput, request)
        services.hazard_verify(
            actor=actor_of(request),
            hazard=hazard,
            note=values["note"],
            photos=request.FILES.getlist("photos"),
        )
        return Response(self._out(hazard))

    @extend_schema(request=HazardReasonInput, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        services.hazard_reject(
            actor=actor_of(request), hazard=hazard, **_valid(HazardReasonInput, request)
        )
        return Response(self._out(hazard))

    @extend_schema(request=ExtendInput, responses={201: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        """Requests a later deadline; the decision is ``extensions/{id}/approve|decline``."""
        hazard = self.get_object()
        services.extension_request(
            actor=actor_of(request), hazard=hazard, **_valid(ExtendInput, request)
        )
        return Response(self._out(hazard), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer("ExtensionDecision", {"note": serializers.CharField()}),
        responses=HazardDetailSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extensions/(?P<extension_id>\d{1,12})/(?P<verb>approve|decline)",
    )
    def extension_decide(
        self, request: Request, pk: str | None = None, extension_id: str = "", verb: str = ""
    ) -> Response:
        hazard = self.get_object()
        extension = hazard.extensions.filter(pk=int(extension_id)).first()
        if extension is None:
            raise Http404
        services.extension_decide(
            actor=actor_of(request),
            extension=extension,
            approve=verb == "approve",
            note=str(body_dict(request).get("note", "")),
        )
        return Response(self._out(hazard))

    @extend_schema(request=HazardReasonInput, responses=HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        hazard = self.get_object()
        services.hazard_reopen(
            actor=actor_of(request), hazard=hazard, **_valid(HazardReasonInput, request)
        )
        return Response(self._out(hazard))


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    hazards = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "number",
            "enterprise",
            "enterprise_name",
            "task",
            "created_at",
            "acknowledged_at",
            "link_expires_at",
            "hazards",
            "link",
        ]

    def get_hazards(self, obj: Notice) -> list[dict[str, Any]]:
        return [
            {
                "id": h.pk,
                "number": h.number,
                "status": h.status,
                "level": h.level,
                "deadline": h.deadline,
                "overdue": h.overdue,
            }
            for h in obj.hazards.all()
        ]

    def get_link(self, obj: Notice) -> str:
        return reverse("notice_link", args=[obj.pk, services.notice_token(obj)])


class NoticeViewSet(ExportMixin, ScopedViewSet):
    """``GET /notices/?waiting=1&enterprise=&contract=&task=`` (and ``/notices/export/``)."""

    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    list_export = exports.NOTICES

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.notice_list(viewer=actor).prefetch_related("hazards")

    @extend_schema(
        request=inline_serializer(
            "NoticeInput",
            {
                "task": serializers.IntegerField(),
                "hazards": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
        responses={201: NoticeSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issues one written notice listing the found hazards of a task."""
        actor = actor_of(request)
        body = body_dict(request)
        task = get_visible(ServiceTask.objects.all(), actor, pk=body.get("task"))
        ids = body.get("hazards") or []
        if not isinstance(ids, list):
            ids = [ids]
        wanted = [number for number in map(id_or_none, ids) if number is not None]
        hazards = list(Hazard.objects.visible_to(actor).filter(pk__in=wanted))
        notice = services.notice_issue(actor=actor, task=task, hazards=hazards)
        return Response(
            NoticeSerializer(self.scoped_queryset(actor).get(pk=notice.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ReportSerializer(serializers.ModelSerializer[MajorHazardReport]):
    hazard_number = serializers.CharField(source="hazard.number", read_only=True)
    enterprise_name = serializers.CharField(source="hazard.enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    copied_township_name = serializers.CharField(
        source="copied_township.name", default="", read_only=True
    )
    governance_plan = serializers.SerializerMethodField()

    class Meta:
        model = MajorHazardReport
        fields = [
            "id",
            "hazard",
            "hazard_number",
            "enterprise_name",
            "department",
            "department_name",
            "copied_township",
            "copied_township_name",
            "status",
            "due_at",
            "current_state",
            "harm_analysis",
            "handling_advice",
            "sent_at",
            "sent_late",
            "acknowledged_at",
            "supervision_level",
            "supervising_unit",
            "planned_completion",
            "supervised_at",
            "accepted_at",
            "acceptance_note",
            "accepted_late",
            "governance_plan",
        ]

    def get_governance_plan(self, obj: MajorHazardReport) -> dict[str, Any] | None:
        plan = getattr(obj, "governance_plan", None)
        if plan is None:
            return None
        return {
            **{part: getattr(plan, part) for part in GOVERNANCE_PARTS},
            # 万元, as text like every amount of the API
            "funds_amount": str(plan.funds_amount) if plan.funds_amount is not None else None,
        }


class ReportDetailSerializer(ReportSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "allowed_actions"]


class ReportDraftInput(serializers.Serializer[Any]):
    # PATCH: a part left out keeps what it says.
    current_state = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    harm_analysis = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    handling_advice = serializers.CharField(max_length=8000, allow_blank=True, required=False)


class SuperviseInput(serializers.Serializer[Any]):
    supervision_level = serializers.ChoiceField(choices=SupervisionLevel.choices)
    supervising_unit = serializers.CharField(max_length=100)
    planned_completion = serializers.DateField()


class GovernancePlanInput(serializers.Serializer[Any]):
    targets = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    methods = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    funds = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    organisation = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    time_limits = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    safety_measures = serializers.CharField(max_length=8000, allow_blank=True, required=False)
    funds_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="落实治理资金（万元）",
    )


class MajorHazardReportViewSet(ExportMixin, ScopedViewSet):
    """``GET /major-hazard-reports/?status=&late=1`` (and ``/major-hazard-reports/export/``)."""

    serializer_class = ReportSerializer
    detail_serializer_class = ReportDetailSerializer
    filterset_class = ReportFilter
    list_export = exports.REPORTS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.report_list(viewer=actor)

    def _out(self, report: MajorHazardReport) -> Any:
        return ReportDetailSerializer(
            selectors.report_details(MajorHazardReport.objects.filter(pk=report.pk)).get(),
            context=self.get_serializer_context(),
        ).data

    @extend_schema(request=ReportDraftInput, responses=ReportDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        services.major_report_save(
            actor=actor_of(request), report=report, **_valid(ReportDraftInput, request)
        )
        return Response(self._out(report))

    @extend_schema(request=None, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        services.major_report_send(actor=actor_of(request), report=report)
        return Response(self._out(report))

    @extend_schema(request=None, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        services.major_report_acknowledge(actor=actor_of(request), report=report)
        return Response(self._out(report))

    @extend_schema(request=SuperviseInput, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def supervise(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        values = _valid(SuperviseInput, request)
        services.major_report_supervise(
            actor=actor_of(request),
            report=report,
            level=values["supervision_level"],
            supervising_unit=values["supervising_unit"],
            planned_completion=values["planned_completion"],
        )
        return Response(self._out(report))

    @extend_schema(request=GovernancePlanInput, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="governance-plan")
    def governance_plan(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        values = _valid(GovernancePlanInput, request)
        services.governance_plan_save(
            actor=actor_of(request),
            report=report,
            parts={p: values[p] for p in GOVERNANCE_PARTS if p in values},
            **({"funds_amount": values["funds_amount"]} if "funds_amount" in values else {}),
        )
        return Response(self._out(report))

    @extend_schema(request=HazardNoteInput, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        services.major_report_accept(
            actor=actor_of(request), report=report, **_valid(HazardNoteInput, request)
        )
        return Response(self._out(report))


class AnswerInput(serializers.Serializer[Any]):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    answer = serializers.ChoiceField(choices=Answer.choices)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    raise_hazard = serializers.BooleanField(required=False, default=False)
    level = serializers.ChoiceField(choices=HazardLevel.choices, default=HazardLevel.GENERAL)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    advice = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    responsible_person = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class AnsweredSerializer(fieldwork_api.InspectionSerializer):
    raised_hazard = serializers.SerializerMethodField()

    class Meta(fieldwork_api.InspectionSerializer.Meta):
        fields = [*fieldwork_api.InspectionSerializer.Meta.fields, "raised_hazard"]

    def get_raised_hazard(self, obj: Any) -> dict[str, Any] | None:
        hazard = self.context.get("hazard")
        if hazard is None:
            return None
        return {"id": hazard.pk, "number": hazard.number, "level": hazard.level}


class InspectionViewSet(fieldwork_api.InspectionViewSet):
    """Checklists on a task, answered item by item; an answer of 'problem found' can raise its
    hazard in the same request (``raise_hazard``), both kept or neither."""

    @extend_schema(request=AnswerInput, responses=AnsweredSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Multipart: ``item``, ``answer`` (yes/no/na), ``description``, ``photos`` (several);
        with ``raise_hazard``: ``location``, ``advice``, ``level``, ``deadline``,
        ``responsible_person``."""
        inspection = self.get_object()
        values = _valid(AnswerInput, request)
        item = inspection.template.items.filter(pk=values.pop("item")).first()
        if item is None:
            raise serializers.ValidationError({"item": [_("Not an item of this checklist.")]})
        hazard = services.answer_and_raise(
            actor=actor_of(request),
            inspection=inspection,
            item=item,
            photos=request.FILES.getlist("photos"),
            **values,
        )[1]
        return Response(AnsweredSerializer(self.get_object(), context={"hazard": hazard}).data)


def link_notice(request: Request, notice_id: int, token: str) -> Notice:
    """The notice of a link, or 404 (wrong token) / 410 (expired) / 429 (too many requests
    from this address)."""
    try:
        notice = services.notice_from_link(request._request, notice_id, token)
    except services.LinkRateExceeded:
        raise Throttled() from None
    if notice is None:
        raise Http404
    if not services.link_is_valid(notice):
        raise ApplicationError(
            "link_expired",
            _("This link has expired; ask the provider or the township for a new notice."),
            status=410,
        )
    return notice


class NoticeLinkView(APIView):
    """The enterprise's notice link without an account: GET the notice and its hazards;
    POST ``{"hazard": id, "verb": "acknowledge"}`` or multipart ``verb=submit`` with
    ``description`` and ``files``. Only that notice's hazards are reachable."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = UPLOAD_PARSERS

    def _out(self, notice: Notice) -> dict[str, Any]:
        hazards = selectors.with_details(Hazard.objects.filter(notice=notice)).order_by("pk")
        actor = services.LinkActor(notice=notice)
        return {
            "number": notice.number,
            "enterprise_name": notice.enterprise.name,
            "link_expires_at": notice.link_expires_at,
            "hazards": [
                {
                    "id": h.pk,
                    "number": h.number,
                    "level": h.level,
                    "status": h.status,
                    "description": h.description,
                    "location": h.location,
                    "advice": h.advice,
                    "deadline": h.deadline,
                    "overdue": h.overdue,
                    "allowed_actions": HAZARD.verbs_for(actor, h),
                }
                for h in hazards
            ],
        }

    @extend_schema(responses={200: None})
    def get(self, request: Request, notice_id: int, token: str) -> Response:
        return Response(self._out(link_notice(request, notice_id, token)))

    @extend_schema(
        request=inline_serializer(
            "NoticeLinkInput",
            {
                "hazard": serializers.IntegerField(),
                "verb": serializers.ChoiceField(choices=["acknowledge", "submit"]),
                "description": serializers.CharField(required=False),
                "submitter_name": serializers.CharField(required=False),
            },
        ),
        responses={200: None},
    )
    def post(self, request: Request, notice_id: int, token: str) -> Response:
        notice = link_notice(request, notice_id, token)
        body = body_dict(request)
        hazard = Hazard.objects.filter(
            pk=id_or_none(body.get("hazard")) or 0, notice=notice
        ).first()
        if hazard is None:
            raise Http404
        actor = services.LinkActor(notice=notice)
        if body.get("verb") == "acknowledge":
            services.hazard_acknowledge(actor=actor, hazard=hazard)
        elif body.get("verb") == "submit":
            services.hazard_submit(
                actor=actor,
                hazard=hazard,
                description=str(body.get("description", "")),
                files=request.FILES.getlist("files"),
                submitter_name=str(body.get("submitter_name", "")),
            )
        else:
            raise serializers.ValidationError({"verb": ["acknowledge | submit"]})
        return Response(self._out(notice))
