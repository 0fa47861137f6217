"""A detail page's history panel, read only when someone looks at it.

The panel sits at the foot of every detail page. Reading it costs a query, plus one per kind
of record its events name (describe.py), so the page shows a placeholder that htmx fills
when it scrolls into view: ``?history=1`` with ``HX-Request`` answers the panel alone.
Without JavaScript the placeholder is a link to the same page with the history in place
(``?history=1`` without the header). Issue 15: a detail page at a constant ≤ 10 queries.

The view fetches the record through data scope first, as for the page, and asks the panel
for its fragment before doing anything else:

    history = HistoryPanel(request, contract)
    if (fragment := history.fragment()) is not None:
        return fragment
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from safeserve.audit.models import AuditEvent
from safeserve.audit.selectors import history_for

PARAMETER = "history"


class HistoryPanel:
    def __init__(
        self,
        request: HttpRequest,
        obj: models.Model | None,
        *,
        hide_actions: tuple[str, ...] = (),
    ) -> None:
        """``obj`` None: a panel with nothing this viewer may read (it says so)."""
        self.request = request
        self.obj = obj
        self.hide_actions = hide_actions

    @property
    def requested(self) -> bool:
        return PARAMETER in self.request.GET

    @property
    def in_place(self) -> bool:
        """The page shows the events themselves rather than the placeholder."""
        return self.obj is None or self.requested

    @cached_property
    def events(self) -> list[AuditEvent]:
        if self.obj is None:
            return []
        return history_for(self.obj, self.request.user, hide_actions=self.hide_actions)

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def __bool__(self) -> bool:
        return bool(self.events)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, HistoryPanel):
            return self.events == other.events
        return self.events == other

    __hash__ = None  # type: ignore[assignment]

    def url(self) -> str:
        return f"{self.request.path}?{PARAMETER}=1"

    def fragment(self) -> HttpResponse | None:
        """The panel alone, for htmx's GET; None for any other request (the page renders, or
        a form posted to it is handled as always)."""
        if not (
            self.request.method == "GET" and self.requested and getattr(self.request, "htmx", False)
        ):
            return None
        response = render(self.request, "includes/history_panel.html", {"history": self})
        patch_vary_headers(response, ["HX-Request"])
        return response
