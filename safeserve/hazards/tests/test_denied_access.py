"""Refused requests leave a trace the county office can read: 403s and out-of-scope 404s of
logged-in users (pages and API), and wrong notice-link tokens, one row per asker, minute and
answer with a count. The notice link is rate-limited per address, counted in the database.
None of it enters the audit hash chain."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from safeserve.accounts.models import DeniedAccess
from safeserve.audit.models import AuditEvent
from safeserve.common.models import RateCounter
from safeserve.fieldwork.tests.conftest import raise_general
from safeserve.hazards import services
from safeserve.hazards.links import LINK_REQUESTS_PER_MINUTE
from safeserve.hazards.services import notice_token
from safeserve.organizations.models import Organization

PAGE = reverse("accounts:denied_log")
API = "/api/v1/denied-accesses/"


def _other_county_org() -> int:
    return Organization.objects.get(name="长宁县安全生产委员会办公室").pk


def test_refusals_are_counted_per_user_minute_and_answer(users, login, api):
    township = users["township_officer"]
    chain = AuditEvent.objects.count()
    client = login(township)
    for _ in range(3):
        assert (
            client.get(reverse("organizations:detail", args=[_other_county_org()])).status_code
            == 404
        )
    assert client.get(reverse("operations:counties")).status_code == 403
    assert api(township).get(f"/api/v1/organizations/{_other_county_org()}/").status_code == 404
    rows = {r.status: r for r in DeniedAccess.objects.filter(user=township)}
    assert set(rows) == {403, 404}
    assert rows[404].count == 4 and rows[403].count == 1
    assert rows[404].path == reverse("organizations:detail", args=[_other_county_org()])
    assert rows[404].county_id == township.organization.county_id
    assert AuditEvent.objects.count() == chain  # not in the hash chain


@pytest.mark.parametrize(
    ("username", "page", "rows"),
    [
        ("county_officer", 200, 1),
        ("other_county_officer", 200, 0),
        ("township_officer", 403, None),
        ("department_officer", 403, None),
        ("provider_admin", 403, None),
        ("expert", 403, None),
        ("enterprise_user", 403, None),
    ],
)
def test_who_reads_the_denied_accesses(users, login, api, username, page, rows):
    login(users["township_officer"]).get(reverse("operations:counties"))
    response = login(users[username]).get(PAGE)
    assert response.status_code == page
    listed = api(users[username]).get(API)
    if rows is None:
        assert listed.status_code == 403
    else:
        assert len(listed.json()["results"]) == rows
        assert len(response.context["page"].object_list) == rows


def test_the_page_filters_and_exports_with_one_filterset(users, login, api):
    login(users["township_officer"]).get(reverse("operations:counties"))
    login(users["expert"]).get(reverse("organizations:detail", args=[_other_county_org()]))
    officer = users["county_officer"]
    page = login(officer).get(PAGE + "?status=403")
    assert [e.status for e in page.context["page"].object_list] == [403]
    assert [r["status"] for r in api(officer).get(API + "?status=404").json()["results"]] == [404]
    export = login(officer).get(reverse("accounts:denied_log_export") + "?q=expert")
    assert export.status_code == 200
    assert AuditEvent.objects.filter(action="list.exported").exists()
    bad = api(officer).get(API + "?date_from=yesterday")
    assert bad.status_code == 400 and "date_from" in bad.json()["errors"]


def test_the_page_reads_a_constant_number_of_queries(users, login):
    officer = users["county_officer"]
    client = login(officer)

    def deny(n: int) -> None:
        for user in list(users.values())[:n]:
            if user.organization and user.organization.county_id == officer.organization.county_id:
                login(user).get(reverse("operations:counties"))

    deny(3)
    client = login(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    deny(len(users))
    client = login(officer)
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE)
    assert len(few) == len(many)


def test_a_wrong_notice_link_token_is_recorded_without_the_token(users, on_site):
    hazard = raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[hazard])
    wrong = "0" * 40
    assert Client().get(f"/n/{notice.pk}/{wrong}/").status_code == 404
    assert APIClient().get(f"/api/v1/notice-links/{notice.pk}/{wrong}/").status_code == 404
    row = DeniedAccess.objects.get(user=None)
    assert row.count == 2 and row.county_id == on_site.contract.county_id
    assert wrong not in row.path and str(notice.pk) in row.path
    assert Client().get(f"/n/{notice.pk}/{notice_token(notice)}/").status_code == 200
    assert DeniedAccess.objects.get(user=None).count == 2


def test_the_notice_link_is_rate_limited_per_address_in_the_database(users, on_site):
    hazard = raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[hazard])
    url = f"/n/{notice.pk}/{notice_token(notice)}/"
    for _ in range(LINK_REQUESTS_PER_MINUTE):
        assert Client().get(url, REMOTE_ADDR="10.1.1.1").status_code == 200
    busy = Client().get(url, REMOTE_ADDR="10.1.1.1")
    assert busy.status_code == 429 and "一分钟" in busy.content.decode()
    api_busy = APIClient().get(
        f"/api/v1/notice-links/{notice.pk}/{notice_token(notice)}/", REMOTE_ADDR="10.1.1.1"
    )
    assert api_busy.status_code == 429 and api_busy.json()["code"] == "throttled"
    assert Client().get(url, REMOTE_ADDR="10.1.1.2").status_code == 200  # another address
    assert RateCounter.objects.get(key="notice-link:10.1.1.1").count == LINK_REQUESTS_PER_MINUTE + 2


def test_the_rate_limit_starts_again_the_next_minute(users, on_site):
    hazard = raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[hazard])
    url = f"/n/{notice.pk}/{notice_token(notice)}/"
    for _ in range(LINK_REQUESTS_PER_MINUTE + 1):
        Client().get(url, REMOTE_ADDR="10.1.1.3")
    assert Client().get(url, REMOTE_ADDR="10.1.1.3").status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=False):
        assert Client().get(url, REMOTE_ADDR="10.1.1.3").status_code == 200


def test_a_logged_in_refusal_on_a_notice_link_never_stores_its_token(users, on_site, login):
    hazard = raise_general(users, on_site)
    notice = services.notice_issue(actor=users["expert"], task=on_site, hazards=[hazard])
    token = notice_token(notice)
    client = login(users["county_officer"])
    missing = client.post(f"/n/{notice.pk}/{token}/", {"hazard": 999999, "verb": "acknowledge"})
    assert missing.status_code == 404
    assert not any(token in row.path for row in DeniedAccess.objects.all())
