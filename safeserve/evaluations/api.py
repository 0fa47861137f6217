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
from safeserve.api.pagination import RankedPagination
from safeserve.api.parsing import UPLOAD_PARSERS, body_dict
from safeserve.api.viewsets import ScopedViewSet
from safeserve.common.access import get_visible
from safeserve.common.exceptions import ApplicationError
from safeserve.common.request import actor_of
from safeserve.contracts.models import Contract
from safeserve.evaluations import (
    annual,
    exports,
    metrics,
    rankings,
    ratings,
    reevaluations,
    sanctions,
    selectors,
    services,
    summaries,
)
from safeserve.evaluations.filters import (
    AnnualSubmissionFilter,
    EvaluationFilter,
    ExpertRankingFilter,
    ExpertRatingFilter,
    ProviderRankingFilter,
    SanctionFilter,
)
from safeserve.evaluations.models import (
    AnnualSubmission,
    Evaluation,
    EvaluationScore,
    EvaluationStatus,
    ExpertRating,
    Sanction,
)
from safeserve.evaluations.workflows import (
    ANNUAL_SUBMISSION,
    EVALUATION,
    SANCTION,
    sees_referrals,
)
from safeserve.procurement.permissions import can_read_procurement
from safeserve.providers.models import Expert, Provider


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
            "evaluator",
            "original",
            "effective",
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

    @extend_schema(request=None, responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> Any:
        """The evaluation record as a PDF (audited)."""
        return summaries.evaluation_pdf_response(
            actor=actor_of(request), evaluation=self.get_object()
        )


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


class SanctionSerializer(serializers.ModelSerializer[Sanction]):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    period_start = serializers.DateField(source="evaluation.period_start", read_only=True)
    period_end = serializers.DateField(source="evaluation.period_end", read_only=True)
    total = serializers.DecimalField(
        source="evaluation.total", max_digits=5, decimal_places=1, read_only=True
    )
    pass_score = serializers.IntegerField(source="evaluation.pass_score", read_only=True)
    vetoed = serializers.BooleanField(source="evaluation.vetoed", read_only=True)
    deducted = serializers.SerializerMethodField()
    recoverable = serializers.SerializerMethodField()
    ban = serializers.SerializerMethodField()

    class Meta:
        model = Sanction
        fields = [
            "id",
            "provider",
            "provider_name",
            "contract",
            "contract_number",
            "evaluation",
            "period_start",
            "period_end",
            "total",
            "pass_score",
            "vetoed",
            "status",
            "amount",
            "basis",
            "deducted",
            "recoverable",
            "ban",
            "lift_proposed",
            "decision_reason",
            "decided_at",
            "lift_reason",
            "lifted_at",
        ]

    def get_deducted(self, obj: Sanction) -> str | None:
        return str(obj.deduction.amount) if obj.deduction else None

    def get_recoverable(self, obj: Sanction) -> str | None:
        return str(obj.deduction.recoverable) if obj.deduction else None

    def get_ban(self, obj: Sanction) -> dict[str, Any] | None:
        ban = obj.debarment
        if ban is None:
            return None
        return {"starts_on": ban.starts_on, "ends_on": ban.ends_on, "lifted_on": ban.lifted_on}


class SanctionDetailSerializer(SanctionSerializer):
    referrals = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(SanctionSerializer.Meta):
        fields = [*SanctionSerializer.Meta.fields, "referrals", "allowed_actions"]

    def get_referrals(self, obj: Sanction) -> list[dict[str, Any]]:
        """The county office's own record: a provider is not told what was referred."""
        if not sees_referrals(self.context["request"].user, obj):
            return []
        return [
            {"referred_to": r.referred_to, "referred_on": r.referred_on, "content": r.content}
            for r in obj.referrals.all()
        ]

    def get_allowed_actions(self, obj: Sanction) -> list[str]:
        return SANCTION.verbs_for(self.context["request"].user, obj)


class ConfirmInput(serializers.Serializer[Any]):
    # checked by the service (yuan, zero or more, fen), naming the field
    amount = serializers.CharField()
    basis = serializers.CharField(allow_blank=True, max_length=4000)


class SanctionReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=4000)


class ReferInput(serializers.Serializer[Any]):
    referred_to = serializers.CharField(allow_blank=True, max_length=100)
    referred_on = serializers.DateField()
    content = serializers.CharField(allow_blank=True, max_length=4000)


