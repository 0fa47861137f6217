"""Sections that later apps of the chain add to the contract page (evaluations, …): each
registers a panel in its ``AppConfig.ready``; the contract page renders them in order and
never imports those apps (DESIGN.md §3). A panel takes the request, the contract and the
viewer's verbs on it, returns HTML, and runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from safeserve.common.request import AuthedRequest
from safeserve.contracts.models import Contract

ContractPanel = Callable[[AuthedRequest, Contract, list[str]], SafeString]

_panels: list[tuple[int, ContractPanel]] = []


def register_contract_panel(panel: ContractPanel, *, order: int) -> None:
    """Add ``panel`` to the contract page; lower ``order`` shows higher up. Registering the
    same panel again (a reloaded app) replaces it."""
    _panels[:] = [(o, p) for o, p in _panels if p is not panel] + [(order, panel)]
    _panels.sort(key=lambda pair: pair[0])


def contract_panels(
    request: AuthedRequest, contract: Contract, verbs: list[str]
) -> list[SafeString]:
    return [panel(request, contract, verbs) for _, panel in _panels]
