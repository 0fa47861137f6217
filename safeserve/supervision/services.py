"""County policy: the county office's leader sets the numbers the rules use; every change is
audited (WORKFLOWS.md "Directory — who may change what")."""

from __future__ import annotations

import calendar
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record, diff
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import POLICY_FIELDS, POLICY_LIMITS, CountyPolicy
from safeserve.organizations.models import OrganizationKind, Role

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def can_edit_policy(user: User) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(
        org
        and org.is_active
        and org.kind == OrganizationKind.COUNTY_OFFICE
        and user.role == Role.LEADER
    )


def can_read_policy(user: User) -> bool:
    org = user.organization if user.is_authenticated else None
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or (org and org.is_active and org.kind == OrganizationKind.COUNTY_OFFICE)
        )
    )


def policy_snapshot(policy: CountyPolicy) -> dict[str, Any]:
    return {field: getattr(policy, field) for field in POLICY_FIELDS}


def check_policy_values(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        low, high = POLICY_LIMITS[field]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[field] = [
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            ]
    if not errors:
        if values["tier_good_score"] > values["tier_excellent_score"]:
            errors["tier_good_score"] = [_("The second tier cannot need more than the top tier.")]
        if values["tier_good_score"] < values["pass_score"]:
            errors["tier_good_score"] = [_("The second tier cannot need less than a pass.")]
        for month, day in (
            ("annual_submission_month", "annual_submission_day"),
            ("statistics_year_month", "statistics_year_day"),
        ):
            last_day = calendar.monthrange(2024, values[month])[1]
            if values[day] > last_day:
                errors[day] = [_("That month has only %(n)d days.") % {"n": last_day}]
    if errors:
        raise ApplicationError(
            "invalid_policy", _("Please correct the marked values."), errors=errors, status=400
        )


@transaction.atomic
def county_policy_update(*, actor: User, values: dict[str, Any], reason: str = "") -> CountyPolicy:
    """Sets the county's policy values (all of them; unsent ones keep their current value)."""
    require(can_edit_policy(actor))
    org = actor.organization
    assert org is not None and org.county_id is not None
    policy, _created = CountyPolicy.objects.select_for_update().get_or_create(
        county_id=org.county_id
    )
    before = policy_snapshot(policy)
    merged = {**before, **{k: v for k, v in values.items() if k in POLICY_LIMITS}}
    check_policy_values(merged)
    for field, value in merged.items():
        setattr(policy, field, value)
    policy.save()
    old, new = diff(before, policy_snapshot(policy))
    if new:
        audit_record(
            action="county_policy.changed",
            actor=actor,
            obj=policy,
            county_id=org.county_id,
            before=old,
            after=new,
            reason=reason.strip(),
        )
    return policy
