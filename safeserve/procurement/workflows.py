"""The purchase plan's and the purchase project's verb tables (WORKFLOWS.md "Purchase plan",
"Purchase project"). Services check them, pages and allowed_actions read them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.procurement.models import (
    LeadingGroup,
    LeadingGroupRole,
    PlanStatus,
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.procurement.permissions import (
    is_county_office_officer,
    is_purchaser_leader_of,
    is_purchaser_of,
)


def _refuse(obj: Any) -> ApplicationError:
    return ApplicationError(
        "invalid_transition",
        _("Not possible while the record is %(state)s.") % {"state": obj.get_status_display()},
    )


def purchaser(user: Any, obj: Any) -> bool:
    return is_purchaser_of(user, obj.purchaser_id)


def purchaser_leader(user: Any, obj: Any) -> bool:
    return is_purchaser_leader_of(user, obj.purchaser_id)


def county_office(user: Any, plan: PurchasePlan) -> bool:
    return is_county_office_officer(user, plan.county_id)


def leading_group_complete(group: LeadingGroup | None) -> bool:
    """R4: the year's group has its leader, a deputy and members."""
    if group is None:
        return False
    roles = {m.role for m in group.members.all()}
    return {LeadingGroupRole.LEADER, LeadingGroupRole.DEPUTY, LeadingGroupRole.MEMBER} <= roles


def has_leading_group(plan: PurchasePlan) -> ApplicationError | None:
    group = (
        LeadingGroup.objects.filter(purchaser_id=plan.purchaser_id, year=plan.year)
        .prefetch_related("members")
        .first()
    )
    if leading_group_complete(group):
        return None
    # R4: no plan without the year's leading group (leader, deputy and members).
    return ApplicationError(
        "leading_group_incomplete",
        _(
            "Set up the %(y)d leading group first: a group leader (principal leader), a deputy "
            "(leader in charge of work safety) and members (heads of relevant units)."
        )
        % {"y": plan.year},
    )


def has_items(plan: PurchasePlan) -> ApplicationError | None:
    if plan.items.exists():
        return None
    return ApplicationError("plan_empty", _("Add at least one item to the plan."))


def settled(plan: PurchasePlan) -> ApplicationError | None:
    """Closed once its year has ended or no project under it is still open."""
    open_projects = PurchaseProject.objects.filter(
        item__plan=plan, status__in=[ProjectStatus.PREPARING, ProjectStatus.AWARDED]
    ).count()
    if timezone.localdate().year <= plan.year and open_projects:
        return ApplicationError(
            "plan_not_settled",
            _("The year has not ended and %(n)d projects are still open.") % {"n": open_projects},
        )
    return None


P = PlanStatus
PLAN = VerbTable(
    PurchasePlan,
    [
        verb("submit", [P.DRAFT], purchaser, has_leading_group, has_items),
        verb("approve", [P.SUBMITTED], county_office),
        verb("return", [P.SUBMITTED], county_office, forward=False),
        verb("close", [P.APPROVED], purchaser_leader, settled),
        verb("items", [P.DRAFT], purchaser, forward=False),
        verb("projects", [P.APPROVED], purchaser, forward=False),
    ],
    refuse_state=_refuse,
)


def plan_approved(project: PurchaseProject) -> ApplicationError | None:
    if project.item.plan.status == PlanStatus.APPROVED:
        return None
    return ApplicationError("plan_not_approved", _("The plan item is no longer approved."))


def has_documents(project: PurchaseProject) -> ApplicationError | None:
    if project.documents.exists():
        return None
    return ApplicationError(
        "documents_missing", _("Attach the procurement decision documents before awarding.")
    )


def no_contract_yet(project: PurchaseProject) -> ApplicationError | None:
    if not hasattr(project, "contract"):
        return None
    return ApplicationError("contract_exists", _("This project already has its contract."))


def no_live_contract(project: PurchaseProject) -> ApplicationError | None:
    contract = getattr(project, "contract", None)
    if contract is None or contract.status == "terminated":
        return None
    return ApplicationError(
        "contract_exists",
        _("A contract has been drafted for this project; terminate it first, then cancel."),
    )


J = ProjectStatus
PROJECT = VerbTable(
    PurchaseProject,
    [
        verb("award", [J.PREPARING], purchaser, plan_approved, has_documents),
        verb("contract", [J.AWARDED], purchaser, no_contract_yet),
        verb("cancel", [J.PREPARING, J.AWARDED], purchaser_leader, no_live_contract, forward=False),
        verb("update", [J.PREPARING], purchaser, forward=False),
        verb("documents", [J.PREPARING], purchaser, forward=False),
    ],
    refuse_state=_refuse,
)
