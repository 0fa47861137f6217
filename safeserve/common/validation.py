from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError


def clean_model(instance: models.Model, **kwargs: Any) -> None:
    """``full_clean()`` whose refusal is a 400 naming the fields, never a 500."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        # Name each field in the message too: pages show the message, not the marks.
        named = "；".join(
            f"{_verbose(instance, field)}：{'、'.join(messages)}"
            for field, messages in errors.items()
        )
        raise ApplicationError(
            "invalid",
            _("Please correct the marked fields.") + (f" {named}" if named else ""),
            errors=errors,
            status=400,
        ) from None


def _verbose(instance: models.Model | type[models.Model], field: str) -> str:
    try:
        return str(instance._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:  # NON_FIELD_ERRORS ("__all__")
        return "" if field == "__all__" else field


def label(model: type[models.Model], field: str) -> str:
    """A model field's name as people read it (its verbose name, translated)."""
    return _verbose(model, field)


MAX_ID = 2**63 - 1


def id_or_none(value: Any) -> int | None:
    """A database id from a query string or form value, or None when it is not one (a
    word, a negative number, a number too large for the database)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def required_id(value: Any, field: str, label: Any) -> int:
    """An id the request must carry: anything else is a 400 naming the field."""
    number = id_or_none(value)
    if number is None:
        raise ApplicationError(
            "invalid",
            _("Please choose %(field)s.") % {"field": label},
            errors={field: [_("Please choose %(field)s.") % {"field": label}]},
            status=400,
        )
    return number


def date_or_error(value: Any, field: str, label: Any) -> dt.date | None:
    """A date given as YYYY-MM-DD, None when empty; a value that is not a date is a 400
    naming the field, never silently replaced by a default."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            "invalid_date",
            _("%(field)s is not a valid date (YYYY-MM-DD).") % {"field": label},
            errors={field: [_("Enter a valid date (YYYY-MM-DD).")]},
            status=400,
        ) from None


def required_text(value: Any, field: str, label: Any, *, limit: int | None = None) -> str:
    """Stripped text the action needs; empty, or longer than ``limit``, is a 400 naming the
    field by its label (nothing is cut short silently)."""
    text = str(value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ApplicationError(
            "required",
            _("Please fill in %(field)s.") % {"field": label},
            errors={field: [_("This field is required.")]},
            status=400,
        )
    if limit is not None and len(text) > limit:
        message = _("At most %(n)d characters.") % {"n": limit}
        raise ApplicationError(
            "too_long", f"{label}：{message}", errors={field: [message]}, status=400
        )
    return text


def begun_year(value: Any, field: str = "year") -> int:
    """A year from 2000 to this one (a year whose work can be looked back on), as an int;
    anything else is a 400 naming the field."""
    from django.utils import timezone

    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 2000 <= value <= timezone.localdate().year
    ):
        message = _("Choose a year that has begun, from 2000 on.")
        raise ApplicationError("invalid_year", message, errors={field: [message]}, status=400)
    return value


def number_or_error(value: Any, field: str, label: Any, *, whole: bool = False) -> Any:
    """A number typed on a page (Decimal, or int when ``whole``), None when empty; anything
    else — a word, NaN, infinity — is a 400 naming the field."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or (whole and number != number.to_integral()):
        raise ApplicationError(
            "bad_number",
            _("%(field)s must be a number.") % {"field": label},
            errors={field: [_("Enter a number.")]},
            status=400,
        )
    return int(number) if whole else number


def year_or_none(value: Any) -> int | None:
    """A year (2000–2100) from a query string or form value, or None: only ASCII digits
    count (``"²".isdigit()`` is true, yet no year)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return None
    year = int(text)
    return year if 2000 <= year <= 2100 else None
