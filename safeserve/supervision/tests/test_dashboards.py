"""数据看板 (issue 16): every figure and every chart point of every role's dashboard equals the
count of the list it links to, seen as that user; the API gives the same; a constant number
of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeserve.fieldwork.tests.conftest import TODAY, advance, plan_task, raise_general
from safeserve.hazards.models import HazardStatus
from safeserve.supervision.dashboards import dashboard_for
from safeserve.supervision.tests.test_statistics import chain

pytestmark = pytest.mark.django_db

ROLES = {
    # persona: its dashboard
    "county_officer": "county",
    "township_officer": "township",
    "department_officer": "department",
    "provider_admin": "provider",
    "expert": "expert",
    "enterprise_user": "enterprise",
}


def listed(client: Any, url: str) -> int:
    """How many rows the list page says it holds."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.context["page"]
    return page.count if hasattr(page, "count_exact") else page.paginator.count


def world(users: dict[str, Any], on_site: Any, contract: Any, hengfeng: Any) -> None:
    """Hazards open, overdue, closed and major (sent, supervised, planned), a task this week
    and one next month."""
    chain(users, on_site)
    advance(users, raise_general(users, on_site, deadline=TODAY), HazardStatus.RECTIFYING)
    plan_task(users, contract, hengfeng, days=3)
    plan_task(users, contract, hengfeng, days=40)


@pytest.mark.parametrize(("username", "view"), ROLES.items())
def test_every_number_is_the_count_of_the_list_it_opens(
    users, on_site, contract, hengfeng, login, username, view
):
    world(users, on_site, contract, hengfeng)
    import time_machine
    from django.utils import timezone

    user = users[username]
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        board = dashboard_for(user)
        assert board is not None and board.view == view
        client = login(user)
        checked = 0
        for f in board.figures:
            assert listed(client, f.url) == f.value, f.label
            checked += 1
        for chart in board.charts:
            for serie in chart.series:
                for point in serie.points:
                    if point.list:
                        assert listed(client, point.url) == point.value, (chart.key, point.url)
                        checked += 1
                    else:  # a report page (coverage, budget) drawn from the same selector
                        assert client.get(point.url).status_code == 200
        assert checked >= 4
        assert any(f.value for f in board.figures), "the world gives each role something"


def test_the_county_figures_see_the_world(users, on_site, contract, hengfeng):
    world(users, on_site, contract, hengfeng)
    board = dashboard_for(users["county_officer"])
    assert board is not None
    figures = {f.label: f.value for f in board.figures}
    assert figures["未销号隐患"] == 3 and figures["未销号重大隐患"] == 1
    by_month = next(c for c in board.charts if c.key == "hazards_by_month")
    assert by_month.series[0].points[-1].value == 4  # found this month
    assert by_month.series[1].points[-1].value == 1  # closed this month
    majors = next(c for c in board.charts if c.key == "open_majors")
    assert [p.value for s in majors.series for p in s.points] == [0, 1, 0, 0]
    other = dashboard_for(users["other_county_officer"])
    assert other is not None and not any(f.value for f in other.figures)


DENIED = ["evaluator", "admin"]


def test_the_page_and_the_api_per_role(users, login, api):
    for username, view in ROLES.items():
        assert login(users[username]).get("/dashboard/").status_code == 200
        client = api(users[username])
        body = client.get("/api/v1/dashboard/").json()
        assert body["view"] == view and body["figures"]
        assert client.get(f"/api/v1/dashboard/{view}/").status_code == 200
        other = "county" if view != "county" else "enterprise"
        assert client.get(f"/api/v1/dashboard/{other}/").status_code == 403
        assert client.get("/api/v1/dashboard/planet/").status_code == 404
    for username in DENIED:
        assert login(users[username]).get("/dashboard/").status_code == 403
        assert api(users[username]).get("/api/v1/dashboard/").status_code == 403
    assert api().get("/api/v1/dashboard/").status_code in (401, 403)


def test_the_dashboard_costs_the_same_for_twice_the_hazards(users, on_site, login):
    client = login(users["county_officer"])
    raise_general(users, on_site)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    before = count()
    raise_general(users, on_site)
    raise_general(users, on_site, deadline=TODAY)
    assert count() == before


@pytest.mark.parametrize("username", ["county_officer", "township_officer", "department_officer"])
def test_the_coverage_chart_shows_the_coverage_pages_numbers(
    users, on_site, contract, hengfeng, login, username
):
    world(users, on_site, contract, hengfeng)
    board = dashboard_for(users[username])
    assert board is not None
    chart = next(c for c in board.charts if c.key == "coverage")
    page = login(users[username]).get(f"/contracts/coverage/?year={TODAY.year}")
    rows = page.context["report"].rows
    assert chart.categories == [r.name for r in rows]
    assert [p.value for p in chart.series[0].points] == [r.covered for r in rows]
    assert [p.value for p in chart.series[1].points] == [len(r.gaps) for r in rows]
    assert rows, "each government user answers for some key enterprises"


def test_a_technical_report_is_due_the_policy_days_after_the_findings(users, on_site, login):
    import time_machine
    from django.utils import timezone

    from safeserve.documents.models import TechnicalReport
    from safeserve.fieldwork.tests.conftest import finish

    finish(users, on_site)
    report = TechnicalReport.objects.get(task=on_site)
    assert report.due_on == TODAY + dt.timedelta(days=15) and not report.issued_late
    # The provider's draft: the purchaser sees it once issued.
    client = login(users["provider_admin"])
    assert listed(client, "/documents/reports/?late=1") == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=16), tick=False):
        client = login(users["provider_admin"])
        assert listed(client, "/documents/reports/?late=1") == 1  # still a draft, past due
        board = dashboard_for(users["provider_admin"])
        assert board is not None
        assert {f.label: f.value for f in board.figures}["逾期的技术报告"] == 1
