from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.accounts.request import actor_of
from safeserve.api.parsing import body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.contracts import services
from safeserve.contracts.models import Contract
from safeserve.organizations.access import get_visible
from safeserve.procurement.models import PurchaseProject


class CriterionSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    weight = serializers.IntegerField()
    requirement = serializers.CharField()
    method = serializers.CharField()


class ContractSerializer(serializers.ModelSerializer[Contract]):
    criteria = CriterionSerializer(many=True, read_only=True)
    installments = serializers.SerializerMethodField()
    missing_terms = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "project",
            "purchaser",
            "provider",
            "number",
            "subject_matter",
            "quantity",
            "quality_requirements",
            "period_start",
            "period_end",
            "amount",
            "payment_method",
            "rights_obligations",
            "liability",
            "planned_visits",
            "pass_score",
            "status",
            "purchaser_signed_at",
            "provider_signed_at",
            "signed_on",
            "terminated_reason",
            "criteria",
            "installments",
            "missing_terms",
        ]

    def get_installments(self, obj: Contract) -> list[dict[str, Any]]:
        return [
            {"sequence": i.sequence, "amount": str(i.amount), "condition": i.condition}
            for i in obj.installments.all()
        ]

    def get_missing_terms(self, obj: Contract) -> list[str]:
        return services.missing_terms(obj) if obj.status == "draft" else []


class TermsInput(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    subject_matter = serializers.CharField(required=False, allow_blank=True, default="")
    quantity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quality_requirements = serializers.CharField(required=False, allow_blank=True, default="")
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    payment_method = serializers.CharField(required=False, allow_blank=True, default="")
    rights_obligations = serializers.CharField(required=False, allow_blank=True, default="")
    liability = serializers.CharField(required=False, allow_blank=True, default="")
    planned_visits = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    criteria = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="one per line: name | weight | requirement | method",
    )
    installments = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="one per line: amount | payable when",
    )


class AmendInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)
    changes = serializers.CharField(max_length=2000)
    amount_delta = serializers.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))


class ContractViewSet(ScopedViewSet):
    serializer_class = ContractSerializer

    def scoped_queryset(self, actor: Any) -> Any:
        return (
            Contract.objects.visible_to(actor)
            .prefetch_related("criteria", "installments")
            .order_by("-pk")
        )

    def _out(self, contract: Contract) -> Any:
        fresh = Contract.objects.prefetch_related("criteria", "installments").get(pk=contract.pk)
        return ContractSerializer(fresh).data

    @extend_schema(
        request=inline_serializer("DraftInput", {"project": serializers.IntegerField()}),
        responses={201: ContractSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Drafts the contract of an awarded project."""
        body = body_dict(request)
        project = get_visible(
            PurchaseProject.objects.all(), actor_of(request), pk=body.get("project")
        )
        contract = services.contract_draft(actor=actor_of(request), project=project)
        return Response(self._out(contract), status=status.HTTP_201_CREATED)

    @extend_schema(request=TermsInput, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terms(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        data = TermsInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        criteria, installments = values.pop("criteria"), values.pop("installments")
        services.contract_save_terms(
            actor=actor_of(request),
            contract=contract,
            terms=services.Terms(**values),
            criteria=criteria,
            installments=installments,
        )
        return Response(self._out(contract))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        contract = services.contract_sign(actor=actor_of(request), contract=self.get_object())
        return Response(self._out(contract))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        contract = services.contract_start(actor=actor_of(request), contract=self.get_object())
        return Response(self._out(contract))

    @extend_schema(
        request=inline_serializer(
            "TerminateInput",
            {"reason": serializers.CharField(), "liability": serializers.CharField(required=False)},
        ),
        responses=ContractSerializer,
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        body = body_dict(request)
        contract = services.contract_terminate(
            actor=actor_of(request),
            contract=self.get_object(),
            reason=str(body.get("reason", "")),
            liability=str(body.get("liability", "")),
        )
        return Response(self._out(contract))

    @extend_schema(request=AmendInput, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        data = AmendInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.contract_amend(actor=actor_of(request), contract=contract, **data.validated_data)
        return Response(self._out(contract))
