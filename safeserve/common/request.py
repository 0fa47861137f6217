"""The authenticated request, for type checking views and API actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from safeserve.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is a real ``User``."""

    user: User


def actor_of(request: Any) -> User:
    """The authenticated user of a DRF request (its permission classes already ran)."""
    return cast("User", request.user)
