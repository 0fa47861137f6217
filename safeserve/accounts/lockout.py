"""What a locked-out account sees (django-axes calls this)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins: this account is locked for %(minutes)d minutes. "
        "Try again later, or ask your administrator to reset the password."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"code": "account_locked", "message": lockout_message(), "errors": {}}
        return JsonResponse(body, status=429)
    from safeserve.accounts.forms import LoginForm

    form = LoginForm(request, data=None, initial={"username": (credentials or {}).get("username")})
    return render(
        request, "accounts/login.html", {"form": form, "lockout": lockout_message()}, status=429
    )
