"""The schema's error responses: every operation lists the errors it can answer, in the one
error format of ``safeserve.api.errors`` (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "errors"],
    "properties": {
        "code": {"type": "string", "description": "A stable machine code, e.g. not_found."},
        "message": {"type": "string", "description": "What happened, in the user's language."},
        "errors": {
            "type": "object",
            "description": "Messages per field; non_field_errors for the request as a whole.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ALWAYS = {
    "400": _("The request is malformed or a field is wrong (see errors)."),
    "401": _("Not logged in, or the token is invalid or expired."),
    "403": _("Your role may not do this, or the form has expired (code csrf_failed)."),
    "404": _("Not found, or outside your data scope."),
    "429": _("Too many requests; try again later."),
}
WRITES = {"409": _("The object is not in a state that allows this now.")}
BODIES = {
    "413": _("The request body or upload is too large."),
    "415": _("The body's content type is not accepted here."),
}
METHODS = ("get", "post", "put", "patch", "delete")


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular post-processing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            codes = dict(ALWAYS)
            if method != "get":
                codes |= WRITES
            if "requestBody" in operation:
                codes |= BODIES
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                responses.setdefault(code, {"description": str(description), "content": reference})
    return result
