from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.api.exports import ExportMixin
from safeserve.api.fields import AllowedActionsField
from safeserve.api.parsing import body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import require
from safeserve.common.db.routers import replica_reads
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import POLICY_FIELDS, POLICY_LIMITS, policy_for
from safeserve.common.request import actor_of
from safeserve.supervision.dashboards import VIEWS, dashboard_for, view_of
from safeserve.supervision.filters import StatisticsSubmissionFilter
from safeserve.supervision.models import StatisticsSubmission
from safeserve.supervision.navigation import reads_statistics as may_read_statistics
from safeserve.supervision.services import (
    can_read_policy,
    county_policy_update,
    policy_snapshot,
)
from safeserve.supervision.statistics import BREAKDOWNS, hazard_statistics, last_ended_quarter
from safeserve.supervision.statistics_exports import SUBMISSIONS, submission_table
from safeserve.supervision.statistics_services import (
    period_or_error,
    statistics_note,
    statistics_open,
    statistics_receive,
    statistics_return,
    statistics_submit,
)

_Policy = inline_serializer(
    "CountyPolicy",
    {
        name: serializers.IntegerField(min_value=low, max_value=high)
        for name, (low, high) in POLICY_LIMITS.items()
    },
)


class PolicyInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in POLICY_LIMITS.items():
            self.fields[name] = serializers.IntegerField(
                min_value=low, max_value=high, required=False
            )


class CountyPolicyView(APIView):
    """The policy values of the caller's county (county office; its leader changes them)."""

    @extend_schema(responses=_Policy)
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_read_policy(actor))
        org = actor.organization
        return Response(policy_snapshot(policy_for(org.county_id if org else None)))

    @extend_schema(request=_Policy, responses=_Policy)
    def patch(self, request: Request) -> Response:
        data = PolicyInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in POLICY_FIELDS}
        policy = county_policy_update(
            actor=actor_of(request), values=values, reason=data.validated_data["reason"]
        )
        return Response(policy_snapshot(policy))


# --- Hazard statistics (issue 16) -----------------------------------------------------------


class StatisticsSubmissionSerializer(serializers.ModelSerializer[StatisticsSubmission]):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    period = serializers.CharField(source="period_label", read_only=True)

    class Meta:
        model = StatisticsSubmission
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "quarter",
            "period",
            "status",
            "due_on",
            "submitted_at",
            "late",
            "decided_at",
            "return_reason",
            "replaces",
        ]


class StatisticsSubmissionDetailSerializer(StatisticsSubmissionSerializer):
    figures = serializers.SerializerMethodField()
    allowed_actions = AllowedActionsField()

    class Meta(StatisticsSubmissionSerializer.Meta):
        fields = [*StatisticsSubmissionSerializer.Meta.fields, "note", "figures", "allowed_actions"]

    def get_figures(self, obj: StatisticsSubmission) -> dict[str, Any] | None:
        """As submitted; a draft's live figures for its own unit; else null."""
        table = submission_table(obj, viewer=self.context["request"].user)
        return table.as_dict() if table else None


class StatisticsOpenInput(serializers.Serializer[Any]):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=0, max_value=4, help_text="0: the whole year")


class StatisticsNoteInput(serializers.Serializer[Any]):
    note = serializers.CharField(allow_blank=True, max_length=4000)


class StatisticsReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=4000)


