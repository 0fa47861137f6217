"""Sections that later apps add to the task page (hazards raised on it, the report written
from it): a panel takes the request, the task and the viewer's verbs on it
(common/panels.py)."""

from __future__ import annotations

from safeserve.common.panels import PanelRegistry

TASK_PANELS = PanelRegistry()
register_task_panel = TASK_PANELS.register
task_panels = TASK_PANELS.render
