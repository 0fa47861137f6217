from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from safeserve.accounts.models import User


def user_can_log_in(user: Any) -> bool:
    """Active user of an active organization (the platform superuser has none)."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    org = user.organization
    return org is not None and org.is_active


class ModelBackend(DjangoModelBackend):
    """Django's backend, also refusing users of deactivated organizations — for new logins
    and for every request of an existing session, which therefore ends."""

    def user_can_authenticate(self, user: Any) -> bool:
        return user_can_log_in(user)

    def get_user(self, user_id: Any) -> User | None:
        user = (
            # An expert's profile comes with the login (their pages read it on every request);
            # its encrypted ID number and phone only when a page shows them.
            User.objects.select_related("organization", "organization__county", "expert")
            .defer("expert__id_number", "expert__phone")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
