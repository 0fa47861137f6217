"""Walks a lifecycle's verb table: for every state and every persona, the page's buttons, the
API's ``allowed_actions`` and the services agree — a verb is offered on the page exactly when
the API lists it, and its service goes through exactly then (tried in a savepoint that is
rolled back, so each try starts from the same state)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError


class _Rollback(Exception):
    pass


class _Buttons(HTMLParser):
    """The data-verb of every element, grouped by the object it is about (data-object, or
    the page's own object)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("data-verb")
        if name:
            self.found.setdefault(values.get("data-object") or "", set()).add(name)


def page_buttons(html: str, obj_key: str = "") -> set[str]:
    parser = _Buttons()
    parser.feed(html)
    return parser.found.get(obj_key, set())


def tried(call: Callable[[], Any]) -> bool | str:
    """True when the service went through; False when it refused the verb (403, or a 409
    naming a state or a guard); otherwise the unexpected error, as text. A refused verb
    leaves nothing in the audit trail: no "X → X" change event for what did not happen."""
    events = AuditEvent.objects.count()
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except (PermissionDenied, Http404):
        refused: bool | str = False
    except ApplicationError as exc:
        if exc.status != 409:
            return f"{exc.code}: {exc.message}"
        refused = False
    if AuditEvent.objects.count() != events:
        return "a refused verb wrote an audit event"
    return refused


@dataclass
class Walk:
    """One lifecycle. ``states`` makes the object in each state (from a fresh start, so the
    calls of one state cannot leak into the next); ``calls`` performs each verb with valid
    input; ``page`` (the page's URL, or each of its tabs') and ``detail`` name the URLs;
    ``key`` names the object on a page that shows several (e.g. an amendment on its
    contract's page)."""

    states: dict[str, Callable[[], Any]]
    personas: Iterable[str]
    calls: dict[str, Callable[[Any, Any], Any]]
    page: Callable[[Any], str | list[str]]  # a page in tabs: each tab's URL
    detail: Callable[[Any], str]
    actions_of: Callable[[dict[str, Any], Any], list[str]] = field(
        default=lambda body, obj: body.get("allowed_actions", [])
    )
    key: Callable[[Any], str] = field(default=lambda obj: "")
    reload: Callable[[Any], Any] = field(default=lambda obj: obj)

    def run(self, users: dict[str, Any], login: Any, api: Any) -> dict[str, set[str]]:
        """Returns, per state, every verb some persona was offered (so a caller can check
        that every verb of the table was reached at least once)."""
        offered: dict[str, set[str]] = {}
        for state, make in self.states.items():
            obj = make()
            offered[state] = set()
            for persona in self.personas:
                user = users[persona]
                urls = self.page(obj)
                buttons: set[str] = set()
                for url in [urls] if isinstance(urls, str) else urls:
                    page = login(user).get(url)
                    if page.status_code == 200:
                        buttons |= page_buttons(page.content.decode(), self.key(obj))
                response = api(user).get(self.detail(obj))
                allowed = (
                    set(self.actions_of(response.json(), obj))
                    if response.status_code == 200
                    else set()
                )
                assert buttons == allowed, (state, persona, "page", buttons, "api", allowed)
                for name, call in self.calls.items():
                    outcome = tried(lambda c=call, u=user, o=obj: c(u, self.reload(o)))
                    assert outcome is (name in allowed), (state, persona, name, outcome, allowed)
                offered[state] |= allowed
        return offered
