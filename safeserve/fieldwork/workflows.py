"""The verb tables of fieldwork: the service task (WORKFLOWS.md "Service task"), and — this
table being the reference for them — the document request (R20: the purchaser or the provider
asks, the enterprise answers, the asker closes) and the fee report (R15: the enterprise
reports, the county office confirms or dismisses)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.models import ContractStatus
from safeserve.contracts.permissions import (
    is_county_office_of,
    is_provider_staff,
    is_purchaser,
)
from safeserve.fieldwork.models import (
    DocumentRequest,
    DocumentRequestStatus,
    FeeComplaint,
    FeeComplaintStatus,
    ServiceTask,
    TaskKind,
    TaskRating,
    TaskStatus,
)
from safeserve.fieldwork.permissions import (
    can_cancel_task,
    can_manage_checklists,
    can_plan_tasks,
    expert_of,
    is_assigned,
    is_enterprise_user,
    is_lead,
)
from safeserve.fieldwork.selectors import expert_refusal, missing_findings


def _refuse(obj: Any, noun: str) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the %(noun)s is %(s)s.")
        % {"noun": noun, "s": obj.get_status_display()},
    )


# --- Service task --------------------------------------------------------------------------


def plans(user: Any, task: ServiceTask) -> bool:
    return can_plan_tasks(user, task.contract)


def provider_staff(user: Any, task: ServiceTask) -> bool:
    return is_provider_staff(user, task.contract)


def assigned_and_allowed(user: Any, task: ServiceTask) -> bool:
    """An expert of the team whom R7 allows on the contract today (serving in the county's
    pool, employed by or engaged for the contract)."""
    expert = expert_of(user)
    return (
        expert is not None
        and is_assigned(user, task)
        and expert_refusal(task.contract, expert, timezone.localdate()) is None
    )


def rates(user: Any, task: ServiceTask) -> bool:
    return task.enterprise is not None and is_enterprise_user(user, task.enterprise)


def contract_in_service(task: ServiceTask) -> ApplicationError | None:
    if task.contract.status == ContractStatus.IN_SERVICE:
        return None
    return ApplicationError(
        "contract_not_in_service",
        _("The contract is %(s)s; check-in is possible once it is in service.")
        % {"s": task.contract.get_status_display()},
    )


def findings_complete(task: ServiceTask) -> ApplicationError | None:
    missing = missing_findings(task)
    if not missing:
        return None
    return ApplicationError("findings_incomplete", " ".join(str(m) for m in missing))


def no_hazards(task: ServiceTask) -> ApplicationError | None:
    # the task page reads it with the task (selectors.with_hazard_flag)
    known = getattr(task, "has_hazards", None)
    if not (task.hazards.exists() if known is None else known):
        return None
    return ApplicationError(
        "has_hazards",
        _("Hazards were raised on this task; finish it so they are followed up."),
    )


def uses_checklists(task: ServiceTask) -> ApplicationError | None:
    if task.uses_checklists:
        return None
    return ApplicationError("no_checklists", _("This kind of task records no checklists."))


def is_testing(task: ServiceTask) -> ApplicationError | None:
    if task.kind == TaskKind.OCCUPATIONAL_TESTING:
        return None
    return ApplicationError("not_testing", _("Only testing tasks record measurements."))


def keeps_a_record(task: ServiceTask) -> ApplicationError | None:
    if not task.uses_checklists and task.kind != TaskKind.OCCUPATIONAL_TESTING:
        return None
    return ApplicationError(
        "no_record", _("This kind of task records its findings in checklists or measurements.")
    )


def at_an_enterprise(task: ServiceTask) -> ApplicationError | None:
    if task.enterprise_id is not None:
        return None
    return ApplicationError(
        "no_enterprise", _("Hazards are raised at an enterprise; this task has none.")
    )


def not_rated_yet(task: ServiceTask) -> ApplicationError | None:
    if not TaskRating.objects.filter(task=task).exists():
        return None
    return ApplicationError("already_rated", _("This task has been rated already."))


T = TaskStatus
RATEABLE = (T.FINDINGS_RECORDED, T.REPORTED, T.ACCEPTED)
TASK = VerbTable(
    ServiceTask,
    [
        verb("check-in", [T.PLANNED], assigned_and_allowed, contract_in_service),
        verb("finish", [T.ON_SITE], is_lead, findings_complete),
        verb("rate", RATEABLE, rates, not_rated_yet),
        verb("assign", [T.PLANNED, T.ON_SITE, T.FINDINGS_RECORDED], provider_staff),
        verb("update", [T.PLANNED], plans, forward=False),
        verb("cancel", [T.PLANNED, T.ON_SITE], can_cancel_task, no_hazards, forward=False),
        verb(
            "checklists",
            [T.PLANNED, T.ON_SITE],
            can_manage_checklists,
            uses_checklists,
            forward=False,
        ),
        verb("answer", [T.ON_SITE], is_assigned, uses_checklists, forward=False),
        verb("record", [T.ON_SITE], is_assigned, keeps_a_record, forward=False),
        verb("test-results", [T.ON_SITE], is_assigned, is_testing, forward=False),
        verb("hazards", [T.ON_SITE], is_assigned, at_an_enterprise, forward=False),
    ],
    refuse_state=lambda task: _refuse(task, _("task")),
)

# --- Document request (R20) ------------------------------------------------------------------


def asker(user: Any, request: DocumentRequest) -> bool:
    org = getattr(user, "organization", None)
    return bool(
        org is not None
        and org.pk == request.requested_by_org_id
        and (is_purchaser(user, request.contract) or is_provider_staff(user, request.contract))
    )


def answers(user: Any, request: DocumentRequest) -> bool:
    return is_enterprise_user(user, request.enterprise)


D = DocumentRequestStatus
DOCUMENT_REQUEST = VerbTable(
    DocumentRequest,
    [
        verb("answer", [D.OPEN, D.ANSWERED], answers),
        verb("close", [D.OPEN, D.ANSWERED], asker),
    ],
    refuse_state=lambda request: ApplicationError("request_closed", _("This request is closed.")),
)

# --- Fee report (R15) -------------------------------------------------------------------------


def county_office(user: Any, complaint: FeeComplaint) -> bool:
    return is_county_office_of(user, complaint.county_id)


FEE_REPORT = VerbTable(
    FeeComplaint,
    [verb("decide", [FeeComplaintStatus.REPORTED], county_office)],
    refuse_state=lambda complaint: ApplicationError(
        "already_decided", _("This report has been decided already.")
    ),
)
