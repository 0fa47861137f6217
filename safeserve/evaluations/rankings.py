"""Rankings and tiers (R10 动态调整): providers ranked by their latest effective evaluation in
the county, with the trend from the one before, failed evaluations, confirmed fee reports,
the share of hazards closed by their deadline and late major-hazard reports; experts by the
purchasers' ratings, tasks done, hazards found that reached the enterprise, and returns of
their reports. Tiers come from the county's policy thresholds (A 优秀, B 良好, C 合格 from
the pass score, D 不合格; 未评级 without a result). Everything is one annotated query, so the
ranking pages, their FilterSet and export, and the API read the same rows."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.common.models import policy_for
from safeserve.documents.models import ReportStatus, TechnicalReport
from safeserve.evaluations.models import Evaluation, EvaluationStatus, ExpertRating
from safeserve.fieldwork.models import (
    DONE_TASK_STATUSES,
    FeeComplaint,
    FeeComplaintStatus,
    ServiceTask,
)
from safeserve.hazards.filters import CLOSED_IN_TIME
from safeserve.hazards.models import Hazard, HazardStatus, MajorHazardReport
from safeserve.providers.models import (
    AdmissionStatus,
    Expert,
    ExpertPoolMembership,
    Provider,
)


class Tier:
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    NONE = "none"

    LABELS = {
        A: _("A Excellent"),
        B: _("B Good"),
        C: _("C Pass"),
        D: _("D Fail"),
        NONE: _("Not rated"),
    }
    CHOICES = list(LABELS.items())
    ORDER = {A: 0, B: 1, C: 2, D: 3, NONE: 4}


def _count(queryset: QuerySet[Any], key: str) -> Any:
    """A correlated COUNT of ``queryset`` rows whose ``key`` is the outer row."""
    return Coalesce(
        Subquery(
            queryset.filter(**{key: OuterRef("pk")})
            .order_by()
            .values(key)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _tier(score: str, failed: Q, county_id: int | None, *, rated: Q) -> Case:
    policy = policy_for(county_id)
    return Case(
        When(~rated, then=Value(Tier.NONE)),
        When(failed, then=Value(Tier.D)),
        When(**{f"{score}__gte": policy.tier_excellent_score}, then=Value(Tier.A)),
        When(**{f"{score}__gte": policy.tier_good_score}, then=Value(Tier.B)),
        default=Value(Tier.C),
    )


def _tier_rank() -> Case:
    return Case(
        *(When(tier=key, then=Value(rank)) for key, rank in Tier.ORDER.items()),
        output_field=IntegerField(),
    )


def _effective(county_id: int | None) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(
        county_id=county_id,
        provider=OuterRef("pk"),
        status=EvaluationStatus.FINAL,
        effective=True,
    ).order_by("-period_end", "-finalised_at", "-pk")


SCORE = DecimalField(max_digits=5, decimal_places=1)


def with_tier(queryset: QuerySet[Provider], county_id: int | None) -> QuerySet[Provider]:
    """Each provider's latest effective score in the county and its tier (two subqueries in
    the same SELECT): the directory, the public list and the rankings read this."""
    effective = _effective(county_id)
    return queryset.annotate(
        latest_score=Subquery(effective.values("total")[:1], output_field=SCORE),
        latest_passed=Subquery(effective.values("passed")[:1]),
    ).annotate(
        tier=_tier(
            "latest_score",
            Q(latest_passed=False),
            county_id,
            rated=Q(latest_score__isnull=False),
        )
    )


def provider_rankings(county_id: int | None) -> QuerySet[Provider]:
    """The providers in the county's register (admitted or suspended), best first."""
    effective = _effective(county_id)
    now = timezone.now()
    late_reports = MajorHazardReport.objects.filter(
        Q(sent_late=True) | Q(sent_at__isnull=True, due_at__lt=now),
        hazard__county_id=county_id,
    )
    hazards = Hazard.objects.filter(county_id=county_id, deadline__lt=timezone.localdate())
    listed = Provider.objects.filter(
        admissions__county_id=county_id,
        admissions__status__in=[AdmissionStatus.ADMITTED, AdmissionStatus.SUSPENDED],
    )
    return (
        with_tier(listed, county_id)
        .annotate(
            admission_status=F("admissions__status"),
            latest_period=Subquery(effective.values("period_end")[:1]),
            previous_score=Subquery(effective.values("total")[1:2], output_field=SCORE),
            failed_evaluations=_count(
                Evaluation.objects.filter(
                    county_id=county_id,
                    status=EvaluationStatus.FINAL,
                    effective=True,
                    passed=False,
                ),
                "provider",
            ),
            fee_reports=_count(
                FeeComplaint.objects.filter(
                    county_id=county_id, status=FeeComplaintStatus.CONFIRMED
                ),
                "contract__provider",
            ),
            hazards_due=_count(hazards, "contract__provider"),
            hazards_on_time=_count(hazards.filter(CLOSED_IN_TIME), "contract__provider"),
            late_reports=_count(late_reports, "hazard__contract__provider"),
            tier_rank=_tier_rank(),
        )
        .order_by("tier_rank", F("latest_score").desc(nulls_last=True), "name", "pk")
    )


