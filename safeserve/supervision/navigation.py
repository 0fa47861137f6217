"""The navigation: each entry is shown only to users whose role can use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from safeserve.common.addresses import address
from safeserve.enterprises.permissions import can_read_directory
from safeserve.organizations.permissions import (
    can_create_counties,
    can_manage_any_users,
    can_read_county_logs,
    can_read_county_setup,
)
from safeserve.procurement.permissions import can_read_procurement
from safeserve.providers.permissions import (
    can_read_register,
    is_provider_staff_member,
    works_for_a_provider,
)


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str
    allowed: Callable[[Any], bool]
    # Pages under other addresses that belong to this item (highlighted with it).
    also: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return address(self.url_name)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return (self.url, *self.also)


def _any_user(user: Any) -> bool:
    return True


def _has_organization_scope(user: Any) -> bool:
    from safeserve.organizations.models import GOVERNMENT_KINDS

    return bool(
        user.is_superuser or (user.organization and user.organization.kind in GOVERNMENT_KINDS)
    )


def _reads_provider_register(user: Any) -> bool:
    return can_read_register(user) and not works_for_a_provider(user)


def _evaluator(user: Any) -> bool:
    """A third-party evaluator reads the contracts it was commissioned for, and their data."""
    return bool(user.organization and user.organization.kind == "evaluator")


def _sees_contracts(user: Any) -> bool:
    return can_read_procurement(user) or is_provider_staff_member(user) or _evaluator(user)


def _in_fieldwork(user: Any) -> bool:
    """Tasks and hazards: everyone with an organization (each sees its own scope)."""
    return bool(user.is_superuser or user.organization)


def _reads_major_reports(user: Any) -> bool:
    return _in_fieldwork(user)


def _enterprise_or_government(user: Any) -> bool:
    from safeserve.organizations.models import GOVERNMENT_KINDS

    return bool(
        user.is_superuser
        or (
            user.organization
            and (
                user.organization.kind in GOVERNMENT_KINDS or user.organization.kind == "enterprise"
            )
        )
    )


def has_dashboard(user: Any) -> bool:
    from safeserve.supervision.dashboards import view_of

    return view_of(user) is not None


def reads_statistics(user: Any) -> bool:
    """隐患排查治理统计: the county office, townships and departments (and the platform)."""
    from safeserve.organizations.models import GOVERNMENT_KINDS

    return bool(
        user.is_superuser or (user.organization and user.organization.kind in GOVERNMENT_KINDS)
    )


def _fee_demands(user: Any) -> bool:
    return _enterprise_or_government(user) or _evaluator(user)


def _requests(user: Any) -> bool:
    return _enterprise_or_government(user) or is_provider_staff_member(user) or _evaluator(user)


def _county_setup(user: Any) -> bool:
    # The platform administrator reaches a county's setup from the list of counties.
    return can_read_county_setup(user) and not user.is_superuser


NAV_ITEMS = [
    NavItem(_("Home"), "home", "bi-house", _any_user),
    NavItem(_("Dashboard"), "dashboard", "bi-bar-chart-line", has_dashboard),
    NavItem(
        _("Purchase plans"),
        "procurement:plan_list",
        "bi-journal-text",
        can_read_procurement,
        also=("/procurement/leading-group/",),
    ),
    NavItem(
        _("Purchase projects"),
        "procurement:project_list",
        "bi-briefcase-fill",
        can_read_procurement,
    ),
    NavItem(_("Contracts"), "contracts:list", "bi-file-earmark-text", _sees_contracts),
    NavItem(_("Coverage"), "contracts:coverage", "bi-pie-chart", can_read_procurement),
    NavItem(_("Service tasks"), "fieldwork:list", "bi-clipboard-check", _in_fieldwork),
    NavItem(_("Hazards"), "hazards:list", "bi-exclamation-triangle", _in_fieldwork),
    NavItem(
        _("Major-hazard reports"), "hazards:reports", "bi-exclamation-octagon", _reads_major_reports
    ),
    NavItem(
        _("Technical reports"), "documents:reports", "bi-journal-richtext", _reads_major_reports
    ),
    NavItem(_("Hazard statistics"), "statistics:index", "bi-table", reads_statistics),
    NavItem(_("Evaluations"), "evaluations:list", "bi-clipboard-data", _sees_contracts),
    NavItem(_("Document requests"), "fieldwork:document_requests", "bi-folder2-open", _requests),
    NavItem(_("Fee demands"), "fieldwork:fee_complaints", "bi-cash-coin", _fee_demands),
    NavItem(_("Enterprises"), "enterprises:list", "bi-buildings", can_read_directory),
    NavItem(_("My organization"), "providers:mine", "bi-briefcase", is_provider_staff_member),
    NavItem(_("Providers"), "providers:list", "bi-patch-check", _reads_provider_register),
    NavItem(_("Experts"), "providers:expert_list", "bi-person-badge", can_read_register),
    NavItem(_("Counties"), "operations:counties", "bi-map", can_create_counties),
    NavItem(_("County setup"), "operations:county", "bi-diagram-3", _county_setup),
    NavItem(_("Organizations"), "organizations:list", "bi-building", _has_organization_scope),
    NavItem(_("Users"), "accounts:user_list", "bi-people", can_manage_any_users),
    NavItem(_("County policy"), "county_policy", "bi-sliders", can_read_county_logs),
    NavItem(_("Login log"), "accounts:login_log", "bi-box-arrow-in-right", can_read_county_logs),
    NavItem(_("Denied accesses"), "accounts:denied_log", "bi-shield-x", can_read_county_logs),
    NavItem(_("Audit trail"), "audit:list", "bi-journal-check", can_read_county_logs),
]


def navigation_for(user: Any) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if item.allowed(user)]
