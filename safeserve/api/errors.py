"""One error format for the whole API (DESIGN.md §6):
``{"code": ..., "message": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

from safeserve.common.exceptions import ApplicationError


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail as ``{field: [messages]}``; a nested field is named by its path
    (``scores.0.position``), so a client can point at it — never a repr of the detail."""
    key = prefix or "non_field_errors"
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for name, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return out
    if isinstance(detail, list):
        out = {}
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                out.setdefault(key, []).append(str(item))
        return out
    return {key: [str(detail)]}


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
    if isinstance(exc, exceptions.PermissionDenied) and exc.get_codes() == "csrf_failed":
        return error_response(
            "csrf_failed",
            _(
                "The form has expired or your session is stale: reload the page and try "
                "again, or send an API token instead of the session cookie."
            ),
            status.HTTP_403_FORBIDDEN,
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
    if isinstance(exc, exceptions.ParseError) and exc.get_codes() == "nested_too_deep":
        return error_response("nested_too_deep", exc.detail, status.HTTP_400_BAD_REQUEST)
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


# --- Errors raised before any API view runs (no route, a view outside DRF, a server error) ---
# Django's handlers answer with HTML pages; under /api/ a client gets the same JSON format.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message: Any, http_status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(message), "errors": {}}, status=http_status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json("bad_request", _("The request could not be understood."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json("permission_denied", _("Your role does not allow this action."), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json("not_found", _("Not found, or outside your data scope."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        message = _("Something went wrong on the server; it has been logged. Try again later.")
        return _json("server_error", message, 500)
    return defaults.server_error(request)
