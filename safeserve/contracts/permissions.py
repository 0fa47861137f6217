"""Who acts on a contract (WORKFLOWS.md "Contract"): its purchaser and its provider. The verb
tables (contracts/workflows.py) name these; the later contexts (fieldwork, hazards) ask the
same ones about the contract behind a task or a hazard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safeserve.organizations.models import ACTING_ROLES, OrganizationKind, Role
from safeserve.organizations.permissions import acting_org
from safeserve.procurement.permissions import is_purchaser_leader_of, is_purchaser_of

if TYPE_CHECKING:
    from safeserve.contracts.models import Contract


def is_purchaser(user: Any, contract: Contract) -> bool:
    """The purchaser's officer, leader or admin."""
    return is_purchaser_of(user, contract.purchaser_id)


def is_purchaser_leader(user: Any, contract: Contract) -> bool:
    return is_purchaser_leader_of(user, contract.purchaser_id)


def is_provider_staff(user: Any, contract: Contract) -> bool:
    """The contract provider's admin, leader or officer (its experts act on tasks only)."""
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.PROVIDER
        and org.pk == contract.provider.organization_id
        and user.role in ACTING_ROLES
    )


def is_provider_admin(user: Any, contract: Contract) -> bool:
    return is_provider_staff(user, contract) and user.role == Role.ADMIN


def is_provider_signatory(user: Any, contract: Contract) -> bool:
    """Signs and agrees for the provider: its leader or admin."""
    return is_provider_staff(user, contract) and user.role in (Role.LEADER, Role.ADMIN)


def is_county_office_of(user: Any, county_id: int | None) -> bool:
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.COUNTY_OFFICE
        and org.county_id == county_id
        and user.role in ACTING_ROLES
    )
