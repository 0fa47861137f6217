from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import validate_scan
from safeserve.common.request import actor_of
from safeserve.common.validation import id_or_none
from safeserve.contracts import exports, selectors, services
from safeserve.contracts.filters import ContractFilter
from safeserve.contracts.models import Contract
from safeserve.contracts.workflows import AMENDMENT
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.spreadsheets import codes_from_upload
from safeserve.procurement.models import PurchaseProject


class CriterionSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    weight = serializers.IntegerField()
    requirement = serializers.CharField()
    method = serializers.CharField()
    veto = serializers.BooleanField()


class ContractSerializer(serializers.ModelSerializer[Contract]):
    criteria = CriterionSerializer(many=True, read_only=True)
    installments = serializers.SerializerMethodField()
    missing_terms = serializers.SerializerMethodField()
    amendments = serializers.SerializerMethodField()
    current_amount = serializers.SerializerMethodField()

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
            "current_amount",
            "amendments",
        ]

    def get_installments(self, obj: Contract) -> list[dict[str, Any]]:
        return [
            {"sequence": i.sequence, "amount": str(i.amount), "condition": i.condition}
            for i in obj.installments.all()
        ]

    def get_current_amount(self, obj: Contract) -> str:
        return str(obj.current_amount)

    def get_amendments(self, obj: Contract) -> list[dict[str, Any]]:
        return [
            {
                "id": a.pk,
                "status": a.status,
                "proposed_by": a.proposed_by_side,
                "amount_delta": str(a.amount_delta),
                "changes": a.changes,
                "reason": a.reason,
                "proposed_at": a.created_at,
                "decided_at": a.decided_at,
            }
            for a in obj.amendments.all()
        ]

    def get_missing_terms(self, obj: Contract) -> list[str]:
        return services.missing_terms(obj) if obj.status == "draft" else []


class ContractDetailSerializer(ContractSerializer):
    """One contract, with what the requesting user may do on it and on each amendment."""

    allowed_actions = AllowedActionsField()

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "allowed_actions"]

    def get_amendments(self, obj: Contract) -> list[dict[str, Any]]:
        user = self.context["request"].user
        rows = super().get_amendments(obj)
        for row, amendment in zip(rows, obj.amendments.all(), strict=True):
            amendment.contract = obj
            row["allowed_actions"] = AMENDMENT.verbs_for(user, amendment)
        return rows


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
        help_text="one per line: name | weight | requirement | method, and | 一票否决 after a "
        "veto criterion",
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


class CoverageInput(serializers.Serializer[Any]):
    enterprises = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        default=list,
        max_length=5000,
    )
    usccs = serializers.ListField(
        child=serializers.CharField(max_length=40), default=list, max_length=5000
    )


