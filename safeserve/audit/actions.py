"""Human labels for audit actions. Each context registers its own at import time."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, Any] = {
    "audit.bulk_load": _("Bulk load"),
}


def register_actions(labels: dict[str, Any]) -> None:
    _LABELS.update(labels)


def action_label(action: str) -> Any:
    return _LABELS.get(action, action)


def action_choices() -> list[tuple[str, Any]]:
    return sorted(_LABELS.items())