class StatisticsSubmissionViewSet(ExportMixin, ScopedViewSet):
    """隐患排查治理统计. ``GET /statistics/?year=&quarter=&status=&late=`` (and ``export/``):
    the county office sees its county's submissions, a township or department its own.
    ``GET /statistics/figures/?year=&quarter=&by=sector|township|enterprise``: the table over
    the hazards one may see. ``POST`` (a township or department) starts the submission of a
    ``year`` and ``quarter`` (0 for the whole year); verbs ``note/``, ``submit/`` (the unit's
    leader, once the period has ended), ``receive/`` and ``return/`` (``reason``) by the
    county office."""

    serializer_class = StatisticsSubmissionSerializer
    detail_serializer_class = StatisticsSubmissionDetailSerializer
    filterset_class = StatisticsSubmissionFilter
    list_export = SUBMISSIONS

    def can_read(self, actor: Any) -> bool:
        return may_read_statistics(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return StatisticsSubmission.objects.visible_to(actor).select_related("organization")

    def _out(self, submission: StatisticsSubmission, status: int = 200) -> Response:
        fresh = self.scoped_queryset(actor_of(self.request)).get(pk=submission.pk)
        return Response(
            StatisticsSubmissionDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status,
        )

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("quarter", int, description="1–4; 0 for the whole year"),
            OpenApiParameter("by", str, enum=list(BREAKDOWNS)),
        ],
        responses=inline_serializer("StatisticsTable", {"rows": serializers.ListField()}),
    )
    @action(detail=False, methods=["get"])
    def figures(self, request: Request) -> Response:
        """The table for a period (the last ended quarter by default)."""
        actor = actor_of(request)
        require(may_read_statistics(actor))
        year, quarter = last_ended_quarter()
        params = request.query_params
        year, quarter = period_or_error(params.get("year", year), params.get("quarter", quarter))
        by = params.get("by", "sector")
        if by not in BREAKDOWNS:
            message = _("Choose by=sector, township or enterprise.")
            raise ApplicationError("invalid_by", message, errors={"by": [message]}, status=400)
        table = hazard_statistics(viewer=actor, year=year, quarter=quarter, by=by)
        return Response(table.as_dict())

    @extend_schema(
        request=StatisticsOpenInput, responses={201: StatisticsSubmissionDetailSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = StatisticsOpenInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = statistics_open(
            actor=actor_of(request),
            year=data.validated_data["year"],
            quarter=data.validated_data["quarter"],
        )
        return self._out(submission, status=201)

    @extend_schema(request=StatisticsNoteInput, responses=StatisticsSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str | None = None) -> Response:
        data = StatisticsNoteInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = statistics_note(
            actor=actor_of(request), submission=self.get_object(), note=data.validated_data["note"]
        )
        return self._out(submission)

    @extend_schema(request=None, responses=StatisticsSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submission = statistics_submit(actor=actor_of(request), submission=self.get_object())
        return self._out(submission)

    @extend_schema(request=None, responses=StatisticsSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        submission = statistics_receive(actor=actor_of(request), submission=self.get_object())
        return self._out(submission)

    @extend_schema(request=StatisticsReasonInput, responses=StatisticsSubmissionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        data = StatisticsReasonInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = statistics_return(
            actor=actor_of(request),
            submission=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._out(submission)


# --- Dashboards (issue 16) --------------------------------------------------------------------

_Dashboard = inline_serializer(
    "Dashboard",
    {
        "view": serializers.ChoiceField(choices=list(VIEWS)),
        "title": serializers.CharField(),
        "figures": serializers.ListField(child=serializers.DictField()),
        "charts": serializers.ListField(child=serializers.DictField()),
    },
)


class DashboardView(APIView):
    """数据看板: ``GET /dashboard/`` the caller's own (``view``: county, township, department,
    provider, expert or enterprise); ``GET /dashboard/<view>/`` the same, 403 when it is not
    the caller's. Each figure and each chart point carries ``url``: the page of the filtered
    list that shows the same number."""

    @extend_schema(responses=_Dashboard)
    def get(self, request: Request, view: str | None = None) -> Response:
        actor = actor_of(request)
        mine = view_of(actor)
        if view is not None and view not in VIEWS:
            raise Http404
        require(mine is not None and (view is None or view == mine))
        with replica_reads():
            board = dashboard_for(actor)
        assert board is not None
        return Response(board.as_dict())


class DashboardRoleView(DashboardView):
    """``GET /dashboard/<view>/``: the caller's dashboard when ``view`` is theirs."""

    @extend_schema(operation_id="dashboard_view_retrieve", responses=_Dashboard)
    def get(self, request: Request, view: str | None = None) -> Response:
        return super().get(request, view)
