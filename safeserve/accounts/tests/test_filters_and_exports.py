"""The users list's and the login log's one filter each: the page, the API (users) and the
exports select the same rows, refuse the same bad input, stay in the viewer's scope and cost
the same queries however many rows there are. Expectations are written out by hand."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from safeserve.accounts.models import LoginChannel, LoginLog, LoginResult, User
from safeserve.audit.models import AuditEvent
from safeserve.common.tests.clock import SHANGHAI
from safeserve.organizations.models import Organization, Role

pytestmark = pytest.mark.django_db

USERS = reverse("accounts:user_list")
USERS_EXPORT = reverse("accounts:user_export")
LOG = reverse("accounts:login_log")
LOG_EXPORT = reverse("accounts:login_log_export")
API = "/api/v1/users/"
API_EXPORT = "/api/v1/users/export/"


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


# --- Users ---------------------------------------------------------------------------------


@pytest.fixture
def moved_on(world: dict[str, User]) -> User:
    """expert2 has left the provider (deactivated); expert logged in once."""
    User.objects.filter(username="expert2").update(is_active=False)
    User.objects.filter(username="expert").update(
        last_login=dt.datetime(2026, 6, 9, 8, 30, tzinfo=SHANGHAI)
    )
    return User.objects.get(username="expert2")


def _page_users(client: Any, query: str) -> set[str]:
    response = client.get(f"{USERS}?{query}")
    assert response.status_code == 200
    return {u.username for u in response.context["page"].object_list}


def _api_users(client: Any, query: str) -> set[str]:
    response = client.get(f"{API}?{query}&page_size=200")
    assert response.status_code == 200, response.json()
    return {row["username"] for row in response.json()["results"]}


def _provider(world: dict[str, User]) -> Organization:
    return Organization.objects.get(name="安平安科安全技术咨询有限公司")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=expert", {"expert", "expert2", "other_expert"}),
        ("q=晓", {"transport_officer", "expert2"}),  # 吴晓东, 林晓梅
        ("q=township", {"township_officer", "township_leader"}),
        ("is_active=0", {"expert2"}),
        ("role=expert&is_active=1", {"expert", "other_expert"}),
        ("provider", {"provider_admin", "provider_leader", "expert", "expert2"}),
        ("username=county", {"county_officer", "county_leader", "county_admin"}),  # kept
    ],
)
def test_it_selects_the_same_users_on_the_page_in_the_api_and_in_both_exports(
    world, moved_on, login, api, query, expected
):
    if query == "provider":
        query = f"organization={_provider(world).pk}"
    admin = world["county_admin"]
    assert _page_users(login(admin), query) == expected
    assert _api_users(api(admin), query) == expected
    assert {row[0] for row in _sheet(login(admin).get(f"{USERS_EXPORT}?{query}"))[1:]} == expected
    assert {row[0] for row in _sheet(api(admin).get(f"{API_EXPORT}?{query}"))[1:]} == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("is_active=maybe", "is_active"),
        ("role=boss", "role"),
        ("organization=abc", "organization"),
        ("organization=" + "9" * 30, "organization"),
        ("other county", "organization"),
    ],
)
def test_it_refuses_a_bad_user_filter_naming_the_field(world, login, api, query, field):
    if query == "other county":  # not a choice: another county's organization
        query = f"organization={world['other_county_officer'].organization_id}"
    admin = world["county_admin"]
    for url in (API, API_EXPORT):
        response = api(admin).get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    assert not AuditEvent.objects.filter(action="list.exported").exists()
    page = login(admin).get(f"{USERS}?{query}")
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == [field]
    assert escape(errors[field][0]) in page.content.decode()
    assert "other_county_officer" not in {u.username for u in page.context["page"].object_list}


def test_the_organization_choices_are_the_viewers(world, login):
    field = login(world["provider_admin"]).get(USERS).context["filters"].form.fields["organization"]
    assert [str(label) for value, label in field.choices if value] == [
        "安平安科安全技术咨询有限公司"
    ]


def test_the_user_export_is_the_filtered_list_masked_and_audited(world, moved_on, login, api):
    admin = world["provider_admin"]  # reads its experts' phones in full on the pages
    rows = _sheet(login(admin).get(f"{USERS_EXPORT}?role=expert"))
    header, *body = rows
    assert len(header) == 7
    assert sorted((r[0], r[1], r[2], r[4], r[5], r[6]) for r in body) == [
        (
            "expert",
            "何振华",
            "安平安科安全技术咨询有限公司",
            "是",
            "139****1004",
            "2026-06-09 08:30",
        ),
        ("expert2", "林晓梅", "安平安科安全技术咨询有限公司", "否", "139****1005", None),
    ]
    event = AuditEvent.objects.get(action="list.exported")
    assert event.actor == admin
    assert event.after == {"list": "users", "rows": 2, "filters": "role=expert", "channel": "web"}
    rows = _sheet(api(admin).get(f"{API_EXPORT}?is_active=0"))
    assert [row[0] for row in rows[1:]] == ["expert2"]
    event = AuditEvent.objects.filter(action="list.exported").latest("seq")
    assert (event.after["rows"], event.after["channel"]) == (1, "api")


@pytest.mark.parametrize("username", ["county_officer", "township_officer", "expert"])
def test_the_user_export_is_for_the_lists_readers_only(world, login, api, username):
    assert login(world[username]).get(USERS).status_code == 403
    assert login(world[username]).get(USERS_EXPORT).status_code == 403
    assert api(world[username]).get(API_EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="list.exported").exists()


def test_another_county_gets_none_of_these_users(world, login, api):
    outsider = world["other_county_admin"]
    expected = {"other_county_officer", "other_county_admin"}
    assert _page_users(login(outsider), "") == expected
    assert _api_users(api(outsider), "") == expected
    assert {row[0] for row in _sheet(login(outsider).get(USERS_EXPORT))[1:]} == expected
    assert {row[0] for row in _sheet(api(outsider).get(API_EXPORT))[1:]} == expected


def _more_users(org: Organization, start: int, n: int) -> None:
    User.objects.bulk_create(
        User(
            username=f"bulk{start + i}",
            full_name="批量",
            role=Role.VIEWER,
            organization=org,
            phone="13800001111",
        )
        for i in range(n)
    )


def test_the_user_page_and_exports_cost_the_same_queries_for_n_and_2n_rows(world, login, api):
    admin = world["county_admin"]
    org = world["township_officer"].organization
    page, rest = login(admin), api(admin)
    query = f"organization={org.pk}&role=viewer"

    def counts() -> list[int]:
        found = []
        for client, url in (
            (page, f"{USERS}?{query}"),
            (page, f"{USERS_EXPORT}?{query}"),
            (rest, f"{API_EXPORT}?{query}"),
        ):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                b"".join(getattr(response, "streaming_content", [b""]))
            assert response.status_code == 200
            found.append(len(captured))
        return found

    _more_users(org, 0, 10)
    first = counts()
    _more_users(org, 10, 10)
    assert counts() == first


# --- The login log ---------------------------------------------------------------------------


def _entry(world: dict[str, User], username: str, result: str, day: int, **extra: Any) -> None:
    """A login log entry on ``day`` of June 2026, in 安平县 unless ``county`` names 长宁县."""
    in_other_county = extra.pop("county", "") == "长宁县"
    office = world["other_county_officer" if in_other_county else "county_officer"]
    LoginLog.objects.create(
        created_at=dt.datetime(2026, 6, day, 9, 15, tzinfo=SHANGHAI),
        username=username,
        user=world.get(username),
        county=office.organization.county,
        result=result,
        channel=extra.pop("channel", LoginChannel.WEB),
        ip=extra.pop("ip", "10.0.0.1"),
        user_agent="Mozilla/5.0",
    )


@pytest.fixture
def logins(world: dict[str, User]) -> None:
    _entry(world, "county_officer", LoginResult.SUCCESS, 1, ip="10.0.0.11")
    _entry(world, "county_officer", LoginResult.FAILED, 3)
    _entry(world, "township_officer", LoginResult.SUCCESS, 5, channel=LoginChannel.API)
    _entry(world, "nobody", LoginResult.FAILED, 8)
    _entry(world, "other_county_officer", LoginResult.SUCCESS, 5, county="长宁县")


def _page_log(client: Any, query: str) -> list[tuple[str, int]]:
    response = client.get(f"{LOG}?{query}")
    assert response.status_code == 200
    entries = response.context["page"].object_list
    return sorted((e.username, e.created_at.astimezone(SHANGHAI).day) for e in entries)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [("county_officer", 1), ("county_officer", 3), ("nobody", 8), ("township_officer", 5)],
        ),
        ("q=county", [("county_officer", 1), ("county_officer", 3)]),
        ("result=failed", [("county_officer", 3), ("nobody", 8)]),
        (
            "date_from=2026-06-03&date_to=2026-06-05",
            [("county_officer", 3), ("township_officer", 5)],
        ),
        ("result=success&date_to=2026-06-04", [("county_officer", 1)]),
    ],
)
def test_the_login_log_page_and_its_export_select_the_same_entries(
    world, logins, login, query, expected
):
    client = login(world["county_officer"])
    assert _page_log(client, query) == expected
    rows = _sheet(client.get(f"{LOG_EXPORT}?{query}"))[1:]
    assert sorted((row[1], int(row[0][8:10])) for row in rows) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [("result=maybe", "result"), ("date_from=2026-02-30", "date_from"), ("date_to=x", "date_to")],
)
def test_the_login_log_shows_a_bad_filters_message(world, logins, login, query, field):
    page = login(world["county_officer"]).get(f"{LOG}?{query}")
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == [field]
    assert escape(errors[field][0]) in page.content.decode()


def test_the_login_log_export_shows_what_the_page_does_and_is_audited(world, logins, login):
    officer = world["county_officer"]
    rows = _sheet(login(officer).get(f"{LOG_EXPORT}?q=county&result=success"))
    assert len(rows) == 2
    time, username, organization, _result, _channel, ip, agent = rows[1]
    assert (time, username, organization, ip, agent) == (
        "2026-06-01 09:15",
        "county_officer",
        "安平县安全生产委员会办公室",
        "10.0.0.11",
        "Mozilla/5.0",
    )
    event = AuditEvent.objects.get(action="list.exported")
    assert event.after == {
        "list": "login_log",
        "rows": 1,
        "filters": "q=county&result=success",
        "channel": "web",
    }


@pytest.mark.parametrize(("username", "status"), [("township_officer", 403), ("expert", 403)])
def test_the_login_log_export_is_for_its_readers_only(world, logins, login, username, status):
    assert login(world[username]).get(LOG_EXPORT).status_code == status
    assert not AuditEvent.objects.filter(action="list.exported").exists()


def test_another_county_gets_none_of_these_entries(world, logins, login):
    client = login(world["other_county_officer"])
    assert _page_log(client, "") == [("other_county_officer", 5)]
    rows = _sheet(client.get(LOG_EXPORT))[1:]
    assert [row[1] for row in rows] == ["other_county_officer"]


def test_the_login_log_and_its_export_cost_the_same_queries_for_n_and_2n_rows(world, login):
    client = login(world["county_officer"])

    def add(n: int) -> None:
        for _ in range(n):
            _entry(world, "county_officer", LoginResult.SUCCESS, 2)

    def counts() -> list[int]:
        found = []
        for url in (f"{LOG}?result=success", f"{LOG_EXPORT}?result=success"):
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
