"""Who may change what among providers and experts (WORKFLOWS.md "Directory")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safeserve.organizations.models import (
    ACTING_ROLES,
    GOVERNMENT_KINDS,
    OrganizationKind,
    Role,
)
from safeserve.organizations.permissions import acting_org

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.providers.models import Expert, Provider


def _org_kind(user: User) -> str | None:
    org = acting_org(user)
    return org.kind if org is not None else None


def works_for_a_provider(user: Any) -> bool:
    """Anyone of a provider organization, its experts included."""
    return _org_kind(user) == OrganizationKind.PROVIDER


def is_provider_staff_member(user: Any) -> bool:
    """A provider's admin, leader or officer: who acts for the provider (experts act on
    their tasks only). For one contract's provider see contracts.permissions."""
    return works_for_a_provider(user) and user.role in ACTING_ROLES


def can_read_register(user: User) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return _org_kind(user) in GOVERNMENT_KINDS or _org_kind(user) == OrganizationKind.PROVIDER


def is_county_office_actor(user: User) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return _org_kind(user) == OrganizationKind.COUNTY_OFFICE and user.role in ACTING_ROLES


def can_edit_provider(user: User, provider: Provider) -> bool:
    """The provider maintains its own profile, qualifications, premises and equipment."""
    return (
        _org_kind(user) == OrganizationKind.PROVIDER
        and user.organization_id == provider.organization_id
        and user.role in ACTING_ROLES
    )


def can_register_provider(user: User) -> bool:
    """A provider organization's first profile is filled in by its own staff."""
    return _org_kind(user) == OrganizationKind.PROVIDER and user.role in ACTING_ROLES


def can_edit_expert(user: User, expert: Expert) -> bool:
    return expert.employer is not None and can_edit_provider(user, expert.employer)


def can_see_personal_data(user: User, expert: Expert) -> bool:
    """ID number and phone: the county office, the employing provider's admin, the expert."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (expert.user_id is not None and expert.user_id == user.pk):
        return True
    kind = _org_kind(user)
    if kind == OrganizationKind.COUNTY_OFFICE:
        return True  # the caller fetched the expert through the county office's scope
    return (
        kind == OrganizationKind.PROVIDER
        and user.role == Role.ADMIN
        and expert.employer is not None
        and expert.employer.organization_id == user.organization_id
    )


def reads_employer_changes(user: Any) -> bool:
    """The employer-change list: the county office that decides, providers' staff who file
    (each list is scoped by EmployerChange.visible_to)."""
    return is_county_office_actor(user) or is_provider_staff_member(user)
