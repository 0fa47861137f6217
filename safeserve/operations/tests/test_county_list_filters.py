"""The counties list's one filter (the platform administrator's): the page, the API and the
exports select the same counties, refuse the same bad input, are the platform's alone and
cost the same queries however many counties there are. Expectations are written out by hand.

The API's export view is not routed yet (config/api_urls.py), so it is called directly."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook
from rest_framework.test import APIClient

from safeserve.audit.models import AuditEvent
from safeserve.operations.setup import county_create

pytestmark = pytest.mark.django_db

LIST = reverse("operations:counties")
EXPORT = reverse("operations:counties_export")
API = "/api/v1/counties/"


def _api_export(user: Any, query: dict[str, str]) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/counties/export/", query)


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", {"安平县", "长宁县"}),
        ("安平", {"安平县"}),
        ("宁", {"长宁县"}),
        ("9901", {"安平县", "长宁县"}),  # a code prefix
        ("990122", {"长宁县"}),
        ("永宁", set()),
    ],
)
def test_the_page_the_api_and_the_exports_select_the_same_counties(world, login, api, q, expected):
    admin = world["admin"]
    page = login(admin).get(LIST, {"q": q})
    assert {c.name for c in page.context["page"].object_list} == expected
    assert {row["name"] for row in api(admin).get(API, {"q": q}).json()} == expected
    assert {row[1] for row in _sheet(login(admin).get(EXPORT, {"q": q}))[1:]} == expected
    assert {row[1] for row in _sheet(_api_export(admin, {"q": q}))[1:]} == expected


def test_a_bad_filter_is_refused_naming_the_field(world, login, api):
    admin = world["admin"]
    too_long = "县" * 61
    response = api(admin).get(API, {"q": too_long})
    assert response.status_code == 400 and "q" in response.json()["errors"]
    refused = _api_export(admin, {"q": too_long})
    assert refused.status_code == 400 and "q" in refused.data["errors"]
    assert not AuditEvent.objects.filter(action="list.exported").exists()
    page = login(admin).get(LIST, {"q": too_long})
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == ["q"]
    assert escape(errors["q"][0]) in page.content.decode()


def test_the_export_lists_each_countys_setup_and_is_audited(world, login):
    admin = world["admin"]
    rows = _sheet(login(admin).get(EXPORT, {"q": "9901"}))
    assert sorted(rows[1:]) == [
        ("990121", "安平县", "示范市", "安平县安全生产委员会办公室", 8),
        ("990122", "长宁县", "示范市", "长宁县安全生产委员会办公室", 4),
    ]
    event = AuditEvent.objects.get(action="list.exported")
    assert event.actor == admin
    assert event.after == {"list": "counties", "rows": 2, "filters": "q=9901", "channel": "web"}
    _sheet(_api_export(admin, {}))
    event = AuditEvent.objects.filter(action="list.exported").latest("seq")
    assert (event.after["rows"], event.after["channel"]) == (2, "api")


@pytest.mark.parametrize("username", ["county_admin", "county_officer", "other_county_admin"])
def test_no_county_reads_the_list_of_counties(world, login, api, username):
    user = world[username]
    assert login(user).get(LIST).status_code == 403
    assert login(user).get(EXPORT).status_code == 403
    assert api(user).get(API).status_code == 403
    assert _api_export(user, {}).status_code == 403
    assert not AuditEvent.objects.filter(action="list.exported").exists()


def test_the_page_and_the_exports_cost_the_same_queries_for_n_and_2n_counties(world, login):
    admin = world["admin"]
    client = login(admin)

    def open_counties(start: int, n: int) -> None:
        for i in range(start, start + n):
            county_create(
                actor=admin,
                code=f"9902{i:02d}",
                name=f"测试{i}县",
                admin_username=f"admin_{i}",
                admin_full_name="某",
            )

    def counts() -> list[int]:
        found = []
        for get in (
            lambda: client.get(LIST, {"q": "测试"}),
            lambda: client.get(EXPORT, {"q": "测试"}),
            lambda: _api_export(admin, {"q": "测试"}),
        ):
            with CaptureQueriesContext(connection) as captured:
                response = get()
                b"".join(getattr(response, "streaming_content", [b""]))
            assert response.status_code == 200
            found.append(len(captured))
        return found

    open_counties(30, 3)
    client.get(EXPORT)  # the platform's first export opens its audit chain: once, not per row
    first = counts()
    open_counties(40, 6)
    assert counts() == first
