"""The directory's one filter: the page, the API and both exports select the same enterprises,
refuse the same bad input, stay in the viewer's scope and cost the same queries however many
rows there are. Expectations are written out by hand."""

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
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.tests.helpers import make_enterprise

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:list")
EXPORT = reverse("enterprises:export")
API = "/api/v1/enterprises/"
API_EXPORT = "/api/v1/enterprises/export/"


@pytest.fixture
def firms(places: dict[str, Any]) -> dict[str, Enterprise]:
    def make(key: str, name: str, serial: int, **kw: Any) -> tuple[str, Enterprise]:
        return key, make_enterprise(places, name, serial=serial, **kw)

    return dict(
        [
            make(
                "dust",
                "安平县甲纺织有限公司",
                101,
                is_key=True,
                dust_explosion=True,
                contact_phone="13800000001",
            ),
            make(
                "ammonia",
                "安平县乙食品有限公司",
                102,
                code="C1351",
                ammonia_refrigeration=True,
                contact_phone="13800000002",
            ),
            make(
                "chemical",
                "安平县丙化工有限公司",
                103,
                code="C2614",
                sector="hazardous_goods",
                is_key=True,
                status="suspended",
            ),
            make(
                "builder",
                "安平县丁建设有限公司",
                104,
                township="qingshi",
                code="E4710",
                sector="construction",
                confined_space=True,
            ),
            make(
                "elsewhere",
                "长宁县戊纺织有限公司",
                105,
                township="other_township",
                county="other_county",
                is_key=True,
                contact_phone="13800000005",
            ),
        ]
    )


def _page_names(client: Any, query: str) -> set[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {e.name for e in response.context["page"].object_list}


def _api_names(client: Any, query: str) -> set[str]:
    response = client.get(f"{API}?{query}&page_size=200")
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def _query(places: dict[str, Any], key: str) -> str:
    return {
        "key": "is_key=1",
        "not key": "is_key=0",
        "not high-risk": "sector=none",
        "hazardous goods": "sector=hazardous_goods",
        "qingshi": f"township={places['qingshi'].pk}",
        "dust": "dust_explosion=1",
        "ammonia": "ammonia_refrigeration=true",
        "confined": "confined_space=yes",
        "suspended": "status=suspended",
        "key in chengguan": f"is_key=1&township={places['chengguan'].pk}",
        "search": "q=安平县甲",
    }[key]


SELECTED = {
    # query → what the county office sees, by hand
    "key": {"dust", "chemical"},
    "not key": {"ammonia", "builder"},
    "not high-risk": {"dust", "ammonia"},
    "hazardous goods": {"chemical"},
    "qingshi": {"builder"},
    "dust": {"dust"},
    "ammonia": {"ammonia"},
    "confined": {"builder"},
    "suspended": {"chemical"},
    "key in chengguan": {"dust", "chemical"},
    "search": {"dust"},
}


@pytest.mark.parametrize(("key", "expected"), SELECTED.items())
def test_it_selects_the_same_enterprises_on_the_page_in_the_api_and_in_both_exports(
    world, places, firms, login, api, key, expected
):
    query = _query(places, key)
    names = {firms[k].name for k in expected}
    officer = world["county_officer"]
    assert _page_names(login(officer), query) == names
    assert _api_names(api(officer), query) == names
    page_export = _sheet(login(officer).get(f"{EXPORT}?{query}"))
    assert {row[0] for row in page_export[1:]} == names
    api_export = _sheet(api(officer).get(f"{API_EXPORT}?{query}"))
    assert {row[0] for row in api_export[1:]} == names


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("is_key=maybe", "is_key"),
        ("dust_explosion=2", "dust_explosion"),
        ("township=abc", "township"),
        ("township=" + "9" * 30, "township"),
        ("sector=fishing", "sector"),
        ("status=open", "status"),
    ],
)
def test_it_refuses_a_bad_filter_naming_the_field(world, firms, login, api, query, field):
    officer = world["county_officer"]
    for url in (API, API_EXPORT):
        response = api(officer).get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert field in response.json()["errors"], url
    assert not AuditEvent.objects.filter(action="enterprise.exported").exists()
    page = login(officer).get(f"{LIST}?{query}")
    assert page.status_code == 200
    errors = page.context["filters"].form.errors
    assert list(errors) == [field]
    assert escape(errors[field][0]) in page.content.decode()


