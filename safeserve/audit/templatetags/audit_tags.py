"""Shows an audit event's before/after as labelled changes a county officer can read."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from safeserve.audit.models import AuditEvent

register = template.Library()


def _label(model: Any, key: str) -> str:
    if model is not None:
        for name in (key, key.removesuffix("_id")):
            try:
                return str(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                continue
    return key


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


@register.simple_tag
def audit_changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    try:
        model = apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        model = None
    before = event.before or {}
    after = event.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [
        (
            _label(model, key),
            _show(before.get(key)) if key in before else "",
            _show(after.get(key)) if key in after else "",
        )
        for key in keys
    ]
