"""Who reads a county's whole audit trail and its logs (R19): the audit events and digests,
the login log and the denied accesses all scope the same way (``county_log_scope``).

The answer is a question about organisations, which sit above this app in the chain; the
organizations app registers its predicate when Django is ready (``OrganizationsConfig.ready``),
so audit never imports upward.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_county_log_reader: Callable[[Any], bool] | None = None


def register_county_log_reader(predicate: Callable[[Any], bool]) -> None:
    global _county_log_reader
    _county_log_reader = predicate


def reads_county_log(user: Any) -> bool:
    if _county_log_reader is None:
        raise ImproperlyConfigured("No county log reader registered; is organizations installed?")
    return _county_log_reader(user)


def county_log_scope(queryset: Any, user: Any, field: str = "county_id") -> Any:
    """A county log as the user may read it: the platform administrator all of it, the
    county office its county's rows, anyone else none."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset.all()
    if not reads_county_log(user) or user.organization is None:
        return queryset.none()
    return queryset.filter(**{field: user.organization.county_id})
