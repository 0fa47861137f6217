"""Who may change what in the enterprise directory (WORKFLOWS.md "Directory")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeserve.organizations.models import ACTING_ROLES, GOVERNMENT_KINDS, OrganizationKind

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.enterprises.models import Enterprise


def _acting_kind(user: User) -> str | None:
    if not user.is_authenticated:
        return None
    org = user.organization
    if org is None or not org.is_active or user.role not in ACTING_ROLES:
        return None
    return org.kind


def department_sectors(user: User) -> set[str]:
    org = user.organization
    if org is None or org.kind != OrganizationKind.DEPARTMENT:
        return set()
    return {s.sector for s in org.supervised_sectors.all()}


def can_read_directory(user: User) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    org = getattr(user, "organization", None)
    return bool(org and org.is_active and org.kind in GOVERNMENT_KINDS)


def can_create_enterprise(user: User) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return _acting_kind(user) in GOVERNMENT_KINDS


def can_edit_enterprise(user: User, enterprise: Enterprise) -> bool:
    """County office: any in its county; township: its jurisdiction; department: its sectors."""
    if user.is_authenticated and user.is_superuser:
        return True
    kind = _acting_kind(user)
    org = user.organization
    if kind is None or org is None:
        return False
    if kind == OrganizationKind.COUNTY_OFFICE:
        return enterprise.county_id == org.county_id
    if kind == OrganizationKind.TOWNSHIP:
        return enterprise.township_id == org.region_id
    if kind == OrganizationKind.DEPARTMENT:
        return enterprise.county_id == org.county_id and enterprise.sector in department_sectors(
            user
        )
    return False


def can_override_sector(user: User) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return _acting_kind(user) == OrganizationKind.COUNTY_OFFICE


def can_import_enterprises(user: User) -> bool:
    return _acting_kind(user) in (OrganizationKind.COUNTY_OFFICE, OrganizationKind.TOWNSHIP)


def can_edit_sector_mapping(user: User) -> bool:
    return _acting_kind(user) == OrganizationKind.COUNTY_OFFICE
