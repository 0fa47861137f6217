"""What tests read off a rendered page."""

from __future__ import annotations

import re


def active_tab(html: str) -> str:
    """The name of the tab drawn as the current one (includes/tabs.html)."""
    tabs = re.findall(r'<a class="nav-link( active)?"[^>]*?data-tab="(\w+)"', html, re.S)
    return "".join(name for active, name in tabs if active)
