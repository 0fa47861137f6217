"""Session lifetime: 30 minutes idle (renewed on activity) and 12 hours absolute."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from safeserve.accounts.denials import record_denial, should_record
from safeserve.accounts.models import LoginChannel, LoginResult
from safeserve.accounts.otp import otp_needed, totp_device

LOGIN_AT = "safeserve_login_at"
LAST_SEEN = "safeserve_last_seen"
# Write the last-seen time at most this often, so an active user's session is not saved on
# every request; idle detection is accurate to this many seconds.
LAST_SEEN_GRANULARITY = 30


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _login_redirect(request: HttpRequest) -> HttpResponse:
    url = reverse(settings.LOGIN_URL)
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(f"{url}?next={request.path}")


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT)
            last_seen = request.session.get(LAST_SEEN, login_at)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if login_at is None or now - login_at > absolute or now - (last_seen or 0) > idle:
                return self._expire(request, user)
            if now - (last_seen or 0) >= LAST_SEEN_GRANULARITY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _expire(self, request: HttpRequest, user: Any) -> HttpResponse:
        from safeserve.accounts.services import login_record, session_forget

        session_forget(session_key=request.session.session_key)
        login_record(
            request=request,
            username=user.get_username(),
            user=user,
            result=LoginResult.TIMEOUT,
            channel=LoginChannel.WEB,
        )
        logout(request)
        if _is_api(request):
            return JsonResponse(
                {
                    "code": "session_expired",
                    "message": _("Your session has expired; please log in again."),
                },
                status=401,
            )
        messages.info(request, _("Your session has expired; please log in again."))
        return _login_redirect(request)


def _allowed_before_the_rest() -> tuple[str, ...]:
    """What a user who still owes a new password or the second factor may open."""
    return (
        reverse("accounts:password_change"),
        reverse("accounts:otp_verify"),
        reverse("accounts:otp_setup"),
        reverse("accounts:logout"),
        reverse("api:token"),
        "/static/",
        "/i18n/",
    )


class PasswordChangeRequiredMiddleware:
    """A user with a temporary password may do nothing but change it (or log out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(_allowed_before_the_rest())
        ):
            if _is_api(request):
                return JsonResponse(
                    {
                        "code": "password_change_required",
                        "message": _(
                            "Change your password on the web page first: it is temporary "
                            "or has expired."
                        ),
                        "errors": {},
                    },
                    status=403,
                )
            return redirect("accounts:password_change")
        return self.get_response(request)


class DeniedAccessMiddleware:
    """Records every 403 and 404 a logged-in user receives (pages and API alike), so the
    county office sees who probes outside their scope (accounts/denials.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if should_record(request, response.status_code):
            record_denial(request, response.status_code)
        return response


class SecondFactorRequiredMiddleware:
    """Whoever must use a second factor (accounts/otp.py) does nothing but enter it, or set
    it up, after the password; the API over a session answers 401 otp_required."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and otp_needed(request)
        ) and not request.path.startswith(_allowed_before_the_rest()):
            if _is_api(request):
                return JsonResponse(
                    {
                        "code": "otp_required",
                        "message": _("Enter the code of your authenticator app first."),
                        "errors": {},
                    },
                    status=401,
                )
            target = "accounts:otp_verify" if totp_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