def expert_rankings(county_id: int | None) -> QuerySet[Expert]:
    """The experts of the county's pool and of providers in its register, best rated first.
    The rating score is the average of the purchasers' ratings (1–5) × 20, so the same
    thresholds make the tiers."""
    ratings = ExpertRating.objects.filter(county_id=county_id, expert=OuterRef("pk"))
    rows = (
        Expert.objects.filter(
            pk__in=Expert.objects.filter(
                Q(pool_memberships__county_id=county_id)
                | Q(
                    employer__admissions__county_id=county_id,
                    employer__admissions__status__in=[
                        AdmissionStatus.ADMITTED,
                        AdmissionStatus.SUSPENDED,
                    ],
                )
            ).values("pk")
        )
        .select_related("employer")
        .annotate(
            rating=Subquery(
                ratings.order_by()
                .values("expert")
                .annotate(
                    avg=Avg(
                        (F("quality") + F("diligence") + F("integrity")) * 20.0 / 3,
                        output_field=FloatField(),
                    )
                )
                .values("avg")[:1],
                output_field=FloatField(),
            ),
            ratings_count=_count(ExpertRating.objects.filter(county_id=county_id), "expert"),
            tasks_done=_count(
                ServiceTask.objects.filter(county_id=county_id, status__in=DONE_TASK_STATUSES),
                "assignments__expert",
            ),
            hazards_confirmed=_count(
                Hazard.objects.filter(county_id=county_id).exclude(status=HazardStatus.FOUND),
                "experts",
            ),
            report_returns=_count(
                TechnicalReport.objects.filter(county_id=county_id, status=ReportStatus.RETURNED),
                "task__assignments__expert",
            ),
            pool_status=Subquery(
                ExpertPoolMembership.objects.filter(
                    county_id=county_id, expert=OuterRef("pk")
                ).values("status")[:1]
            ),
        )
        .annotate(
            tier=_tier(
                "rating",
                Q(rating__lt=policy_for(county_id).pass_score),
                county_id,
                rated=Q(rating__isnull=False),
            )
        )
        .annotate(tier_rank=_tier_rank())
        .order_by("tier_rank", F("rating").desc(nulls_last=True), "name", "pk")
    )
    return rows


def tier_condition(provider: Provider, county_id: int, on_date: Any) -> Any:
    """The eligibility check's warning for a D-tier provider (R10): its latest effective
    evaluation in the county failed. A warning for the purchaser to weigh, not a failure —
    the ban (R17) and a suspension are what refuse."""
    from safeserve.procurement.eligibility import Condition

    found: Any = with_tier(Provider.objects.filter(pk=provider.pk), county_id).first()
    row = {"tier": found.tier, "latest_score": found.latest_score} if found else None
    if row is None or row["tier"] != Tier.D:
        return None
    return Condition(
        "tier",
        str(_("Latest evaluation tier")),
        True,
        [
            str(
                _(
                    "Tier D: its latest effective evaluation in this county failed "
                    "(%(score)s). Weigh this before the award."
                )
                % {"score": row["latest_score"]}
            )
        ],
        warning=True,
    )
