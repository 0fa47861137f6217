"""Imports flow down the chain (DESIGN.md §3): an app imports only the apps listed before it
in INSTALLED_APPS, at module level or inside a function alike. What a later app adds to an
earlier one's page or rule it registers in its ``AppConfig.ready`` (e.g. the hazards panel
of the task page, the county log reader of the audit trail)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]  # the safeserve package
ORDER = [app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("safeserve.")]


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, app) for every safeserve import outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for child in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [
            (node.lineno, name.split(".")[1])
            for name in names
            if name.startswith("safeserve.") and name.count(".") >= 1
        ]
    return found


def test_every_app_imports_only_the_apps_before_it():
    upward = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[0] not in ORDER:
            continue
        app = parts[0]
        for line, other in _imports(path):
            if other in ORDER and ORDER.index(other) > ORDER.index(app):
                upward.append(f"{path.relative_to(ROOT)}:{line} {app} → {other}")
    assert upward == []


def test_the_api_app_is_a_base_layer():
    """The router lives in config/api_urls.py; safeserve.api only holds what resources
    share, so it sits below every app that serves one."""
    assert ORDER.index("api") < ORDER.index("organizations")
    assert not (ROOT / "api" / "urls.py").exists()
