"""Tabs of a detail page: each a link (``?tab=name``) to the same page, which reads only what
that tab shows. A dense record (a contract, a provider) stays at a constant ≤ 10 queries
(issue 15) and works without JavaScript; ``includes/tabs.html`` draws them."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

PARAMETER = "tab"


def tab_of(request: HttpRequest, tabs: Sequence[tuple[str, str]]) -> str:
    """The tab asked for, or the first (the page's overview) when absent or not offered."""
    names = [name for name, _label in tabs]
    asked = request.GET.get(PARAMETER, "")
    return asked if asked in names else names[0]


def tab_url(url: str, tab: str, first: str = "overview") -> str:
    """``url`` opened on ``tab`` (the first tab is the page itself)."""
    return url if tab == first else f"{url}?{PARAMETER}={tab}"
