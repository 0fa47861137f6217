"""Hazards and their closed loop (R10, R11), written notices, extensions, and major-hazard
reports to the responsible department with supervision and governance plans (R12)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, DateField, F, Q, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.common.db.tally import (
    Derived,
    Tallied,
    TalliedQuerySet,
    Tally,
    dimension,
    month_of,
)
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import PURCHASER_KINDS, Organization, OrganizationKind, Region
from safeserve.organizations.scoping import scope_head, tally_scope

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class HazardStatus(models.TextChoices):
    FOUND = "found", _("Found")
    NOTIFIED = "notified", _("Notified")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Rectification submitted")
    CLOSED = "closed", _("Closed out")


class HazardQuerySet(TalliedQuerySet):
    def visible_to(self, user: User) -> HazardQuerySet:
        """WORKFLOWS.md "Who sees what". A department also sees the major hazards routed to
        it, a township those it is copied on; an expert the hazards of tasks assigned to them;
        an enterprise its own hazards once a notice has told it of them."""
        from safeserve.organizations.models import Role

        decided, org = scope_head(self, user, contract_field="contract")
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        by_columns = _scope_columns(user, org)
        if by_columns is not None:
            return self.filter(by_columns)
        if org.kind == OrganizationKind.PROVIDER and user.role == Role.EXPERT:
            # A join, not DISTINCT: one expert per login and one assignment per task and
            # expert, so each hazard comes once; the database starts from the expert's few
            # assignments (an IN over them walked the whole list's order).
            return self.filter(task__assignments__expert__user_id=user.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(enterprise__organization_id=org.pk).exclude(
                status=HazardStatus.FOUND
            )
        return self.none()

    def overdue(self, today: dt.date | None = None) -> HazardQuerySet:
        return self.exclude(status=HazardStatus.CLOSED).filter(
            deadline__lt=today or timezone.localdate()
        )


def _scope_columns(user: User, org: Organization) -> Q | None:
    """A purchaser's or provider's hazards by the scope columns the hazard carries (and its
    tally shares); None for the scopes that need a join (experts, enterprises)."""
    from safeserve.organizations.models import Role

    if org.kind in PURCHASER_KINDS:
        # A report reaches its department (and copied township) when it is sent; the sending
        # service copies both onto the hazard.
        return (
            Q(purchaser_id=org.pk) | Q(routed_department_id=org.pk) | Q(routed_township_id=org.pk)
        )
    if org.kind == OrganizationKind.PROVIDER and user.role != Role.EXPERT:
        return Q(provider_org_id=org.pk)
    return None


class HazardTallyQuerySet(models.QuerySet[Any]):
    """The rows of either hazard tally."""

    def visible_to(self, user: User) -> HazardTallyQuerySet | None:
        """The tally rows of the hazards ``user`` sees — the same scope as
        ``Hazard.objects.visible_to`` — or None where that scope is not a matter of the tally's
        columns (an expert's assignments, an enterprise, an evaluator's grants)."""
        return tally_scope(self, user, _scope_columns)


class HazardScopeTally(Tally):
    """The scope columns both hazard tallies count by: the same as the hazard's, so the same
    ``_scope_columns`` rule reads them (common/db/tally.py)."""

    SCOPE = (
        "county_id",
        "purchaser_id",
        "provider_org_id",
        "routed_department_id",
        "routed_township_id",
    )

    county = dimension(Region)
    purchaser = dimension(Organization)
    provider_org = dimension(Organization)
    routed_department = dimension(Organization, null=True)
    routed_township = dimension(Organization, null=True)

    objects = HazardTallyQuerySet.as_manager()

    class Meta:
        abstract = True


class HazardTally(HazardScopeTally):
    """How many hazards each scope holds in each status and level."""

    DIMENSIONS = (*HazardScopeTally.SCOPE, "level", "status")

    level = models.CharField(max_length=8, choices=HazardLevel.choices)
    status = models.CharField(max_length=12, choices=HazardStatus.choices)

    class Meta:
        verbose_name = _("hazard tally")
        verbose_name_plural = _("hazard tallies")


class HazardMonthTally(HazardScopeTally):
    """How many hazards each scope found, and closed, in each month: the dashboards' chart
    of hazards by month (issue 16) sums a few hundred of these rows instead of grouping a
    county's year of hazards."""

    DIMENSIONS = (*HazardScopeTally.SCOPE, "found_month", "closed_month")
    DERIVED = {"found_month": month_of("found_at"), "closed_month": month_of("closed_at")}

    found_month = models.DateField()
    closed_month = models.DateField(null=True)

    class Meta:
        verbose_name = _("hazard tally by month")
        verbose_name_plural = _("hazard tallies by month")
        indexes = [
            models.Index(fields=["county", "found_month"], name="hazardmonth_found_idx"),
            models.Index(fields=["county", "closed_month"], name="hazardmonth_closed_idx"),
        ]


