"""Sections that later apps of the chain add to an expert's page (their ratings, …): each
registers a panel in its ``AppConfig.ready``; the page renders them in order and never
imports those apps (DESIGN.md §3). A panel takes the request and the expert, returns HTML,
and runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from safeserve.common.request import AuthedRequest
from safeserve.providers.models import Expert

ExpertPanel = Callable[[AuthedRequest, Expert], SafeString]

_panels: list[tuple[int, ExpertPanel]] = []


def register_expert_panel(panel: ExpertPanel, *, order: int) -> None:
    """Add ``panel`` to the expert's page; lower ``order`` shows higher up. Registering the
    same panel again (a reloaded app) replaces it."""
    _panels[:] = [(o, p) for o, p in _panels if p is not panel] + [(order, panel)]
    _panels.sort(key=lambda pair: pair[0])


def expert_panels(request: AuthedRequest, expert: Expert) -> list[SafeString]:
    return [panel(request, expert) for _, panel in _panels]
