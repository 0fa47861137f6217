from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.audit.exports import export_response
from safeserve.common.access import get_visible, require
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_phone
from safeserve.common.lib.xlsx import XLSX
from safeserve.common.request import actor_of
from safeserve.enterprises import exports, selectors, services
from safeserve.enterprises import validation as v
from safeserve.enterprises.filters import EnterpriseFilter
from safeserve.enterprises.importing import import_job_create
from safeserve.enterprises.models import Enterprise, EnterpriseStatus, ImportJob, SectorRule
from safeserve.enterprises.permissions import (
    can_create_enterprise,
    can_edit_enterprise,
    can_edit_sector_mapping,
    can_import_enterprises,
    can_read_directory,
)
from safeserve.enterprises.tasks import run_enterprise_import
from safeserve.organizations.models import Region


class EnterpriseSerializer(serializers.ModelSerializer[Enterprise]):
    township_name = serializers.CharField(source="township.name", read_only=True)
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "uscc",
            "county",
            "township",
            "township_name",
            "industry_code",
            "sector",
            "sector_overridden",
            "sector_override_reason",
            "is_key",
            "dust_explosion",
            "ammonia_refrigeration",
            "confined_space",
            "legal_representative",
            "address",
            "employees",
            "contact_name",
            "contact_phone",
            "status",
            "organization",
            "created_at",
            "updated_at",
        ]

    def get_contact_phone(self, obj: Enterprise) -> str:
        # Full number only on a detail read by someone who may edit the enterprise.
        if self.context.get("detail") and can_edit_enterprise(self.context["request"].user, obj):
            return obj.contact_phone
        return mask_phone(obj.contact_phone)


class EnterpriseInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    uscc = serializers.CharField(max_length=40)
    township = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    industry_code = serializers.CharField(max_length=10)
    legal_representative = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_key = serializers.BooleanField(required=False, default=False)
    dust_explosion = serializers.BooleanField(required=False, default=False)
    ammonia_refrigeration = serializers.BooleanField(required=False, default=False)
    confined_space = serializers.BooleanField(required=False, default=False)
    employees = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True, default=None
    )
    contact_name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    status = serializers.ChoiceField(
        choices=EnterpriseStatus.choices, required=False, default=EnterpriseStatus.OPERATING
    )

    def validate_uscc(self, value: str) -> str:
        return _drf(v.validate_uscc, value)

    def validate_industry_code(self, value: str) -> str:
        return _drf(v.validate_industry_code, value)

    def validate_contact_phone(self, value: str) -> str:
        return _drf(v.validate_phone, value)


