"""The whole API schema, fuzzed (schemathesis) as three roles — a county officer, an expert
and an enterprise user: no request, however strange, is a server error, and every answer
matches the schema (status code, content type, body). The normal run tries a few examples
per operation on SQLite only; ``make fuzz`` runs many more (SAFESERVE_FUZZ_EXAMPLES)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from safeserve.accounts.services import token_issue

EXAMPLES = int(os.environ.get("SAFESERVE_FUZZ_EXAMPLES", "3"))
THOROUGH = "SAFESERVE_FUZZ_EXAMPLES" in os.environ
ROLES = ("county_officer", "expert", "enterprise_user")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> Any:
    document = SchemaGenerator().get_schema(request=None, public=True)
    rendered = OpenApiJsonRenderer().render(document, renderer_context={})
    # The coverage phase (every boundary value and method of every operation) is for
    # ``make fuzz``; the normal run generates a few examples per operation.
    config = SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": THOROUGH}, "stateful": {"enabled": False}}}
    )
    loaded = schemathesis.openapi.from_dict(json.loads(rendered), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture
def in_test_transaction(world: dict[str, Any]) -> Iterator[None]:
    if connection.vendor != "sqlite" and not THOROUGH:
        pytest.skip("the fuzz run is on SQLite in make test; make fuzz runs it anywhere")
    # The WSGI handler closes the connection after each request, as a server should; here the
    # requests run inside the test's transaction, as Django's test client runs them.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world: dict[str, Any]) -> dict[str, str]:
    return {role: token_issue(user=world[role])[0] for role in ROLES}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_is_a_server_error_and_every_answer_matches_the_schema(
    case: Any, tokens: dict[str, str], in_test_transaction: None
) -> None:
    for role in ROLES:
        case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"}, checks=CHECKS)
