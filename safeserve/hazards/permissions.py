"""Who acts on hazards and major-hazard reports (WORKFLOWS.md "Hazard", "Major-hazard
report"): the contract's experts and provider, the enterprise (with an account or through its
notice link), the purchaser, the responsible department and the county office."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeserve.contracts.permissions import (
    is_county_office_of,
    is_provider_staff,
    is_purchaser,
)
from safeserve.contracts.services.engagements import contracts_allowing, experts_allowed
from safeserve.fieldwork.permissions import expert_of, is_enterprise_user, is_lead
from safeserve.hazards.links import link_is_valid
from safeserve.hazards.models import (
    Hazard,
    HazardLevel,
    MajorHazardReport,
    Notice,
    ReportStatus,
)
from safeserve.organizations.models import ACTING_ROLES
from safeserve.organizations.permissions import acting_org


@dataclass(frozen=True)
class LinkActor:
    """The enterprise acting through a notice's link, without an account. To every predicate
    written for users it is an anonymous visitor: no organisation, no role."""

    notice: Notice
    name: str = ""
    is_authenticated: ClassVar[bool] = False
    is_superuser: ClassVar[bool] = False
    organization: ClassVar[None] = None
    role: ClassVar[str] = ""
    pk: ClassVar[None] = None

    def __str__(self) -> str:
        # Recorded as the audit event's actor: written in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            return _("Enterprise, through the link of notice %(number)s") % {
                "number": self.notice.number
            }


Actor = Any  # a User, or a LinkActor for the notice link


def report_of(hazard: Hazard) -> MajorHazardReport | None:
    """A major hazard's report (a general hazard has none); cached on the hazard, and taken
    from the hazard's own query when that joined it (``select_related("major_report")``)."""
    if not hasattr(hazard, "_report"):
        report: MajorHazardReport | None
        if type(hazard).major_report.is_cached(hazard):
            try:
                report = hazard.major_report
            except MajorHazardReport.DoesNotExist:
                report = None
        else:
            report = MajorHazardReport.objects.filter(hazard_id=hazard.pk).first()
        hazard._report = report  # type: ignore[attr-defined]
    return hazard._report  # type: ignore[attr-defined]


def is_department_of(user: Any, report: MajorHazardReport | None) -> bool:
    """The department the report is routed to: its officer, leader or admin, once the report
    has been sent (a draft has not reached it; R12)."""
    org = acting_org(user)
    return bool(
        report is not None
        and report.status != ReportStatus.DRAFT
        and org is not None
        and org.pk == report.department_id
        and user.role in ACTING_ROLES
    )


def is_contract_expert(user: Any, hazard: Hazard) -> bool:
    """R7: an expert the contract allows today (its provider's own, or engaged for it)."""
    expert = expert_of(user)
    if expert is None:
        return False
    answers = hazard.contract.__dict__.setdefault("_experts_allowed", {})
    if expert.pk not in answers:
        allowed = experts_allowed(hazard.contract, timezone.localdate())
        answers[expert.pk] = allowed.filter(pk=expert.pk).exists()
    return bool(answers[expert.pk])


def share_contract_experts(hazards: list[Hazard], user: Any) -> None:
    """``is_contract_expert`` answered for a list of hazards (the 待办) in two queries
    instead of one per hazard."""
    expert = expert_of(user)
    if expert is None or not hazards:
        return
    allowed = contracts_allowing(expert, [h.contract for h in hazards], timezone.localdate())
    for hazard in hazards:
        answers = hazard.contract.__dict__.setdefault("_experts_allowed", {})
        answers[expert.pk] = hazard.contract_id in allowed


def acts_for_enterprise(actor: Actor, hazard: Hazard) -> bool:
    """The enterprise's own staff, or anyone holding a valid link to the hazard's notice."""
    if isinstance(actor, LinkActor):
        return actor.notice.pk == hazard.notice_id and link_is_valid(actor.notice)
    return is_enterprise_user(actor, hazard.enterprise)


def user_of(actor: Actor) -> Any:
    return None if isinstance(actor, LinkActor) else actor


def notifies(user: Any, hazard: Hazard) -> bool:
    """Notice, major-hazard report: the lead expert of the task, or the provider's staff."""
    return is_lead(user, hazard.task) or is_provider_staff(user, hazard.contract)


def enterprise_or_provider(user: Any, hazard: Hazard) -> bool:
    """Extension requests and governance plans (WORKFLOWS.md; experts never act for the
    provider)."""
    return is_enterprise_user(user, hazard.enterprise) or is_provider_staff(user, hazard.contract)


def decides_for(user: Any, hazard: Hazard) -> bool:
    """Extensions and rejections of major hazards: the responsible department; of general
    ones: the purchaser (extensions) — see the tables."""
    if hazard.level == HazardLevel.MAJOR:
        return is_department_of(user, report_of(hazard))
    return is_purchaser(user, hazard.contract)


def reopens(user: Any, hazard: Hazard) -> bool:
    if is_purchaser(user, hazard.contract) or is_county_office_of(user, hazard.county_id):
        return True
    return hazard.level == HazardLevel.MAJOR and is_department_of(user, report_of(hazard))
