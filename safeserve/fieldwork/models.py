"""Fieldwork: service tasks planned from a contract, checklists from the national major-hazard
criteria, on-site inspections with photos, records of the other service categories, and the
enterprise's side of a task (rating, fee reports, document requests)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.choices import ServiceCategory
from safeserve.common.db.tally import Tallied, TalliedQuerySet, Tally, dimension
from safeserve.common.lib.uploads import UploadPath
from safeserve.common.models import BaseModel
from safeserve.organizations.models import PURCHASER_KINDS, Organization, OrganizationKind, Region
from safeserve.organizations.scoping import scope_head, tally_scope

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class TaskKind(models.TextChoices):
    INSPECTION = "inspection", _("Safety inspection")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency-plan compilation")
    DRILL = "drill", _("Emergency drill")
    OCCUPATIONAL_TESTING = "occupational_testing", _("Occupational-hazard testing")
    STANDARDIZATION_CHECK = "standardization_check", _("Standardization spot check")
    TRAINING = "training", _("Training session")
    PUBLICITY = "publicity", _("Publicity event")
    OTHER = "other", _("Other service")


# The task kinds each service category (DESIGN.md §4) needs.
KINDS_BY_CATEGORY: dict[str, list[str]] = {
    ServiceCategory.INSPECTION: [TaskKind.INSPECTION],
    ServiceCategory.EMERGENCY: [TaskKind.EMERGENCY_PLAN, TaskKind.DRILL],
    ServiceCategory.OCCUPATIONAL: [TaskKind.OCCUPATIONAL_TESTING],
    ServiceCategory.STANDARDIZATION: [TaskKind.STANDARDIZATION_CHECK, TaskKind.INSPECTION],
    ServiceCategory.TRAINING: [TaskKind.TRAINING, TaskKind.PUBLICITY],
    ServiceCategory.OTHER: [TaskKind.OTHER],
}
# Kinds whose findings are checklist answers; the others keep a TaskRecord.
CHECKLIST_KINDS = frozenset({TaskKind.INSPECTION, TaskKind.STANDARDIZATION_CHECK})
# Kinds that may serve many enterprises at once (a training session, a publicity event).
ENTERPRISE_OPTIONAL_KINDS = frozenset({TaskKind.TRAINING, TaskKind.PUBLICITY})


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ON_SITE = "on_site", _("On site")
    FINDINGS_RECORDED = "findings_recorded", _("Findings recorded")
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.PLANNED, TaskStatus.ON_SITE)
DONE_TASK_STATUSES = (TaskStatus.FINDINGS_RECORDED, TaskStatus.REPORTED, TaskStatus.ACCEPTED)


class Timeliness(models.TextChoices):
    """Whether a task was done by its planned date (R16 counts them per evaluation)."""

    PLANNED = "planned", _("Planned (not cancelled)")
    DONE = "done", _("Done")
    ON_TIME = "on_time", _("Done on time")
    LATE = "late", _("Done late")
    MISSED = "missed", _("Not done by its date")


def timeliness(which: str, today: dt.date) -> Q:
    """The one definition the task list's filter and the evaluation metrics share: done is
    findings recorded (or reported, accepted); on time is recorded on or before the planned
    day; missed is still open after it."""
    done = Q(status__in=DONE_TASK_STATUSES)
    if which == Timeliness.PLANNED:
        return ~Q(status=TaskStatus.CANCELLED)
    if which == Timeliness.DONE:
        return done
    if which == Timeliness.ON_TIME:
        return done & Q(findings_recorded_at__date__lte=F("planned_date"))
    if which == Timeliness.LATE:
        return done & Q(findings_recorded_at__date__gt=F("planned_date"))
    return Q(status__in=OPEN_TASK_STATUSES, planned_date__lt=today)


class ServiceTaskQuerySet(TalliedQuerySet):
    def visible_to(self, user: User) -> ServiceTaskQuerySet:
        """WORKFLOWS.md "Who sees what": county office its county; purchaser its contracts'
        tasks; provider staff its contracts' tasks; an expert the tasks assigned to them; an
        enterprise its own tasks."""
        from safeserve.organizations.models import Role

        decided, org = scope_head(self, user, contract_field="contract")
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        by_columns = _scope_columns(user, org)
        if by_columns is not None:
            return self.filter(by_columns)
        if org.kind == OrganizationKind.PROVIDER and user.role == Role.EXPERT:
            # A join, not DISTINCT: one expert per login, one assignment per task and expert
            # (assignment_unique), so each task comes once.
            return self.filter(assignments__expert__user_id=user.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(enterprise__organization_id=org.pk).exclude(
                status=TaskStatus.CANCELLED
            )
        return self.none()


def _scope_columns(user: User, org: Organization) -> Q | None:
    """A purchaser's or provider's tasks by the scope columns the task carries (and its tally
    shares); None for the scopes that need a join (experts, enterprises)."""
    from safeserve.organizations.models import Role

    if org.kind in PURCHASER_KINDS:
        return Q(purchaser_id=org.pk)
    if org.kind == OrganizationKind.PROVIDER and user.role != Role.EXPERT:
        return Q(provider_org_id=org.pk)
    return None


class TaskTallyQuerySet(models.QuerySet["TaskTally"]):
    def visible_to(self, user: User) -> TaskTallyQuerySet | None:
        """The tally rows of the tasks ``user`` sees, as ``ServiceTask.objects.visible_to``,
        or None where that scope is not a matter of the tally's columns."""
        return tally_scope(self, user, _scope_columns)


