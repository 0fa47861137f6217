"""The register's lists — providers, qualifications, experts — filter the same way on the page,
in the API and in the audited export, within the viewer's county; personal data masked."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.common.lib import idnumber
from safeserve.common.lib.dates import years_from
from safeserve.common.tests import clock
from safeserve.organizations.models import Organization, OrganizationKind
from safeserve.providers.models import (
    Expert,
    ExpertCertificate,
    ExpertPoolMembership,
    ExpertSpecialty,
    Provider,
    ProviderAdmission,
    Qualification,
)

pytestmark = pytest.mark.django_db

TODAY = clock.TODAY
ELIGIBLE = "安平安科安全技术咨询有限公司"
OTHER = "恒信安全评价有限公司"
EXPIRED = "诚安检测技术有限公司"
VIOLATION = "正元安全科技有限公司"
HUAKANG = "华康职业卫生技术服务有限公司"
CHANGNING = "长宁安达安全咨询有限公司"
APPLICANT = "新申请安全咨询有限公司"
NEWCOMER = "新锐安全技术服务有限公司"  # the demo's application waiting for admission


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


@pytest.fixture
def register(directory: dict[str, Any]) -> dict[str, Provider]:
    """The demo register, with 诚安 removed from it and a provider of the county that has only
    applied (no entry in the register at all)."""
    county = directory["county_officer"].organization.county
    ProviderAdmission.objects.filter(provider__name=EXPIRED).update(status="removed")
    org = Organization.objects.create(
        name=APPLICANT, kind=OrganizationKind.PROVIDER, county=county, region=county
    )
    Provider.objects.create(
        organization=org, name=APPLICANT, uscc="91990121MA1XS0990X", contact_phone="13912345678"
    )
    return {p.name: p for p in Provider.objects.all()}


def _page_names(client: Any, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [p.name for p in response.context["page"]]


# --- providers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {ELIGIBLE, OTHER, EXPIRED, VIOLATION, HUAKANG, APPLICANT, NEWCOMER}),
        ("admission=admitted", {ELIGIBLE, OTHER, VIOLATION, HUAKANG}),
        # Removed, applying, or without an entry at all: all "not admitted".
        ("admission=not_admitted", {EXPIRED, APPLICANT, NEWCOMER}),
        ("admission=applying", {NEWCOMER}),
        ("qualification=testing_inspection", {ELIGIBLE}),  # 诚安's expired 120 days ago
        ("qualification=occupational_health", {ELIGIBLE, HUAKANG}),  # 华康's has 20 days left
        ("qualification=safety_evaluation&admission=admitted", {ELIGIBLE, OTHER, VIOLATION}),
        ("q=恒信", {OTHER}),
        ("q=91990121ma1hx", {OTHER}),  # the start of the code, in any case
        ("name=安平", {ELIGIBLE}),  # the API's parameter before the lists shared one filter
        ("uscc=91990121MA1XS0990X", {APPLICANT}),
    ],
)
def test_the_register_filters_the_same_on_the_page_and_in_the_api(
    register: Any, directory: Any, login: Any, api: Any, query: str, expected: set[str]
) -> None:
    officer = directory["county_officer"]
    page = _page_names(login(officer), f"{reverse('providers:list')}?{query}")
    listed = api(officer).get(f"/api/v1/providers/?{query}")
    assert listed.status_code == 200
    assert set(page) == expected
    assert {p["name"] for p in listed.json()["results"]} == expected


@pytest.mark.parametrize(("field", "value"), [("admission", "nope"), ("qualification", "nope")])
def test_a_bad_register_filter_is_named(
    register: Any, directory: Any, login: Any, api: Any, field: str, value: str
) -> None:
    officer = directory["county_officer"]
    response = api(officer).get(f"/api/v1/providers/?{field}={value}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    page = login(officer).get(f"{reverse('providers:list')}?{field}={value}")
    assert page.status_code == 200
    message = str(page.context["filters"].form.errors[field][0])
    assert message in page.content.decode()
    # The field in error is left out; the page still lists the register.
    assert len(page.context["page"]) == 7


def test_the_register_export_is_the_filtered_list_with_phones_masked(
    register: Any, directory: Any, login: Any, api: Any
) -> None:
    officer = directory["county_officer"]
    client = login(officer)
    query = "admission=not_admitted"
    rows = sheet(client.get(f"{reverse('providers:export')}?{query}"))
    header, body = rows[0], rows[1:]
    assert [row[0] for row in body] == _page_names(client, f"{reverse('providers:list')}?{query}")
    phone = header.index("联系电话")
    applicant = next(row for row in body if row[0] == APPLICANT)
    assert applicant[phone] == "139****5678"
    assert "13912345678" not in str(rows)
    for provider in (register[EXPIRED], register[APPLICANT]):
        if provider.contact_phone:
            assert provider.contact_phone not in str(rows)
    assert last_export()["list"] == "providers" and last_export()["rows"] == 3
    assert last_export()["channel"] == "web"
    # The API's export reads the same filters; the county office sees the phone in full
    # on the page and in the API's list, never in a spreadsheet.
    rows = sheet(api(officer).get(f"/api/v1/providers/export/?{query}"))
    assert {row[0] for row in rows[1:]} == {EXPIRED, APPLICANT, NEWCOMER}
    assert "13912345678" not in str(rows)
    assert last_export()["rows"] == 3 and last_export()["channel"] == "api"


def test_another_county_gets_none_of_the_register(
    register: Any, directory: Any, login: Any, api: Any
) -> None:
    outsider = directory["other_county_officer"]
    ours = {ELIGIBLE, OTHER, EXPIRED, VIOLATION, HUAKANG, APPLICANT, NEWCOMER}
    for query in ("", "admission=admitted", f"q={ELIGIBLE}"):
        page = _page_names(login(outsider), f"{reverse('providers:list')}?{query}")
        listed = api(outsider).get(f"/api/v1/providers/?{query}").json()["results"]
        exported = sheet(login(outsider).get(f"{reverse('providers:export')}?{query}"))[1:]
        api_exported = sheet(api(outsider).get(f"/api/v1/providers/export/?{query}"))[1:]
        names = set(page) | {p["name"] for p in listed}
        names |= {row[0] for row in exported + api_exported}
        assert not names & ours, query
    assert _page_names(login(outsider), reverse("providers:list")) == [CHANGNING]


def _more_providers(county: Any, start: int, n: int) -> None:
    for i in range(start, start + n):
        org = Organization.objects.create(
            name=f"批量机构{i}", kind=OrganizationKind.PROVIDER, county=county, region=county
        )
        provider = Provider.objects.create(
            organization=org, name=f"批量机构{i}", uscc=f"91990121MA1PL{i:04d}X"
        )
        ProviderAdmission.objects.create(county=county, provider=provider, status="admitted")
        Qualification.objects.create(
            provider=provider,
            type="safety_evaluation",
            certificate_no=f"PL-{i}",
            issuer="示范省应急管理厅",
            valid_from=years_from(TODAY, -1),
            valid_to=years_from(TODAY, 1),
        )


def test_the_register_page_and_export_cost_the_same_queries_for_n_and_2n_rows(
    register: Any, directory: Any, login: Any, api: Any
) -> None:
    officer = directory["county_officer"]
    county = officer.organization.county
    page, rest = login(officer), api(officer)
    query = "?admission=admitted&qualification=safety_evaluation"
    urls = [
        (page, reverse("providers:list") + query),
        (page, reverse("providers:export") + query),
        (rest, "/api/v1/providers/" + query),
        (rest, "/api/v1/providers/export/" + query),
    ]
    _more_providers(county, 100, 5)
    first = [counted(client, url) for client, url in urls]
    _more_providers(county, 200, 5)
    assert [counted(client, url) for client, url in urls] == first
    assert last_export()["rows"] == 3 + 10


# --- qualifications (no page of their own: the API's list and export) ----------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("provider={eligible}", {"APJ-(示)-001", "APJ-(示)-J-002", "(示)卫职技字〔2024〕第012号"}),
        ("type=testing_inspection", {"APJ-(示)-J-002", "APJ-(示)-J-031"}),
        ("type=testing_inspection&valid=1", {"APJ-(示)-J-002"}),
        ("valid=0", {"APJ-(示)-J-031"}),
        ("provider={changning}", set()),  # another county's provider: nothing, not an error
    ],
)
def test_qualifications_list_and_export_the_same_rows(
    register: Any, directory: Any, api: Any, query: str, expected: set[str]
) -> None:
    officer = directory["county_officer"]
    query = query.format(eligible=register[ELIGIBLE].pk, changning=register[CHANGNING].pk)
    listed = api(officer).get(f"/api/v1/qualifications/?{query}&page_size=200")
    assert listed.status_code == 200
    assert {q["certificate_no"] for q in listed.json()["results"]} == expected
    rows = sheet(api(officer).get(f"/api/v1/qualifications/export/?{query}"))
    assert {row[2] for row in rows[1:]} == expected
    assert last_export()["list"] == "qualifications"
    assert last_export()["rows"] == len(expected)


@pytest.mark.parametrize(
    ("field", "value"), [("provider", "abc"), ("type", "nope"), ("valid", "maybe")]
)
def test_a_bad_qualification_filter_is_named(
    register: Any, directory: Any, api: Any, field: str, value: str
) -> None:
    for url in ("/api/v1/qualifications/", "/api/v1/qualifications/export/"):
        response = api(directory["county_officer"]).get(f"{url}?{field}={value}")
        assert response.status_code == 400
        assert field in response.json()["errors"]
    assert not AuditEvent.objects.filter(action="list.exported").exists()


def test_another_county_gets_none_of_the_qualifications(
    register: Any, directory: Any, api: Any
) -> None:
    outsider = api(directory["other_county_officer"])
    listed = outsider.get("/api/v1/qualifications/?page_size=200").json()["results"]
    rows = sheet(outsider.get("/api/v1/qualifications/export/"))[1:]
    assert {q["provider"] for q in listed} == {register[CHANGNING].pk}
    assert {row[0] for row in rows} == {CHANGNING}


def test_the_qualification_export_costs_the_same_queries_for_n_and_2n_rows(
    register: Any, directory: Any, api: Any
) -> None:
    officer = directory["county_officer"]
    rest = api(officer)
    county = officer.organization.county
    _more_providers(county, 300, 5)
    first = counted(rest, "/api/v1/qualifications/export/?valid=1")
    _more_providers(county, 400, 5)
    assert counted(rest, "/api/v1/qualifications/export/?valid=1") == first


# --- experts --------------------------------------------------------------------------------


@pytest.fixture
def experts(register: dict[str, Provider], directory: dict[str, Any]) -> dict[str, Expert]:
    """Four experts of the county to filter by: in the pool, suspended, outside it, inactive."""
    county = directory["county_officer"].organization.county
    made = {}
    for serial, (name, employer, title, pool, active) in enumerate(
        [
            ("甲测试", ELIGIBLE, "爆破工程师", "admitted", True),
            ("乙测试", OTHER, "高级工程师", "suspended", True),
            ("丙测试", OTHER, "爆破专家", None, True),
            ("丁测试", ELIGIBLE, "工程师", "admitted", False),
        ]
    ):
        expert = Expert.objects.create(
            name=name,
            id_number=idnumber.complete(f"11010119800101{900 + serial:03d}"),
            phone=f"1371234567{serial}",
            title=title,
            employer=register[employer],
            is_active=active,
        )
        ExpertSpecialty.objects.create(expert=expert, specialty="fire")
        ExpertCertificate.objects.create(
            expert=expert, kind="registered_safety_engineer", number=f"ZC-{serial}"
        )
        if pool:
            ExpertPoolMembership.objects.create(county=county, expert=expert, status=pool)
        made[name] = expert
    return made


def _visible_experts(user: Any) -> Any:
    return Expert.objects.visible_to(user)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=爆破", lambda e, county, user: {"甲测试", "丙测试"}),
        ("q=爆破&pool=admitted", lambda e, county, user: {"甲测试"}),
        ("q=测试&is_active=0", lambda e, county, user: {"丁测试"}),
        (
            "q=测试&is_active=1&specialty=fire",
            lambda e, county, user: {"甲测试", "乙测试", "丙测试"},
        ),
        ("name=乙测", lambda e, county, user: {"乙测试"}),
        (
            "pool=suspended",
            lambda e, county, user: set(
                ExpertPoolMembership.objects.filter(county=county, status="suspended").values_list(
                    "expert__name", flat=True
                )
            ),
        ),
        (
            "pool=none",
            lambda e, county, user: set(
                _visible_experts(user)
                .exclude(pool_memberships__county=county)
                .values_list("name", flat=True)
            ),
        ),
        (
            "employer={other}",
            lambda e, county, user: set(
                Expert.objects.filter(employer__name=OTHER).values_list("name", flat=True)
            ),
        ),
    ],
)
def test_experts_filter_the_same_on_the_page_and_in_the_api(
    experts: Any, register: Any, directory: Any, login: Any, api: Any, query: str, expected: Any
) -> None:
    officer = directory["county_officer"]
    want = expected(experts, officer.organization.county, officer)
    query = query.format(other=register[OTHER].pk)
    page = _page_names(login(officer), f"{reverse('providers:expert_list')}?{query}")
    listed = api(officer).get(f"/api/v1/experts/?{query}&page_size=200")
    assert listed.status_code == 200
    assert want and set(page) == want
    assert {e["name"] for e in listed.json()["results"]} == want
    assert "丙测试" in set(_page_names(login(officer), reverse("providers:expert_list")))


@pytest.mark.parametrize(
    ("field", "value"),
    [("pool", "nope"), ("specialty", "nope"), ("employer", "{changning}"), ("is_active", "x")],
)
def test_a_bad_expert_filter_is_named_and_another_countys_provider_is_not_a_choice(
    experts: Any, register: Any, directory: Any, login: Any, api: Any, field: str, value: str
) -> None:
    officer = directory["county_officer"]
    value = value.format(changning=register[CHANGNING].pk)
    response = api(officer).get(f"/api/v1/experts/?{field}={value}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    page = login(officer).get(f"{reverse('providers:expert_list')}?{field}={value}")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(page.context["filters"].form.errors[field][0]) in html
    assert CHANGNING not in html  # not even among the employers to choose from


def test_the_expert_export_masks_id_numbers_and_phones_for_everyone(
    experts: Any, register: Any, directory: Any, login: Any, api: Any
) -> None:
    officer = directory["county_officer"]  # who sees both in full on the expert's page
    client = login(officer)
    query = "q=测试"
    rows = sheet(client.get(f"{reverse('providers:expert_export')}?{query}"))
    header, body = rows[0], rows[1:]
    page = _page_names(client, f"{reverse('providers:expert_list')}?{query}")
    assert [row[0] for row in body] == page == ["丁测试", "丙测试", "乙测试", "甲测试"]
    id_col, phone_col = header.index("身份证号"), header.index("手机号码")
    for row in body:
        expert = experts[row[0]]
        assert row[id_col] == expert.id_number[:4] + "*" * 10 + expert.id_number[-4:]
        assert row[phone_col] == expert.phone[:3] + "****" + expert.phone[-4:]
    for expert in experts.values():
        assert expert.id_number not in str(rows) and expert.phone not in str(rows)
    first = next(row for row in body if row[0] == "乙测试")
    assert first[header.index("所在服务机构")] == OTHER
    assert "ZC-1" in first[header.index("证书")]
    assert last_export()["list"] == "experts" and last_export()["rows"] == 4
    api_rows = sheet(api(officer).get(f"/api/v1/experts/export/?{query}"))
    assert api_rows == rows
    assert last_export()["rows"] == 4 and last_export()["channel"] == "api"


def test_a_provider_exports_only_its_own_experts(
    experts: Any, register: Any, directory: Any, login: Any, api: Any
) -> None:
    admin = directory["provider_admin"]
    page = login(admin).get(reverse("providers:expert_list"))
    # One employer to choose from is no choice: the filter bar leaves it out.
    assert page.context["filters"].form.fields["employer"].widget.input_type == "hidden"
    rows = sheet(login(admin).get(reverse("providers:expert_export")))[1:]
    own = set(Expert.objects.filter(employer__name=ELIGIBLE).values_list("name", flat=True))
    assert {row[0] for row in rows} == own
    assert "乙测试" not in own


def test_another_county_gets_none_of_the_experts(
    experts: Any, register: Any, directory: Any, login: Any, api: Any
) -> None:
    outsider = directory["other_county_officer"]
    ours = set(
        Expert.objects.filter(employer__organization__county__code="990121").values_list(
            "name", flat=True
        )
    )
    page = _page_names(login(outsider), reverse("providers:expert_list"))
    listed = api(outsider).get("/api/v1/experts/?page_size=200").json()["results"]
    exported = sheet(login(outsider).get(reverse("providers:expert_export")))[1:]
    api_exported = sheet(api(outsider).get("/api/v1/experts/export/?pool=admitted"))[1:]
    assert page  # 长宁's own experts
    seen = set(page) | {e["name"] for e in listed} | {row[0] for row in exported + api_exported}
    assert not seen & ours


def _more_experts(provider: Provider, county: Any, start: int, n: int) -> None:
    for i in range(start, start + n):
        expert = Expert.objects.create(
            name=f"批量{i}",
            id_number=idnumber.complete(f"11010119800101{i:03d}"),
            phone="13700000000",
            employer=provider,
        )
        ExpertSpecialty.objects.create(expert=expert, specialty="fire")
        ExpertCertificate.objects.create(expert=expert, kind="other", number=f"B-{i}")
        ExpertPoolMembership.objects.create(county=county, expert=expert, status="admitted")


def test_the_expert_page_and_export_cost_the_same_queries_for_n_and_2n_rows(
    experts: Any, register: Any, directory: Any, login: Any, api: Any
) -> None:
    officer = directory["county_officer"]
    county = officer.organization.county
    page, rest = login(officer), api(officer)
    query = f"?pool=admitted&specialty=fire&employer={register[ELIGIBLE].pk}"
    urls = [
        (page, reverse("providers:expert_list") + query),
        (page, reverse("providers:expert_export") + query),
        (rest, "/api/v1/experts/export/" + query),
    ]
    _more_experts(register[ELIGIBLE], county, 100, 5)
    first = [counted(client, url) for client, url in urls]
    _more_experts(register[ELIGIBLE], county, 200, 5)
    assert [counted(client, url) for client, url in urls] == first
