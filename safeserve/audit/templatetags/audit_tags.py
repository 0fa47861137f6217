"""Shows an audit event's before/after as labelled changes a county officer can read."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from safeserve.audit.actions import key_choices, key_label
from safeserve.audit.models import AuditEvent

register = template.Library()


def _field(model: Any, key: str) -> Any:
    if model is not None:
        for name in (key, key.removesuffix("_id")):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if hasattr(field, "verbose_name"):  # not a reverse relation
                return field
    return None


def _label(model: Any, key: str) -> str:
    field = _field(model, key)
    return str(field.verbose_name) if field is not None else str(key_label(key))


def _show(value: Any, field: Any = None, key: str = "") -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    choices = dict(field.flatchoices) if field is not None and field.choices else key_choices(key)
    if isinstance(value, list):
        return "、".join(str(choices.get(v, v)) for v in value) or "—"
    if isinstance(value, dict):
        if "passed" in value:  # a stored check, e.g. eligibility
            return str(_("passed")) if value["passed"] else str(_("failed"))
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(choices.get(value, value))


@register.simple_tag
def audit_changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    try:
        model = apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        model = None
    before = event.before or {}
    after = event.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    rows = []
    for key in keys:
        field = _field(model, key)
        rows.append(
            (
                _label(model, key),
                _show(before.get(key), field, key) if key in before else "",
                _show(after.get(key), field, key) if key in after else "",
            )
        )
    return rows
