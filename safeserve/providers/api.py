from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.accounts.models import User
from safeserve.api.exports import ExportMixin
from safeserve.api.fields import AllowedActionsField
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_id_number, mask_phone
from safeserve.common.models import policy_for
from safeserve.common.request import actor_of
from safeserve.providers import exports, selectors, services
from safeserve.providers.filters import (
    EmployerChangeFilter,
    ExpertFilter,
    ProviderFilter,
    QualificationFilter,
)
from safeserve.providers.models import (
    CertificateKind,
    EmployerChange,
    Expert,
    LegalEntityKind,
    Provider,
    ProviderAdmission,
    Qualification,
    QualificationType,
    Specialty,
    ViolationSource,
)
from safeserve.providers.permissions import (
    can_edit_provider,
    can_read_register,
    can_see_personal_data,
    is_county_office_actor,
)
from safeserve.providers.workflows import ADMISSION, sees_record_holder


def _own_provider(actor: Any, refusal: str) -> Provider:
    """The provider the signed-in account works for, or a 403 saying whose account may."""
    org = actor.organization
    provider = Provider.objects.filter(organization=org).first() if org else None
    if provider is None:
        raise ApplicationError("not_a_provider", refusal, status=403)
    return provider


def _county_id(request: Request) -> int | None:
    org = actor_of(request).organization
    return org.county_id if org else None


class QualificationSerializer(serializers.ModelSerializer[Qualification]):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Qualification
        fields = [
            "id",
            "provider",
            "type",
            "certificate_no",
            "issuer",
            "valid_from",
            "valid_to",
            "scope",
            "state",
        ]

    def get_state(self, obj: Qualification) -> str:
        warning = self.context.get("warning_days", 30)
        return obj.state_on(timezone.localdate(), warning)


class ProviderSerializer(serializers.ModelSerializer[Provider]):
    qualifications = QualificationSerializer(many=True, read_only=True)
    admission_status = serializers.CharField(read_only=True, default=None)
    recent_violations = serializers.IntegerField(read_only=True, default=None)
    debarred = serializers.BooleanField(read_only=True, default=None)
    contact_phone = serializers.SerializerMethodField()
    attestation_complete = serializers.BooleanField(read_only=True)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "uscc",
            "legal_entity_kind",
            "is_independent_legal_person",
            "legal_representative",
            "premises_address",
            "premises_area",
            "contact_name",
            "contact_phone",
            "report_prefix",
            "notice_prefix",
            "attestation_statement",
            "attestation_signer",
            "attestation_date",
            "attestation_complete",
            "qualifications",
            "admission_status",
            "recent_violations",
            "debarred",
        ]

    def get_contact_phone(self, obj: Provider) -> str:
        user = self.context["request"].user
        if is_county_office_actor(user) or can_edit_provider(user, obj):
            return obj.contact_phone
        return mask_phone(obj.contact_phone)


class ProviderDetailSerializer(ProviderSerializer):
    """One provider: with the register verbs the viewer may do on its entry in the viewer's
    county (providers/workflows.py ADMISSION) — POST …/admit/ or …/remove/."""

    allowed_actions = serializers.SerializerMethodField()

    class Meta(ProviderSerializer.Meta):
        fields = [*ProviderSerializer.Meta.fields, "allowed_actions"]

    def get_allowed_actions(self, obj: Provider) -> list[str]:
        request = self.context["request"]
        admission = ProviderAdmission.objects.filter(
            provider=obj, county_id=_county_id(request)
        ).first()
        return ADMISSION.verbs_for(request.user, admission) if admission else []


class ProviderInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    uscc = serializers.CharField(max_length=40)
    legal_entity_kind = serializers.ChoiceField(choices=LegalEntityKind.choices)
    is_independent_legal_person = serializers.BooleanField(required=False, default=True)
    legal_representative = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    premises_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    premises_area = serializers.DecimalField(
        max_digits=9, decimal_places=1, min_value=0, required=False, allow_null=True, default=None
    )
    contact_name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    report_prefix = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    notice_prefix = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    attestation_statement = serializers.CharField(required=False, allow_blank=True, default="")
    attestation_signer = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    attestation_date = serializers.DateField(required=False, allow_null=True, default=None)


class QualificationInput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=QualificationType.choices)
    certificate_no = serializers.CharField(max_length=60)
    issuer = serializers.CharField(max_length=80)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    scope = serializers.CharField(required=False, allow_blank=True, default="")