class TaskTally(Tally):
    """How many tasks each scope holds of each kind and status (common/db/tally.py)."""

    DIMENSIONS = ("county_id", "purchaser_id", "provider_org_id", "kind", "status")

    county = dimension(Region)
    purchaser = dimension(Organization)
    provider_org = dimension(Organization)
    kind = models.CharField(max_length=24, choices=TaskKind.choices)
    status = models.CharField(max_length=20, choices=TaskStatus.choices)

    objects = TaskTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("task tally")
        verbose_name_plural = _("task tallies")


class ServiceTask(Tallied, BaseModel):
    tallies = (TaskTally,)

    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("contract"),
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # The contract's two parties, copied when the task is planned (they never change): data
    # scope reads one indexed column instead of joining the contract (issue 15).
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider_org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="tasks",
        null=True,
        blank=True,
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("task kind"), max_length=24, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=120)
    planned_date = models.DateField(_("planned date"))
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    check_in_latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_accuracy = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    findings_recorded_at = models.DateTimeField(_("findings recorded at"), null=True, blank=True)
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ServiceTaskQuerySet.as_manager()

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = _("service task")
        verbose_name_plural = _("service tasks")
        indexes = [
            models.Index(
                fields=["county", "status", "planned_date"], name="task_county_status_idx"
            ),
            models.Index(fields=["contract", "planned_date"], name="task_contract_date_idx"),
            # The list's order (planned date) within each scope.
            models.Index(fields=["planned_date", "id"], name="task_order_idx"),
            models.Index(fields=["county", "planned_date", "id"], name="task_county_order_idx"),
            models.Index(
                fields=["purchaser", "planned_date", "id"], name="task_purchaser_order_idx"
            ),
            models.Index(
                fields=["provider_org", "planned_date", "id"], name="task_provider_order_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(kind__in=["training", "publicity"]),
                name="task_enterprise_required",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def uses_checklists(self) -> bool:
        return self.kind in CHECKLIST_KINDS


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead expert")
    MEMBER = "member", _("Member")


class TaskAssignment(models.Model):
    """R10: every task names its responsible experts; R7: only those the contract allows."""

    task = models.ForeignKey(ServiceTask, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        "providers.Expert", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["task", "role", "pk"]
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        constraints = [
            models.UniqueConstraint(fields=["task", "expert"], name="assignment_unique"),
            models.UniqueConstraint(
                fields=["task"], condition=Q(role="lead"), name="assignment_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.task_id} ({self.role})"


class ChecklistKind(models.TextChoices):
    MAJOR_CRITERIA = "major_criteria", _("Major-hazard criteria")
    GENERAL = "general", _("Ordinary checklist")


class SpecialFlag(models.TextChoices):
    DUST_EXPLOSION = "dust_explosion", _("Combustible dust")
    AMMONIA_REFRIGERATION = "ammonia_refrigeration", _("Ammonia refrigeration")
    CONFINED_SPACE = "confined_space", _("Confined spaces")


class SourceConfidence(models.TextChoices):
    READ = "V", _("Read in the official text")
    SECONDARY = "S", _("From a secondary copy")
    UNOBTAINED = "U", _("Not obtained")


class ChecklistTemplate(BaseModel):
    """A checklist. The national criteria ship as templates without a county (loaded by the
    ``load_checklists`` command); a county may add its own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind.choices)
    standard = models.CharField(_("standard"), max_length=80)
    standard_title = models.CharField(_("title of the standard"), max_length=120, blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    superseded = models.BooleanField(_("superseded"), default=False)
    sectors = models.JSONField(_("high-risk sectors"), default=list, blank=True)
    industry_prefixes = models.JSONField(_("industry codes"), default=list, blank=True)
    special_flag = models.CharField(
        _("special hazard"), max_length=24, choices=SpecialFlag.choices, blank=True
    )
    applies_to_all = models.BooleanField(_("offered for every enterprise"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["superseded", "kind", "code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    article = models.CharField(_("article"), max_length=40, blank=True)
    item_no = models.CharField(_("item number"), max_length=20, blank=True)
    text = models.TextField(_("item"))
    sub_cases = models.JSONField(_("situations"), default=list, blank=True)
    confidence = models.CharField(
        _("source confidence"),
        max_length=1,
        choices=SourceConfidence.choices,
        default=SourceConfidence.READ,
    )
    truncated = models.BooleanField(_("text cut off in the source"), default=False)
    is_major = models.BooleanField(
        _("major-hazard criterion"),
        default=False,
        help_text=_("A finding against this item is a major hazard by definition."),
    )

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklist_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article}{self.item_no} {self.text[:30]}"

    @property
    def citation(self) -> str:
        """Article and item number as the standard numbers them (（一）…); ordinary
        checklists number their items in list order only, so only the article is cited."""
        return f"{self.article}{self.item_no}" if self.item_no.startswith("（") else self.article

    @property
    def reference(self) -> str:
        number = self.item_no if self.item_no.startswith("（") else ""
        return f"{self.template.standard} {self.article}{number}".strip()


class Inspection(BaseModel):
    """One checklist used on one task (a task may use several)."""

    task = models.ForeignKey(ServiceTask, on_delete=models.CASCADE, related_name="inspections")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["task", "template"], name="inspection_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.template_id}"


class Answer(models.TextChoices):
    YES = "yes", _("Problem found")
    NO = "no", _("No problem")
    NOT_APPLICABLE = "na", _("Not applicable")


class InspectionAnswer(BaseModel):
    """是否存在问题 for one checklist item, with description and photos."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("problem?"), max_length=3, choices=Answer.choices)
    description = models.TextField(_("description"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["inspection", "item__position"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_unique"),
            models.CheckConstraint(
                condition=~Q(answer="yes") | ~Q(description=""), name="answer_yes_described"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_id}={self.answer}"


class InspectionPhoto(models.Model):
    answer = models.ForeignKey(InspectionAnswer, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=UploadPath("inspections"))
    original_name = models.CharField(_("uploaded as"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["answer", "pk"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return self.file.name or ""


# What each kind of task must record before its findings are in (R13's raw material).
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    TaskKind.DRILL: ("scenario", "participants", "problems_found"),
    TaskKind.TRAINING: ("topic", "hours", "attendees"),
    TaskKind.PUBLICITY: ("topic", "hours", "attendees"),
    TaskKind.EMERGENCY_PLAN: ("summary",),
    TaskKind.STANDARDIZATION_CHECK: (),
    TaskKind.OTHER: ("summary",),
    TaskKind.OCCUPATIONAL_TESTING: (),
    TaskKind.INSPECTION: (),
}


class TaskRecord(BaseModel):
    """What a non-inspection task produced: a drill, a training or publicity event, an
    emergency plan, a standardization check or another service (test results are rows of
    TestingResult)."""

    task = models.OneToOneField(ServiceTask, on_delete=models.CASCADE, related_name="record")
    summary = models.TextField(_("summary of the work"), blank=True)
    scenario = models.TextField(_("drill scenario"), blank=True)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    problems_found = models.TextField(_("problems found"), blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    materials = models.FileField(
        _("materials (PDF or image)"), upload_to=UploadPath("records"), blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("task record")
        verbose_name_plural = _("task records")

    def __str__(self) -> str:
        return f"record of {self.task_id}"


class TestingResult(models.Model):
    """One measurement of an occupational-hazard test (factor, point, value against limit)."""

    task = models.ForeignKey(ServiceTask, on_delete=models.CASCADE, related_name="test_results")
    factor = models.CharField(_("hazard factor"), max_length=80)
    point = models.CharField(_("measuring point"), max_length=120)
    measured_value = models.DecimalField(_("measured value"), max_digits=12, decimal_places=4)
    limit_value = models.DecimalField(_("limit"), max_digits=12, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    passed = models.BooleanField(_("within the limit"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = _("testing result")
        verbose_name_plural = _("testing results")

    def __str__(self) -> str:
        return f"{self.factor}@{self.point}"


class TaskRating(BaseModel):
    """The enterprise's rating of a task, once, after its findings are recorded (R10, R16)."""

    task = models.OneToOneField(ServiceTask, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("task rating")
        verbose_name_plural = _("task ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.score}"


class FeeComplaintStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class FeeComplaintQuerySet(models.QuerySet["FeeComplaint"]):
    def visible_to(self, user: User) -> FeeComplaintQuerySet:
        """R15 reports go to the purchaser and the county office; the enterprise sees its own.
        The provider is not shown who complained."""
        decided, org = scope_head(self, user, contract_field="contract")
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        if org.kind in PURCHASER_KINDS:
            return self.filter(contract__purchaser_id=org.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(enterprise__organization_id=org.pk)
        return self.none()


class FeeComplaint(BaseModel):
    """收取费用: an enterprise reports that a provider demanded a fee (R15)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="fee_complaints"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="fee_complaints",
        verbose_name=_("contract"),
    )
    task = models.ForeignKey(
        ServiceTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("task"),
    )
    demanded_by = models.CharField(_("who demanded it"), max_length=100)
    demanded_on = models.DateField(_("when"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    description = models.TextField(_("what happened"))
    evidence = models.FileField(
        _("evidence (PDF or image)"), upload_to=UploadPath("complaints"), blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FeeComplaintStatus.choices,
        default=FeeComplaintStatus.REPORTED,
    )
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FeeComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("fee complaint")
        verbose_name_plural = _("fee complaints")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_complaint_amount")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.amount}"


class DocumentRequestKind(models.TextChoices):
    DOCUMENTS = "documents", _("Provide documents")
    SITE_ACCESS = "site_access", _("Open the site")


class DocumentRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the enterprise")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


def answered_late(today: dt.date) -> Q:
    """A document request answered after its date, or still unanswered past it (R20; the
    list's filter and the evaluation metrics share it)."""
    return Q(answered_at__date__gt=F("due_date")) | Q(answered_at__isnull=True, due_date__lt=today)


class DocumentRequestQuerySet(models.QuerySet["DocumentRequest"]):
    def visible_to(self, user: User) -> DocumentRequestQuerySet:
        """R20 and R14: the requester's organization, the contract's purchaser and provider,
        the county office, and the enterprise asked."""
        from safeserve.organizations.models import Role

        decided, org = scope_head(self, user, contract_field="contract")
        if decided is not None or org is None:
            return decided if decided is not None else self.none()
        if org.kind in PURCHASER_KINDS:
            return self.filter(contract__purchaser_id=org.pk)
        if org.kind == OrganizationKind.PROVIDER:
            if user.role == Role.EXPERT:
                return self.filter(
                    contract__tasks__assignments__expert__user_id=user.pk,
                    contract__tasks__enterprise_id=models.F("enterprise_id"),
                ).distinct()
            return self.filter(contract__provider__organization_id=org.pk)
        if org.kind == OrganizationKind.ENTERPRISE:
            return self.filter(enterprise__organization_id=org.pk)
        return self.none()


class DocumentRequest(BaseModel):
    """R20: a purchaser or provider asks an enterprise for documents or site access."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="document_requests",
        verbose_name=_("contract"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="document_requests",
        verbose_name=_("enterprise"),
    )
    requested_by_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("request"), max_length=12, choices=DocumentRequestKind.choices)
    description = models.TextField(_("what is needed"))
    due_date = models.DateField(_("answer by"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DocumentRequestStatus.choices,
        default=DocumentRequestStatus.OPEN,
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DocumentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.kind}"


class EnterpriseDocument(models.Model):
    """A file an enterprise uploaded in answer to a request. Confidential ones are read only
    within scope and every read is audited (R14: 不得泄漏企业技术和商业秘密)."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to=UploadPath("enterprise-documents"))
    original_name = models.CharField(_("uploaded as"), max_length=200, blank=True)
    confidential = models.BooleanField(_("confidential"), default=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["request", "pk"]
        verbose_name = _("enterprise document")
        verbose_name_plural = _("enterprise documents")

    def __str__(self) -> str:
        return self.title
