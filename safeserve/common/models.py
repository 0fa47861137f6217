import calendar
import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import ImportStatus


class BaseModel(models.Model):
    """Creation and modification times for every domain table."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: Any) -> Any:
        """``get_<field>_display`` as Django answers it, with the field's choices made a
        dictionary once per field instead of on every call (a list page of 50 rows asks
        hundreds of times); the label is still translated at each call."""
        labels = field.__dict__.get("_labels_by_value")
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            field.__dict__["_labels_by_value"] = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    RETURNED = "returned", _("Returned")


class CountySubmission(BaseModel):
    """What a township or department sends the county office by a due date — the year's
    evaluations (R16) or the hazard statistics (issue 16): a draft, submitted (late after
    the due date), then received, or returned with reasons and sent again as a new one that
    ``replaces`` it. The concrete model adds who sends it and what it holds."""

    county = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
    )
    due_on = models.DateField(_("due by"))
    note = models.TextField(_("covering note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(_("late"), default=False)
    decided_at = models.DateTimeField(_("received or returned at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("reasons for returning"), blank=True)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resubmission",
        verbose_name=_("replaces the returned submission"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def sent(self) -> bool:
        return self.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.RECEIVED)


class Progress:
    """A background job's progress as its page shows it (includes/progress_bar.html): its
    ``status`` among ``FINISHED`` or not, ``processed_rows`` of ``total_rows``."""

    FINISHED: ClassVar[tuple[str, ...]]
    status: str
    total_rows: int
    processed_rows: int
    pk: Any

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))

    def set_progress(self, **fields: Any) -> None:
        """Written at once, outside any transaction the job runs, so the page sees it."""
        type(self)._default_manager.filter(pk=self.pk).update(**fields)  # type: ignore[attr-defined]
        for key, value in fields.items():
            setattr(self, key, value)


class SpreadsheetImport(Progress, BaseModel):
    """An uploaded spreadsheet checked row by row in the background, then written all or
    nothing; the page polls its progress and shows its row report."""

    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    errors = models.JSONField(_("row report"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    FINISHED = (ImportStatus.FAILED, ImportStatus.SUCCEEDED, ImportStatus.ERROR)

    class Meta:
        abstract = True

    def stop_on_internal_error(self, **cell: str) -> None:
        """Ends the job as ERROR with one row saying nothing was imported; ``cell`` adds
        the report's empty location columns (``sheet`` for two-sheet workbooks)."""
        reason = _(
            "The import stopped on an internal error; nothing was imported. Try again or tell "
            "the administrator."
        )
        location = {**cell, "row": "", "column": "", "value": ""}
        self.set_progress(
            status=ImportStatus.ERROR,
            finished_at=timezone.now(),
            errors=[{**location, "reason": str(reason)}],
            error_count=1,
        )


