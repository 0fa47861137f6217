"""Which enterprises a contract covers (R9): the purchaser's own, all or none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import (
    Contract,
    ContractEnterprise,
)
from safeserve.contracts.workflows import CONTRACT
from safeserve.enterprises.filters import enterprises_matching
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.validation import text
from safeserve.organizations.models import OrganizationKind

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def coverage_refusal(contract: Contract, enterprise: Any) -> str | None:
    """Why the contract's purchaser may not cover this enterprise, or None (R9)."""
    purchaser = contract.purchaser
    if enterprise.county_id != contract.county_id:
        return _("not in this county")
    if purchaser.kind == OrganizationKind.TOWNSHIP:
        if enterprise.township_id != purchaser.region_id:
            return _("outside the township's jurisdiction")
        if enterprise.sector:
            return _("a high-risk enterprise (%(s)s): the supervising department covers it") % {
                "s": enterprise.get_sector_display()
            }
        return None
    sectors = {s.sector for s in purchaser.supervised_sectors.all()}
    if enterprise.sector not in sectors:
        return _("not in a sector this department supervises")
    return None


# One request adds at most this many by filter; a wider filter is refused, never cut short.


COVERAGE_ADD_LIMIT = 5000


def coverage_add_listed(
    *,
    actor: User,
    contract: Contract,
    codes: Sequence[str] = (),
    ids: Sequence[int] = (),
) -> int:
    """Adds the enterprises named by unified social credit code (pasted, uploaded or sent) or
    by id — all of them or, if any is not in the actor's directory, none."""

    wanted = list(dict.fromkeys(text(code).upper() for code in codes if text(code)))
    visible = Enterprise.objects.visible_to(actor)
    found = list(visible.filter(pk__in=list(ids))) + list(visible.filter(uscc__in=wanted))
    missing = sorted(
        {str(i) for i in ids} - {str(e.pk) for e in found} | set(wanted) - {e.uscc for e in found}
    )
    if missing:
        raise ApplicationError(
            "unknown_enterprises",
            _("Not in your directory: %(codes)s. Nothing was added.")
            % {"codes": "、".join(missing[:20])},
            errors={"enterprises": missing[:50]},
            status=400,
        )
    return coverage_add(actor=actor, contract=contract, enterprises=found)


def coverage_add_matching(*, actor: User, contract: Contract, filters: dict[str, Any]) -> int:
    """Adds every open enterprise of the actor's directory matching the directory's filters."""

    found = list(
        enterprises_matching(viewer=actor, data=filters).exclude(status="closed")[
            : COVERAGE_ADD_LIMIT + 1
        ]
    )
    if len(found) > COVERAGE_ADD_LIMIT:
        raise ApplicationError(
            "too_many_matches",
            _(
                "More than %(n)d enterprises match; narrow the filter (township, sector or "
                "name). Nothing was added."
            )
            % {"n": COVERAGE_ADD_LIMIT},
        )
    return coverage_add(actor=actor, contract=contract, enterprises=found)


@transaction.atomic
def coverage_add(*, actor: User, contract: Contract, enterprises: list[Any]) -> int:
    """Adds enterprises to the coverage list, all or none; returns how many were new."""

    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("purchaser", "provider")
        .get(pk=contract.pk)
    )
    CONTRACT.check("enterprises", actor, locked)
    refused = [
        (e, reason) for e in enterprises if (reason := coverage_refusal(locked, e)) is not None
    ]
    if refused:
        listed = "；".join(f"{e.name}：{reason}" for e, reason in refused[:20])
        raise ApplicationError(
            "coverage_refused",
            _("%(n)d enterprises cannot be covered by this contract: %(list)s")
            % {"n": len(refused), "list": listed},
        )
    existing = set(locked.coverage.values_list("enterprise_id", flat=True))
    new = [e for e in {e.pk: e for e in enterprises}.values() if e.pk not in existing]
    ContractEnterprise.objects.bulk_create(
        ContractEnterprise(contract=locked, enterprise=e, added_by=actor) for e in new
    )
    if new:
        audit_record(
            action="contract.coverage_added",
            actor=actor,
            obj=locked,
            after={"count": len(new), "enterprise_ids": [e.pk for e in new][:1000]},
        )
    return len(new)


@transaction.atomic
def coverage_remove(*, actor: User, contract: Contract, enterprise: Any) -> None:
    locked = Contract.objects.select_for_update().select_related("provider").get(pk=contract.pk)
    # The coverage of an ended contract is a record of what was bought (R9); it stays.
    CONTRACT.check("enterprises", actor, locked)
    deleted, _rows = locked.coverage.filter(enterprise=enterprise).delete()
    if deleted:
        audit_record(
            action="contract.coverage_removed",
            actor=actor,
            obj=locked,
            before={"enterprise_id": enterprise.pk, "name": enterprise.name},
        )
