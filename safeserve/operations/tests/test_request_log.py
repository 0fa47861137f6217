"""A refused or missing page is logged once, on one line, without a traceback: the request
line says what happened; Django's own request logger keeps quiet below server errors."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from safeserve.organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (lambda: reverse("operations:counties"), 403),  # a county officer is not the admin
        (lambda: "/api/v1/counties/", 403),
        (lambda: reverse("organizations:detail", args=[_other_county_org()]), 404),
        (lambda: f"/api/v1/organizations/{_other_county_org()}/", 404),
    ],
)
def test_a_403_or_404_is_one_line_without_a_traceback(world, login, caplog, path, status):
    client = login(world["county_officer"])
    url = path()
    with caplog.at_level(logging.DEBUG):
        response = client.get(url)
    assert response.status_code == status
    records = [r for r in caplog.records if r.name in ("django.request", "safeserve.request")]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].name == "safeserve.request" and records[0].exc_info is None


def _other_county_org() -> int:
    return Organization.objects.get(name="长宁县安全生产委员会办公室").pk
