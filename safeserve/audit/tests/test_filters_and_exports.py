"""The audit trail page's one filter: the page and its export select the same events, refuse
the same bad input, stay in the county's trail and cost the same queries however many events
there are. Expectations are written out by hand."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from safeserve.audit.actions import action_label
from safeserve.audit.models import AuditEvent
from safeserve.audit.services import audit_record
from safeserve.common.tests.clock import SHANGHAI

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")
EXPORT = reverse("audit:export")
EARLY_JUNE = "date_from=2026-06-01&date_to=2026-06-09"  # before the world was seeded


def _on(day: int, **event: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 6, day, 10, 0, tzinfo=SHANGHAI), tick=False):
        audit_record(**event)


@pytest.fixture
def trail(world: dict[str, Any]) -> dict[str, Any]:
    """Three events in 安平县's trail and one in 长宁县's, each known by its reason."""
    chengguan = world["township_officer"].organization
    _on(
        1,
        action="user.deactivated",
        actor=world["county_admin"],
        obj=world["township_officer"],
        reason="调离",
    )
    _on(
        3,
        action="organization.updated",
        actor=world["county_admin"],
        obj=chengguan,
        before={"address": ""},
        after={"address": "城关镇府前路2号"},
        reason="改地址",
    )
    _on(
        5,
        action="user.deactivated",
        actor=world["county_leader"],
        obj=world["expert"],
        reason="离职",
    )
    _on(
        5,
        action="user.deactivated",
        actor=world["other_county_admin"],
        obj=world["other_county_officer"],
        reason="外县",
    )
    return {"chengguan": chengguan}


def _page_reasons(client: Any, query: str) -> set[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {e.reason for e in response.context["page"].object_list}


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"调离", "改地址", "离职"}),
        ("action=user.deactivated", {"调离", "离职"}),
        ("actor=许明辉", {"调离", "改地址"}),  # county_admin's name, as the page shows it
        ("actor=county_ad", {"调离", "改地址"}),  # ... or its login name
        ("actor=陈", {"离职"}),
        ("object_type=organizations.organization", {"改地址"}),
        ("expert", {"离职"}),
        ("date_from=2026-06-02&date_to=2026-06-04", {"改地址"}),
    ],
)
def test_the_page_and_its_export_select_the_same_events(world, trail, login, query, expected):
    if query == "expert":
        query = f"object_type=accounts.user&object_id={world['expert'].pk}"
    if "date_" not in query:
        query = f"{query}&{EARLY_JUNE}"
    client = login(world["county_officer"])
    assert _page_reasons(client, query) == expected
    assert {row[6] for row in _sheet(client.get(f"{EXPORT}?{query}"))[1:]} == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("action=user.vanished", "action"),
        ("object_type=nothing.here", "object_type"),
        ("object_id=" + "1" * 41, "object_id"),
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
    ],
)
def test_a_bad_filter_shows_the_fields_message(world, trail, login, query, field):
    page = login(world["county_officer"]).get(f"{LIST}?{query}")
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == [field]
    assert escape(errors[field][0]) in page.content.decode()


def test_the_export_is_the_filtered_trail_without_payloads_and_is_audited(world, trail, login):
    officer = world["county_officer"]
    query = f"action=organization.updated&{EARLY_JUNE}"
    rows = _sheet(login(officer).get(f"{EXPORT}?{query}"))
    assert len(rows) == 2 and len(rows[0]) == 7
    time, actor, organization, action, object_type, object_id, reason = rows[1]
    with translation.override("zh-hans"):
        label = str(action_label("organization.updated"))
    assert (time, actor, organization, action, object_id, reason) == (
        "2026-06-03 10:00",
        "许明辉",
        "安平县安全生产委员会办公室",
        label,
        str(trail["chengguan"].pk),
        "改地址",
    )
    assert object_type and object_type != "organizations.organization"  # its label
    assert "城关镇府前路2号" not in str(rows)  # the before/after payloads stay out
    event = AuditEvent.objects.get(action="list.exported")
    assert event.actor == officer
    assert (event.after["list"], event.after["rows"], event.after["channel"]) == (
        "audit_events",
        1,
        "web",
    )
    assert (
        event.after["filters"]
        == "action=organization.updated&date_from=2026-06-01&date_to=2026-06-09"
    )


@pytest.mark.parametrize("username", ["township_officer", "provider_admin", "county_admin"])
def test_only_the_trails_readers_export_it(world, trail, login, username):
    expected = 200 if username == "county_admin" else 403  # the county office, any role
    assert login(world[username]).get(EXPORT).status_code == expected


def test_another_county_gets_none_of_these_events(world, trail, login):
    client = login(world["other_county_officer"])
    assert _page_reasons(client, EARLY_JUNE) == {"外县"}
    assert [row[6] for row in _sheet(client.get(f"{EXPORT}?{EARLY_JUNE}"))[1:]] == ["外县"]


def test_the_page_and_its_export_cost_the_same_queries_for_n_and_2n_events(world, login):
    client = login(world["county_officer"])

    def add(n: int) -> None:
        for i in range(n):
            _on(
                2,
                action="user.updated",
                actor=world["county_admin"],
                obj=world["expert"],
                reason=f"{i}",
            )

    def counts() -> list[int]:
        found = []
        for url in (f"{LIST}?action=user.updated", f"{EXPORT}?action=user.updated"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                b"".join(getattr(response, "streaming_content", [b""]))
            assert response.status_code == 200
            found.append(len(captured))
        return found

    add(10)
    first = counts()
    add(10)
    assert counts() == first