def _drf(check: Any, value: Any) -> Any:
    from django.core.exceptions import ValidationError

    try:
        return check(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class SectorOverrideInput(serializers.Serializer[Any]):
    sector = serializers.ChoiceField(
        choices=[("", "not high-risk"), *HighRiskSector.choices],
        allow_null=True,
        allow_blank=True,
        help_text="null returns the enterprise to the county mapping",
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EnterpriseViewSet(ScopedViewSet):
    """``GET /enterprises/?q=&township=&sector=&is_key=&status=&dust_explosion=&
    ammonia_refrigeration=&confined_space=`` (and ``/enterprises/export/``, the import
    template's spreadsheet of the same selection)."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter

    def can_read(self, actor: Any) -> bool:
        # Lists and exports are for the government kinds; an enterprise reads its own record.
        return can_read_directory(actor) or self.action in ("retrieve", "partial_update")

    def scoped_queryset(self, actor: Any) -> Any:
        return selectors.enterprise_list(viewer=actor)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._out(self.get_object()))

    def _out(self, enterprise: Enterprise) -> Any:
        fresh = Enterprise.objects.select_related("township").get(pk=enterprise.pk)
        return EnterpriseSerializer(fresh, context={"request": self.request, "detail": True}).data

    @extend_schema(request=EnterpriseInput, responses={201: EnterpriseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(can_create_enterprise(actor_of(request)))
        data = EnterpriseInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(
            actor=actor_of(request), data=services.EnterpriseData(**data.validated_data)
        )
        return Response(self._out(enterprise), status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseInput, responses=EnterpriseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enterprise = self.get_object()
        require(can_edit_enterprise(actor_of(request), enterprise))
        current: dict[str, Any] = {
            name: getattr(enterprise, name) for name in services.EnterpriseData.__dataclass_fields__
        }
        current["township"] = enterprise.township_id
        data = EnterpriseInput(data={**current, **body_dict(request)})
        data.is_valid(raise_exception=True)
        services.enterprise_update(
            actor=actor_of(request),
            enterprise=enterprise,
            data=services.EnterpriseData(**data.validated_data),
        )
        return Response(self._out(enterprise))

    @extend_schema(request=SectorOverrideInput, responses=EnterpriseSerializer)
    @action(detail=True, methods=["post"], url_path="override-sector")
    def override_sector(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        data = SectorOverrideInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        services.enterprise_override_sector(
            actor=actor_of(request),
            enterprise=enterprise,
            sector=data.validated_data["sector"],
            reason=data.validated_data["reason"],
        )
        return Response(self._out(enterprise))

    @extend_schema(request=None, responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> Any:
        """The filtered list as .xlsx in the import template's columns (phones masked),
        streamed from the database in chunks; past 10,000 rows 202 with the id of a
        background export to follow at ``/api/v1/exports/<id>/``."""
        actor = actor_of(request)
        require(can_read_directory(actor))
        return export_response(
            actor=actor,
            export=exports.ENTERPRISES,
            queryset=self.filter_queryset(self.get_queryset()),
            filters=request.query_params.urlencode(),
            channel="api",
        )


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "size",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "created_count",
            "updated_count",
            "error_count",
            "errors",
            "created_at",
            "finished_at",
        ]


class EnterpriseImportView(APIView):
    """POST an .xlsx as multipart field ``file``: it is checked, queued (202), validated in the
    background and written only if every row is valid. GET ``/{id}/`` for progress."""

    parser_classes = UPLOAD_PARSERS

    @extend_schema(
        request=inline_serializer("ImportUpload", {"file": serializers.FileField()}),
        responses={202: ImportJobSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_import_enterprises(actor))
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                "file_missing",
                _("Send the spreadsheet in the field 'file'."),
                errors={"file": [_("This field is required.")]},
                status=400,
            )
        job = import_job_create(
            actor=actor, upload=upload, filename=upload.name or "upload.xlsx", size=upload.size or 0
        )
        run_enterprise_import.enqueue(job.pk)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class EnterpriseImportJobView(APIView):
    @extend_schema(responses=ImportJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        job = get_visible(ImportJob.objects.all(), actor_of(request), pk=pk)
        return Response(ImportJobSerializer(job).data)


class SectorRuleSerializer(serializers.ModelSerializer[SectorRule]):
    origin = serializers.SerializerMethodField()

    class Meta:
        model = SectorRule
        fields = ["id", "prefix", "name", "sector", "note", "county", "origin"]

    def get_origin(self, obj: SectorRule) -> str:
        return "county" if obj.county_id else "default"


class SectorRuleInput(serializers.Serializer[Any]):
    prefix = serializers.CharField(max_length=6)
    sector = serializers.ChoiceField(
        choices=[("", "not high-risk"), *HighRiskSector.choices], allow_blank=True
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SectorRuleViewSet(viewsets.ReadOnlyModelViewSet[SectorRule]):
    """The county's industry → sector mapping: the shipped defaults plus its own rules."""

    serializer_class = SectorRuleSerializer
    pagination_class = None
    lookup_value_regex = r"\d+"

    def _county_id(self) -> int | None:
        org = actor_of(self.request).organization
        return org.county_id if org else None

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        require(can_read_directory(actor_of(self.request)))
        return SectorRule.objects.for_county(self._county_id()).order_by("prefix", "county_id")

    @extend_schema(request=SectorRuleInput, responses={201: SectorRuleSerializer})
    def create(self, request: Request) -> Response:
        data = SectorRuleInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        rule, changed = services.sector_rule_save(actor=actor_of(request), **data.validated_data)
        body = {**SectorRuleSerializer(rule).data, "enterprises_changed": changed}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        require(can_edit_sector_mapping(actor_of(request)))
        rule = SectorRule.objects.filter(pk=pk or 0, county_id=self._county_id()).first()
        if rule is None:
            from django.http import Http404

            raise Http404
        services.sector_rule_delete(actor=actor_of(request), rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)