class CountyPolicy(BaseModel):
    """Every number a regulation or the county scheme sets locally (DESIGN.md §3 "County
    policy"). One row per county; a county without a row uses these defaults. National hazard
    rules are being revised (2026 draft 隐患排查治理条例), so none of these is hard-coded."""

    county = models.OneToOneField(
        "organizations.Region",
        on_delete=models.PROTECT,
        related_name="policy",
        verbose_name=_("county"),
    )
    # 政府采购法 第22条: no major violation in the previous three years.
    violation_lookback_years = models.PositiveSmallIntegerField(
        _("violation look-back (years)"), default=3
    )
    qualification_warning_days = models.PositiveSmallIntegerField(
        _("warn of expiring qualifications (days ahead)"), default=30
    )
    # 财政部令第102号 第24条: contracts normally ≤ 1 year, ≤ 3 years for continuing services.
    contract_max_years = models.PositiveSmallIntegerField(
        _("longest contract term (years)"), default=3
    )
    # 政府采购法 第49条: supplementary contracts ≤ 10 % of the original amount.
    amendment_max_percent = models.PositiveSmallIntegerField(
        _("largest cumulative amendment increase (%)"), default=10
    )
    expert_workload_cap = models.PositiveIntegerField(
        _("enterprise-visits per expert per year (capacity cap)"),
        default=240,
        help_text=_(
            "A provider may not take a contract that pushes its planned visits per "
            "active employed expert above this."
        ),
    )
    pass_score = models.PositiveSmallIntegerField(_("evaluation pass score"), default=60)
    tier_excellent_score = models.PositiveSmallIntegerField(_("score for the top tier"), default=90)
    tier_good_score = models.PositiveSmallIntegerField(_("score for the second tier"), default=75)
    ban_years = models.PositiveSmallIntegerField(
        _("ban after a failed evaluation (years)"), default=2
    )
    # 安全生产事故隐患排查治理暂行规定: major hazards reported without delay; 24 h locally.
    major_hazard_report_hours = models.PositiveSmallIntegerField(
        _("major-hazard report deadline (hours from discovery)"), default=24
    )
    verification_window_days = models.PositiveSmallIntegerField(
        _("department acceptance window (days after submission)"), default=10
    )
    general_rectification_days = models.PositiveSmallIntegerField(
        _("default deadline for general hazards (days)"), default=30
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("technical report due (days after the findings)"), default=15
    )
    evaluation_reply_days = models.PositiveSmallIntegerField(
        _("provider's window to reply to an evaluation (days)"), default=10
    )
    # The year's evaluations are submitted early in the following year, so that contracts
    # ending in December can finish their reply window (R16).
    annual_submission_month = models.PositiveSmallIntegerField(
        _("annual submission deadline: month of the following year"), default=1
    )
    annual_submission_day = models.PositiveSmallIntegerField(
        _("annual submission deadline: day"), default=31
    )
    # 隐患排查治理统计: each township and department sends its figures to the county office —
    # a quarter's by a day of the following month, the year's early in the next year.
    statistics_quarter_day = models.PositiveSmallIntegerField(
        _("hazard statistics of a quarter due: day of the following month"), default=15
    )
    statistics_year_month = models.PositiveSmallIntegerField(
        _("hazard statistics of a year due: month of the following year"), default=1
    )
    statistics_year_day = models.PositiveSmallIntegerField(
        _("hazard statistics of a year due: day"), default=31
    )
    # 网络安全法 第21条: network logs are kept for no less than six months.
    audit_retention_days = models.PositiveSmallIntegerField(
        _("keep audit events at least (days)"),
        default=180,
        help_text=_(
            "Neither database deletes a younger event; manage.py audit_prune removes older ones."
        ),
    )
    # GB/T 22239-2019 8.1.4.1 d): two or more authentication techniques for administrators.
    otp_government = models.PositiveSmallIntegerField(
        _("second factor for the county office, departments and townships"),
        default=1,
        help_text=_("1: a code from an authenticator app at every login; 0: optional."),
    )
    otp_others = models.PositiveSmallIntegerField(
        _("second factor for providers, experts, enterprises and evaluators"),
        default=0,
        help_text=_("1: a code from an authenticator app at every login; 0: optional."),
    )
    # GB/T 22239-2019 8.1.4.1 a): passwords are changed regularly.
    password_max_age_days = models.PositiveSmallIntegerField(
        _("passwords expire after (days)"),
        default=90,
        help_text=_("0 turns expiry off."),
    )

    class Meta:
        verbose_name = _("county policy")
        verbose_name_plural = _("county policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_score__lte=100), name="policy_pass_score_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(tier_good_score__lte=models.F("tier_excellent_score")),
                name="policy_tiers_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"policy of {self.county_id}"


# The values a county office edits, in page order, with the range each may take. Where a
# national rule sets a ceiling the county may be stricter, never looser.
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "contract_max_years": (1, 3),  # 财政部令第102号 第24条
    "amendment_max_percent": (0, 10),  # 政府采购法 第49条
    "expert_workload_cap": (1, 10000),
    "violation_lookback_years": (3, 10),  # 政府采购法 第22条: at least three years
    "qualification_warning_days": (0, 365),
    "pass_score": (1, 100),
    "tier_excellent_score": (1, 100),
    "tier_good_score": (1, 100),
    "ban_years": (1, 5),
    "major_hazard_report_hours": (1, 72),
    "verification_window_days": (1, 60),
    "general_rectification_days": (1, 365),
    "report_due_days": (1, 90),
    "evaluation_reply_days": (1, 60),
    "annual_submission_month": (1, 12),
    "annual_submission_day": (1, 31),
    "statistics_quarter_day": (1, 28),
    "statistics_year_month": (1, 12),
    "statistics_year_day": (1, 31),
    "audit_retention_days": (180, 3650),  # 网络安全法 第21条: at least six months
    "password_max_age_days": (0, 365),
    "otp_government": (0, 1),
    "otp_others": (0, 1),
}
POLICY_FIELDS = list(POLICY_LIMITS)


def policy_label(field: str) -> str:
    model_field = CountyPolicy._meta.get_field(field)
    return str(getattr(model_field, "verbose_name", field))


def policy_help(field: str) -> str:
    return str(getattr(CountyPolicy._meta.get_field(field), "help_text", ""))


def policy_for(county_id: int | None) -> CountyPolicy:
    """The county's policy, or the defaults (unsaved) when it has not set one."""
    if county_id is not None:
        policy = CountyPolicy.objects.filter(county_id=county_id).first()
        if policy is not None:
            return policy
    return CountyPolicy(county_id=county_id)  # type: ignore[misc]


class RateCounter(models.Model):
    """Requests counted per key and window, in the database, so every process and server
    counts together (Redis counts instead when REDIS_URL is set): see common/ratelimit.py."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start:%H:%M} {self.count}"


def statistics_due(county_id: int | None, year: int, quarter: int) -> dt.date:
    """When the hazard statistics of a quarter (1–4) or of the year (0) are due at the county
    office: the policy's day of the month after the quarter, or its month and day of the
    following year (a day past the month's end counts as its last day)."""
    policy = policy_for(county_id)
    if quarter:
        month, year_of = quarter * 3 + 1, year
        if month > 12:
            month, year_of = 1, year + 1
        return dt.date(year_of, month, policy.statistics_quarter_day)
    month = policy.statistics_year_month
    last = calendar.monthrange(year + 1, month)[1]
    return dt.date(year + 1, month, min(policy.statistics_year_day, last))


def annual_submission_due(county_id: int | None, year: int) -> dt.date:
    """The deadline for submitting ``year``'s evaluations: the policy's month and day of the
    following year (a day past the month's end counts as its last day)."""
    policy = policy_for(county_id)
    month = policy.annual_submission_month
    last = calendar.monthrange(year + 1, month)[1]
    return dt.date(year + 1, month, min(policy.annual_submission_day, last))
