"""Who acts in procurement (WORKFLOWS.md "Purchase plan", "Purchase project")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeserve.organizations.models import ACTING_ROLES, PURCHASER_KINDS, OrganizationKind, Role
from safeserve.organizations.permissions import acting_org

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def is_purchaser_of(user: User, purchaser_id: int) -> bool:
    """Its officer, leader or admin acts for the purchaser."""
    org = acting_org(user)
    return bool(
        org and org.pk == purchaser_id and org.kind in PURCHASER_KINDS and user.role in ACTING_ROLES
    )


def is_purchaser_leader_of(user: User, purchaser_id: int) -> bool:
    return is_purchaser_of(user, purchaser_id) and user.role == Role.LEADER


def can_start_plans(user: User) -> bool:
    org = acting_org(user)
    return bool(org and org.kind in PURCHASER_KINDS and user.role in ACTING_ROLES)


def is_county_office_officer(user: User, county_id: int) -> bool:
    """Approve and return plans: the county office's leader or officer."""
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.COUNTY_OFFICE
        and org.county_id == county_id
        and user.role in (Role.LEADER, Role.OFFICER)
    )


def can_read_procurement(user: User) -> bool:
    org = acting_org(user)
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or (org and org.kind in (OrganizationKind.COUNTY_OFFICE, *PURCHASER_KINDS))
        )
    )
