"""Human labels for audit actions. Each context registers its own at import time."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, Any] = {
    "audit.bulk_load": _("Bulk load"),
    "list.exported": _("Exported a list"),  # safeserve/audit/exports.py
    "audit.pruned": _("Audit events past retention removed"),  # safeserve/audit/retention.py
    "audit.digests_issued": _("Audit digests signed"),  # safeserve/audit/digests.py
    "data.resealed": _("Personal numbers sealed under the newest key"),  # reencrypt_fields
}


_OBJECT_TYPES: dict[str, Any] = {}

# Labels for before/after keys that are not fields of the event's model.
_KEYS: dict[str, Any] = {
    "count": _("Count"),
    "n": _("Count"),
    "rows": _("Rows"),
    "enterprise_ids": _("Enterprises concerned"),
    "enterprise_id": _("Enterprise"),
    "provider_id": _("Provider"),
    "expert_id": _("Expert"),
    "organization_id": _("Organization"),
    "item_id": _("Plan item"),
    "project_id": _("Purchase project"),
    "enterprises_changed": _("Enterprises changed"),
    "sessions_ended": _("Sessions ended"),
    "side": _("Signing party"),
    "criteria": _("Evaluation criteria"),
    "installments": _("Installments"),
    "filters": _("Filters"),
    "file": _("File"),
    "source": _("Source"),
    "changes": _("Changes"),
    "amount_delta": _("Change in amount"),
    "members": _("Members"),
    "list": _("List"),
    "channel": _("Channel"),
}


def register_actions(labels: dict[str, Any]) -> None:
    _LABELS.update(labels)


def register_object_types(labels: dict[str, Any]) -> None:
    """Names of the kinds of record events are about (``app_label.model``)."""
    _OBJECT_TYPES.update(labels)


_KEY_CHOICES: dict[str, dict[str, Any]] = {}


def register_keys(labels: dict[str, Any], choices: dict[str, Any] | None = None) -> None:
    """Labels (and, optionally, value choices) for keys recorded on a model they are not
    fields of — e.g. a plan item's fields recorded on its plan's history."""
    _KEYS.update(labels)
    for key, pairs in (choices or {}).items():
        _KEY_CHOICES[key] = dict(pairs.items() if isinstance(pairs, dict) else pairs)


# Keys recorded with the id of another kind of record (``app_label.Model``): shown by name.
_KEY_MODELS: dict[str, str] = {
    "enterprise_id": "enterprises.Enterprise",
    "enterprise_ids": "enterprises.Enterprise",
    "provider_id": "providers.Provider",
    "expert_id": "providers.Expert",
    "organization_id": "organizations.Organization",
    "township_id": "organizations.Region",
    "region_id": "organizations.Region",
    "item_id": "procurement.PlanItem",
    "project_id": "procurement.PurchaseProject",
}


def register_key_models(labels: dict[str, str]) -> None:
    _KEY_MODELS.update(labels)


def key_model(key: str) -> str | None:
    return _KEY_MODELS.get(key)


def key_label(key: str) -> Any:
    return _KEYS.get(key, key)


def key_choices(key: str) -> dict[str, Any]:
    return _KEY_CHOICES.get(key, {})


def object_type_choices() -> list[tuple[str, Any]]:
    return sorted(_OBJECT_TYPES.items())


def action_label(action: str) -> Any:
    return _LABELS.get(action, action)


def action_choices() -> list[tuple[str, Any]]:
    return sorted(_LABELS.items())
