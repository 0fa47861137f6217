"""Per-request context that services read without taking the request as an argument."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from safeserve.common.lib.http import client_ip, user_agent


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str


_current: ContextVar[RequestContext | None] = ContextVar("safeserve_request", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(RequestContext(ip=client_ip(request), user_agent=user_agent(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie set by
    the switcher). The browser's Accept-Language is ignored: county staff often use browsers
    installed in English, and they read Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ReplicaStickinessMiddleware:
    """Read-your-writes with a read replica (common/db/routers.py): after a request that may
    have written, the same browser reads the primary for ``REPLICA_STICKY_SECONDS``."""

    COOKIE = "primary_until"

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from safeserve.common.db.routers import primary_only, replica_configured

        if not replica_configured():
            return self.get_response(request)
        now = time.time()
        try:
            until = float(request.COOKIES.get(self.COOKIE, "0"))
        except ValueError:
            until = 0.0
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        if writes or until > now:
            with primary_only():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if writes:
            seconds = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                self.COOKIE,
                str(now + seconds),
                max_age=seconds,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
