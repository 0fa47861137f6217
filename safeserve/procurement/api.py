from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.api.exports import ExportMixin
from safeserve.api.fields import AllowedActionsField
from safeserve.api.parsing import body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.choices import ProcurementMethod, ServiceCategory
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import validate_scan
from safeserve.common.request import actor_of
from safeserve.procurement import exports, selectors, services
from safeserve.procurement.filters import PlanFilter, ProjectFilter
from safeserve.procurement.models import (
    LeadingGroupRole,
    PlanItem,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.procurement.permissions import can_read_procurement
from safeserve.procurement.workflows import leading_group_complete
from safeserve.providers.models import IN_REGISTER, Provider, Specialty


class ItemSerializer(serializers.ModelSerializer[PlanItem]):
    class Meta:
        model = PlanItem
        fields = [
            "id",
            "category",
            "description",
            "content",
            "target_enterprises",
            "target_visits",
            "target_sessions",
            "budget",
            "is_pilot",
        ]


class PlanSerializer(serializers.ModelSerializer[PurchasePlan]):
    items = ItemSerializer(many=True, read_only=True)
    purchaser_name = serializers.CharField(source="purchaser.name", read_only=True)

    class Meta:
        model = PurchasePlan
        fields = [
            "id",
            "year",
            "title",
            "purchaser",
            "purchaser_name",
            "status",
            "submitted_at",
            "decided_at",
            "return_reason",
            "items",
        ]


class PlanDetailSerializer(PlanSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "allowed_actions"]


class PlanInput(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=120)


class ItemInput(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    content = serializers.CharField(max_length=5000)
    target_enterprises = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    target_visits = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    target_sessions = serializers.IntegerField(min_value=0, max_value=100_000, default=0)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    is_pilot = serializers.BooleanField(default=False)


class MemberInput(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=LeadingGroupRole.choices)
    name = serializers.CharField(max_length=40)
    position = serializers.CharField(max_length=80)


class PurchasePlanViewSet(ExportMixin, ScopedViewSet):
    """``GET /purchase-plans/?year=&status=&purchaser=`` (and ``/purchase-plans/export/``)."""

    serializer_class = PlanSerializer
    detail_serializer_class = PlanDetailSerializer
    filterset_class = PlanFilter
    list_export = exports.PLANS
    http_method_names = ["get", "post", "put", "head", "options"]

    def can_read(self, actor: Any) -> bool:
        return can_read_procurement(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.plan_list(viewer=actor).prefetch_related("items")

    def _out(self, plan: PurchasePlan) -> Any:
        return PlanDetailSerializer(
            self.scoped_queryset(actor_of(self.request)).get(pk=plan.pk),
            context={"request": self.request},
        ).data

    @extend_schema(request=PlanInput, responses={201: PlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PlanInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        plan = services.plan_create(actor=actor_of(request), **data.validated_data)
        return Response(self._out(plan), status=status.HTTP_201_CREATED)

    @extend_schema(request=ItemInput, responses={201: ItemSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        data = ItemInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        item = services.plan_item_save(
            actor=actor_of(request), plan=plan, data=services.ItemData(**data.validated_data)
        )
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer("LeadingGroupInput", {"members": MemberInput(many=True)}),
        responses={200: None},
    )
    @action(detail=True, methods=["put"], url_path="leading-group")
    def leading_group(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        data = MemberInput(data=body_dict(request).get("members", []), many=True)
        data.is_valid(raise_exception=True)
        group = services.leading_group_save(
            actor=actor_of(request), year=plan.year, members=list(data.validated_data)
        )
        return Response(
            {
                "year": group.year,
                "complete": leading_group_complete(group),
                "members": [
                    {"role": m.role, "name": m.name, "position": m.position}
                    for m in group.members.all()
                ],
            }
        )

    def _transition(self, request: Request, verb: str) -> Response:
        plan = self.get_object()
        actor = actor_of(request)
        if verb == "return":
            services.plan_return(
                actor=actor, plan=plan, reason=str(body_dict(request).get("reason", ""))
            )
        else:
            {
                "submit": services.plan_submit,
                "approve": services.plan_approve,
                "close": services.plan_close,
            }[verb](actor=actor, plan=plan)
        return Response(self._out(plan))

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "submit")

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "approve")

    @extend_schema(
        request=inline_serializer("ReturnInput", {"reason": serializers.CharField()}),
        responses=PlanSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "return")

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "close")


class ProjectSerializer(serializers.ModelSerializer[PurchaseProject]):
    category = serializers.CharField(source="item.category", read_only=True)

    class Meta:
        model = PurchaseProject
        fields = [
            "id",
            "item",
            "category",
            "title",
            "purchaser",
            "service_content",
            "enterprise_scope",
            "required_experts",
            "required_specialties",
            "min_premises_area",
            "extra_requirements",
            "method",
            "status",
            "awarded_provider",
            "award_date",
            "award_amount",
            "eligibility",
            "cancel_reason",
        ]


class ProjectDetailSerializer(ProjectSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "allowed_actions"]


class ProjectInput(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=120)
    service_content = serializers.CharField(max_length=5000)
    enterprise_scope = serializers.CharField(max_length=5000)
    required_experts = serializers.IntegerField(min_value=1, max_value=500, default=1)
    required_specialties = serializers.ListField(
        child=serializers.ChoiceField(choices=Specialty.choices), default=list
    )
    min_premises_area = serializers.DecimalField(
        max_digits=9, decimal_places=1, min_value=0, required=False, allow_null=True, default=None
    )
    extra_requirements = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=20, default=list
    )
    method = serializers.ChoiceField(
        choices=[("", "—"), *ProcurementMethod.choices],
        required=False,
        allow_blank=True,
        default="",
    )


class ProjectCreateInput(ProjectInput):
    item = serializers.IntegerField()


class AwardInput(serializers.Serializer[Any]):
    provider = serializers.IntegerField()
    award_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    method = serializers.ChoiceField(choices=ProcurementMethod.choices, required=False)
    confirmed = serializers.ListField(child=serializers.CharField(max_length=200), default=list)


class PurchaseProjectViewSet(ExportMixin, ScopedViewSet):
    """``GET /purchase-projects/?status=&category=&purchaser=`` (and
    ``/purchase-projects/export/``)."""

    serializer_class = ProjectSerializer
    detail_serializer_class = ProjectDetailSerializer
    filterset_class = ProjectFilter
    list_export = exports.PROJECTS

    def can_read(self, actor: Any) -> bool:
        org = actor.organization
        return can_read_procurement(actor) or bool(org and org.kind == "provider")

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.project_list(viewer=actor)

    def _out(self, project: PurchaseProject) -> Any:
        return ProjectDetailSerializer(
            PurchaseProject.objects.select_related("item__plan").get(pk=project.pk),
            context={"request": self.request},
        ).data

    def _provider(self, project: PurchaseProject, pk: int) -> Provider:
        provider = Provider.objects.filter(
            pk=pk, admissions__county_id=project.county_id, admissions__status__in=IN_REGISTER
        ).first()
        if provider is None:
            raise ApplicationError(
                "unknown_provider",
                "provider",
                errors={"provider": ["not in this county's register"]},
                status=400,
            )
        return provider

    @extend_schema(request=ProjectCreateInput, responses={201: ProjectSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProjectCreateInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        plan_items = PlanItem.objects.filter(
            plan__in=PurchasePlan.objects.visible_to(actor_of(request))
        )
        item = plan_items.filter(pk=values.pop("item")).first()
        if item is None:
            raise Http404
        project = services.project_create(
            actor=actor_of(request), item=item, data=services.ProjectData(**values)
        )
        return Response(self._out(project), status=status.HTTP_201_CREATED)

    @extend_schema(request=ProjectInput, responses=ProjectSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        current = {k: getattr(project, k) for k in services.ProjectData.__dataclass_fields__}
        data = ProjectInput(data={**current, **body_dict(request)})
        data.is_valid(raise_exception=True)
        services.project_update(
            actor=actor_of(request),
            project=project,
            data=services.ProjectData(**data.validated_data),
        )
        return Response(self._out(project))

    @extend_schema(
        request=AwardInput,
        responses=inline_serializer(
            "Eligibility",
            {"passed": serializers.BooleanField(), "conditions": serializers.ListField()},
        ),
    )
    @action(detail=True, methods=["post"])
    def eligibility(self, request: Request, pk: str | None = None) -> Response:
        """Runs the R1 check without awarding (a read: nothing is stored)."""
        project = self.get_object()
        data = AwardInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        result = services.project_eligibility(
            actor=actor_of(request),
            project=project,
            provider=self._provider(project, data.validated_data["provider"]),
            on_date=data.validated_data["award_date"],
            confirmed=data.validated_data["confirmed"],
        )
        return Response(result.as_dict())

    @extend_schema(request=AwardInput, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        data = AwardInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.project_award(
            actor=actor_of(request),
            project=project,
            provider=self._provider(project, values["provider"]),
            award_date=values["award_date"],
            amount=values.get("amount"),
            method=values.get("method", ""),
            confirmed=values["confirmed"],
        )
        return Response(self._out(project))

    @extend_schema(
        request=inline_serializer("CancelInput", {"reason": serializers.CharField()}),
        responses=ProjectSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        services.project_cancel(
            actor=actor_of(request),
            project=project,
            reason=str(body_dict(request).get("reason", "")),
        )
        return Response(self._out(project))

    @extend_schema(
        request=inline_serializer(
            "DocumentUpload", {"title": serializers.CharField(), "file": serializers.FileField()}
        ),
        responses={201: None},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                "file_missing", "file", errors={"file": ["required"]}, status=400
            )
        try:
            validate_scan(upload)
        except Exception as exc:
            messages = list(getattr(exc, "messages", [str(exc)]))
            raise ApplicationError(
                "invalid_file", " ".join(messages), errors={"file": messages}, status=415
            ) from None
        document = services.project_add_document(
            actor=actor_of(request),
            project=project,
            title=str(body_dict(request).get("title", "")),
            upload=upload,
        )
        return Response(
            {"id": document.pk, "title": document.title}, status=status.HTTP_201_CREATED
        )


__all__ = ["PurchasePlanViewSet", "PurchaseProjectViewSet", "get_visible"]
