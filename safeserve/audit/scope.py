"""Who reads a county's whole audit trail and login log (R19).

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
