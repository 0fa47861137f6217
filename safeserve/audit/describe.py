"""An audit event's before/after as a county officer reads it: labels, not keys; names, not
database ids; local times, not UTC ISO strings; amounts as ¥30,000.00; no storage paths; and no
line that did not change. Worked out for a whole history panel at once, one query per kind of
record named, so a panel costs the same whatever it shows."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from safeserve.audit.actions import key_choices, key_label, key_model
from safeserve.audit.models import AuditEvent

Row = tuple[str, str, str]
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_MONEY_WORDS = ("amount", "budget", "price", "funds", "fee")


def _model_of(event: AuditEvent) -> type[models.Model] | None:
    try:
        return apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        return None


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


def _related_model(field: Any, key: str) -> Any:
    """The kind of record a value names by id: a foreign key of the event's model, or a key
    registered as naming one (e.g. ``enterprise_ids``)."""
    if field is not None and (field.many_to_one or field.one_to_one):
        return field.related_model
    label = key_model(key)
    return apps.get_model(label) if label else None


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _money(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or abs(amount) >= Decimal("1e15"):
        return None  # not an amount anyone recorded: shown as it was stored
    return f"¥{amount:,.2f}"


def _moment(value: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None  # looks like a time but is not one (e.g. a title): shown as typed
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _choice(choices: dict[Any, Any], value: Any) -> Any:
    try:
        return choices.get(value, value)
    except TypeError:  # a nested list or mapping: no choice names it
        return value


def _show(value: Any, field: Any, key: str, names: dict[int, str] | None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if names is not None:
        shown = [names.get(v, _("(removed record)")) for v in _ids(value)]
        return "、".join(shown) if shown else str(value)
    if isinstance(field, models.FileField):
        return _("file uploaded")
    if isinstance(value, str) and _MOMENT.match(value):
        moment = _moment(value)
        if moment is not None:
            return moment
    is_money = isinstance(field, models.DecimalField) or field is None
    if is_money and any(word in key for word in _MONEY_WORDS):
        money = _money(value)
        if money is not None:
            return money
    choices = dict(field.flatchoices) if field is not None and field.choices else key_choices(key)
    if isinstance(value, list):
        return "、".join(str(_choice(choices, v)) for v in value) or "—"
    if isinstance(value, dict):
        if "passed" in value:  # a stored check, e.g. eligibility
            return str(_("passed")) if value["passed"] else str(_("failed"))
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return str(_choice(choices, value))


def describe(events: list[AuditEvent]) -> list[AuditEvent]:
    """Sets ``event.changes`` — (label, before, after) rows — on every event."""
    plans: list[tuple[AuditEvent, list[tuple[str, Any, Any]]]] = []
    wanted: dict[Any, set[int]] = defaultdict(set)
    for event in events:
        model = _model_of(event)
        before, after = event.before or {}, event.after or {}
        keys = []
        for key in dict.fromkeys([*before, *after]):
            field = _field(model, key)
            related = _related_model(field, key)
            if related is not None:
                wanted[related] |= set(_ids(before.get(key))) | set(_ids(after.get(key)))
            keys.append((key, field, related))
        plans.append((event, keys))
    names = {
        related: {obj.pk: str(obj) for obj in related._base_manager.filter(pk__in=pks)}
        for related, pks in wanted.items()
        if pks
    }
    for event, keys in plans:
        before, after = event.before or {}, event.after or {}
        rows: list[Row] = []
        for key, field, related in keys:
            known = names.get(related, {}) if related is not None else None
            old = _show(before.get(key), field, key, known) if key in before else ""
            new = _show(after.get(key), field, key, known) if key in after else ""
            if key in before and key in after and old == new:
                continue  # nothing changed here
            label = str(field.verbose_name) if field is not None else str(key_label(key))
            rows.append((label, old, new))
        event.changes = rows  # type: ignore[attr-defined]
    return events
