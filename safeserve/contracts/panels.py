"""Sections that later apps add to the contract page (its evaluations): a panel takes the
request, the contract and the viewer's verbs on it (common/panels.py)."""

from __future__ import annotations

from safeserve.common.panels import PanelRegistry

CONTRACT_PANELS = PanelRegistry()
register_contract_panel = CONTRACT_PANELS.register
contract_panels = CONTRACT_PANELS.render
