"""Capabilities by organization kind and role (WORKFLOWS.md "Directory — who may change what").

Each function answers one question a view or service asks; the navigation and the buttons ask
the same functions, so the UI never offers what the service would refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeserve.organizations.models import ACTING_ROLES, Organization, OrganizationKind, Role

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _org(user: User) -> Organization | None:
    if not user.is_authenticated:
        return None
    org = user.organization
    if org is None or not org.is_active:
        return None
    return org


def is_county_office(user: User) -> bool:
    org = _org(user)
    return org is not None and org.kind == OrganizationKind.COUNTY_OFFICE


def acts_for_organization(user: User) -> bool:
    return _org(user) is not None and user.role in ACTING_ROLES


def can_manage_organizations(user: User) -> bool:
    """Create, edit, deactivate organizations of the county: the county office."""
    if user.is_authenticated and user.is_superuser:
        return True
    return is_county_office(user) and user.role in ACTING_ROLES


def can_manage_users_of(user: User, organization: Organization) -> bool:
    """That organization's admin; the county office for organizations in its county."""
    if user.is_authenticated and user.is_superuser:
        return True
    org = _org(user)
    if org is None:
        return False
    if org.pk == organization.pk and user.role == Role.ADMIN:
        return True
    return (
        org.kind == OrganizationKind.COUNTY_OFFICE
        and user.role in ACTING_ROLES
        and organization.county_id is not None
        and organization.county_id == org.county_id
    )


def can_manage_any_users(user: User) -> bool:
    """Whether the user management pages belong in this user's navigation."""
    if user.is_authenticated and user.is_superuser:
        return True
    org = _org(user)
    if org is None:
        return False
    return user.role == Role.ADMIN or (
        org.kind == OrganizationKind.COUNTY_OFFICE and user.role in ACTING_ROLES
    )


def can_read_county_logs(user: User) -> bool:
    """Login log and audit trail of the county (R19): the county office, any role."""
    if user.is_authenticated and user.is_superuser:
        return True
    return is_county_office(user)
