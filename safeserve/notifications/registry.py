"""The kinds of notification, and the reminders that find what is due (issue 16).

This app comes early in the chain so that a service anywhere can notify in its own
transaction; each later app registers its kinds in its ``AppConfig.ready`` (its
``notifications.py``), with the query that finds, at a given moment, the occasions to remind
of. An occasion names its object — whose ``visible_to`` decides who may be told, checked for
every recipient — the organizations and people to tell, and a key: one notification per
person, kind and key, so running a reminder twice tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Occasion:
    obj: models.Model  # decides who may see it: ``type(obj).objects.visible_to(user)``
    key: str  # one notification per recipient, kind and key
    params: dict[str, str]  # what the subject names (rendered in the reader's language)
    url: str
    county_id: int | None
    organizations: tuple[int, ...] = ()  # their officers, leaders and administrators
    users: tuple[int, ...] = ()  # named people (an assigned expert, a signer)
    county_office: bool = False  # and the county office of ``county_id``


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any  # lazy text, for the preferences page: 明日任务
    subject: Any  # lazy text, "%(number)s …", formatted with the occasion's params
    # A legal duty hangs on it (a major hazard): it always shows in the app; only its email
    # can be turned off.
    mandatory: bool = False
    # The occasions due at a moment; None for a kind sent by a service when it happens.
    due: Callable[[dt.datetime], Iterable[Occasion]] | None = None
    hourly: bool = False  # counted in hours: run by run_hourly rather than the daily job
    order: int = 100
    icon: str = "bi-bell"
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self, params: dict[str, Any]) -> str:
        try:
            return str(self.subject) % params
        except (KeyError, TypeError, ValueError):
            return str(self.label)


KINDS: dict[str, Kind] = {}


def register_kinds(kinds: Iterable[Kind]) -> None:
    for kind in kinds:
        assert KINDS.get(kind.key, kind) == kind, f"notification kind {kind.key} twice"
        KINDS[kind.key] = kind


def kinds() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda kind: (kind.order, kind.key))


def kind_of(key: str) -> Kind | None:
    return KINDS.get(key)
