"""The hazards section of the task page (registered in ``HazardsConfig.ready``): the hazards
raised on the task with the viewer's verbs on each, raising another, and one written notice
for those ticked (R10). And the sections later apps add to the notice pages."""

from __future__ import annotations

from typing import cast

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from safeserve.common.panels import PanelRegistry
from safeserve.common.request import AuthedRequest
from safeserve.fieldwork.models import ServiceTask
from safeserve.hazards.models import Hazard
from safeserve.hazards.workflows import HAZARD


def task_hazards(request: AuthedRequest, task: ServiceTask, verbs: list[str]) -> SafeString:
    hazards = list(
        Hazard.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("notice", "contract__provider")
        .prefetch_related("extensions")  # the verbs' guards read them: one query, not one each
        .order_by("pk")
    )
    rows = []
    for hazard in hazards:
        hazard.task = task  # the lead expert's notify reads the task's team
        if task.enterprise is not None:  # the verbs read it: one query per hazard otherwise
            hazard.enterprise = task.enterprise
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

# A panel takes the request and the notice (and on the link page the link's token).
NOTICE_PANELS = PanelRegistry()
LINK_PANELS = PanelRegistry()
register_notice_panel = NOTICE_PANELS.register  # documents: the signed PDF and its signatures
register_link_panel = LINK_PANELS.register  # documents: the signed PDF for the enterprise
notice_panels = NOTICE_PANELS.render
link_panels = LINK_PANELS.render