def _deadline_month_while_open(status: str, deadline: dt.date) -> dt.date | None:
    return None if status == HazardStatus.CLOSED else deadline.replace(day=1)


def _deadline_month_while_open_sql() -> TruncMonth:
    # The month of the CASE, not a CASE of months: the truncation then turns PostgreSQL's
    # timestamp back into a date, as it does for a column.
    open_deadline = Case(
        When(~Q(status=HazardStatus.CLOSED), then=F("deadline")),
        default=None,
        output_field=DateField(),
    )
    return TruncMonth(open_deadline, output_field=DateField())


class HazardDeadlineTally(HazardScopeTally):
    """How many open hazards each scope must have rectified by each month (R11): the
    overdue figure sums the months before this one and counts only this month's few days
    from the hazards themselves, instead of reading every open hazard of a province."""

    DIMENSIONS = (*HazardScopeTally.SCOPE, "open_month")
    DERIVED = {
        "open_month": Derived(
            ("status", "deadline"), _deadline_month_while_open, _deadline_month_while_open_sql
        )
    }

    open_month = models.DateField(null=True)

    class Meta:
        verbose_name = _("hazard tally by deadline month")
        verbose_name_plural = _("hazard tallies by deadline month")


class Hazard(Tallied, BaseModel):
    tallies = (HazardTally, HazardMonthTally, HazardDeadlineTally)

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("hazard number"), max_length=30, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("enterprise"),
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="hazards"
    )
    # Copies of who may see the hazard, kept by the services (the contract's two parties
    # never change; a report routes it once, on sending): data scope reads one indexed
    # column instead of an OR across the contract and report joins (issue 15).
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider_org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    routed_department = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    routed_township = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        "fieldwork.ServiceTask",
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("task"),
    )
    answer = models.ForeignKey(
        "fieldwork.InspectionAnswer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
    )
    checklist_item = models.ForeignKey(
        "fieldwork.ChecklistItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist item"),
    )
    basis = models.TextField(
        _("basis"), help_text=_("The rule it breaks: a checklist item, or the article cited.")
    )
    level = models.CharField(_("level"), max_length=8, choices=HazardLevel.choices)
    description = models.TextField(_("description"))
    location = models.CharField(_("location"), max_length=200)
    advice = models.TextField(_("rectification advice"))
    deadline = models.DateField(_("rectify by"))
    responsible_person = models.CharField(
        _("person responsible at the enterprise"), max_length=40, blank=True
    )
    funds_estimate = models.DecimalField(
        _("estimated funds (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=HazardStatus.choices, default=HazardStatus.FOUND
    )
    found_at = models.DateTimeField(_("found at"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    experts = models.ManyToManyField(
        "providers.Expert", related_name="hazards", verbose_name=_("responsible experts")
    )
    notice = models.ForeignKey(
        "hazards.Notice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("notice"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("rectification submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = HazardQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "-pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        # The list's order (newest first) within each scope, and the open hazards' figures
        # (status, deadline, level; the overdue by month found) read from the index alone.
        indexes = [
            models.Index(fields=["county", "status", "deadline"], name="hazard_county_status_idx"),
            models.Index(fields=["contract", "status"], name="hazard_contract_status_idx"),
            models.Index(fields=["enterprise", "status"], name="hazard_enterprise_status_idx"),
            models.Index(fields=["-found_at", "-id"], name="hazard_order_idx"),
            models.Index(fields=["county", "-found_at", "-id"], name="hazard_county_order_idx"),
            models.Index(
                fields=["purchaser", "-found_at", "-id"], name="hazard_purchaser_order_idx"
            ),
            models.Index(
                fields=["provider_org", "-found_at", "-id"], name="hazard_provider_order_idx"
            ),
            models.Index(
                fields=["routed_department", "-found_at", "-id"],
                name="hazard_department_order_idx",
                condition=Q(routed_department__isnull=False),
            ),
            models.Index(
                fields=["routed_township", "-found_at", "-id"],
                name="hazard_township_order_idx",
                condition=Q(routed_township__isnull=False),
            ),
            models.Index(
                fields=["county", "status", "deadline", "level"],
                name="hazard_county_open_idx",
                condition=~Q(status="closed"),
                include=["found_at"],
            ),
            models.Index(
                fields=["purchaser", "status", "deadline", "level"],
                name="hazard_purchaser_open_idx",
                condition=~Q(status="closed"),
                include=["found_at"],
            ),
            models.Index(
                fields=["provider_org", "status", "deadline", "level"],
                name="hazard_provider_open_idx",
                condition=~Q(status="closed"),
                include=["found_at"],
            ),
            # This month's overdue hazards across every county (the platform's figure).
            models.Index(
                fields=["deadline"], name="hazard_open_deadline_idx", condition=~Q(status="closed")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closed_at__isnull=True),
                name="hazard_closed_at_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Derived, never stored (WORKFLOWS.md): not closed and the deadline has passed."""
        return self.status != HazardStatus.CLOSED and self.deadline < (
            today or timezone.localdate()
        )

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class PhotoStage(models.TextChoices):
    FINDING = "finding", _("As found")
    EVIDENCE = "evidence", _("Rectification evidence")
    VERIFICATION = "verification", _("On-site check")


class HazardFile(models.Model):
    """A photo or document of a hazard: as found, as evidence of rectification, or from the
    on-site check."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="files")
    stage = models.CharField(_("stage"), max_length=12, choices=PhotoStage.choices)
    submission = models.ForeignKey(
        "hazards.Rectification",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
    )
    file = models.FileField(_("file"), upload_to=UploadPath("hazards"))
    original_name = models.CharField(_("uploaded as"), max_length=200, blank=True)
    is_image = models.BooleanField(default=True)
    # A small JPEG made at upload (common/lib/images.py): what documents print.
    thumbnail = models.FileField(upload_to=UploadPath("hazards"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["hazard", "pk"]
        verbose_name = _("hazard file")
        verbose_name_plural = _("hazard files")

    def __str__(self) -> str:
        return self.file.name or ""


class Rectification(models.Model):
    """The enterprise's submission of a rectification: what it did, with evidence."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="rectifications")
    description = models.TextField(_("what was done"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via_link = models.BooleanField(_("submitted through the notice link"), default=False)
    submitter_name = models.CharField(_("submitted by (name)"), max_length=40, blank=True)

    class Meta:
        ordering = ["hazard", "submitted_at"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.hazard_id} @ {self.submitted_at}"


class ReviewOutcome(models.TextChoices):
    VERIFIED = "verified", _("Verified and closed")
    REJECTED = "rejected", _("Rejected, back to rectifying")
    REOPENED = "reopened", _("Reopened")


class HazardReview(models.Model):
    """A verification, rejection or reopening with what was checked on site and why."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField(_("on-site check or reason"))
    reviewed_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["hazard", "reviewed_at"]
        verbose_name = _("hazard review")
        verbose_name_plural = _("hazard reviews")

    def __str__(self) -> str:
        return f"{self.hazard_id}: {self.outcome}"


class NoticeQuerySet(models.QuerySet["Notice"]):
    def visible_to(self, user: User) -> NoticeQuerySet:
        from safeserve.organizations.models import Role

        # No contract_field: a notice carries the enterprise's login-free link (and prints
        # it), so a third-party evaluator never sees notices (R14).
        decided, org = scope_head(self, user)
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        if org.kind in PURCHASER_KINDS:
            return self.filter(purchaser_id=org.pk)
        if org.kind == OrganizationKind.PROVIDER:
            if user.role == Role.EXPERT:
                # a join, as for hazards: one assignment per task and expert
                return self.filter(task__assignments__expert__user_id=user.pk)
            return self.filter(provider_org_id=org.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(enterprise__organization_id=org.pk)
        return self.none()


class Notice(BaseModel):
    """书面交底 / 整改通知书: the written notice that tells the enterprise of its hazards (R11).
    It prints as a signed PDF (documents/notices.py); the link lets the enterprise answer
    without an account."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # Per provider and year (providers/numbering.py); two providers may print the same.
    number = models.CharField(_("notice number"), max_length=60, db_index=True)
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    # The contract's two parties, copied by the issuing service as on the hazard: data scope
    # reads one indexed column (issue 15).
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider_org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "fieldwork.ServiceTask", on_delete=models.PROTECT, related_name="notices"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="notices"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The link's secret is derived from SECRET_KEY and this nonce (HMAC), so the database
    # never holds a usable token; a new nonce revokes every printed link.
    link_nonce = models.CharField(max_length=32)
    link_expires_at = models.DateTimeField(_("link valid until"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The list's order (newest first) within each scope.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="notice_order_idx"),
            models.Index(fields=["county", "-created_at", "-id"], name="notice_county_order_idx"),
            models.Index(
                fields=["purchaser", "-created_at", "-id"], name="notice_purchaser_order_idx"
            ),
            models.Index(
                fields=["provider_org", "-created_at", "-id"], name="notice_provider_order_idx"
            ),
        ]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.number


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class ExtensionRequest(BaseModel):
    """延期申请: decided by the purchaser for general hazards, the department for major."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(_("reason"))
    current_deadline = models.DateField(_("current deadline"))
    new_deadline = models.DateField(_("new deadline"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["hazard", "created_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=Q(status="pending"), name="extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(new_deadline__gt=models.F("current_deadline")),
                name="extension_moves_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.new_deadline}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUPERVISED = "supervised", _("Under supervision")
    ACCEPTED = "accepted", _("Accepted")


class SupervisionLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial")
    CITY = "city", _("Municipal")
    COUNTY = "county", pgettext_lazy("supervision level", "County")


class MajorHazardReportQuerySet(models.QuerySet["MajorHazardReport"]):
    def visible_to(self, user: User) -> MajorHazardReportQuerySet:
        """County office: its county; the routed department and the copied township; the
        contract's purchaser; provider staff; the experts of the task; the enterprise once
        the report is sent."""
        from safeserve.organizations.models import Role

        decided, org = scope_head(self, user, contract_field="hazard__contract")
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        if org.kind in PURCHASER_KINDS:
            # A report reaches its department (and copied township) when it is sent.
            routed = ~Q(status=ReportStatus.DRAFT) & (
                Q(department_id=org.pk) | Q(copied_township_id=org.pk)
            )
            return self.filter(routed | Q(purchaser_id=org.pk))
        if org.kind == OrganizationKind.PROVIDER:
            if user.role == Role.EXPERT:
                # a join, as for hazards: one assignment per task and expert
                return self.filter(hazard__task__assignments__expert__user_id=user.pk)
            return self.filter(provider_org_id=org.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(hazard__enterprise__organization_id=org.pk).exclude(
                status=ReportStatus.DRAFT
            )
        return self.none()


class MajorHazardReport(BaseModel):
    """重大隐患报告 to the responsible department (R12, 安全生产法 第41条)."""

    hazard = models.OneToOneField(
        Hazard, on_delete=models.PROTECT, related_name="major_report", verbose_name=_("hazard")
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # The hazard's contract parties, copied by the raising service: data scope reads one
    # indexed column on the report, not a join to a million hazards (issue 15).
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider_org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    copied_township = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township copied"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    due_at = models.DateTimeField(_("to be sent by"))
    current_state = models.TextField(_("current state and cause"), blank=True)
    harm_analysis = models.TextField(_("harm and difficulty of rectification"), blank=True)
    handling_advice = models.TextField(_("handling advice"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_late = models.BooleanField(_("sent late"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supervision_level = models.CharField(
        _("supervision level"), max_length=10, choices=SupervisionLevel.choices, blank=True
    )
    supervising_unit = models.CharField(_("supervising unit"), max_length=100, blank=True)
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("listed for supervision at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acceptance_note = models.TextField(_("on-site acceptance"), blank=True)
    accepted_late = models.BooleanField(_("accepted after the window"), default=False)

    objects = MajorHazardReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("major-hazard report")
        verbose_name_plural = _("major-hazard reports")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="mhr_order_idx"),
            models.Index(fields=["county", "-created_at", "-id"], name="mhr_county_order_idx"),
            models.Index(
                fields=["purchaser", "-created_at", "-id"], name="mhr_purchaser_order_idx"
            ),
            models.Index(
                fields=["provider_org", "-created_at", "-id"], name="mhr_provider_order_idx"
            ),
            models.Index(fields=["department", "status"], name="mhr_department_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard.number}"

    @property
    def is_late_unsent(self) -> bool:
        return self.sent_at is None and timezone.now() > self.due_at

    @property
    def overdue(self) -> bool:
        """What "overdue" means for a report (the badge colours read it): unsent past its
        due hour (R12)."""
        return self.is_late_unsent


# 安全生产事故隐患排查治理暂行规定 第15条: the six parts of a governance plan.
GOVERNANCE_PARTS = (
    "targets",
    "methods",
    "funds",
    "organisation",
    "time_limits",
    "safety_measures",
)


class GovernancePlan(BaseModel):
    """治理方案 with its six parts, entered by the enterprise or the provider."""

    report = models.OneToOneField(
        MajorHazardReport, on_delete=models.CASCADE, related_name="governance_plan"
    )
    targets = models.TextField(_("targets and tasks"), blank=True)
    methods = models.TextField(_("methods and measures"), blank=True)
    funds = models.TextField(_("funds and materials"), blank=True)
    # 落实治理资金（万元）: the statutory statistics add it up (issue 16).
    funds_amount = models.DecimalField(
        _("governance funds (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    organisation = models.TextField(_("organisation and people responsible"), blank=True)
    time_limits = models.TextField(_("time limits and requirements"), blank=True)
    safety_measures = models.TextField(_("safety measures and emergency plan"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("governance plan")
        verbose_name_plural = _("governance plans")

    def __str__(self) -> str:
        return f"plan of {self.report_id}"

    @property
    def missing_parts(self) -> list[str]:
        return [
            str(self._meta.get_field(part).verbose_name)  # type: ignore[union-attr]
            for part in GOVERNANCE_PARTS
            if not getattr(self, part).strip()
        ]
