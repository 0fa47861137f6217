"""Capabilities by organization kind and role (WORKFLOWS.md "Directory — who may change what").

Each function answers one question a view or service asks; the navigation and the buttons ask
the same functions, so the UI never offers what the service would refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safeserve.organizations.models import (
    ACTING_ROLES,
    GOVERNMENT_KINDS,
    Organization,
    OrganizationKind,
    Role,
)

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def acting_org(user: Any) -> Organization | None:
    """The organization the user's actions count for: None when not logged in, without one
    (the platform administrator) or when it is deactivated. What the user may do in it is
    the role's business (``user.role``)."""
    if not getattr(user, "is_authenticated", False):
        return None
    org: Organization | None = user.organization
    if org is None or not org.is_active:
        return None
    return org


def is_county_office(user: User) -> bool:
    org = acting_org(user)
    return org is not None and org.kind == OrganizationKind.COUNTY_OFFICE


def acts_for_organization(user: User) -> bool:
    return acting_org(user) is not None and user.role in ACTING_ROLES


def is_county_admin(user: User) -> bool:
    """The county office's administrator: sets the county up (regions, organizations,
    users, the roster). Officers and leaders of the office do the supervision, not this."""
    return is_county_office(user) and user.role == Role.ADMIN


def can_manage_organizations(user: User) -> bool:
    """Create, edit, deactivate organizations and townships of the county: the county
    office's admin; the platform administrator anywhere."""
    if user.is_authenticated and user.is_superuser:
        return True
    return is_county_admin(user)


def can_create_counties(user: User) -> bool:
    """A new county (its region, office and first admin): the platform administrator."""
    return bool(user.is_authenticated and user.is_superuser)


def can_manage_users_of(user: User, organization: Organization) -> bool:
    """That organization's admin; the county office's admin for organizations in its county."""
    if user.is_authenticated and user.is_superuser:
        return True
    org = acting_org(user)
    if org is None or user.role != Role.ADMIN:
        return False
    if org.pk == organization.pk:
        return True
    return (
        org.kind == OrganizationKind.COUNTY_OFFICE
        and organization.county_id is not None
        and organization.county_id == org.county_id
    )


def can_manage_any_users(user: User) -> bool:
    """Whether the user management pages belong in this user's navigation: admins."""
    if user.is_authenticated and user.is_superuser:
        return True
    return acting_org(user) is not None and user.role == Role.ADMIN


def can_read_county_setup(user: User) -> bool:
    """The county's townships and who supervises which sector (what R12 routing reads):
    every government body of the county and the platform administrator."""
    if user.is_authenticated and user.is_superuser:
        return True
    org = acting_org(user)
    return org is not None and org.kind in GOVERNMENT_KINDS


def can_read_county_logs(user: User) -> bool:
    """Login log and audit trail of the county (R19): the county office, any role."""
    if user.is_authenticated and user.is_superuser:
        return True
    return is_county_office(user)