class SanctionViewSet(ExportMixin, ScopedViewSet):
    """``GET /sanctions/?status=&year=&lift_proposed=&provider=&contract=`` (and ``export/``):
    the county office sees its county's; purchaser and provider those on their contracts.
    Verbs (the county office's leader): ``confirm/`` (``amount``, ``basis``), ``reject/`` and
    ``lift/`` (``reason``); ``refer/`` (county office: ``referred_to``, ``referred_on``,
    ``content``)."""

    serializer_class = SanctionSerializer
    detail_serializer_class = SanctionDetailSerializer
    filterset_class = SanctionFilter
    list_export = exports.SANCTIONS

    def scoped_queryset(self, actor: Any) -> Any:
        if self.action in ("list", "export"):
            return selectors.sanction_list(viewer=actor)
        return selectors.sanction_details(Sanction.objects.visible_to(actor))

    def _out(self, sanction: Sanction, status: int = 200) -> Response:
        fresh = self.scoped_queryset(actor_of(self.request)).get(pk=sanction.pk)
        return Response(
            SanctionDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status,
        )

    @extend_schema(request=ConfirmInput, responses=SanctionDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        data = ConfirmInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        sanction = sanctions.sanction_confirm(
            actor=actor_of(request),
            sanction=self.get_object(),
            amount=data.validated_data["amount"],
            basis=data.validated_data["basis"],
        )
        return self._out(sanction)

    @extend_schema(request=SanctionReasonInput, responses=SanctionDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        data = SanctionReasonInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        sanction = sanctions.sanction_reject(
            actor=actor_of(request),
            sanction=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._out(sanction)

    @extend_schema(request=SanctionReasonInput, responses=SanctionDetailSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        data = SanctionReasonInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        sanction = sanctions.sanction_lift(
            actor=actor_of(request),
            sanction=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._out(sanction)

    @extend_schema(request=ReferInput, responses={201: SanctionDetailSerializer})
    @action(detail=True, methods=["post"])
    def refer(self, request: Request, pk: str | None = None) -> Response:
        data = ReferInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        sanction = self.get_object()
        sanctions.referral_record(
            actor=actor_of(request),
            sanction=sanction,
            referred_to=data.validated_data["referred_to"],
            referred_on=data.validated_data["referred_on"],
            content=data.validated_data["content"],
        )
        return self._out(sanction, status=201)


class AnnualSubmissionSerializer(serializers.ModelSerializer[AnnualSubmission]):
    purchaser_name = serializers.CharField(source="purchaser.name", read_only=True)

    class Meta:
        model = AnnualSubmission
        fields = [
            "id",
            "purchaser",
            "purchaser_name",
            "year",
            "status",
            "due_on",
            "submitted_at",
            "late",
            "decided_at",
            "return_reason",
            "replaces",
        ]


class AnnualSubmissionDetailSerializer(AnnualSubmissionSerializer):
    rows = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(AnnualSubmissionSerializer.Meta):
        fields = [*AnnualSubmissionSerializer.Meta.fields, "note", "rows", "allowed_actions"]

    def get_rows(self, obj: AnnualSubmission) -> list[dict[str, Any]]:
        return annual.summary_of(obj)

    def get_allowed_actions(self, obj: AnnualSubmission) -> list[str]:
        return ANNUAL_SUBMISSION.verbs_for(self.context["request"].user, obj)


class SubmissionOpenInput(serializers.Serializer[Any]):
    year = serializers.IntegerField()


class ExplainInput(serializers.Serializer[Any]):
    # {contract id: why it has no final evaluation}; checked by the service
    explanations = serializers.DictField(child=serializers.CharField(allow_blank=True))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AnnualSubmissionViewSet(ExportMixin, ScopedViewSet):
    """``GET /annual-submissions/?year=&status=&late=&purchaser=`` (and ``export/``): the
    county office sees its county's, a purchaser its own. ``POST`` (the purchaser) starts the
    submission of a ``year``; verbs ``explain/`` (``explanations`` by contract id, ``note``),
    ``submit/`` (the purchaser's leader), ``receive/`` and ``return/`` (``reason``) by the
    county office; ``summary/?kind=xlsx|pdf`` downloads the summary."""

    serializer_class = AnnualSubmissionSerializer
    detail_serializer_class = AnnualSubmissionDetailSerializer
    filterset_class = AnnualSubmissionFilter
    list_export = exports.ANNUAL_SUBMISSIONS

    def scoped_queryset(self, actor: Any) -> Any:
        if self.action in ("list", "export"):
            return selectors.submission_list(viewer=actor)
        return selectors.submission_details(AnnualSubmission.objects.visible_to(actor))

    def _out(self, submission: AnnualSubmission, status: int = 200) -> Response:
        fresh = self.scoped_queryset(actor_of(self.request)).get(pk=submission.pk)
        return Response(
            AnnualSubmissionDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status,
        )

    @extend_schema(request=SubmissionOpenInput, responses={201: AnnualSubmissionDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SubmissionOpenInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = annual.submission_open(
            actor=actor_of(request), year=data.validated_data["year"]
        )
        return self._out(submission, status=201)

    @extend_schema(request=ExplainInput, responses=AnnualSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request: Request, pk: str | None = None) -> Response:
        data = ExplainInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = annual.submission_explain(
            actor=actor_of(request),
            submission=self.get_object(),
            explanations=data.validated_data["explanations"],
            note=data.validated_data["note"],
        )
        return self._out(submission)

    @extend_schema(request=None, responses=AnnualSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submission = annual.submission_submit(actor=actor_of(request), submission=self.get_object())
        return self._out(submission)

    @extend_schema(request=None, responses=AnnualSubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        submission = annual.submission_receive(
            actor=actor_of(request), submission=self.get_object()
        )
        return self._out(submission)

    @extend_schema(request=SanctionReasonInput, responses=AnnualSubmissionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        data = SanctionReasonInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        submission = annual.submission_return(
            actor=actor_of(request),
            submission=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._out(submission)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def summary(self, request: Request, pk: str | None = None) -> Any:
        kind = request.query_params.get("kind", "xlsx")
        if kind not in ("xlsx", "pdf"):
            raise ApplicationError(
                "invalid_kind",
                _("Ask for kind=xlsx or kind=pdf."),
                errors={"kind": [_("Ask for kind=xlsx or kind=pdf.")]},
                status=400,
            )
        return summaries.summary_response(
            actor=actor_of(request), submission=self.get_object(), kind=kind
        )


class CommissionInput(serializers.Serializer[Any]):
    evaluator = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    evaluations = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    share = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReEvaluationViewSet(EvaluationViewSet):
    """``/re-evaluations/``: the third-party re-evaluations the user sees (filters as for
    evaluations). ``POST commission/`` (the county office's officer or leader): ``evaluator``,
    ``year``, ``reason`` and either ``evaluations`` (ids of final evaluations of the year) or
    ``share`` (1–100 %, drawn at random). The evaluator then ``score/``s and ``send/``s, the
    provider may ``reply/``, the evaluator's leader ``finalise/``s — its result prevails."""

    def scoped_queryset(self, actor: Any) -> Any:
        return super().scoped_queryset(actor).filter(evaluator__isnull=False)

    @extend_schema(exclude=True)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApplicationError(
            "use_commission",
            _("Re-evaluations are commissioned: POST /re-evaluations/commission/."),
            status=405,
        )

    @extend_schema(request=CommissionInput, responses={201: EvaluationSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def commission(self, request: Request) -> Response:
        data = CommissionInput(data=body_dict(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        made = reevaluations.commission_create(
            actor=actor_of(request),
            evaluator=values["evaluator"],
            year=values["year"],
            reason=values["reason"],
            evaluations=values["evaluations"],
            share=values["share"],
        )
        rows = selectors.evaluation_list(viewer=actor_of(request)).filter(commission=made)
        return Response(EvaluationSerializer(rows, many=True).data, status=201)


class ProviderRankingSerializer(serializers.ModelSerializer[Provider]):
    tier = serializers.CharField(read_only=True)
    admission_status = serializers.CharField(read_only=True)
    latest_score = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True
    )
    previous_score = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True
    )
    failed_evaluations = serializers.IntegerField(read_only=True)
    fee_reports = serializers.IntegerField(read_only=True)
    hazards_due = serializers.IntegerField(read_only=True)
    hazards_on_time = serializers.IntegerField(read_only=True)
    late_reports = serializers.IntegerField(read_only=True)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "uscc",
            "admission_status",
            "tier",
            "latest_score",
            "previous_score",
            "failed_evaluations",
            "fee_reports",
            "hazards_due",
            "hazards_on_time",
            "late_reports",
        ]


class ExpertRankingSerializer(serializers.ModelSerializer[Expert]):
    employer_name = serializers.CharField(source="employer.name", read_only=True, default=None)
    tier = serializers.CharField(read_only=True)
    rating = serializers.FloatField(read_only=True, allow_null=True)
    ratings_count = serializers.IntegerField(read_only=True)
    tasks_done = serializers.IntegerField(read_only=True)
    hazards_confirmed = serializers.IntegerField(read_only=True)
    report_returns = serializers.IntegerField(read_only=True)
    pool_status = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "employer",
            "employer_name",
            "pool_status",
            "tier",
            "rating",
            "ratings_count",
            "tasks_done",
            "hazards_confirmed",
            "report_returns",
        ]


class ProviderRankingViewSet(ExportMixin, ScopedViewSet):
    """``GET /rankings/providers/?tier=A|B|C|D|none&q=`` (and ``export/``): the providers of
    the county's register, best first, with their tier (R10) — for the county office and the
    county's purchasers."""

    serializer_class = ProviderRankingSerializer
    filterset_class = ProviderRankingFilter
    pagination_class = RankedPagination
    list_export = exports.PROVIDER_RANKINGS

    def can_read(self, actor: Any) -> bool:
        return can_read_procurement(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return rankings.provider_rankings(getattr(actor.organization, "county_id", None))


class ExpertRankingViewSet(ExportMixin, ScopedViewSet):
    """``GET /rankings/experts/?tier=&q=&provider=`` (and ``export/``): the experts of the
    county's pool and register, best rated first, with their tier (R10)."""

    serializer_class = ExpertRankingSerializer
    filterset_class = ExpertRankingFilter
    pagination_class = RankedPagination
    list_export = exports.EXPERT_RANKINGS

    def can_read(self, actor: Any) -> bool:
        return can_read_procurement(actor)

    def scoped_queryset(self, actor: Any) -> Any:
        return rankings.expert_rankings(getattr(actor.organization, "county_id", None))
