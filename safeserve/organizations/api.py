from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.api.exports import ExportMixin
from safeserve.api.parsing import body_dict
from safeserve.common.access import get_visible, require
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_phone
from safeserve.common.request import actor_of
from safeserve.organizations import exports, selectors, services
from safeserve.organizations.filters import OrganizationFilter, RegionFilter
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel
from safeserve.organizations.permissions import can_manage_organizations


class RegionSerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class TownshipInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=60)
    code = serializers.CharField(max_length=20, help_text="9 digits, or 12 ending in 000")
    organization_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    county = serializers.IntegerField(
        required=False, help_text="the platform administrator names it; else one's own county"
    )


class RegionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Region]):
    """Regions; POST adds a township or subdistrict with its government (the county
    office's admin)."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    ordering = "code"

    @extend_schema(
        request=TownshipInput,
        responses={201: RegionSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        require(can_manage_organizations(actor))
        data = TownshipInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        county_id = values.pop("county", None)
        if not actor.is_superuser:
            county_id = actor.organization.county_id if actor.organization else None
        county = Region.objects.filter(pk=county_id, level=RegionLevel.COUNTY).first()
        if county is None:
            raise ApplicationError(
                "county_required",
                _("Name the county the township belongs to."),
                errors={"county": [_("This field is required.")]},
                status=400,
            )
        org = services.township_create(actor=actor, county=county, **values)
        return Response(RegionSerializer(org.region).data, status=status.HTTP_201_CREATED)

    def get_queryset(self) -> Any:
        return Region.objects.visible_to(actor_of(self.request)).order_by("code")

    def get_object(self) -> Region:
        return get_visible(Region.objects.all(), actor_of(self.request), pk=self.kwargs["pk"])


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    county_name = serializers.CharField(source="county.name", default=None, read_only=True)
    region_name = serializers.CharField(source="region.name", default=None, read_only=True)
    sectors = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "county",
            "county_name",
            "region",
            "region_name",
            "sectors",
            "is_fallback_department",
            "address",
            "contact_phone",
            "is_active",
            "created_at",
        ]

    def get_sectors(self, obj: Organization) -> list[str]:
        return sorted(obj.sector_values)

    def get_contact_phone(self, obj: Organization) -> str:
        user = self.context["request"].user
        return (
            obj.contact_phone if can_manage_organizations(user) else mask_phone(obj.contact_phone)
        )


class OrganizationInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    county = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=RegionLevel.COUNTY),
        required=False,
        allow_null=True,
        help_text="the platform administrator names it; a county office's own by default",
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    sectors = serializers.ListField(
        child=serializers.ChoiceField(choices=HighRiskSector.choices), required=False, default=list
    )
    is_fallback_department = serializers.BooleanField(required=False, default=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone = serializers.RegexField(
        r"^[0-9+\-]{5,20}$", required=False, allow_blank=True, default=""
    )


class OrganizationUpdateInput(OrganizationInput):
    kind = None  # type: ignore[assignment]


class ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class OrganizationViewSet(
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[Organization],
):
    """``GET /organizations/?q=&kind=&is_active=`` (and ``/organizations/export/``)."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    list_export = exports.ORGANIZATIONS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.organization_list(viewer=actor_of(self.request))

    def get_object(self) -> Organization:
        return get_visible(
            Organization.objects.select_related("county", "region").prefetch_related(
                "supervised_sectors"
            ),
            actor_of(self.request),
            pk=self.kwargs["pk"],
        )

    @extend_schema(request=OrganizationInput, responses={201: OrganizationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(can_manage_organizations(actor_of(request)))
        data = OrganizationInput(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.organization_create(actor=actor_of(request), **data.validated_data)
        return Response(
            OrganizationSerializer(self._reload(org), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=OrganizationUpdateInput, responses=OrganizationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        org = self.get_object()
        require(can_manage_organizations(actor_of(request)))
        current = {
            "name": org.name,
            "region": org.region if org.region_id != org.county_id else None,
            "sectors": org.sector_values,
            "is_fallback_department": org.is_fallback_department,
            "address": org.address,
            "contact_phone": org.contact_phone,
        }
        data = OrganizationUpdateInput(
            data={
                **{k: (v.pk if isinstance(v, Region) else v) for k, v in current.items()},
                **body_dict(request),
            }
        )
        data.is_valid(raise_exception=True)
        services.organization_update(
            actor=actor_of(request), organization=org, **data.validated_data
        )
        return Response(
            OrganizationSerializer(self._reload(org), context={"request": request}).data
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=ReasonInput, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        org = self.get_object()
        require(can_manage_organizations(actor_of(request)))
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.organization_deactivate(
            actor=actor_of(request), organization=org, reason=data.validated_data["reason"]
        )
        return Response(
            OrganizationSerializer(self._reload(org), context={"request": request}).data
        )

    @extend_schema(request=None, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        org = self.get_object()
        require(can_manage_organizations(actor_of(request)))
        services.organization_reactivate(actor=actor_of(request), organization=org)
        return Response(
            OrganizationSerializer(self._reload(org), context={"request": request}).data
        )

    def _reload(self, org: Organization) -> Organization:
        return (
            Organization.objects.select_related("county", "region")
            .prefetch_related("supervised_sectors")
            .get(pk=org.pk)
        )
