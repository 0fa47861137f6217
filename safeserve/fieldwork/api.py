"""API of fieldwork: tasks (plan, schedule, assign, check-in, records, finish, cancel, rate),
inspections (checklist answers with photos), fee complaints and document requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.api.exports import ExportMixin
from safeserve.api.fields import AllowedActionsField
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.lib.http import serve_file
from safeserve.common.request import actor_of
from safeserve.common.validation import MAX_ID, id_or_none
from safeserve.contracts.models import Contract
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import exports, selectors, services
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.filters import DocumentRequestFilter, FeeComplaintFilter, TaskFilter
from safeserve.fieldwork.models import (
    ChecklistTemplate,
    DocumentRequest,
    DocumentRequestKind,
    FeeComplaint,
    Inspection,
    InspectionPhoto,
    ServiceTask,
    TaskKind,
)


class TaskSerializer(serializers.ModelSerializer[ServiceTask]):
    enterprise_name = serializers.CharField(source="enterprise.name", default="", read_only=True)
    team = serializers.SerializerMethodField()
    inspections = serializers.SerializerMethodField()

    class Meta:
        model = ServiceTask
        fields = [
            "id",
            "contract",
            "enterprise",
            "enterprise_name",
            "kind",
            "title",
            "planned_date",
            "notes",
            "status",
            "checked_in_at",
            "check_in_latitude",
            "check_in_longitude",
            "check_in_accuracy",
            "findings_recorded_at",
            "cancelled_reason",
            "team",
            "inspections",
        ]

    def get_team(self, obj: ServiceTask) -> list[dict[str, Any]]:
        return [
            {"expert": a.expert_id, "name": a.expert.name, "role": a.role}
            for a in obj.assignments.all()
        ]

    def get_inspections(self, obj: ServiceTask) -> list[dict[str, Any]]:
        return [
            {"id": i.pk, "template": i.template.code, "name": i.template.name}
            for i in obj.inspections.all()
        ]


class TaskDetailSerializer(TaskSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "allowed_actions"]


class TaskInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    planned_date = serializers.DateField()
    enterprise = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class TaskUpdateInput(serializers.Serializer[Any]):
    planned_date = serializers.DateField()
    title = serializers.CharField(max_length=120)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ScheduleInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    visits_per_year = serializers.IntegerField(min_value=1, max_value=12)
    start = serializers.DateField(required=False, allow_null=True, default=None)


class AssignInput(serializers.Serializer[Any]):
    lead = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list, max_length=20
    )


class CheckInInput(serializers.Serializer[Any]):
    latitude = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )
    longitude = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )
    accuracy = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )


class RecordInput(serializers.Serializer[Any]):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    scenario = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    participants = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000
    )
    problems_found = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    topic = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, min_value=Decimal(0)
    )
    attendees = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000
    )
    materials = serializers.FileField(required=False, allow_null=True, default=None)


class TestResultInput(serializers.Serializer[Any]):
    factor = serializers.CharField(max_length=80)
    point = serializers.CharField(max_length=120)
    measured_value = serializers.DecimalField(max_digits=12, decimal_places=4)
    limit_value = serializers.DecimalField(max_digits=12, decimal_places=4)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class RateInput(serializers.Serializer[Any]):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TaskViewSet(ExportMixin, ScopedViewSet):
    """``GET /tasks/?mine=1&date_from=&date_to=&status=&contract=&enterprise=&kind=`` (and
    ``/tasks/export/``)."""

    serializer_class = TaskSerializer
    detail_serializer_class = TaskDetailSerializer
    filterset_class = TaskFilter
    list_export = exports.TASKS
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.task_list(viewer=actor)

    def _out(self, task: ServiceTask) -> Any:
        return TaskDetailSerializer(
            selectors.with_details(ServiceTask.objects.filter(pk=task.pk)).get(),
            context=self.get_serializer_context(),
        ).data

    @extend_schema(request=TaskInput, responses={201: TaskDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        data = TaskInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contract = get_visible(Contract.objects.all(), actor, pk=values["contract"])
        enterprise = (
            get_visible(Enterprise.objects.all(), actor, pk=values["enterprise"])
            if values["enterprise"]
            else None
        )
        task = services.task_create(
            actor=actor,
            contract=contract,
            kind=values["kind"],
            planned_date=values["planned_date"],
            enterprise=enterprise,
            title=values["title"],
            notes=values["notes"],
        )
        return Response(self._out(task), status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskUpdateInput, responses=TaskDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        data = TaskUpdateInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.task_update(actor=actor_of(request), task=task, **data.validated_data)
        return Response(self._out(task))

    @extend_schema(
        request=ScheduleInput,
        responses={201: inline_serializer("ScheduleOut", {"created": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"])
    def schedule(self, request: Request) -> Response:
        """Inspection visits for every covered enterprise of a contract (idempotent)."""
        actor = actor_of(request)
        data = ScheduleInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        contract = get_visible(Contract.objects.all(), actor, pk=data.validated_data["contract"])
        created = services.task_schedule_generate(
            actor=actor,
            contract=contract,
            visits_per_year=data.validated_data["visits_per_year"],
            start=data.validated_data["start"],
        )
        return Response({"created": created}, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInput, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = AssignInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        lead, members = services.team_for(
            task.contract, data.validated_data["lead"], data.validated_data["members"]
        )
        services.task_assign(actor=actor_of(request), task=task, lead=lead, members=members)
        return Response(self._out(task))

    @extend_schema(request=CheckInInput, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = CheckInInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.task_check_in(actor=actor_of(request), task=task, **data.validated_data)
        return Response(self._out(task))

    @extend_schema(request=None, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        services.task_finish(actor=actor_of(request), task=task)
        return Response(self._out(task))

    @extend_schema(
        request=inline_serializer("TaskCancel", {"reason": serializers.CharField()}),
        responses=TaskDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        services.task_cancel(
            actor=actor_of(request), task=task, reason=str(body_dict(request).get("reason", ""))
        )
        return Response(self._out(task))

    @extend_schema(request=RecordInput, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = RecordInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        materials = values.pop("materials", None)
        services.record_save(actor=actor_of(request), task=task, data=values, materials=materials)
        return Response(self._out(task))

    @extend_schema(request=TestResultInput, responses={201: TaskDetailSerializer})
    @action(detail=True, methods=["post"], url_path="test-results")
    def test_results(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = TestResultInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.test_result_add(actor=actor_of(request), task=task, **data.validated_data)
        return Response(self._out(task), status=status.HTTP_201_CREATED)

    @extend_schema(request=RateInput, responses={201: None})
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = RateInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        rating = services.task_rate(actor=actor_of(request), task=task, **data.validated_data)
        return Response(
            {"score": rating.score, "comment": rating.comment}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=inline_serializer("AddChecklist", {"template": serializers.CharField()}),
        responses={200: None, 201: None},
    )
    @action(detail=True, methods=["get", "post"])
    def checklists(self, request: Request, pk: str | None = None) -> Response:
        """GET the suggested checklists; POST ``template`` (code or id) to use one."""
        task = self.get_object()
        if request.method == "GET":
            current, older = services.suggested_templates(task)
            return Response(
                {
                    "suggested": [_template_row(t) for t in current],
                    "superseded": [_template_row(t) for t in older],
                    "available": [
                        _template_row(t) for t in services.available_templates(task.county_id)
                    ],
                    "chosen": [i.template.code for i in task.inspections.all()],
                }
            )
        value = str(body_dict(request).get("template", ""))[:60]
        number = id_or_none(value)
        template = (
            ChecklistTemplate.objects.filter(pk=number).first()
            if number
            else ChecklistTemplate.objects.filter(code=value).first()
        )
        if template is None:
            raise serializers.ValidationError(
                {"template": [_("No such checklist; give its code or id from GET checklists.")]}
            )
        inspection = services.inspection_add(actor=actor_of(request), task=task, template=template)
        return Response({"inspection": inspection.pk}, status=status.HTTP_201_CREATED)


def _template_row(template: ChecklistTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "code": template.code,
        "name": template.name,
        "kind": template.kind,
        "standard": template.standard,
        "superseded": template.superseded,
    }


class InspectionSerializer(serializers.ModelSerializer[Inspection]):
    template = serializers.CharField(source="template.code")
    items = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "task", "template", "items"]

    def get_items(self, obj: Inspection) -> list[dict[str, Any]]:
        answers = {a.item_id: a for a in obj.answers.all()}
        rows = []
        for item in obj.template.items.all():
            answer = answers.get(item.pk)
            rows.append(
                {
                    "item": item.pk,
                    "reference": item.citation,
                    "text": item.text,
                    "is_major": item.is_major,
                    "answer": answer.answer if answer else None,
                    "description": answer.description if answer else "",
                    "photos": [
                        reverse("api:inspection-photo", args=[obj.pk, p.pk])
                        for p in answer.photos.all()
                    ]
                    if answer
                    else [],
                    "answer_id": answer.pk if answer else None,
                }
            )
        return rows


class InspectionViewSet(ScopedViewSet):
    """A checklist filled on a task: its items, answers and photos. Answering lives with the
    hazards app (``hazards.api.InspectionViewSet``), since an answer can raise a hazard."""

    serializer_class = InspectionSerializer
    parser_classes = UPLOAD_PARSERS

    def can_read(self, actor: Any) -> bool:
        return perms.sees_working_papers(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return (
            Inspection.objects.filter(task__in=ServiceTask.objects.visible_to(actor))
            .select_related("template", "task")
            .prefetch_related("template__items", "answers__photos")
            .order_by("pk")
        )

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>\d{1,12})")
    def photo(self, request: Request, pk: str | None = None, photo_id: str = "") -> Any:
        photo = InspectionPhoto.objects.filter(
            pk=int(photo_id), answer__inspection=self.get_object()
        ).first()
        if photo is None or not photo.file:
            raise Http404
        return serve_file(photo.file, name=photo.original_name)


class FeeComplaintSerializer(serializers.ModelSerializer[FeeComplaint]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    provider_name = serializers.CharField(source="contract.provider.name", read_only=True)

    class Meta:
        model = FeeComplaint
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "contract",
            "provider_name",
            "task",
            "demanded_by",
            "demanded_on",
            "amount",
            "description",
            "status",
            "decision_note",
            "decided_at",
            "created_at",
        ]


class FeeComplaintDetailSerializer(FeeComplaintSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(FeeComplaintSerializer.Meta):
        fields = [*FeeComplaintSerializer.Meta.fields, "allowed_actions"]


class FeeComplaintInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    task = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    demanded_by = serializers.CharField(max_length=100)
    demanded_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))
    description = serializers.CharField(max_length=4000)
    evidence = serializers.FileField(required=False, allow_null=True, default=None)


class FeeComplaintViewSet(ExportMixin, ScopedViewSet):
    """``GET /fee-complaints/?status=&contract=&enterprise=`` (and ``/fee-complaints/export/``);
    POST reports one (R15)."""

    serializer_class = FeeComplaintSerializer
    detail_serializer_class = FeeComplaintDetailSerializer
    filterset_class = FeeComplaintFilter
    list_export = exports.FEE_REPORTS
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.fee_complaint_list(viewer=actor)

    def _out(self, complaint: FeeComplaint) -> Any:
        return FeeComplaintDetailSerializer(
            self.scoped_queryset(actor_of(self.request)).get(pk=complaint.pk),
            context=self.get_serializer_context(),
        ).data

    @extend_schema(request=FeeComplaintInput, responses={201: FeeComplaintDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """An enterprise user reports a fee demand (R15)."""
        actor = actor_of(request)
        data = FeeComplaintInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        own = selectors.own_enterprise(actor)
        if own is None:
            raise Http404
        contract = Contract.objects.filter(pk=values.pop("contract"), coverage__enterprise=own)
        found = contract.first()
        if found is None:
            raise serializers.ValidationError(
                {"contract": [_("Choose a contract that serves your enterprise.")]}
            )
        task_id = values.pop("task")
        task = ServiceTask.objects.visible_to(actor).filter(pk=task_id).first() if task_id else None
        complaint = services.fee_complaint_report(
            actor=actor, enterprise=own, contract=found, task=task, **values
        )
        return Response(self._out(complaint), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "FeeDecision",
            {"confirmed": serializers.BooleanField(), "note": serializers.CharField()},
        ),
        responses=FeeComplaintDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        complaint = self.get_object()
        body = body_dict(request)
        services.fee_complaint_decide(
            actor=actor_of(request),
            complaint=complaint,
            confirmed=str(body.get("confirmed", "")).lower() in ("1", "true", "yes"),
            note=str(body.get("note", "")),
        )
        return Response(self._out(complaint))


class DocumentRequestSerializer(serializers.ModelSerializer[DocumentRequest]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by_org.name", read_only=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = DocumentRequest
        fields = [
            "id",
            "contract",
            "enterprise",
            "enterprise_name",
            "requested_by_name",
            "kind",
            "description",
            "due_date",
            "status",
            "answer",
            "answered_at",
            "documents",
        ]

    def get_documents(self, obj: DocumentRequest) -> list[dict[str, Any]]:
        return [
            {"id": d.pk, "title": d.title, "confidential": d.confidential}
            for d in obj.documents.all()
        ]


class DocumentRequestDetailSerializer(DocumentRequestSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(DocumentRequestSerializer.Meta):
        fields = [*DocumentRequestSerializer.Meta.fields, "allowed_actions"]


class DocumentRequestInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    enterprise = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=DocumentRequestKind.choices)
    description = serializers.CharField(max_length=4000)
    due_date = serializers.DateField()


class DocumentRequestViewSet(ExportMixin, ScopedViewSet):
    """``GET /document-requests/?status=&kind=&contract=&enterprise=`` (and
    ``/document-requests/export/``)."""

    serializer_class = DocumentRequestSerializer
    detail_serializer_class = DocumentRequestDetailSerializer
    filterset_class = DocumentRequestFilter
    list_export = exports.DOCUMENT_REQUESTS
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.document_request_list(viewer=actor)

    def _out(self, document_request: DocumentRequest) -> Any:
        return DocumentRequestDetailSerializer(
            self.scoped_queryset(actor_of(self.request)).get(pk=document_request.pk),
            context=self.get_serializer_context(),
        ).data

    @extend_schema(request=DocumentRequestInput, responses={201: DocumentRequestDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        data = DocumentRequestInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        contract = get_visible(Contract.objects.all(), actor, pk=values.pop("contract"))
        enterprise = get_visible(Enterprise.objects.all(), actor, pk=values.pop("enterprise"))
        created = services.document_request_create(
            actor=actor, contract=contract, enterprise=enterprise, **values
        )
        return Response(self._out(created), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "DocumentAnswer",
            {
                "answer": serializers.CharField(),
                "files": serializers.ListField(child=serializers.FileField()),
                "confidential": serializers.BooleanField(default=True),
            },
        ),
        responses=DocumentRequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Multipart: ``answer``, ``files`` (several), ``confidential`` (default true)."""
        document_request = self.get_object()
        body = body_dict(request)
        confidential = str(body.get("confidential", "true")).lower() not in ("0", "false", "no")
        files = [(f.name or "", f, confidential) for f in request.FILES.getlist("files")]
        services.document_request_answer(
            actor=actor_of(request),
            request=document_request,
            answer=str(body.get("answer", "")),
            files=files,
        )
        return Response(self._out(document_request))

    @extend_schema(request=None, responses=DocumentRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        document_request = self.get_object()
        services.document_request_close(actor=actor_of(request), request=document_request)
        return Response(self._out(document_request))

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d{1,12})")
    def document(self, request: Request, pk: str | None = None, document_id: str = "") -> Any:
        """Downloads one document; confidential ones are logged (R14)."""
        document_request = self.get_object()
        document = document_request.documents.filter(pk=int(document_id)).first()
        if document is None:
            raise Http404
        services.document_open(actor=actor_of(request), document=document)
        return serve_file(document.file, attachment=True, name=document.original_name)
