"""One JSON log line per request (LOG_FORMAT=json): who (user id, county), which route,
status and duration. Never personal data: the route pattern is logged, not the path, so a
notice link's token or an ID number in a query string never reaches the log."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import django_prometheus.middleware
import structlog
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

logger = structlog.get_logger("safeserve.request")


def _user_fields(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    # Only a user some view already loaded: reading it here must not cost a query.
    if user is None or getattr(user, "_wrapped", None) is empty:
        return {}
    if not user.is_authenticated:
        return {"user_id": None}
    organization = user._state.fields_cache.get("organization")
    return {
        "user_id": user.pk,
        "county_id": organization.county_id if organization is not None else None,
    }


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "-"
    return match.route or match.view_name or "-"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            structlog.contextvars.clear_contextvars()
            raise
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        if not request.path.startswith("/static/"):
            logger.info(
                "request",
                method=request.method,
                route=_route(request),
                status=response.status_code,
                duration_ms=duration_ms,
                **_user_fields(request),
            )
        structlog.contextvars.clear_contextvars()
        response.headers.setdefault("X-Request-ID", request_id)
        return response


class PrometheusAfterMiddleware(django_prometheus.middleware.PrometheusAfterMiddleware):
    """django-prometheus's, except that a malformed Content-Length is read as 0 — as Django
    itself reads it — instead of raising a server error before any view runs."""

    def process_request(self, request: HttpRequest) -> None:
        if not str(request.META.get("CONTENT_LENGTH") or "0").isdigit():
            request.META["CONTENT_LENGTH"] = "0"
            request.__dict__.pop("headers", None)  # a cached view of the old META
        super().process_request(request)
