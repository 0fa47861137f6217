"""The organizations list's one filter: the page, the API and both exports select the same
organizations, refuse the same bad input, stay in the viewer's scope and cost the same
queries however many rows there are. Expectations are written out by hand."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.demo.testing import without_directory
from safeserve.organizations.models import Organization, OrganizationKind, Region


@pytest.fixture
def world(world):
    """These tests count what the directory would add: the world without it."""
    return without_directory(world)


pytestmark = pytest.mark.django_db

LIST = reverse("organizations:list")
EXPORT = reverse("organizations:export")
API = "/api/v1/organizations/"
API_EXPORT = "/api/v1/organizations/export/"

DEPARTMENTS = {"安平县应急管理局", "安平县住房和城乡建设局", "安平县交通运输局"}
TOWNS = {  # the township governments with 镇 in their name (not 街道, 乡)
    "安平县城关镇人民政府",
    "安平县青石镇人民政府",
    "安平县河口镇人民政府",
    "安平县白沙镇人民政府",
    "安平县石门镇人民政府",
}


@pytest.fixture
def closed_evaluator(world: dict[str, Any]) -> Organization:
    Organization.objects.filter(name="华正工程咨询评估有限公司").update(is_active=False)
    return Organization.objects.get(name="华正工程咨询评估有限公司")


def _page_names(client: Any, query: str) -> set[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {o.name for o in response.context["page"].object_list}


def _api_names(client: Any, query: str) -> set[str]:
    response = client.get(f"{API}?{query}&page_size=200")
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=department", DEPARTMENTS),
        ("q=镇", TOWNS),
        ("q=镇&kind=department", set()),
        ("is_active=0", {"华正工程咨询评估有限公司"}),
        ("kind=evaluator&is_active=1", set()),
        ("kind=provider&is_active=true", {"安平安科安全技术咨询有限公司", "恒信安全评价有限公司"}),
        ("name=应急", {"安平县应急管理局"}),  # the API's former parameter, kept
    ],
)
def test_it_selects_the_same_organizations_on_the_page_in_the_api_and_in_both_exports(
    world, closed_evaluator, login, api, query, expected
):
    officer = world["county_officer"]
    assert _page_names(login(officer), query) == expected
    assert _api_names(api(officer), query) == expected
    assert {row[0] for row in _sheet(login(officer).get(f"{EXPORT}?{query}"))[1:]} == expected
    assert {row[0] for row in _sheet(api(officer).get(f"{API_EXPORT}?{query}"))[1:]} == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("is_active=maybe", "is_active"),
        ("kind=bank", "kind"),
        ("region=abc", "region"),
        ("county=" + "9" * 30, "county"),
    ],
)
def test_it_refuses_a_bad_filter_naming_the_field(world, login, api, query, field):
    officer = world["county_officer"]
    for url in (API, API_EXPORT):
        response = api(officer).get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    assert not AuditEvent.objects.filter(action="list.exported").exists()
    page = login(officer).get(f"{LIST}?{query}")
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == [field]
    assert escape(errors[field][0]) in page.content.decode()


def test_the_export_is_the_filtered_list_with_phones_masked_and_audited(world, login, api):
    officer = world["county_admin"]  # who reads the phones in full on the pages
    rows = _sheet(login(officer).get(f"{EXPORT}?q=安全生产委员会"))
    assert len(rows) == 2
    name, _kind, region, address, phone, active = rows[1]
    assert (name, region, address, phone, active) == (
        "安平县安全生产委员会办公室",
        "安平县",
        "安平县人民路1号",
        "057*****2345",
        "是",
    )
    event = AuditEvent.objects.get(action="list.exported")
    assert event.actor == officer
    assert event.after == {
        "list": "organizations",
        "rows": 1,
        "filters": "q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7%E5%A7%94%E5%91%98%E4%BC%9A",
        "channel": "web",
    }
    rows = _sheet(api(officer).get(f"{API_EXPORT}?kind=enterprise"))
    assert [(row[0], row[4]) for row in rows[1:]] == [("安平县恒丰纺织有限公司", "057*****5678")]
    event = AuditEvent.objects.filter(action="list.exported").latest("seq")
    assert (event.after["rows"], event.after["channel"]) == (1, "api")


def test_another_county_gets_none_of_these_organizations(world, login, api):
    outsider = world["other_county_officer"]
    assert _page_names(login(outsider), "q=安平") == set()
    assert _api_names(api(outsider), "q=安平") == set()
    assert _sheet(login(outsider).get(f"{EXPORT}?q=安平"))[1:] == []
    everything = _sheet(api(outsider).get(API_EXPORT))[1:]
    assert everything and not [row for row in everything if "安平" in row[0]]


def _grow(county: Region, township: Region, start: int, n: int) -> None:
    Organization.objects.bulk_create(
        Organization(
            name=f"测试企业{start + i}",
            kind=OrganizationKind.ENTERPRISE,
            county=county,
            region=township,
            contact_phone="13800001111",
        )
        for i in range(n)
    )


def test_the_page_and_both_exports_cost_the_same_queries_for_n_and_2n_rows(world, login, api):
    officer = world["county_admin"]
    county = officer.organization.county
    township = Region.objects.get(code="990121100")
    page, rest = login(officer), api(officer)

    def counts() -> list[int]:
        found = []
        for client, url in (
            (page, f"{LIST}?kind=enterprise"),
            (page, f"{EXPORT}?kind=enterprise"),
            (rest, f"{API_EXPORT}?kind=enterprise"),
        ):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                b"".join(getattr(response, "streaming_content", [b""]))
            assert response.status_code == 200
            found.append(len(captured))
        return found

    _grow(county, township, 0, 10)
    first = counts()
    _grow(county, township, 10, 10)
    assert counts() == first


def test_regions_refuse_a_bad_parent_naming_it(world, api):
    response = api(world["county_officer"]).get("/api/v1/regions/?parent=abc")
    assert response.status_code == 400 and "parent" in response.json()["errors"]
    county = Region.objects.get(code="990121")
    body = api(world["county_officer"]).get(f"/api/v1/regions/?parent={county.pk}&name=城关")
    assert [row["code"] for row in body.json()["results"]] == ["990121100"]
