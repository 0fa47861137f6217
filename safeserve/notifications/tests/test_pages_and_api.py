"""The notification centre on the page (bell, list, open, mark read, preferences, export) and
in the API; one's own only, a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeserve.audit.models import AuditEvent
from safeserve.fieldwork.tests.conftest import raise_major
from safeserve.notifications.models import Notification, NotificationPreference
from safeserve.notifications.registry import Occasion
from safeserve.notifications.services import notify

pytestmark = pytest.mark.django_db


def many(user: Any, count: int, start: int = 0) -> None:
    """``count`` task reminders for ``user`` about an object they see (themselves)."""
    notify(
        "task_tomorrow",
        [
            Occasion(
                obj=user.organization,
                key=f"probe-{start + n}",
                params={"title": f"任务{n}", "date": "2026-06-11", "enterprise": "恒丰"},
                url="/tasks/",
                county_id=user.organization.county_id,
                users=(user.pk,),
            )
            for n in range(count)
        ],
    )


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_shows_ones_own_with_the_unread_count(users, on_site, login):
    raise_major(users, on_site)
    page = login(users["county_officer"]).get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "重大隐患" in html and "1 条未读" in html
    other = login(users["expert"]).get("/notifications/").content.decode()
    assert "重大隐患 YH" not in other


def test_the_bell_counts_unread_and_lists_the_latest(users, on_site, login):
    raise_major(users, on_site)
    client = login(users["county_officer"])
    bell = client.get("/notifications/bell/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="bell-count"' in bell and ">1<" in bell.replace(" ", "").replace("\n", "")
    assert "重大隐患" in bell
    # Every page carries the bell, loaded after it (the page itself pays nothing).
    home = client.get("/").content.decode()
    assert 'hx-get="/notifications/bell/"' in home


def test_opening_marks_read_and_goes_to_the_object(users, on_site, login):
    hazard = raise_major(users, on_site)
    client = login(users["county_officer"])
    notification = Notification.objects.get(recipient=users["county_officer"])
    response = client.get(f"/notifications/{notification.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/hazards/{hazard.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(users, on_site, login):
    raise_major(users, on_site)
    theirs = Notification.objects.get(recipient=users["county_officer"])
    client = login(users["county_leader"])
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    client.post("/notifications/read/", {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_odd_ids_to_mark_read_are_ignored_not_an_error(users, on_site, login):
    raise_major(users, on_site)
    client = login(users["county_officer"])
    response = client.post("/notifications/read/", {"id": ["²", "x", "-1", "9" * 30]})
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 7


def test_mark_all_read_says_how_many(users, on_site, login):
    raise_major(users, on_site)
    client = login(users["county_officer"])
    response = client.post("/notifications/read/", {"all": "1"}, follow=True)
    assert "1 条通知已标为已读" in response.content.decode()
    assert not Notification.objects.filter(
        recipient=users["county_officer"], read_at__isnull=True
    ).exists()


def test_the_preferences_page_saves_and_keeps_major_hazards_shown(users, login):
    client = login(users["provider_admin"])
    page = client.get("/notifications/preferences/").content.decode()
    assert "始终显示" in page
    response = client.post(
        "/notifications/preferences/",
        {"task_tomorrow__email": "on", "hazard_due_soon__app": "on"},
        follow=True,
    )
    assert "已保存" in response.content.decode()
    saved = {
        p.kind: (p.in_app, p.email)
        for p in NotificationPreference.objects.filter(user=users["provider_admin"])
    }
    assert saved["task_tomorrow"] == (False, False)  # no email of what is not shown
    assert saved["hazard_due_soon"] == (True, False)
    # A disabled box sends nothing: the mandatory kind still shows in the app.
    assert saved.get("major_hazard_raised", (True, False))[0] is True
    assert AuditEvent.objects.filter(action="notifications.preferences_changed").count() == 1


def test_the_list_exports_what_it_selects(users, on_site, login):
    raise_major(users, on_site)
    response = login(users["county_officer"]).get("/notifications/export/?unread=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="list.exported").exists()


def test_a_bad_filter_names_the_field(users, login):
    response = login(users["expert"]).get("/notifications/?sent_after=yesterday")
    assert response.status_code == 200
    assert "有效日期" in response.content.decode() or "日期" in response.content.decode()


def test_the_list_and_the_bell_cost_the_same_for_twice_the_rows(users, login):
    user = users["expert"]
    client = login(user)
    many(user, 10)
    list_small, bell_small = (
        queries(client, "/notifications/"),
        queries(client, "/notifications/bell/"),
    )
    many(user, 10, start=10)
    assert queries(client, "/notifications/") == list_small
    assert queries(client, "/notifications/bell/") == bell_small


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_ones_own_and_marks_them_read(users, on_site, api):
    raise_major(users, on_site)
    officer = api(users["county_officer"])
    [row] = officer.get("/api/v1/notifications/").json()["results"]
    assert row["kind"] == "major_hazard_raised" and row["is_read"] is False
    assert officer.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api(users["expert"]).post(f"/api/v1/notifications/{row['id']}/read/").status_code == 404
    assert officer.post(f"/api/v1/notifications/{row['id']}/read/").json() == {"marked": 1}
    assert officer.get("/api/v1/notifications/?unread=1").json()["results"] == []


def test_the_api_marks_many_read_or_refuses_naming_the_field(users, on_site, api):
    raise_major(users, on_site)
    leader = api(users["county_leader"])
    refused = leader.post("/api/v1/notifications/read/", {}, format="json")
    assert refused.status_code == 400 and "ids" in refused.json()["errors"]
    bad = leader.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400
    done = leader.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert done.json() == {"marked": 1}


def test_the_api_reads_and_changes_preferences(users, api):
    client = api(users["expert"])
    rows = {row["kind"]: row for row in client.get("/api/v1/notifications/preferences/").json()}
    assert rows["major_hazard_raised"]["mandatory"] is True
    assert rows["task_tomorrow"] == {
        "kind": "task_tomorrow",
        "kind_label": "明日任务",
        "mandatory": False,
        "in_app": True,
        "email": True,
    }
    changed = client.post(
        "/api/v1/notifications/preferences/",
        [{"kind": "task_tomorrow", "in_app": True, "email": False}],
        format="json",
    )
    assert changed.status_code == 200
    assert {r["kind"]: r for r in changed.json()}["task_tomorrow"]["email"] is False
    unknown = client.post(
        "/api/v1/notifications/preferences/",
        [{"kind": "nonsense", "in_app": False, "email": False}],
        format="json",
    )
    assert unknown.status_code == 400 and "nonsense" in unknown.json()["message"]


def test_the_api_export_and_the_anonymous(users, on_site, api):
    raise_major(users, on_site)
    assert api(users["county_officer"]).get("/api/v1/notifications/export/").status_code == 200
    assert api().get("/api/v1/notifications/").status_code in (401, 403)
