"""The verb tables of the hazard loop: the hazard (WORKFLOWS.md "Hazard"), its extension
requests (this table is the reference for them: requested by the enterprise or the provider,
decided by the purchaser for general hazards and the responsible department for major ones,
while the hazard is still open) and the major-hazard report (WORKFLOWS.md "Major-hazard
report"). Services check them; pages and allowed_actions read them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.permissions import is_provider_staff
from safeserve.hazards.models import (
    ExtensionRequest,
    ExtensionStatus,
    GovernancePlan,
    Hazard,
    HazardLevel,
    HazardStatus,
    MajorHazardReport,
    ReportStatus,
)
from safeserve.hazards.permissions import (
    acts_for_enterprise,
    decides_for,
    enterprise_or_provider,
    is_contract_expert,
    is_department_of,
    notifies,
    reopens,
    report_of,
)

# --- Hazard ---------------------------------------------------------------------------------


def _refuse_hazard(hazard: Hazard) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the hazard is %(s)s.") % {"s": hazard.get_status_display()},
    )


def general_only(hazard: Hazard) -> ApplicationError | None:
    """A major hazard closes only through its report's acceptance (R12)."""
    if hazard.level != HazardLevel.MAJOR:
        return None
    return ApplicationError(
        "major_needs_acceptance",
        _(
            "A major hazard is closed only by the responsible department accepting its "
            "report on site."
        ),
    )


def rejects(user: Any, hazard: Hazard) -> bool:
    """General hazards: an expert of the contract; major ones: the responsible department."""
    if hazard.level == HazardLevel.MAJOR:
        return is_department_of(user, report_of(hazard))
    return is_contract_expert(user, hazard)


def no_pending_extension(hazard: Hazard) -> ApplicationError | None:
    read = getattr(hazard, "_prefetched_objects_cache", {}).get("extensions")  # pages' lists
    if read is not None:
        pending = any(e.status == ExtensionStatus.PENDING for e in read)
    else:
        pending = hazard.extensions.filter(status=ExtensionStatus.PENDING).exists()
    if not pending:
        return None
    return ApplicationError(
        "extension_pending", _("An extension request is already waiting for a decision.")
    )


def extends(user: Any, hazard: Hazard) -> bool:
    """The provider's staff; the enterprise once a notice has told it of the hazard (before
    that it does not see it)."""
    if hazard.status == HazardStatus.FOUND and not is_provider_staff(user, hazard.contract):
        return False
    return enterprise_or_provider(user, hazard)


H = HazardStatus
EXTENDABLE = (H.FOUND, H.NOTIFIED, H.RECTIFYING)
HAZARD = VerbTable(
    Hazard,
    [
        verb("notify", [H.FOUND], notifies),
        verb("acknowledge", [H.NOTIFIED], acts_for_enterprise),
        verb("submit", [H.RECTIFYING], acts_for_enterprise),
        verb("verify", [H.SUBMITTED], is_contract_expert, general_only),
        verb("reject", [H.SUBMITTED], rejects, forward=False),
        verb("extend", EXTENDABLE, extends, no_pending_extension, forward=False),
        verb("reopen", [H.CLOSED], reopens, forward=False),
    ],
    refuse_state=_refuse_hazard,
)

# --- Extension request ----------------------------------------------------------------------


def decides(user: Any, extension: ExtensionRequest) -> bool:
    return decides_for(user, extension.hazard)


def hazard_still_open(extension: ExtensionRequest) -> ApplicationError | None:
    if extension.hazard.status in EXTENDABLE:
        return None
    return _refuse_hazard(extension.hazard)


EXTENSION = VerbTable(
    ExtensionRequest,
    [
        verb("approve", [ExtensionStatus.PENDING], decides, hazard_still_open),
        verb("decline", [ExtensionStatus.PENDING], decides, hazard_still_open),
    ],
    refuse_state=lambda extension: ApplicationError(
        "already_decided", _("This request has been decided already.")
    ),
)

# --- Major-hazard report (R12) ----------------------------------------------------------------


def _refuse_report(report: MajorHazardReport) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the report is %(s)s.") % {"s": report.get_status_display()},
    )


def writes(user: Any, report: MajorHazardReport) -> bool:
    return notifies(user, report.hazard)


def department(user: Any, report: MajorHazardReport) -> bool:
    return is_department_of(user, report)


def plans_governance(user: Any, report: MajorHazardReport) -> bool:
    return enterprise_or_provider(user, report.hazard)


def ready_to_send(report: MajorHazardReport) -> ApplicationError | None:
    missing = [
        (field, label)
        for field, label in (
            ("current_state", _("current state and cause")),
            ("handling_advice", _("handling advice")),
        )
        if not getattr(report, field).strip()
    ]
    if not missing:
        return None
    # What the sender typed is incomplete: a 400 naming the fields, like any bad input.
    return ApplicationError(
        "report_incomplete",
        _("Fill in %(fields)s before sending.")
        % {"fields": "、".join(str(label) for __, label in missing)},
        errors={field: [_("This field is required.")] for field, __ in missing},
        status=400,
    )


def plan_complete(report: MajorHazardReport) -> ApplicationError | None:
    """R12: the governance plan's six parts (五落实), all written."""
    plan = GovernancePlan.objects.filter(report=report).first()
    missing = plan.missing_parts if plan else [_("the whole governance plan")]
    if not missing:
        return None
    return ApplicationError(
        "plan_incomplete",
        _("The governance plan lacks: %(parts)s.") % {"parts": "、".join(missing)},
    )


def rectification_submitted(report: MajorHazardReport) -> ApplicationError | None:
    hazard = report.hazard
    if hazard.status == HazardStatus.SUBMITTED:
        return None
    return ApplicationError(
        "not_submitted",
        _("The enterprise has not submitted its rectification (the hazard is %(s)s).")
        % {"s": hazard.get_status_display()},
    )


R = ReportStatus
REPORT = VerbTable(
    MajorHazardReport,
    [
        # What the draft says is checked on sending (the page saves and sends in one step).
        verb("send", [R.DRAFT], writes),
        verb("acknowledge", [R.SENT], department),
        verb("supervise", [R.ACKNOWLEDGED], department, forward=False),
        verb(
            "accept",
            [R.ACKNOWLEDGED, R.SUPERVISED],
            department,
            plan_complete,
            rectification_submitted,
        ),
        verb("update", [R.DRAFT], writes, forward=False),
        verb(
            "governance-plan",
            [R.SENT, R.ACKNOWLEDGED, R.SUPERVISED],
            plans_governance,
            forward=False,
        ),
    ],
    refuse_state=_refuse_report,
)