class _WarningDaysContext:
    """Qualification states ("expiring soon") use the county's own warning period, the same in
    every route that shows them."""

    request: Any

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),  # type: ignore[misc]
            "warning_days": policy_for(_county_id(self.request)).qualification_warning_days,
        }


class ProviderViewSet(_WarningDaysContext, ExportMixin, ScopedViewSet):
    """``GET /providers/?q=&admission=admitted|not_admitted&qualification=&name=&uscc=`` (and
    ``/providers/export/``): the register as the viewer sees it."""

    serializer_class = ProviderSerializer
    detail_serializer_class = ProviderDetailSerializer
    filterset_class = ProviderFilter
    list_export = exports.PROVIDERS

    def can_read(self, actor: Any) -> bool:
        return can_read_register(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.provider_list(viewer=actor)

    def _out(self, provider: Provider) -> Any:
        fresh = self.get_queryset().get(pk=provider.pk)
        return ProviderDetailSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=ProviderInput, responses={201: ProviderDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A provider organization registers its own profile."""
        data = ProviderInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        provider = services.provider_register(
            actor=actor_of(request), data=services.ProviderData(**data.validated_data)
        )
        return Response(self._out(provider), status=status.HTTP_201_CREATED)

    @extend_schema(request=ProviderInput, responses=ProviderDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provider = self.get_object()
        require(can_edit_provider(actor_of(request), provider))
        current = {k: getattr(provider, k) for k in services.ProviderData.__dataclass_fields__}
        data = ProviderInput(data={**current, **body_dict(request)})
        data.is_valid(raise_exception=True)
        services.provider_update(
            actor=actor_of(request),
            provider=provider,
            data=services.ProviderData(**data.validated_data),
        )
        return Response(self._out(provider))

    @extend_schema(
        request=inline_serializer(
            "AdmissionInput", {"reason": serializers.CharField(required=False)}
        ),
        responses=ProviderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def admit(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()
        services.provider_set_admission(
            actor=actor_of(request),
            provider=provider,
            admit=True,
            reason=str(body_dict(request).get("reason", "")),
        )
        return Response(self._out(provider))

    @extend_schema(
        request=inline_serializer("RemovalInput", {"reason": serializers.CharField()}),
        responses=ProviderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()
        services.provider_set_admission(
            actor=actor_of(request),
            provider=provider,
            admit=False,
            reason=str(body_dict(request).get("reason", "")),
        )
        return Response(self._out(provider))

    @extend_schema(
        request=inline_serializer("SuspensionInput", {"reason": serializers.CharField()}),
        responses=ProviderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        """R10: the county office suspends the provider in its county (reason required)."""
        provider = self.get_object()
        services.provider_suspension(
            actor=actor_of(request),
            provider=provider,
            suspend=True,
            reason=str(body_dict(request).get("reason") or ""),
        )
        return Response(self._out(provider))

    @extend_schema(
        request=inline_serializer(
            "ReinstatementInput", {"reason": serializers.CharField(required=False)}
        ),
        responses=ProviderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()
        services.provider_suspension(
            actor=actor_of(request),
            provider=provider,
            suspend=False,
            reason=str(body_dict(request).get("reason") or ""),
        )
        return Response(self._out(provider))

    @extend_schema(
        request=inline_serializer(
            "ViolationInput",
            {
                "occurred_on": serializers.DateField(),
                "source": serializers.ChoiceField(choices=ViolationSource.choices),
                "description": serializers.CharField(),
            },
        ),
        responses={201: None},
    )
    @action(detail=True, methods=["post"])
    def violations(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()

        class Input(serializers.Serializer[Any]):
            occurred_on = serializers.DateField()
            source = serializers.ChoiceField(choices=ViolationSource.choices)  # type: ignore[assignment]
            description = serializers.CharField(max_length=2000)

        data = Input(data=body_dict(request))
        data.is_valid(raise_exception=True)
        record = services.violation_record(
            actor=actor_of(request), provider=provider, **data.validated_data
        )
        return Response({"id": record.pk}, status=status.HTTP_201_CREATED)


class QualificationViewSet(_WarningDaysContext, ExportMixin, ScopedViewSet):
    """``GET /qualifications/?provider=&type=&valid=1`` (and ``/qualifications/export/``)."""

    serializer_class = QualificationSerializer
    filterset_class = QualificationFilter
    list_export = exports.QUALIFICATIONS

    def can_read(self, actor: Any) -> bool:
        return can_read_register(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.qualification_list(viewer=actor)

    @extend_schema(request=QualificationInput, responses={201: QualificationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        provider = _own_provider(
            actor, _("Only a service provider's account adds qualifications; sign in with it.")
        )
        data = QualificationInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        qualification = services.qualification_add(
            actor=actor, provider=provider, data=services.QualificationData(**data.validated_data)
        )
        return Response(self.get_serializer(qualification).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QualificationInput, responses=QualificationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        qualification = self.get_object()
        require(can_edit_provider(actor_of(request), qualification.provider))
        current = {
            k: getattr(qualification, k) for k in services.QualificationData.__dataclass_fields__
        }
        data = QualificationInput(data={**current, **body_dict(request)})
        data.is_valid(raise_exception=True)
        updated = services.qualification_update(
            actor=actor_of(request),
            qualification=qualification,
            data=services.QualificationData(**data.validated_data),
        )
        return Response(self.get_serializer(updated).data)


class CertificateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=CertificateKind.choices)
    number = serializers.CharField(max_length=60)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class ExpertSerializer(serializers.ModelSerializer[Expert]):
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    specialties = serializers.SerializerMethodField()
    certificates = serializers.SerializerMethodField()
    employer_name = serializers.CharField(source="employer.name", default=None, read_only=True)
    pool_status = serializers.CharField(read_only=True, default=None)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "id_number",
            "phone",
            "title",
            "employer",
            "employer_name",
            "user",
            "is_active",
            "specialties",
            "certificates",
            "pool_status",
        ]

    def _personal(self, obj: Expert) -> bool:
        return can_see_personal_data(self.context["request"].user, obj)

    def get_id_number(self, obj: Expert) -> str:
        return obj.id_number if self._personal(obj) else mask_id_number(obj.id_number)

    def get_phone(self, obj: Expert) -> str:
        return obj.phone if self._personal(obj) else mask_phone(obj.phone)

    def get_specialties(self, obj: Expert) -> list[str]:
        return sorted(obj.specialty_values)

    def get_certificates(self, obj: Expert) -> list[dict[str, Any]]:
        return [
            {"kind": c.kind, "number": c.number, "valid_until": c.valid_until}
            for c in obj.certificates.all()
        ]


class ExpertInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=40)
    id_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    specialties = serializers.ListField(
        child=serializers.ChoiceField(choices=Specialty.choices), required=False, default=list
    )
    certificates = CertificateSerializer(many=True, required=False, default=list)
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )


class ExpertViewSet(ExportMixin, ScopedViewSet):
    """``GET /experts/?q=&specialty=&pool=admitted|suspended|none&employer=&is_active=&name=``
    (and ``/experts/export/``, ID numbers and phones masked)."""

    serializer_class = ExpertSerializer
    filterset_class = ExpertFilter
    list_export = exports.EXPERTS

    def can_read(self, actor: Any) -> bool:
        return can_read_register(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.expert_list(viewer=actor)

    def _out(self, expert: Expert) -> Any:
        fresh = self.get_queryset().get(pk=expert.pk)
        return ExpertSerializer(fresh, context={"request": self.request}).data

    @extend_schema(request=ExpertInput, responses={201: ExpertSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        provider = _own_provider(
            actor, _("Only a service provider's account registers its experts; sign in with it.")
        )
        data = ExpertInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        expert = services.expert_create(
            actor=actor, provider=provider, data=services.ExpertData(**data.validated_data)
        )
        return Response(self._out(expert), status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpertInput, responses=ExpertSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        expert = self.get_object()
        current = {
            "name": expert.name,
            "id_number": expert.id_number,
            "phone": expert.phone,
            "title": expert.title,
            "is_active": expert.is_active,
            "specialties": expert.specialty_values,
            "user": expert.user_id,
            "certificates": [
                {"kind": c.kind, "number": c.number, "valid_until": c.valid_until}
                for c in expert.certificates.all()
            ],
        }
        data = ExpertInput(data={**current, **body_dict(request)})
        data.is_valid(raise_exception=True)
        services.expert_update(
            actor=actor_of(request), expert=expert, data=services.ExpertData(**data.validated_data)
        )
        return Response(self._out(expert))

    def _pool(self, request: Request, verb: str) -> Response:
        expert = self.get_object()
        services.expert_pool_change(
            actor=actor_of(request),
            expert=expert,
            verb=verb,
            reason=str(body_dict(request).get("reason", "")),
        )
        return Response(self._out(expert))

    @extend_schema(request=None, responses=ExpertSerializer)
    @action(detail=True, methods=["post"])
    def admit(self, request: Request, pk: str | None = None) -> Response:
        return self._pool(request, "admit")

    @extend_schema(
        request=inline_serializer("SuspendInput", {"reason": serializers.CharField()}),
        responses=ExpertSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        return self._pool(request, "suspend")

    @extend_schema(request=None, responses=ExpertSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        return self._pool(request, "reinstate")


class EmployerChangeSerializer(serializers.ModelSerializer[EmployerChange]):
    """What the requester typed, masked; who holds the record and where only to the county
    office that decides (and to the requester once approved: the expert is then theirs)."""

    id_number = serializers.SerializerMethodField()
    to_provider_name = serializers.CharField(source="to_provider.name", read_only=True)
    expert = serializers.SerializerMethodField()
    expert_name = serializers.SerializerMethodField()
    name_matches = serializers.SerializerMethodField()
    from_provider_name = serializers.SerializerMethodField()
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = EmployerChange
        fields = [
            "id",
            "status",
            "name",
            "id_number",
            "statement",
            "has_evidence",
            "to_provider",
            "to_provider_name",
            "expert",
            "expert_name",
            "name_matches",
            "from_provider_name",
            "decision_note",
            "decided_at",
            "created_at",
        ]

    def _reveals(self, obj: EmployerChange) -> bool:
        return sees_record_holder(self.context["request"].user, obj)

    def get_id_number(self, obj: EmployerChange) -> str:
        return mask_id_number(obj.id_number)

    def get_expert(self, obj: EmployerChange) -> int | None:
        return obj.expert_id if self._reveals(obj) else None

    def get_expert_name(self, obj: EmployerChange) -> str | None:
        return obj.expert.name if self._reveals(obj) else None

    def get_name_matches(self, obj: EmployerChange) -> bool | None:
        return obj.expert.name == obj.name if self._reveals(obj) else None

    def get_from_provider_name(self, obj: EmployerChange) -> str | None:
        if not self._reveals(obj) or obj.from_provider is None:
            return None
        return obj.from_provider.name

    def get_has_evidence(self, obj: EmployerChange) -> bool:
        return bool(obj.evidence)


class EmployerChangeDetailSerializer(EmployerChangeSerializer):
    allowed_actions = AllowedActionsField()

    class Meta(EmployerChangeSerializer.Meta):
        fields = [*EmployerChangeSerializer.Meta.fields, "allowed_actions"]


class EmployerChangeInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=40)
    id_number = serializers.CharField(max_length=30)
    statement = serializers.CharField(max_length=4000)
    evidence = serializers.FileField(required=False, allow_null=True, default=None)


class EmployerChangeViewSet(ExportMixin, ScopedViewSet):
    """``GET /employer-changes/?status=&q=&id_number=`` (and ``/employer-changes/export/``):
    the requests the county office decides and the provider filed. POST files one (the new
    employer); POST …/approve/, …/reject/ (county office), …/withdraw/ (the requester)."""

    serializer_class = EmployerChangeSerializer
    detail_serializer_class = EmployerChangeDetailSerializer
    filterset_class = EmployerChangeFilter
    list_export = exports.EMPLOYER_CHANGES
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.employer_change_list(viewer=actor)

    def _out(self, change: EmployerChange) -> Any:
        return EmployerChangeDetailSerializer(
            self.get_queryset().get(pk=change.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(request=EmployerChangeInput, responses={201: EmployerChangeDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The new employer asks to take over an expert registered with another provider."""
        actor = actor_of(request)
        provider = _own_provider(
            actor, _("Only the new employer's account files an employer change; sign in with it.")
        )
        data = EmployerChangeInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        change = services.employer_change_request(
            actor=actor, provider=provider, **data.validated_data
        )
        return Response(self._out(change), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "EmployerChangeApproval", {"note": serializers.CharField(required=False)}
        ),
        responses=EmployerChangeDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        change = services.employer_change_approve(
            actor=actor_of(request),
            change=self.get_object(),
            note=str(body_dict(request).get("note", "")),
        )
        return Response(self._out(change))

    @extend_schema(
        request=inline_serializer("EmployerChangeRejection", {"reason": serializers.CharField()}),
        responses=EmployerChangeDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        change = services.employer_change_reject(
            actor=actor_of(request),
            change=self.get_object(),
            reason=str(body_dict(request).get("reason", "")),
        )
        return Response(self._out(change))

    @extend_schema(request=None, responses=EmployerChangeDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        change = services.employer_change_withdraw(
            actor=actor_of(request), change=self.get_object()
        )
        return Response(self._out(change))


__all__ = [
    "EmployerChangeViewSet",
    "ExpertViewSet",
    "ProviderAdmission",
    "ProviderViewSet",
    "QualificationViewSet",
]
