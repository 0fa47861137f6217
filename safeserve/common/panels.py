"""Sections that later apps of the chain add to an earlier app's page (DESIGN.md §3: imports
flow down the chain). The page's app owns a ``PanelRegistry``; a later app registers its panel
in its ``AppConfig.ready``; the page renders every panel in order and never imports those apps.
A panel returns HTML and runs a fixed number of queries whatever the object holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString

Panel = Callable[..., SafeString]


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: list[tuple[int, Panel]] = []

    def register(self, panel: Panel, *, order: int = 0) -> None:
        """Lower ``order`` shows higher up. Registering the same panel again (a reloaded app)
        replaces it."""
        self._panels = [(o, p) for o, p in self._panels if p is not panel] + [(order, panel)]
        self._panels.sort(key=lambda pair: pair[0])

    def render(self, *args: Any) -> list[SafeString]:
        """Each panel given the page's request and object (and what else the page passes)."""
        return [panel(*args) for _, panel in self._panels]
