"""The hazards section of the task page (registered in ``HazardsConfig.ready``): the hazards
raised on the task with the viewer's verbs on each, raising another, and one written notice
for those ticked (R10). And the sections later apps add to the notice pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from safeserve.common.request import AuthedRequest
from safeserve.fieldwork.models import ServiceTask
from safeserve.hazards.models import Hazard, Notice
from safeserve.hazards.workflows import HAZARD


def task_hazards(request: AuthedRequest, task: ServiceTask, verbs: list[str]) -> SafeString:
    hazards = list(
        Hazard.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("notice", "contract__provider")
        .order_by("pk")
    )
    rows = []
    for hazard in hazards:
        hazard.task = task  # the lead expert's notify reads the task's team
        rows.append((hazard, HAZARD.verbs_for(request.user, hazard)))
    # The template engine escapes what it renders and returns a SafeString.
    return cast(
        SafeString,
        render_to_string(
            "hazards/_task_hazards.html",
            {
                "task": task,
                "verbs": verbs,
                "hazards": rows,
                "notifiable": any("notify" in hazard_verbs for _, hazard_verbs in rows),
            },
            request=request,
        ),
    )


# --- The notice page and the notice's link page --------------------------------------------

NoticePanel = Callable[[HttpRequest, Notice], SafeString]
LinkPanel = Callable[[HttpRequest, Notice, str], SafeString]

_notice_panels: list[NoticePanel] = []
_link_panels: list[LinkPanel] = []


def register_notice_panel(panel: NoticePanel) -> None:
    """A later app's section of the notice page (documents: the signed PDF and its
    signatures), registered in its AppConfig.ready."""
    if panel not in _notice_panels:
        _notice_panels.append(panel)


def register_link_panel(panel: LinkPanel) -> None:
    """A later app's section of the enterprise's link page (documents: the signed PDF)."""
    if panel not in _link_panels:
        _link_panels.append(panel)


def notice_panels(request: HttpRequest, notice: Notice) -> list[SafeString]:
    return [panel(request, notice) for panel in _notice_panels]


def link_panels(request: HttpRequest, notice: Notice, token: str) -> list[SafeString]:
    return [panel(request, notice, token) for panel in _link_panels]
