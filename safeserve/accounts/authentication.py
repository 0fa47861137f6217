from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from safeserve.accounts.backends import user_can_log_in
from safeserve.accounts.models import ApiToken
from safeserve.accounts.services import token_digest

# Record last use at most this often, so reads do not turn into writes.
LAST_USED_GRANULARITY = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``; keys are stored only as SHA-256 digests and expire."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed token header."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Malformed token header.")) from None
        token = (
            ApiToken.objects.select_related(
                "user", "user__organization", "user__organization__county"
            )
            .filter(digest=token_digest(key))
            .first()
        )
        now = timezone.now()
        if token is None or token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token; request a new one."))
        if not user_can_log_in(token.user):
            raise exceptions.AuthenticationFailed(_("This account has been deactivated."))
        if token.user.must_change_password:
            raise exceptions.PermissionDenied(
                _("Change your password on the web page first: it is temporary or has expired.")
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "safeserve.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key> — from POST /api/v1/auth/token/",
        }


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with a CSRF failure told apart from a refused role."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error.detail), code="csrf_failed") from None


class SessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "safeserve.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
