"""``/api/v1/evaluations/``: the list (filters as on the page, and ``export/``), one evaluation
with its scores, the metrics from the data and ``allowed_actions``; POST opens one for a
contract's period; verbs ``score/``, ``send/``, ``reply/`` (multipart ``statement`` and
``files``), ``finalise/`` (``scores`` and ``reason``). Out of scope is 404; a refused verb
409 naming the rule."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from safeserve.api.exports import ExportMixin
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.request import actor_of
from safeserve.contracts.models import Contract
from safeserve.evaluations import exports, metrics, ratings, selectors, services
from safeserve.evaluations.filters import EvaluationFilter, ExpertRatingFilter
from safeserve.evaluations.models import (
    Evaluation,
    EvaluationScore,
    EvaluationStatus,
    ExpertRating,
)
from safeserve.evaluations.workflows import EVALUATION
from safeserve.providers.models import Expert


class EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    purchaser_name = serializers.CharField(source="purchaser.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "contract",
            "contract_number",
            "purchaser",
            "purchaser_name",
            "provider",
            "provider_name",
            "period_start",
            "period_end",
            "closing",
            "status",
            "total",
            "pass_score",
            "vetoed",
            "passed",
            "sent_at",
            "reply_due",
            "replied_at",
            "finalised_at",
        ]


class ScoreOut(serializers.ModelSerializer[EvaluationScore]):
    class Meta:
        model = EvaluationScore
        fields = [
            "position",
            "name",
            "weight",
            "requirement",
            "method",
            "veto",
            "score",
            "failed_veto",
            "comment",
        ]


class EvaluationDetailSerializer(EvaluationSerializer):
    scores = ScoreOut(many=True, read_only=True)
    metrics = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(EvaluationSerializer.Meta):
        fields = [
            *EvaluationSerializer.Meta.fields,
            "reply",
            "final_note",
            "scores",
            "metrics",
            "files",
            "allowed_actions",
        ]

    def get_metrics(self, obj: Evaluation) -> list[dict[str, Any]]:
        """Live while a draft; as sent from then on."""
        if obj.status == EvaluationStatus.DRAFT:
            return [
                m.as_dict() for m in metrics.compute(obj.contract, obj.period_start, obj.period_end)
            ]
        return list(obj.metrics.get("items", []))

    def get_files(self, obj: Evaluation) -> list[dict[str, Any]]:
        return [{"id": f.pk, "name": f.name, "size": f.size} for f in obj.files.all()]

    def get_allowed_actions(self, obj: Evaluation) -> list[str]:
        return EVALUATION.verbs_for(self.context["request"].user, obj)


class OpenInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1)
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ScoreInput(serializers.Serializer[Any]):
    position = serializers.IntegerField(min_value=1)
    # checked by the service against the criterion's weight, naming it
    score = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    failed_veto = serializers.BooleanField(required=False)


class ScoresInput(serializers.Serializer[Any]):
    scores = ScoreInput(many=True)


class FinaliseInput(serializers.Serializer[Any]):
    scores = ScoreInput(many=True, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class ReplyInput(serializers.Serializer[Any]):
    statement = serializers.CharField(max_length=10000, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


def _text(value: Any) -> str:
    """A text field as sent; anything but text counts as missing (the service names it)."""
    return value if isinstance(value, str) else ""


def _changes(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["position"]: {k: v for k, v in row.items() if k != "position"} for row in rows}


class EvaluationViewSet(ExportMixin, ScopedViewSet):
    """``GET /evaluations/?status=&year=&passed=&q=&contract=&provider=`` (and ``export/``).
    The provider sees them once sent."""

    serializer_class = EvaluationSerializer
    detail_serializer_class = EvaluationDetailSerializer
    filterset_class = EvaluationFilter
    list_export = exports.EVALUATIONS
    parser_classes = UPLOAD_PARSERS

    def scoped_queryset(self, actor: Any) -> Any:
        if self.action in ("list", "export"):
            return selectors.evaluation_list(viewer=actor).order_by("-period_end", "-pk")
        return selectors.evaluation_details(Evaluation.objects.visible_to(actor))

    def _out(self, evaluation: Evaluation, status: int = 200) -> Response:
        fresh = self.scoped_queryset(actor_of(self.request)).get(pk=evaluation.pk)
        return Response(
            EvaluationDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status,
        )

    @extend_schema(request=OpenInput, responses={201: EvaluationDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Opens the evaluation of one of the contract's periods (the purchaser)."""
        data = OpenInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        contract = get_visible(
            Contract.objects.select_related("provider"),
            actor_of(request),
            pk=data.validated_data["contract"],
        )
        evaluation = services.evaluation_open(
            actor=actor_of(request),
            contract=contract,
            period_start=data.validated_data["period_start"],
            period_end=data.validated_data["period_end"],
        )
        return self._out(evaluation, status=201)

    @extend_schema(request=ScoresInput, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        data = ScoresInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_score(
            actor=actor_of(request),
            evaluation=self.get_object(),
            changes=_changes(data.validated_data["scores"]),
        )
        return self._out(evaluation)

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        evaluation = services.evaluation_send(actor=actor_of(request), evaluation=self.get_object())
        return self._out(evaluation)

    @extend_schema(request=ReplyInput, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        evaluation = services.evaluation_reply(
            actor=actor_of(request),
            evaluation=self.get_object(),
            statement=_text(body_dict(request).get("statement")),
            files=request.FILES.getlist("files"),
        )
        return self._out(evaluation)

    @extend_schema(request=FinaliseInput, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk: str | None = None) -> Response:
        data = FinaliseInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_finalise(
            actor=actor_of(request),
            evaluation=self.get_object(),
            changes=_changes(data.validated_data.get("scores", [])),
            reason=data.validated_data.get("reason", ""),
        )
        return self._out(evaluation)


class ExpertRatingSerializer(serializers.ModelSerializer[ExpertRating]):
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    average = serializers.FloatField(read_only=True)

    class Meta:
        model = ExpertRating
        fields = [
            "id",
            "contract",
            "contract_number",
            "expert",
            "expert_name",
            "quality",
            "diligence",
            "integrity",
            "average",
            "comment",
            "updated_at",
        ]


class ExpertRateInput(serializers.Serializer[Any]):
    contract = serializers.IntegerField(min_value=1)
    expert = serializers.IntegerField(min_value=1)
    # each checked by the service (1–5), naming the field
    quality = serializers.CharField()
    diligence = serializers.CharField()
    integrity = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ExpertRatingViewSet(ExportMixin, ScopedViewSet):
    """``GET /expert-ratings/?contract=&expert=`` (and ``export/``): ratings on the contracts
    the user sees, and an expert's own. ``POST`` (the contract's purchaser) rates one of the
    contract's experts: ``quality``, ``diligence``, ``integrity`` 1–5 and ``comment``; a
    second rating replaces the first."""

    serializer_class = ExpertRatingSerializer
    filterset_class = ExpertRatingFilter
    list_export = exports.EXPERT_RATINGS

    def scoped_queryset(self, actor: Any) -> Any:
        return (
            ExpertRating.objects.visible_to(actor)
            .select_related("expert", "contract")
            .order_by("-updated_at", "-pk")
        )

    @extend_schema(request=ExpertRateInput, responses={201: ExpertRatingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ExpertRateInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        actor = actor_of(request)
        contract = get_visible(Contract.objects.all(), actor, pk=values["contract"])
        # whether the expert worked on the contract is the service's rule (not_participant)
        expert = Expert.objects.filter(pk=values["expert"]).first()
        if expert is None:
            raise ApplicationError(
                "not_participant",
                _("Choose an expert of this contract's tasks."),
                errors={"expert": [_("Choose an expert of this contract's tasks.")]},
                status=400,
            )
        rating = ratings.expert_rate(
            actor=actor,
            contract=contract,
            expert=expert,
            quality=values["quality"],
            diligence=values["diligence"],
            integrity=values["integrity"],
            comment=values["comment"],
        )
        return Response(ExpertRatingSerializer(rating).data, status=201)
