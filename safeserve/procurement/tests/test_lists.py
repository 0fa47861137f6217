"""Purchase plans and projects filter the same way on the page, in the API and in the audited
export, within the viewer's scope; a bad filter is named."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.organizations.models import PURCHASER_KINDS, Organization
from safeserve.procurement import services
from safeserve.procurement.models import PlanItem, PurchasePlan, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

YEAR = TODAY.year


def sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def last_export() -> Any:
    event = AuditEvent.objects.filter(action="list.exported").order_by("-seq").first()
    assert event is not None
    return event.after


def counted(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(captured)


def page_rows(client: Any, url: str) -> list[Any]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["page"])


def other_county_purchasers() -> list[str]:
    names = Organization.objects.filter(county__code="990122", kind__in=PURCHASER_KINDS)
    return list(names.values_list("name", flat=True))


# --- plans ----------------------------------------------------------------------------------


@pytest.fixture
def plans(demo: dict[str, Any]) -> dict[str, PurchasePlan]:
    """城关镇's approved plan and 应急管理局's submitted one (the demo), and 住建局's draft of
    last year."""
    services.plan_create(actor=demo["housing_officer"], year=YEAR - 1, title="住建局上年度计划")
    return {
        who: PurchasePlan.objects.get(purchaser=demo[who].organization)
        for who in ("township_officer", "department_officer", "housing_officer")
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"township_officer", "department_officer", "housing_officer"}),
        (f"year={YEAR}", {"township_officer", "department_officer"}),
        (f"year={YEAR - 1}", {"housing_officer"}),
        ("status=submitted", {"department_officer"}),
        (f"status=approved&year={YEAR}", {"township_officer"}),
        (f"status=approved&year={YEAR - 1}", set()),
        ("purchaser={department}", {"department_officer"}),
    ],
)
def test_plans_filter_the_same_on_the_page_and_in_the_api(
    plans: Any, demo: Any, login: Any, api: Any, query: str, expected: set[str]
) -> None:
    officer = demo["county_officer"]
    query = query.format(department=demo["department_officer"].organization_id)
    want = {plans[who].pk for who in expected}
    page = page_rows(login(officer), f"{reverse('procurement:plan_list')}?{query}")
    listed = api(officer).get(f"/api/v1/purchase-plans/?{query}")
    assert listed.status_code == 200
    assert {p.pk for p in page} == want
    assert {p["id"] for p in listed.json()["results"]} == want


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year", "20x6"),
        ("year", "1999"),
        ("year", "99999"),
        ("status", "nope"),
        ("purchaser", "abc"),
        ("purchaser", "9" * 30),
        ("purchaser", "{other_county}"),
    ],
)
def test_a_bad_plan_filter_is_named(
    plans: Any, demo: Any, login: Any, api: Any, field: str, value: str
) -> None:
    officer = demo["county_officer"]
    other = Organization.objects.filter(county__code="990122", kind__in=PURCHASER_KINDS).first()
    value = value.format(other_county=other.pk)
    for url in ("/api/v1/purchase-plans/", "/api/v1/purchase-plans/export/"):
        response = api(officer).get(f"{url}?{field}={value}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    page = login(officer).get(f"{reverse('procurement:plan_list')}?{field}={value}")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(page.context["filters"].form.errors[field][0]) in html
    assert len(page.context["page"]) == 3  # the field in error is left out
    for name in other_county_purchasers():
        assert name not in html


def test_a_purchaser_chooses_no_purchaser_and_may_not_name_another(
    plans: Any, demo: Any, login: Any, api: Any
) -> None:
    township = demo["township_officer"]
    page = login(township).get(reverse("procurement:plan_list"))
    assert page.context["filters"].form.fields["purchaser"].widget.input_type == "hidden"
    assert demo["department_officer"].organization.name not in page.content.decode()
    department = demo["department_officer"].organization_id
    response = api(township).get(f"/api/v1/purchase-plans/?purchaser={department}")
    assert response.status_code == 400 and "purchaser" in response.json()["errors"]
    own = township.organization_id
    listed = api(township).get(f"/api/v1/purchase-plans/?purchaser={own}").json()["results"]
    assert [p["id"] for p in listed] == [plans["township_officer"].pk]


def test_the_plan_export_is_the_filtered_list(plans: Any, demo: Any, login: Any, api: Any) -> None:
    officer = demo["county_officer"]
    client = login(officer)
    query = f"year={YEAR}"
    rows = sheet(client.get(f"{reverse('procurement:plan_export')}?{query}"))
    page = page_rows(client, f"{reverse('procurement:plan_list')}?{query}")
    assert [row[2] for row in rows[1:]] == [p.title for p in page]
    township = next(row for row in rows[1:] if row[2] == plans["township_officer"].title)
    # year, purchaser, title, status, items, budget
    assert township[0] == YEAR
    assert township[1] == demo["township_officer"].organization.name
    assert township[4] == 2 and Decimal(township[5]) == Decimal("420000")
    assert last_export() == {
        "list": "purchase_plans",
        "rows": 2,
        "filters": query,
        "channel": "web",
    }
    assert sheet(api(officer).get(f"/api/v1/purchase-plans/export/?{query}")) == rows
    assert last_export()["rows"] == 2 and last_export()["channel"] == "api"


def test_another_county_gets_none_of_the_plans(plans: Any, demo: Any, login: Any, api: Any) -> None:
    outsider = demo["other_county_officer"]
    ours = {p.pk for p in plans.values()}
    titles = {p.title for p in plans.values()}
    for query in ("", f"year={YEAR}"):
        assert not page_rows(login(outsider), f"{reverse('procurement:plan_list')}?{query}")
        listed = api(outsider).get(f"/api/v1/purchase-plans/?{query}").json()["results"]
        assert not {p["id"] for p in listed} & ours
        exported = sheet(login(outsider).get(f"{reverse('procurement:plan_export')}?{query}"))
        api_exported = sheet(api(outsider).get(f"/api/v1/purchase-plans/export/?{query}"))
        assert not {row[2] for row in exported[1:] + api_exported[1:]} & titles
        assert last_export()["rows"] == 0


def _more_plans(purchaser: Organization, start: int, n: int) -> None:
    for year in range(start, start + n):
        plan = PurchasePlan.objects.create(
            purchaser=purchaser, county=purchaser.county, year=year, title=f"{year}年度计划"
        )
        for category in ("inspection", "training"):
            PlanItem.objects.create(plan=plan, category=category, content="x", budget=100)


def test_the_plan_page_and_export_cost_the_same_queries_for_n_and_2n_rows(
    plans: Any, demo: Any, login: Any, api: Any
) -> None:
    officer = demo["county_officer"]
    page, rest = login(officer), api(officer)
    purchaser = demo["transport_officer"].organization
    query = f"?status=draft&purchaser={purchaser.pk}"
    _more_plans(purchaser, 2001, 5)
    urls = [
        (page, reverse("procurement:plan_list") + query),
        (page, reverse("procurement:plan_export") + query),
        (rest, "/api/v1/purchase-plans/" + query),
        (rest, "/api/v1/purchase-plans/export/" + query),
    ]
    first = [counted(client, url) for client, url in urls]
    _more_plans(purchaser, 2011, 5)
    assert [counted(client, url) for client, url in urls] == first
    assert last_export()["rows"] == 10


# --- projects -------------------------------------------------------------------------------


@pytest.fixture
def projects(demo: dict[str, Any]) -> dict[str, PurchaseProject]:
    """城关镇's awarded inspection project (the demo), a second one it is preparing, and a
    cancelled occupational-health project of 应急管理局."""
    awarded = PurchaseProject.objects.get(status="awarded")
    preparing = services.project_create(
        actor=demo["township_officer"],
        item=awarded.item,
        data=services.ProjectData(
            title="城关镇补充检查服务", service_content="检查", enterprise_scope="城关镇"
        ),
    )
    department = demo["department_officer"].organization
    item = PlanItem.objects.get(plan__purchaser=department, category="occupational")
    cancelled = PurchaseProject.objects.create(
        item=item,
        purchaser=department,
        county=department.county,
        title="应急局职业卫生服务（已取消）",
        service_content="x",
        enterprise_scope="x",
        status="cancelled",
        cancel_reason="预算调整",
    )
    return {"awarded": awarded, "preparing": preparing, "cancelled": cancelled}


@pytest.mark.parametrize(
    ("username", "query", "expected"),
    [
        ("county_officer", "", {"awarded", "preparing", "cancelled"}),
        ("county_officer", "status=preparing", {"preparing"}),
        ("county_officer", "status=awarded", {"awarded"}),
        ("county_officer", "category=inspection", {"awarded", "preparing"}),
        ("county_officer", "category=occupational", {"cancelled"}),
        ("county_officer", "purchaser={department}", {"cancelled"}),
        ("county_officer", "purchaser={township}&status=cancelled", set()),
        ("township_officer", "", {"awarded", "preparing"}),
        ("township_officer", "purchaser={township}", {"awarded", "preparing"}),
        ("provider_admin", "", {"awarded"}),  # the projects awarded to it
        ("provider_admin", "purchaser={township}", {"awarded"}),
        ("department_officer", "category=inspection", set()),
    ],
)
def test_projects_filter_the_same_on_the_page_and_in_the_api(
    projects: Any, demo: Any, login: Any, api: Any, username: str, query: str, expected: set[str]
) -> None:
    user = demo[username]
    query = query.format(
        department=demo["department_officer"].organization_id,
        township=demo["township_officer"].organization_id,
    )
    want = {projects[key].pk for key in expected}
    page = page_rows(login(user), f"{reverse('procurement:project_list')}?{query}")
    listed = api(user).get(f"/api/v1/purchase-projects/?{query}")
    assert listed.status_code == 200
    assert {p.pk for p in page} == want
    assert {p["id"] for p in listed.json()["results"]} == want


@pytest.mark.parametrize(
    ("username", "field", "value"),
    [
        ("county_officer", "status", "nope"),
        ("county_officer", "category", "nope"),
        ("county_officer", "purchaser", "abc"),
        ("county_officer", "purchaser", "{other_county}"),
        ("township_officer", "purchaser", "{department}"),  # not one it sees
        ("provider_admin", "purchaser", "{department}"),  # no project of it awarded here
    ],
)
def test_a_bad_project_filter_is_named(
    projects: Any, demo: Any, login: Any, api: Any, username: str, field: str, value: str
) -> None:
    user = demo[username]
    other = Organization.objects.filter(county__code="990122", kind__in=PURCHASER_KINDS).first()
    value = value.format(
        other_county=other.pk, department=demo["department_officer"].organization_id
    )
    for url in ("/api/v1/purchase-projects/", "/api/v1/purchase-projects/export/"):
        response = api(user).get(f"{url}?{field}={value}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    page = login(user).get(f"{reverse('procurement:project_list')}?{field}={value}")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(page.context["filters"].form.errors[field][0]) in html
    for name in other_county_purchasers():
        assert name not in html
    if username != "county_officer":
        assert demo["department_officer"].organization.name not in html


def test_the_project_export_is_the_filtered_list(
    projects: Any, demo: Any, login: Any, api: Any
) -> None:
    officer = demo["county_officer"]
    client = login(officer)
    query = "category=inspection"
    rows = sheet(client.get(f"{reverse('procurement:project_export')}?{query}"))
    page = page_rows(client, f"{reverse('procurement:project_list')}?{query}")
    assert [row[0] for row in rows[1:]] == [p.title for p in page]
    awarded = projects["awarded"]
    row = next(r for r in rows[1:] if r[0] == awarded.title)
    # title, purchaser, year, category, status, awarded provider, amount, award date
    assert row[1] == demo["township_officer"].organization.name
    assert row[2] == YEAR
    assert row[5] == awarded.awarded_provider.name
    assert Decimal(row[6]) == awarded.award_amount
    assert row[7].date() == awarded.award_date
    preparing = next(r for r in rows[1:] if r[0] == projects["preparing"].title)
    assert preparing[5] == "" or preparing[5] is None
    assert last_export()["list"] == "purchase_projects" and last_export()["rows"] == 2
    assert sheet(api(officer).get(f"/api/v1/purchase-projects/export/?{query}")) == rows
    # A provider exports the projects awarded to it, and nothing else.
    rows = sheet(login(demo["provider_admin"]).get(reverse("procurement:project_export")))
    assert [r[0] for r in rows[1:]] == [awarded.title]


def test_another_county_gets_none_of_the_projects(
    projects: Any, demo: Any, login: Any, api: Any
) -> None:
    outsider = demo["other_county_officer"]
    titles = {p.title for p in projects.values()}
    assert not page_rows(login(outsider), reverse("procurement:project_list"))
    assert not api(outsider).get("/api/v1/purchase-projects/").json()["results"]
    exported = sheet(login(outsider).get(reverse("procurement:project_export")))
    api_exported = sheet(api(outsider).get("/api/v1/purchase-projects/export/?status=awarded"))
    assert not {row[0] for row in exported[1:] + api_exported[1:]} & titles


def test_the_project_page_and_export_cost_the_same_queries_for_n_and_2n_rows(
    projects: Any, demo: Any, login: Any, api: Any
) -> None:
    officer = demo["county_officer"]
    page, rest = login(officer), api(officer)
    awarded = projects["awarded"]

    def grow(n: int) -> None:
        for i in range(n):
            PurchaseProject.objects.create(
                item=awarded.item,
                purchaser=awarded.purchaser,
                county=awarded.county,
                title=f"批量项目{i}",
                service_content="x",
                enterprise_scope="x",
                status="awarded",
                awarded_provider=awarded.awarded_provider,
                award_amount=Decimal("10"),
                award_date=TODAY,
            )

    query = f"?status=awarded&category=inspection&purchaser={awarded.purchaser_id}"
    urls = [
        (page, reverse("procurement:project_list") + query),
        (page, reverse("procurement:project_export") + query),
        (rest, "/api/v1/purchase-projects/export/" + query),
    ]
    grow(5)
    first = [counted(client, url) for client, url in urls]
    grow(5)
    assert [counted(client, url) for client, url in urls] == first
    assert last_export()["rows"] == 11
