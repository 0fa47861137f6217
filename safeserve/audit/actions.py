"""Human labels for audit actions. Each context registers its own at import time."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, Any] = {
    "audit.bulk_load": _("Bulk load"),
}


_OBJECT_TYPES: dict[str, Any] = {}


def register_actions(labels: dict[str, Any]) -> None:
    _LABELS.update(labels)


def register_object_types(labels: dict[str, Any]) -> None:
    """Names of the kinds of record events are about (``app_label.model``)."""
    _OBJECT_TYPES.update(labels)


def object_type_choices() -> list[tuple[str, Any]]:
    return sorted(_OBJECT_TYPES.items())


def action_label(action: str) -> Any:
    return _LABELS.get(action, action)


def action_choices() -> list[tuple[str, Any]]:
    return sorted(_LABELS.items())
