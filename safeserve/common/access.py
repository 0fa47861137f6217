"""Access helpers: fetch an object through data scope, or refuse (STYLE.md §6).

Outside the user's scope is a 404 (the object's existence is not revealed); inside scope
but without the capability is a 403.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from safeserve.common.validation import id_or_none


class _Scoped(Protocol):
    def visible_to(self, user: Any) -> models.QuerySet[Any]: ...


M = TypeVar("M", bound=models.Model)


def get_visible(queryset: models.QuerySet[M], user: Any, **lookup: Any) -> M:
    scoped = queryset.visible_to(user)  # type: ignore[attr-defined]
    if "pk" in lookup:  # ids from URLs and request bodies: a word or a huge number is absent
        lookup["pk"] = id_or_none(lookup["pk"])
        if lookup["pk"] is None:
            raise Http404(_("Not found, or outside your data scope."))
    try:
        obj = scoped.filter(**lookup).first()
    except (ValueError, TypeError, ValidationError):  # e.g. /api/v1/users/abc/
        obj = None
    if obj is None:
        raise Http404(_("Not found, or outside your data scope."))
    return cast(M, obj)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not allow this action."))
