"""One error format for the whole API (DESIGN.md §6):
``{"code": ..., "message": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from safeserve.common.exceptions import ApplicationError


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
            if not isinstance(v, dict)
            else [str(v)]
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def error_response(
    code: str, message: Any, http_status: int, errors: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    body["errors"] = {k: [str(m) for m in v] for k, v in (errors or {}).items()}
    return Response(body, status=http_status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return error_response(exc.code, exc.message, exc.status, exc.errors)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response(
            "not_found", _("Not found, or outside your data scope."), status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return error_response(
            "permission_denied",
            _("Your role does not allow this action."),
            status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, exceptions.NotAuthenticated):
        return error_response(
            "not_authenticated",
            _("Log in, or send an API token: Authorization: Token <key>."),
            status.HTTP_401_UNAUTHORIZED,
        )
    if isinstance(exc, exceptions.AuthenticationFailed):
        return error_response("authentication_failed", exc.detail, status.HTTP_401_UNAUTHORIZED)
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            "invalid",
            _("Please correct the marked fields."),
            status.HTTP_400_BAD_REQUEST,
            _flatten(exc.detail),
        )
    if isinstance(exc, exceptions.ParseError):
        return error_response(
            "malformed_request",
            _("The request body is not valid JSON."),
            status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error_response("unsupported_media_type", exc.detail, 415)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response("method_not_allowed", _("This method is not allowed here."), 405)
    if isinstance(exc, exceptions.Throttled):
        return error_response("throttled", _("Too many requests; try again later."), 429)
    if isinstance(exc, exceptions.APIException):
        return error_response(exc.default_code, exc.detail, exc.status_code)
    return None
