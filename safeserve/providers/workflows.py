"""The verb tables of the register: a county's admission of a provider (准入, WORKFLOWS.md
"Directory": the county office admits to and removes from its register) and the employer
change (变更执业单位, DESIGN.md §1 "an expert is one person across providers": the new provider
requests, the county office of its county approves or rejects, the requester may withdraw
while it waits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.organizations.models import ACTING_ROLES, OrganizationKind
from safeserve.organizations.permissions import acting_org
from safeserve.providers.models import (
    AdmissionStatus,
    EmployerChange,
    EmployerChangeStatus,
    ProviderAdmission,
)
from safeserve.providers.permissions import is_provider_staff_member

Blocker = Callable[[EmployerChange], ApplicationError | None]
_BLOCKERS: list[Blocker] = []


def register_employer_change_blocker(blocker: Blocker) -> None:
    """What a later app's records say against the move (fieldwork: the expert's open tasks),
    registered in its AppConfig.ready."""
    if blocker not in _BLOCKERS:
        _BLOCKERS.append(blocker)


def county_office(user: Any, record: EmployerChange | ProviderAdmission) -> bool:
    """The county office of the record's county: its officer, leader or admin (or the
    platform administrator)."""
    if getattr(user, "is_superuser", False):
        return False  # the platform administrator runs the platform, not a county's register
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.COUNTY_OFFICE
        and org.county_id == record.county_id
        and user.role in ACTING_ROLES
    )


def sees_record_holder(user: Any, change: EmployerChange) -> bool:
    """Who holds the record the ID number named, and where (its name, its employer): the
    deciding county office (and the platform administrator); the requester only once
    approved — the expert is then its own. employer_change_list says the same in SQL."""
    return bool(
        getattr(user, "is_superuser", False)
        or county_office(user, change)
        or change.status == EmployerChangeStatus.APPROVED
    )


A = AdmissionStatus
ADMISSION = VerbTable(
    ProviderAdmission,
    [
        verb("admit", [A.APPLYING, A.REMOVED], county_office),
        # Removing an application turns it down (reason required, like any removal).
        verb("remove", [A.APPLYING, A.ADMITTED, A.SUSPENDED], county_office, forward=False),
        # R10 动态调整: suspended with a reason (it fails eligibility and signs nothing while
        # suspended; contracts in force continue), and reinstated.
        verb("suspend", [A.ADMITTED], county_office, forward=False),
        verb("reinstate", [A.SUSPENDED], county_office, forward=False),
    ],
    refuse_state=lambda admission: ApplicationError(
        "admission_unchanged",
        _("The provider is already admitted.")
        if admission.status == A.ADMITTED
        else _("The provider is suspended in this county.")
        if admission.status == A.SUSPENDED
        else _("The provider is not in the register."),
    ),
)


def requester(user: Any, change: EmployerChange) -> bool:
    return (
        is_provider_staff_member(user)
        and user.organization_id == change.to_provider.organization_id
    )


def nothing_left_behind(change: EmployerChange) -> ApplicationError | None:
    """The expert leaves nothing unfinished with the current employer (each later app says
    what that means for its records)."""
    for blocker in _BLOCKERS:
        refusal = blocker(change)
        if refusal is not None:
            return refusal
    return None


S = EmployerChangeStatus
EMPLOYER_CHANGE = VerbTable(
    EmployerChange,
    [
        verb("approve", [S.REQUESTED], county_office, nothing_left_behind),
        verb("reject", [S.REQUESTED], county_office),
        verb("withdraw", [S.REQUESTED], requester, forward=False),
    ],
    refuse_state=lambda change: ApplicationError(
        "wrong_state",
        _("Not possible: the request is %(s)s.") % {"s": change.get_status_display()},
    ),
)
