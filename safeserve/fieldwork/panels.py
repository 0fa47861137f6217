"""Sections that later apps of the chain add to the task page.

What happens after a task — hazards raised on it, reports written from it — belongs to apps
above fieldwork. Each registers a panel in its ``AppConfig.ready``; the task page renders the
panels in order and never imports those apps (DESIGN.md §3, imports flow down the chain).
A panel takes the request, the task and the viewer's verbs on it, and returns HTML; it runs
a fixed number of queries whatever the task holds.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from safeserve.common.request import AuthedRequest
from safeserve.fieldwork.models import ServiceTask

TaskPanel = Callable[[AuthedRequest, ServiceTask, list[str]], SafeString]

_panels: list[tuple[int, TaskPanel]] = []


def register_task_panel(panel: TaskPanel, *, order: int) -> None:
    """Add ``panel`` to the task page; lower ``order`` shows higher up. Registering the same
    panel again (a reloaded app) replaces it."""
    _panels[:] = [(o, p) for o, p in _panels if p is not panel] + [(order, panel)]
    _panels.sort(key=lambda pair: pair[0])


def task_panels(request: AuthedRequest, task: ServiceTask, verbs: list[str]) -> list[SafeString]:
    return [panel(request, task, verbs) for _, panel in _panels]
