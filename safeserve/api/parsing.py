from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def body_dict(request: Request) -> dict[str, Any]:
    """The request body as a plain dict; a JSON array or scalar is a 400, never a 500."""
    data = request.data
    if isinstance(data, QueryDict):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    if isinstance(data, dict):
        return data
    raise ValidationError({"non_field_errors": [_("The request body must be a JSON object.")]})
