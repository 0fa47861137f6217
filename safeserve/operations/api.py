"""API for setting a county up: counties (platform administrator), its setup (townships and
major-hazard routing) and the roster import with its one-time credentials."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.parsing import UPLOAD_PARSERS
from safeserve.audit.exports import export_response
from safeserve.common.access import get_visible, require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.xlsx import XLSX
from safeserve.common.request import actor_of
from safeserve.common.validation import id_or_none
from safeserve.operations import exports, roster, selectors, setup
from safeserve.operations.filters import CountyFilter
from safeserve.operations.models import RosterImport
from safeserve.operations.tasks import run_roster_import
from safeserve.organizations.models import Region, RegionLevel
from safeserve.organizations.permissions import (
    can_create_counties,
    can_manage_organizations,
    can_read_county_setup,
)
from safeserve.organizations.selectors import county_setup


class CountySerializer(serializers.ModelSerializer[Region]):
    office_name = serializers.CharField(read_only=True, default=None)
    township_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "parent", "office_name", "township_count"]


class CountyInput(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=12)
    name = serializers.CharField(max_length=60)
    office_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    admin_username = serializers.CharField(max_length=60)
    admin_full_name = serializers.CharField(max_length=60)
    admin_phone = serializers.RegexField(r"^[0-9+\-]{5,20}$", required=False, allow_blank=True)


_county_created = inline_serializer(
    "CountyCreated",
    {
        "county": CountySerializer(),
        "office": inline_serializer(
            "CountyOffice", {"id": serializers.IntegerField(), "name": serializers.CharField()}
        ),
        "admin": inline_serializer(
            "CountyAdmin",
            {"id": serializers.IntegerField(), "username": serializers.CharField()},
        ),
        "temporary_password": serializers.CharField(),
    },
)


class _Counties(GenericAPIView[Region]):
    """Every county, for the platform administrator only; CountyFilter narrows them."""

    serializer_class = CountySerializer
    filterset_class = CountyFilter
    pagination_class = None  # a platform has a few hundred counties at most

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Region.objects.none()
        require(can_create_counties(actor_of(self.request)))
        return selectors.county_list(viewer=actor_of(self.request))


class CountyListView(_Counties):
    """Counties (platform administrator): ``GET ?q=`` lists them (name or code), POST sets
    a new one up with its office and first admin (the temporary password is returned
    once)."""

    @extend_schema(responses=CountySerializer(many=True))
    def get(self, request: Request) -> Response:
        require(can_create_counties(actor_of(request)))
        counties = self.filter_queryset(self.get_queryset())
        return Response(CountySerializer(counties, many=True).data)

    @extend_schema(request=CountyInput, responses={201: _county_created})
    def post(self, request: Request) -> Response:
        require(can_create_counties(actor_of(request)))
        data = CountyInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = setup.county_create(actor=actor_of(request), **data.validated_data)
        county = selectors.county_list(viewer=actor_of(request)).get(pk=created.county.pk)
        response = Response(
            {
                "county": CountySerializer(county).data,
                "office": {"id": created.office.pk, "name": created.office.name},
                "admin": {"id": created.admin.pk, "username": created.admin.username},
                "temporary_password": created.temporary_password,
            },
            status=status.HTTP_201_CREATED,
        )
        response["Cache-Control"] = "no-store"
        return response


class CountyExportView(_Counties):
    """``GET ?q=``: the counties the list selects, as .xlsx, recorded in the audit trail."""

    @extend_schema(request=None, responses={(200, XLSX): bytes})
    def get(self, request: Request) -> Any:
        return export_response(
            actor=actor_of(request),
            export=exports.COUNTIES,
            queryset=self.filter_queryset(self.get_queryset()),
            filters=request.query_params.urlencode(),
            channel="api",
        )


def _county_for(request: Request) -> Region:
    user = actor_of(request)
    if user.is_superuser:
        picked = id_or_none(request.query_params.get("county"))
        county = (
            Region.objects.filter(pk=picked, level=RegionLevel.COUNTY).first() if picked else None
        )
        if county is None:
            raise ApplicationError(
                "county_required",
                _("Name the county with ?county=<id>."),
                errors={"county": [_("This field is required.")]},
                status=400,
            )
        return county
    org = user.organization
    if org is None or org.county is None:
        raise PermissionDenied
    return org.county


class CountySetupView(APIView):
    """The county's townships and who supervises which sector — what major-hazard routing
    (R12) reads. The platform administrator names the county with ``?county=``."""

    @extend_schema(
        parameters=[OpenApiParameter("county", int, required=False)],
        responses=inline_serializer(
            "CountySetup",
            {
                "county": inline_serializer(
                    "CountyRef",
                    {
                        "id": serializers.IntegerField(),
                        "code": serializers.CharField(),
                        "name": serializers.CharField(),
                    },
                ),
                "townships": serializers.ListField(child=serializers.DictField()),
                "routes": serializers.ListField(child=serializers.DictField()),
                "fallback_department": serializers.DictField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        require(can_read_county_setup(actor_of(request)))
        found = county_setup(_county_for(request))

        def org(o: Any) -> dict[str, Any] | None:
            return {"id": o.pk, "name": o.name} if o is not None else None

        return Response(
            {
                "county": {
                    "id": found.county.pk,
                    "code": found.county.code,
                    "name": found.county.name,
                },
                "townships": [
                    {"id": r.pk, "code": r.code, "name": r.name, "government": org(g)}
                    for r, g in found.townships
                ],
                "routes": [
                    {"sector": route.sector, "department": org(route.department)}
                    for route in found.routes
                ],
                "fallback_department": org(found.fallback),
            }
        )


class RosterImportSerializer(serializers.ModelSerializer[RosterImport]):
    credentials_available = serializers.BooleanField(read_only=True)

    class Meta:
        model = RosterImport
        fields = [
            "id",
            "filename",
            "size",
            "status",
            "total_rows",
            "processed_rows",
            "organizations_created",
            "users_created",
            "error_count",
            "errors",
            "created_at",
            "finished_at",
            "credentials_available",
            "credentials_expire_at",
            "credentials_downloaded_at",
        ]


class RosterImportView(APIView):
    """POST the roster (.xlsx, multipart field ``file``): checked, queued (202), validated in
    the background, written only if every row of both sheets is valid."""

    parser_classes = UPLOAD_PARSERS

    @extend_schema(
        request=inline_serializer("RosterUpload", {"file": serializers.FileField()}),
        responses={202: RosterImportSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_manage_organizations(actor) and not actor.is_superuser)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                "file_missing",
                _("Send the spreadsheet in the field 'file'."),
                errors={"file": [_("This field is required.")]},
                status=400,
            )
        job = roster.roster_import_create(
            actor=actor, upload=upload, filename=upload.name or "roster.xlsx", size=upload.size or 0
        )
        run_roster_import.enqueue(job.pk)
        job.refresh_from_db()
        return Response(RosterImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RosterImportJobView(APIView):
    @extend_schema(responses=RosterImportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        job = get_visible(RosterImport.objects.all(), actor_of(request), pk=pk)
        return Response(RosterImportSerializer(job).data)


class RosterCredentialsView(APIView):
    """The new users' temporary passwords, once, to the uploader, within ten minutes of the
    import; 410 afterwards (reset the passwords then)."""

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RosterCredentials",
            {"credentials": serializers.ListField(child=serializers.DictField())},
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        job = get_visible(RosterImport.objects.all(), actor_of(request), pk=pk)
        rows = roster.roster_credentials_take(actor=actor_of(request), job=job)
        response = Response({"credentials": rows})
        response["Cache-Control"] = "no-store"
        return response
