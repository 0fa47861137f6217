"""Verb tables: who may do which verb on an object in which state, written once per lifecycle
(DESIGN.md §3 "Lifecycles", STYLE.md §5, WORKFLOWS.md).

A lifecycle's table lists its verbs: the states each may start from, who may do it (a named
predicate of user and object) and any extra guards (a rule about the object that must hold,
such as a governance plan being complete). The service behind a verb starts with
``TABLE.check(verb, actor, obj)``; pages show a button for each verb ``verbs_for(user, obj)``
returns, and every API detail lists them as ``allowed_actions``. Nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError

Who = Callable[[Any, Any], bool]
"""May this user do the verb on this object? Answers for any user, logged in or not."""

Guard = Callable[[Any], ApplicationError | None]
"""A rule about the object beyond its state: None when it holds, else the refusal (409)."""


@dataclass(frozen=True)
class Verb:
    name: str  # as the API spells it: POST …/<id>/<name>/, and in allowed_actions
    sources: frozenset[str]
    who: Who
    guards: tuple[Guard, ...] = ()
    # A forward verb moves the object on; it is what puts the object in someone's 待办.
    forward: bool = True


def verb(
    name: str,
    sources: Iterable[str],
    who: Who,
    *guards: Guard,
    forward: bool = True,
) -> Verb:
    return Verb(name, frozenset(str(s) for s in sources), who, tuple(guards), forward)


@dataclass
class VerbTable:
    """One lifecycle's verbs. ``refuse_state`` words the 409 for a verb tried in the wrong
    state, naming the current one (WORKFLOWS.md)."""

    model: type[models.Model]
    verbs: Sequence[Verb]
    refuse_state: Callable[[Any], ApplicationError]
    state: Callable[[Any], str] = field(default=lambda obj: obj.status)

    def __post_init__(self) -> None:
        self._by_name = {v.name: v for v in self.verbs}
        assert len(self._by_name) == len(self.verbs), "verb names repeat"
        _TABLES[self.model] = self

    def __getitem__(self, name: str) -> Verb:
        return self._by_name[name]

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.verbs]

    def allows(self, name: str, user: Any, obj: Any, *, guards: bool = True) -> bool:
        """``guards=False`` asks only whether the verb is the user's in this state — what a
        待办 row asks when the guards are the user's own work to satisfy."""
        v = self._by_name[name]
        return (
            self.state(obj) in v.sources
            and bool(v.who(user, obj))
            and (not guards or all(guard(obj) is None for guard in v.guards))
        )

    def verbs_for(self, user: Any, obj: Any) -> list[str]:
        return [v.name for v in self.verbs if self.allows(v.name, user, obj)]

    def check(self, name: str, actor: Any, obj: Any) -> None:
        """What every transition service does first, on the locked object: the role (403),
        then the state (409 naming it), then the guards (409 naming the rule)."""
        v = self._by_name[name]
        if not v.who(actor, obj):
            raise PermissionDenied(_("Your role does not allow this action."))
        if self.state(obj) not in v.sources:
            raise self.refuse_state(obj)
        for guard in v.guards:
            refusal = guard(obj)
            if refusal is not None:
                raise refusal


_TABLES: dict[type[models.Model], VerbTable] = {}


def table_for(obj: Any) -> VerbTable:
    return _TABLES[type(obj)]


def verbs_for(user: Any, obj: Any) -> list[str]:
    """The verbs this user may do on this object now, in the table's order."""
    return table_for(obj).verbs_for(user, obj)
