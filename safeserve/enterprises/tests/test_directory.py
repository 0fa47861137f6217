"""Enterprise pages and API: scope per persona, masking, search, export, sector rules."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.demo.enterprises import demo_uscc
from safeserve.enterprises.models import Enterprise, SectorRule
from safeserve.enterprises.services import EnterpriseData, enterprise_create
from safeserve.enterprises.tests.helpers import make_enterprise

VISIBLE = {
    # persona: which sample enterprises it sees, written out by hand
    "county_officer": {"textile", "chemical", "builder"},
    "township_officer": {"textile", "chemical"},  # its jurisdiction, high-risk included
    "department_officer": {"chemical"},  # 应急管理局: mining, hazardous goods, metallurgy
    "housing_officer": {"builder"},  # 住建局: construction
    "transport_officer": set(),
    "other_county_officer": {"other"},
}


@pytest.mark.parametrize(("username", "expected"), VISIBLE.items())
def test_the_list_shows_each_persona_its_scope(world, sample, login, username, expected):
    page = login(world[username]).get(reverse("enterprises:list")).content.decode()
    for key, enterprise in sample.items():
        assert (enterprise.name in page) == (key in expected), (username, key)


@pytest.mark.parametrize(
    ("username", "status"),
    [("provider_admin", 403), ("expert", 403), ("enterprise_user", 403), ("evaluator", 403)],
)
def test_non_government_kinds_have_no_directory_list(world, login, username, status):
    assert login(world[username]).get(reverse("enterprises:list")).status_code == status


@pytest.mark.parametrize(
    ("username", "detail", "edit"),
    [
        ("county_officer", 200, 200),
        ("county_leader", 200, 200),
        ("township_officer", 200, 200),
        ("township_leader", 200, 200),
        ("department_officer", 404, 404),  # a textile firm is not in its sectors
        ("provider_admin", 404, 404),
        ("evaluator", 404, 404),
        ("other_county_officer", 404, 404),
    ],
)
def test_detail_and_edit_of_a_township_enterprise(world, sample, login, username, detail, edit):
    client = login(world[username])
    pk = sample["textile"].pk
    assert client.get(reverse("enterprises:detail", args=[pk])).status_code == detail
    assert client.get(reverse("enterprises:edit", args=[pk])).status_code == edit


def test_a_viewer_of_the_county_office_may_read_but_not_edit(world, sample, login):
    from safeserve.accounts.services import user_create

    viewer, _ = user_create(
        actor=world["county_admin"],
        organization=world["county_officer"].organization,
        username="county_viewer",
        full_name="只读",
        role="viewer",
        password="Viewer-pass-2026",
    )
    client = login(viewer)
    pk = sample["textile"].pk
    assert client.get(reverse("enterprises:detail", args=[pk])).status_code == 200
    assert client.get(reverse("enterprises:edit", args=[pk])).status_code == 403


def test_the_enterprise_user_sees_its_own_record_only(world, sample, login):
    sample["textile"].organization = world["enterprise_user"].organization
    sample["textile"].save()
    client = login(world["enterprise_user"])
    assert client.get(reverse("enterprises:detail", args=[sample["textile"].pk])).status_code == 200
    assert (
        client.get(reverse("enterprises:detail", args=[sample["chemical"].pk])).status_code == 404
    )


def test_phones_are_masked_in_lists_and_for_readers(world, sample, login, api):
    officer = api(world["county_officer"])
    listed = officer.get("/api/v1/enterprises/?q=恒丰").json()["results"][0]
    assert listed["contact_phone"] == "139****5678"
    detail = officer.get(f"/api/v1/enterprises/{sample['textile'].pk}/").json()
    assert detail["contact_phone"] == "13912345678"  # the editor reads it in full
    page = login(world["county_officer"]).get(reverse("enterprises:list")).content.decode()
    assert "13912345678" not in page


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("恒丰", {"textile"}),
        ("hf", {"textile"}),  # 恒丰
        ("HF", {"textile"}),
        ("cc", {"chemical"}),  # 长城 read cháng chéng
        ("zc", {"chemical"}),  # 长城 read zhǎng chéng: every reading of a polyphone
        ("ｈｆ", {"textile"}),  # full-width input
        (demo_uscc("990121", 50002)[:16], {"chemical"}),  # USCC prefix
    ],
)
def test_search_by_name_pinyin_initials_or_code_prefix(world, sample, api, term, expected):
    body = api(world["county_officer"]).get("/api/v1/enterprises/", {"q": term}).json()
    found = {key for key, e in sample.items() if e.pk in {r["id"] for r in body["results"]}}
    assert found == expected


def test_filters(world, sample, api):
    client = api(world["county_officer"])
    assert {
        r["name"] for r in client.get("/api/v1/enterprises/?sector=none").json()["results"]
    } == {"安平县恒丰纺织有限公司"}
    assert len(client.get("/api/v1/enterprises/?sector=construction").json()["results"]) == 1
    township = sample["builder"].township_id
    assert len(client.get(f"/api/v1/enterprises/?township={township}").json()["results"]) == 1


def test_export_is_scoped_masked_and_audited(world, sample, login):
    response = login(world["township_officer"]).get(reverse("enterprises:export"))
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    names = {row[0] for row in rows[1:]}
    assert names == {"安平县恒丰纺织有限公司", "安平县长城化工有限公司"}
    textile = next(row for row in rows if row[0] == "安平县恒丰纺织有限公司")
    assert "139****5678" in textile and "13912345678" not in textile
    event = AuditEvent.objects.get(action="enterprise.exported")
    assert (event.after["rows"], event.after["channel"]) == (2, "web")


def test_the_api_export_is_the_same_service(world, sample, api):
    response = api(world["township_officer"]).get("/api/v1/enterprises/export/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="enterprise.exported")
    assert (event.after["rows"], event.after["channel"]) == (2, "api")
    assert api(world["expert"]).get("/api/v1/enterprises/export/").status_code == 403


def test_create_through_the_page(world, places, login):
    client = login(world["township_officer"])
    response = client.post(
        reverse("enterprises:create"),
        {
            "name": "安平县新建纺织有限公司",
            "uscc": demo_uscc("990121", 70001),
            "township": places["chengguan"].pk,
            "industry_code": "1711",
            "status": "operating",
            "contact_phone": "13800001234",
        },
    )
    enterprise = Enterprise.objects.get(name="安平县新建纺织有限公司")
    assert response.status_code == 302
    assert enterprise.industry_code == "C1711" and enterprise.sector == ""
    assert "xjfz" in enterprise.pinyin_initials  # 新建纺织
    assert (
        AuditEvent.objects.get(action="enterprise.created").after["contact_phone"] == "138****1234"
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"uscc": "91110000600037341M"}, "校验码"),
        ({"industry_code": "C99"}, "99 大类"),
        ({"contact_phone": "abc"}, "数字"),
    ],
)
def test_create_refuses_bad_input_with_the_field_named(world, places, login, changes, words):
    data = {
        "name": "某公司",
        "uscc": demo_uscc("990121", 70002),
        "township": places["chengguan"].pk,
        "industry_code": "C1711",
        "status": "operating",
        **changes,
    }
    response = login(world["township_officer"]).post(reverse("enterprises:create"), data)
    assert response.status_code == 200 and words in response.content.decode()
    assert not Enterprise.objects.filter(name="某公司").exists()


def test_a_township_cannot_register_in_another_township(world, places, login):
    response = login(world["township_officer"]).post(
        reverse("enterprises:create"),
        {
            "name": "越界公司",
            "uscc": demo_uscc("990121", 70003),
            "township": places["qingshi"].pk,
            "industry_code": "C1711",
            "status": "operating",
        },
    )
    assert response.status_code == 200
    assert not Enterprise.objects.filter(name="越界公司").exists()


def test_a_department_registers_only_its_sectors(world, places, api):
    client = api(world["department_officer"])
    base = {
        "name": "安平县某化工有限公司",
        "township": places["chengguan"].pk,
        "status": "operating",
    }
    ok = client.post(
        "/api/v1/enterprises/",
        {**base, "uscc": demo_uscc("990121", 70004), "industry_code": "C2614"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["sector"] == "hazardous_goods"
    refused = client.post(
        "/api/v1/enterprises/",
        {**base, "name": "某纺织", "uscc": demo_uscc("990121", 70005), "industry_code": "C1711"},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "sector_not_supervised"


def test_a_duplicate_code_names_the_enterprise_only_to_who_may_see_it(world, sample, api, places):
    body = {
        "name": "重复",
        "uscc": sample["builder"].uscc,
        "township": places["chengguan"].pk,
        "industry_code": "C1711",
    }
    township = api(world["township_officer"]).post("/api/v1/enterprises/", body, format="json")
    assert township.status_code == 400
    assert township.json()["code"] == "uscc_unavailable"  # not "duplicate": says nothing
    assert "青石" not in str(township.json()) and "县安委办" in township.json()["message"]
    county = api(world["county_officer"]).post("/api/v1/enterprises/", body, format="json")
    assert county.json()["code"] == "duplicate_uscc"
    assert "安平县青石建设工程有限公司" in county.json()["message"]


def test_another_countys_code_is_refused_without_saying_it_exists(world, sample, api, places):
    body = {
        "name": "重复",
        "uscc": sample["other"].uscc,
        "township": places["chengguan"].pk,
        "industry_code": "C1711",
    }
    response = api(world["county_officer"]).post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "uscc_unavailable"
    assert "长宁" not in str(response.json()) and "已" not in response.json()["message"]
    assert list(response.json()["errors"]) == ["uscc"]


def test_api_bad_uscc_is_a_400_naming_the_field(world, places, api):
    response = api(world["county_officer"]).post(
        "/api/v1/enterprises/",
        {"name": "x", "uscc": "123", "township": places["chengguan"].pk, "industry_code": "C1711"},
        format="json",
    )
    assert response.status_code == 400
    assert "uscc" in response.json()["errors"] and "18位" in response.json()["errors"]["uscc"][0]


def test_the_api_patch_keeps_unsent_fields(world, sample, api):
    client = api(world["township_officer"])
    response = client.patch(
        f"/api/v1/enterprises/{sample['textile'].pk}/", {"is_key": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_key"] is True
    assert response.json()["name"] == "安平县恒丰纺织有限公司"
    assert (
        client.patch(
            f"/api/v1/enterprises/{sample['builder'].pk}/", {"is_key": True}, format="json"
        ).status_code
        == 404
    )


def test_only_the_county_office_overrides_a_sector_and_a_reason_is_required(world, sample, api):
    url = f"/api/v1/enterprises/{sample['textile'].pk}/override-sector/"
    assert (
        api(world["township_officer"])
        .post(url, {"sector": "hazardous_goods", "reason": "x"}, format="json")
        .status_code
        == 403
    )
    office = api(world["county_officer"])
    assert office.post(url, {"sector": "hazardous_goods"}, format="json").status_code == 400
    done = office.post(
        url, {"sector": "hazardous_goods", "reason": "仓储危险化学品"}, format="json"
    )
    assert done.json()["sector"] == "hazardous_goods" and done.json()["sector_overridden"]
    back = office.post(url, {"sector": None}, format="json").json()
    assert back["sector"] == "" and not back["sector_overridden"]


def test_a_county_rule_overrides_the_default_by_longest_prefix(world, sample, api, places):
    truck = make_enterprise(
        places, "安平县货运公司", serial=20, code="G5431", sector="road_transport"
    )
    tanker = make_enterprise(
        places, "安平县危货运输公司", serial=21, code="G5435", sector="hazardous_goods"
    )
    office = api(world["county_officer"])
    # This county puts all dangerous-goods road transport under the transport bureau:
    created = office.post(
        "/api/v1/sector-rules/",
        {"prefix": "5435", "sector": "road_transport", "note": "本县由交通运输局监管"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["enterprises_changed"] == 1
    tanker.refresh_from_db()
    truck.refresh_from_db()
    assert (tanker.sector, truck.sector) == ("road_transport", "road_transport")
    rule = SectorRule.objects.get(county=places["county"], prefix="5435")
    assert office.delete(f"/api/v1/sector-rules/{rule.pk}/").status_code == 204
    tanker.refresh_from_db()
    assert tanker.sector == "hazardous_goods"
    assert (
        api(world["township_officer"])
        .post("/api/v1/sector-rules/", {"prefix": "17", "sector": "mining"}, format="json")
        .status_code
        == 403
    )
    bad = office.post("/api/v1/sector-rules/", {"prefix": "99", "sector": ""}, format="json")
    assert bad.status_code == 400 and "prefix" in bad.json()["errors"]


def test_the_mapping_page_says_it_is_an_editable_default(world, login):
    page = login(world["township_officer"]).get(reverse("enterprises:sector_mapping"))
    assert "可编辑的默认对照表" in page.content.decode()
    assert (
        login(world["township_officer"])
        .post(reverse("enterprises:sector_mapping"), {"code_prefix": "17", "sector": "mining"})
        .status_code
        == 403
    )


def test_opening_accounts_links_a_login_organization(world, sample, login):
    # Organizations are the county office admin's to create; officers edit the directory.
    for officer in ("township_officer", "county_officer"):
        refused = login(world[officer]).post(
            reverse("enterprises:open_account", args=[sample["textile"].pk])
        )
        assert refused.status_code == 403
    client = login(world["county_admin"])
    response = client.post(reverse("enterprises:open_account", args=[sample["textile"].pk]))
    sample["textile"].refresh_from_db()
    assert sample["textile"].organization is not None
    assert f"organization={sample['textile'].organization_id}" in response.url


def _grow(places, start, n):
    for i in range(n):
        make_enterprise(places, f"批量企业{start + i}", serial=1000 + start + i)


def test_list_page_and_api_cost_the_same_queries_for_n_and_2n_rows(world, places, login, api):
    page = login(world["county_officer"])
    rest = api(world["county_officer"])
    _grow(places, 0, 10)
    with CaptureQueriesContext(connection) as n_page:
        page.get(reverse("enterprises:list"))
    with CaptureQueriesContext(connection) as n_api:
        rest.get("/api/v1/enterprises/?page_size=100")
    _grow(places, 10, 10)
    with CaptureQueriesContext(connection) as two_n_page:
        page.get(reverse("enterprises:list"))
    with CaptureQueriesContext(connection) as two_n_api:
        rest.get("/api/v1/enterprises/?page_size=100")
    assert len(n_page) == len(two_n_page)
    assert len(n_api) == len(two_n_api)


def test_export_costs_the_same_queries_for_n_and_2n_rows(world, places, login):
    client = login(world["county_officer"])

    def run():
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(reverse("enterprises:export")).streaming_content)
        return len(captured)

    _grow(places, 0, 10)
    first = run()
    _grow(places, 10, 10)
    assert run() == first


def test_service_refuses_outside_scope_even_without_a_view(world, places):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        enterprise_create(
            actor=world["provider_admin"],
            data=EnterpriseData(
                name="x",
                uscc=demo_uscc("990121", 70009),
                township=places["chengguan"],
                industry_code="C1711",
            ),
        )
