from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError


def clean_model(instance: models.Model, **kwargs: Any) -> None:
    """``full_clean()`` whose refusal is a 400 naming the fields, never a 500."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        raise ApplicationError(
            "invalid", _("Please correct the marked fields."), errors=errors, status=400
        ) from None
