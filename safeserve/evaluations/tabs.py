"""The tabs above the evaluation pages (one nav item, 绩效评估, leads to all of them): the
evaluations, the annual submissions (government only), sanctions and the rankings."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.procurement.permissions import can_read_procurement

TABS = (
    ("evaluations", _("Evaluations"), "evaluations:list", None),
    ("submissions", _("Annual submissions"), "evaluations:submissions", can_read_procurement),
    ("sanctions", _("Sanctions"), "evaluations:sanctions", None),
    ("rankings", _("Rankings"), "evaluations:provider_rankings", can_read_procurement),
)


def tabs_for(user: Any, active: str) -> list[dict[str, Any]]:
    return [
        {"label": label, "url": reverse(name), "active": key == active}
        for key, label, name, allowed in TABS
        if allowed is None or allowed(user)
    ]
