"""Who acts in fieldwork (WORKFLOWS.md "Service task", "Hazard"). The buttons and the services
ask the same functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safeserve.contracts.permissions import (
    is_county_office_of,
    is_provider_admin,
    is_provider_staff,
    is_purchaser,
)
from safeserve.organizations.models import ACTING_ROLES, OrganizationKind, Role
from safeserve.organizations.permissions import acting_org

__all__ = ["is_county_office_of", "is_provider_admin", "is_provider_staff", "is_purchaser"]

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.contracts.models import Contract
    from safeserve.fieldwork.models import ServiceTask
    from safeserve.providers.models import Expert


def expert_of(user: User) -> Expert | None:
    """The expert profile behind an expert's login, if any and active."""
    if not user.is_authenticated or acting_org(user) is None or user.role != Role.EXPERT:
        return None
    expert = getattr(user, "expert", None)
    return expert if expert is not None and expert.is_active else None


def assignment_of(user: User, task: ServiceTask) -> Any:
    """The user's assignment on the task (prefetched assignments are used when present)."""
    expert = expert_of(user)
    if expert is None:
        return None
    for assignment in task.assignments.all():
        if assignment.expert_id == expert.pk:
            return assignment
    return None


def is_assigned(user: User, task: ServiceTask) -> bool:
    return assignment_of(user, task) is not None


def is_lead(user: User, task: ServiceTask) -> bool:
    from safeserve.fieldwork.models import AssignmentRole

    assignment = assignment_of(user, task)
    return assignment is not None and assignment.role == AssignmentRole.LEAD


def is_enterprise_user(user: User, enterprise: Any) -> bool:
    """The enterprise's own admin, officer or leader (its viewers read only)."""
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.ENTERPRISE
        and enterprise.organization_id == org.pk
        and user.role in ACTING_ROLES
    )


def sees_working_papers(user: User) -> bool:
    """Checklist answers, the experts' working papers, are not the enterprise's to read: it
    learns of hazards through the written notice (R11)."""
    org = acting_org(user)
    return bool(user.is_authenticated and (user.is_superuser or (org and org.kind != "enterprise")))


def can_plan_tasks(user: User, contract: Contract) -> bool:
    """Tasks are planned by the provider, or by the purchaser who bought the service."""
    return is_provider_staff(user, contract) or is_purchaser(user, contract)


def can_cancel_task(user: User, task: ServiceTask) -> bool:
    """WORKFLOWS.md: the purchaser or the provider's admin."""
    return is_purchaser(user, task.contract) or is_provider_admin(user, task.contract)


def can_manage_checklists(user: User, task: ServiceTask) -> bool:
    return is_assigned(user, task) or is_provider_staff(user, task.contract)
