"""Sections that later apps add to the contract page (its evaluations tab): a panel takes the
request, the contract and the viewer's verbs on it (common/panels.py); and the page's tabs."""

from __future__ import annotations

from django.urls import reverse

from safeserve.common.panels import PanelRegistry
from safeserve.common.tabs import tab_url
from safeserve.contracts.models import Contract

CONTRACT_PANELS = PanelRegistry()
register_contract_panel = CONTRACT_PANELS.register
contract_panels = CONTRACT_PANELS.render


# The contract page's tabs (common/tabs.py): the whole contract read 16 queries.
TABS = ("overview", "experts", "coverage", "payments", "evaluations")


def contract_url(contract: Contract, tab: str = "overview") -> str:
    """The contract page, opened on one of its tabs (where a form on that tab returns to)."""
    return tab_url(reverse("contracts:detail", args=[contract.pk]), tab)
