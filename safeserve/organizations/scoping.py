"""The part of data scope every county-scoped queryset shares (DESIGN.md §3 "Data scope")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from safeserve.organizations.models import OrganizationKind

if TYPE_CHECKING:
    from safeserve.organizations.models import Organization

Q = TypeVar("Q", bound=models.QuerySet[Any])


def scope_head(
    queryset: Q, user: Any, county_field: str = "county_id", contract_field: str | None = None
) -> tuple[Q | None, Organization | None]:
    """Decides what needs no rule of the model: nobody logged in or without an active
    organization sees nothing, the platform administrator everything, the county office its
    county, and a third-party evaluator what hangs off the contracts it is re-evaluating
    (``contract_field`` names the record's contract; read-only, since no verb table names
    evaluators; until its re-evaluations of the contract are final). Returns
    ``(queryset, None)`` when decided, else ``(None, organization)`` for the model's own
    rules."""
    if not user.is_authenticated:
        return queryset.none(), None
    if user.is_superuser:
        return queryset.all(), None
    org = user.organization
    if org is None or not org.is_active:
        return queryset.none(), None
    if org.kind == OrganizationKind.COUNTY_OFFICE:
        return queryset.filter(**{county_field: org.county_id}), None
    if org.kind == OrganizationKind.EVALUATOR:
        if contract_field is None:
            return queryset.none(), None
        granted = {
            f"{contract_field}__evaluator_grants__evaluator_id": org.pk,
            f"{contract_field}__evaluator_grants__ends_at__isnull": True,
        }
        return queryset.filter(**granted), None
    return None, org


def tally_scope(
    queryset: Q, user: Any, columns: Callable[[Any, Organization], models.Q | None]
) -> Q | None:
    """A tally's rows in ``user``'s scope, by the same ``columns`` rule the counted model's
    ``visible_to`` reads (common/db/tally.py); None where that scope is no matter of the
    tally's columns (an evaluator's grants, and whatever ``columns`` answers None for)."""
    org = getattr(user, "organization", None)
    if org is not None and org.kind == OrganizationKind.EVALUATOR:
        return None
    decided, org = scope_head(queryset, user)
    if decided is not None or org is None:
        return decided if decided is not None else queryset.none()
    by_columns = columns(user, org)
    return None if by_columns is None else queryset.filter(by_columns)
