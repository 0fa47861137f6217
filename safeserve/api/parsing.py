from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.request import Request

# No request of this API nests deeper; a deeper body is refused before any view reads it.
MAX_JSON_DEPTH = 32


class NestedTooDeep(ParseError):
    default_code = "nested_too_deep"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit: a body nested past ``MAX_JSON_DEPTH`` (or past
    the decoder's own recursion limit) is a 400 naming the limit, never a RecursionError."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise _too_deep()
        return data


def _too_deep() -> NestedTooDeep:
    return NestedTooDeep(
        _("The request body is nested more than %(n)d levels deep.") % {"n": MAX_JSON_DEPTH}
    )


def _depth(data: Any) -> int:
    """How deep lists and objects nest, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


# Views that take files list multipart first (the default list puts JSON first).
UPLOAD_PARSERS = [parsers.MultiPartParser, parsers.FormParser, JSONParser]


def body_dict(request: Request) -> dict[str, Any]:
    """The request body as a plain dict; a JSON array or scalar is a 400, never a 500."""
    data = request.data
    if isinstance(data, QueryDict):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    if isinstance(data, dict):
        return data
    raise ValidationError({"non_field_errors": [_("The request body must be a JSON object.")]})