class PaymentInput(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_on = serializers.DateField()
    installment = serializers.IntegerField(required=False, allow_null=True, default=None)
    voucher = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class DeductionInput(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField(max_length=2000)


class EngagementInput(serializers.Serializer[Any]):
    expert = serializers.IntegerField()
    role = serializers.ChoiceField(choices=["lead", "member"], default="member")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ContractViewSet(ExportMixin, ScopedViewSet):
    """``GET /contracts/?status=&year=&purchaser=&provider=`` (and ``/contracts/export/``)."""

    serializer_class = ContractSerializer
    detail_serializer_class = ContractDetailSerializer
    filterset_class = ContractFilter
    list_export = exports.CONTRACTS

    def scoped_queryset(self, actor: Any) -> Any:
        return (
            selectors.contract_list(viewer=actor)
            .select_related("project__item")
            .prefetch_related("criteria", "installments")
        )

    def _out(self, contract: Contract) -> Any:
        fresh = (
            Contract.objects.select_related("project__item", "project", "provider")
            .prefetch_related("criteria", "installments", "amendments")
            .get(pk=contract.pk)
        )
        return ContractDetailSerializer(fresh, context={"request": self.request}).data

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
        return Response(self._out(contract), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "AmendmentDecision", {"reason": serializers.CharField(required=False)}
        ),
        responses=ContractSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"amendments/(?P<amendment_id>\d{1,12})/(?P<verb>agree|decline|withdraw)",
    )
    def amendment_decide(
        self, request: Request, pk: str | None = None, amendment_id: str = "", verb: str = ""
    ) -> Response:
        """The other party agrees to (or declines) a proposed amendment; the proposer
        withdraws its own."""
        contract = self.get_object()
        amendment = contract.amendments.filter(pk=int(amendment_id)).first()
        if amendment is None:
            raise Http404
        if verb == "agree":
            services.amendment_agree(actor=actor_of(request), amendment=amendment)
        else:
            decide = (
                services.amendment_decline if verb == "decline" else services.amendment_withdraw
            )
            decide(
                actor=actor_of(request),
                amendment=amendment,
                reason=str(body_dict(request).get("reason", "")),
            )
        return Response(self._out(contract))

    def _coverage_rows(self, contract: Contract) -> list[dict[str, Any]]:
        return [
            {
                "id": c.enterprise_id,
                "name": c.enterprise.name,
                "uscc": c.enterprise.uscc,
                "township": c.enterprise.township.name,
                "is_key": c.enterprise.is_key,
            }
            for c in contract.coverage.select_related(
                "enterprise", "enterprise__township"
            ).order_by("enterprise__name")
        ]

    @extend_schema(request=CoverageInput, responses={200: None, 201: None})
    @action(detail=True, methods=["get", "post"])
    def enterprises(self, request: Request, pk: str | None = None) -> Response:
        """GET the coverage list; POST ``enterprises`` (ids), ``usccs`` or a multipart
        ``file`` (.xlsx) to add (all or none, R9), or ``remove`` (an id) to take one off."""
        contract = self.get_object()
        if request.method == "GET":
            return Response(self._coverage_rows(contract))
        body = body_dict(request)
        visible = Enterprise.objects.visible_to(actor_of(request))
        if body.get("remove") is not None:
            removed = str(body.get("remove"))
            removed_id = id_or_none(removed)
            enterprise = visible.filter(pk=removed_id).first() if removed_id else None
            if enterprise is None:
                raise Http404
            services.coverage_remove(
                actor=actor_of(request), contract=contract, enterprise=enterprise
            )
            return Response(self._coverage_rows(contract))
        upload = request.FILES.get("file")
        if upload is not None:
            ids, codes = [], codes_from_upload(upload, upload.size or 0)
        else:
            data = CoverageInput(data=body)
            data.is_valid(raise_exception=True)
            ids = data.validated_data["enterprises"]
            codes = data.validated_data["usccs"]
        services.coverage_add_listed(
            actor=actor_of(request), contract=contract, codes=codes, ids=ids
        )
        return Response(self._coverage_rows(contract), status=status.HTTP_201_CREATED)

    def _balance(self, contract: Contract) -> Response:
        paid, deducted, payable = services.payable_balance(contract)
        return Response(
            {"paid": str(paid), "deducted": str(deducted), "payable": str(payable)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=PaymentInput, responses={201: None})
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        data = PaymentInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        installment = contract.installments.filter(pk=values["installment"] or 0).first()
        services.payment_record(
            actor=actor_of(request),
            contract=contract,
            amount=values["amount"],
            paid_on=values["paid_on"],
            installment=installment,
            voucher=values["voucher"],
        )
        return self._balance(contract)

    @extend_schema(request=DeductionInput, responses={201: None})
    @action(detail=True, methods=["post"])
    def deductions(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        data = DeductionInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.deduction_record(
            actor=actor_of(request),
            contract=contract,
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
        )
        return self._balance(contract)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        contract = services.contract_complete(actor=actor_of(request), contract=self.get_object())
        return Response(self._out(contract))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        contract = services.contract_close(actor=actor_of(request), contract=self.get_object())
        return Response(self._out(contract))

    @extend_schema(
        request=inline_serializer(
            "EngagementInput",
            {
                "expert": serializers.IntegerField(),
                "role": serializers.CharField(),
                "starts_on": serializers.DateField(),
                "ends_on": serializers.DateField(),
                "agreement": serializers.FileField(),
            },
        ),
        responses={200: None, 201: None},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=UPLOAD_PARSERS,
    )
    def engagements(self, request: Request, pk: str | None = None) -> Response:
        """R7: GET the experts allowed on the contract; POST (multipart) to engage one from
        the county pool."""
        contract = self.get_object()
        if request.method == "POST":
            data = EngagementInput(data=body_dict(request))
            data.is_valid(raise_exception=True)
            values = data.validated_data
            expert = services.engagement_candidates(contract).filter(pk=values["expert"]).first()
            if expert is None:
                raise ApplicationError(
                    "choose_expert",
                    _("Choose an expert from the county's pool."),
                    errors={"expert": ["not in the county's pool"]},
                    status=400,
                )
            agreement = request.FILES.get("agreement")
            if agreement is not None:
                try:
                    validate_scan(agreement)
                except DjangoValidationError as exc:
                    raise ApplicationError(
                        "invalid_file", " ".join(exc.messages), status=415
                    ) from None
            services.engagement_create(
                actor=actor_of(request),
                contract=contract,
                expert=expert,
                role=values["role"],
                starts_on=values["starts_on"],
                ends_on=values["ends_on"],
                agreement=agreement,
            )
        allowed = services.experts_allowed(contract).select_related("employer").order_by("name")
        rows = [
            {"id": e.pk, "name": e.name, "engaged": e.employer_id != contract.provider_id}
            for e in allowed
        ]
        return Response(
            rows, status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        )