def test_another_countys_township_is_neither_offered_nor_accepted(world, places, firms, login, api):
    officer = world["county_officer"]
    page = login(officer).get(LIST).content.decode()
    assert "青石镇" in page and "永和镇" not in page  # 永和镇 is a township of 长宁县
    other = places["other_township"]
    response = api(officer).get(f"{API}?township={other.pk}")
    assert response.status_code == 400 and "township" in response.json()["errors"]
    # A township officer picks its own township only.
    field = login(world["township_officer"]).get(LIST).context["filters"].form.fields["township"]
    assert [str(label) for value, label in field.choices if value] == ["城关镇"]
    qingshi = places["qingshi"].pk
    response = api(world["township_officer"]).get(f"{API}?township={qingshi}")
    assert response.status_code == 400 and "township" in response.json()["errors"]


def test_the_export_is_the_filtered_list_masked_and_audited(world, firms, login, api):
    officer = world["county_officer"]
    rows = _sheet(login(officer).get(f"{EXPORT}?is_key=0"))
    header, *body = rows
    assert header[0] == "企业名称" and header[12] == "联系电话"  # the import template's columns
    assert {row[0]: row[12] for row in body} == {
        "安平县乙食品有限公司": "138****0002",
        "安平县丁建设有限公司": None,
    }
    event = AuditEvent.objects.get(action="enterprise.exported")
    assert event.actor == officer
    assert event.after == {
        "list": "enterprises",
        "rows": 2,
        "filters": "is_key=0",
        "channel": "web",
    }
    api_rows = _sheet(api(officer).get(f"{API_EXPORT}?is_key=1"))
    assert sorted(row[12] or "" for row in api_rows[1:]) == ["", "138****0001"]
    event = AuditEvent.objects.filter(action="enterprise.exported").latest("seq")
    assert (event.after["rows"], event.after["channel"]) == (2, "api")


def test_another_county_gets_none_of_these_enterprises(world, firms, login, api):
    outsider = world["other_county_officer"]
    assert _page_names(login(outsider), "") == {"长宁县戊纺织有限公司"}
    assert _api_names(api(outsider), "") == {"长宁县戊纺织有限公司"}
    rows = _sheet(login(outsider).get(f"{EXPORT}?is_key=1"))
    assert [row[0] for row in rows[1:]] == ["长宁县戊纺织有限公司"]
    rows = _sheet(api(outsider).get(API_EXPORT))
    assert [row[0] for row in rows[1:]] == ["长宁县戊纺织有限公司"]


def _grow(places: dict[str, Any], start: int, n: int) -> None:
    for i in range(n):
        make_enterprise(places, f"批量企业{start + i}", serial=2000 + start + i, is_key=True)


def test_the_page_and_both_exports_cost_the_same_queries_for_n_and_2n_rows(
    world, places, login, api
):
    officer = world["county_officer"]
    page, rest = login(officer), api(officer)
    township = places["chengguan"].pk

    def counts() -> list[int]:
        found = []
        for client, url in (
            (page, f"{LIST}?is_key=1&township={township}"),
            (page, f"{EXPORT}?is_key=1&township={township}"),
            (rest, f"{API_EXPORT}?is_key=1&township={township}"),
        ):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                b"".join(getattr(response, "streaming_content", [b""]))
            assert response.status_code == 200
            found.append(len(captured))
        return found

    _grow(places, 0, 10)
    first = counts()
    _grow(places, 10, 10)
    assert counts() == first


def test_the_contracts_add_matching_dict_goes_through_the_same_filter(world, places, firms):
    from safeserve.common.exceptions import ApplicationError
    from safeserve.enterprises.filters import enterprises_matching

    officer = world["county_officer"]
    found = enterprises_matching(
        viewer=officer, data={"q": "", "sector": "", "is_key": "1", "township": None}
    )
    assert {e.name for e in found} == {"安平县甲纺织有限公司", "安平县丙化工有限公司"}
    # A township outside the viewer's is refused, not left out (which would add everything).
    with pytest.raises(ApplicationError) as refused:
        enterprises_matching(
            viewer=officer, data={"is_key": "", "township": places["other_township"].pk}
        )
    assert "township" in refused.value.errors
