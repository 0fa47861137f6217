from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from safeserve.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is a real ``User``."""

    user: User


def actor_of(request: Any) -> User:
    """The authenticated user of a DRF request (its permission classes already ran)."""
    return cast(User, request.user)
