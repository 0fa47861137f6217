"""Sections that later apps add to an expert's page (their ratings): a panel takes the
request and the expert (common/panels.py)."""

from __future__ import annotations

from safeserve.common.panels import PanelRegistry

EXPERT_PANELS = PanelRegistry()
register_expert_panel = EXPERT_PANELS.register
expert_panels = EXPERT_PANELS.render
