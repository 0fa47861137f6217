"""Providers, qualifications, the county register and the expert pool."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeserve.audit.models import AuditEvent
from safeserve.common.tests import clock
from safeserve.providers.models import (
    Expert,
    ExpertPoolMembership,
    Provider,
    ProviderAdmission,
    Qualification,
)

TODAY = clock.TODAY


@pytest.fixture
def providers(directory):
    return {p.name: p for p in Provider.objects.all()}


ELIGIBLE = "安平安科安全技术咨询有限公司"
OTHER = "恒信安全评价有限公司"
EXPIRED = "诚安检测技术有限公司"
VIOLATION = "正元安全科技有限公司"
CHANGNING = "长宁安达安全咨询有限公司"
NEWCOMER = "新锐安全技术服务有限公司"  # applied, not yet admitted


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (
            "county_officer",
            {ELIGIBLE, OTHER, EXPIRED, VIOLATION, "华康职业卫生技术服务有限公司", NEWCOMER},
        ),
        ("township_officer", {ELIGIBLE, OTHER, EXPIRED, VIOLATION, "华康职业卫生技术服务有限公司"}),
        (
            "department_officer",
            {ELIGIBLE, OTHER, EXPIRED, VIOLATION, "华康职业卫生技术服务有限公司"},
        ),
        ("provider_admin", {ELIGIBLE}),
        ("other_provider_admin", {OTHER}),
        ("other_county_officer", {CHANGNING}),
        ("enterprise_user", set()),
        ("evaluator", set()),
    ],
)
def test_who_sees_which_providers(providers, username, expected, directory):
    seen = set(Provider.objects.visible_to(directory[username]).values_list("name", flat=True))
    assert seen == expected


def test_purchasers_see_only_admitted_providers(providers, directory):
    ProviderAdmission.objects.filter(provider=providers[EXPIRED]).update(status="removed")
    seen = set(
        Provider.objects.visible_to(directory["township_officer"]).values_list("name", flat=True)
    )
    assert EXPIRED not in seen
    assert EXPIRED in set(
        Provider.objects.visible_to(directory["county_officer"]).values_list("name", flat=True)
    )


def test_the_register_flags_expired_qualifications_and_recent_violations(
    providers, directory, login
):
    page = login(directory["county_officer"]).get(reverse("providers:list")).content.decode()
    assert "已过期" in page and "即将到期" in page
    listing = {
        p.name: p
        for p in login(directory["county_officer"]).get(reverse("providers:list")).context["page"]
    }
    assert listing[VIOLATION].recent_violations == 1
    assert listing[ELIGIBLE].recent_violations == 0
    assert listing[ELIGIBLE].admission_status == "admitted"


@pytest.mark.parametrize(
    ("username", "detail", "edit"),
    [
        ("provider_admin", 200, 200),
        ("provider_leader", 200, 200),
        ("expert", 404, 404),  # an expert sees its own profile, not the provider record
        ("other_provider_admin", 404, 404),
        ("county_officer", 200, 403),
        ("township_officer", 200, 403),
        ("other_county_officer", 404, 404),
        ("enterprise_user", 404, 404),
    ],
)
def test_provider_pages_by_persona(providers, directory, login, username, detail, edit):
    client = login(directory[username])
    pk = providers[ELIGIBLE].pk
    assert client.get(reverse("providers:detail", args=[pk])).status_code == detail
    assert client.get(reverse("providers:edit", args=[pk])).status_code == edit


def test_a_provider_registers_its_profile_once(bare_world, login):
    world = bare_world
    client = login(world["other_provider_admin"])
    Provider.objects.filter(organization=world["other_provider_admin"].organization).delete()
    response = client.post(
        reverse("providers:mine"),
        {
            "name": "恒信安全评价有限公司",
            "uscc": "91110000600037341L",
            "legal_entity_kind": "enterprise",
            "is_independent_legal_person": "on",
            "premises_address": "示范市创业大道88号",
            "premises_area": "320.5",
        },
    )
    provider = Provider.objects.get(organization=world["other_provider_admin"].organization)
    assert response.status_code == 302
    assert not provider.attestation_complete
    assert client.get(reverse("providers:mine")).url == reverse(
        "providers:detail", args=[provider.pk]
    )
    assert AuditEvent.objects.filter(action="provider.registered").exists()


def test_a_bad_provider_code_is_refused(bare_world, login):
    world = bare_world
    response = login(world["other_provider_admin"]).post(
        reverse("providers:mine"),
        {"name": "某机构", "uscc": "91110000600037341M", "legal_entity_kind": "enterprise"},
    )
    assert "校验码" in response.content.decode()


def test_qualifications_are_added_and_checked(providers, directory, login):
    client = login(directory["provider_admin"])
    url = reverse("providers:qualification_add", args=[providers[ELIGIBLE].pk])
    base = {"type": "safety_evaluation", "issuer": "示范省应急管理厅", "valid_from": "2026-01-01"}
    reversed_period = client.post(url, {**base, "certificate_no": "N-1", "valid_to": "2025-01-01"})
    assert "截止日期不能早于起始日期" in reversed_period.content.decode()
    duplicate = client.post(
        url, {**base, "certificate_no": "APJ-(示)-001", "valid_to": "2029-01-01"}
    )
    assert "已登记" in duplicate.content.decode()
    ok = client.post(url, {**base, "certificate_no": "N-2", "valid_to": "2029-01-01"})
    assert ok.status_code == 302
    assert Qualification.objects.filter(certificate_no="N-2").exists()
    assert (
        login(directory["county_officer"])
        .post(url, {**base, "certificate_no": "N-3", "valid_to": "2029-01-01"})
        .status_code
        == 403
    )


def test_qualification_state_is_relative_to_today():
    q = Qualification(
        valid_from=TODAY - dt.timedelta(days=10), valid_to=TODAY + dt.timedelta(days=20)
    )
    assert q.state_on(TODAY, 30) == "expiring"
    assert q.state_on(TODAY, 10) == "valid"
    assert q.state_on(TODAY + dt.timedelta(days=21), 30) == "expired"
    assert q.state_on(TODAY - dt.timedelta(days=11), 30) == "not_yet"


def test_the_county_office_admits_and_removes_with_a_reason(providers, directory, login):
    provider = providers[ELIGIBLE]
    client = login(directory["county_officer"])
    client.post(reverse("providers:admission", args=[provider.pk, "remove"]), {"reason": ""})
    assert ProviderAdmission.objects.get(provider=provider).status == "admitted"
    client.post(
        reverse("providers:admission", args=[provider.pk, "remove"]), {"reason": "资质造假"}
    )
    assert ProviderAdmission.objects.get(provider=provider).status == "removed"
    client.post(reverse("providers:admission", args=[provider.pk, "admit"]), {"reason": "整改合格"})
    assert ProviderAdmission.objects.get(provider=provider).status == "admitted"
    assert list(
        AuditEvent.objects.filter(object_id=str(provider.pk), object_type="providers.provider")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["provider.removed", "provider.admitted"]
    assert (
        login(directory["township_officer"])
        .post(reverse("providers:admission", args=[provider.pk, "remove"]), {"reason": "x"})
        .status_code
        == 403
    )


def test_violations_are_recorded_by_the_county_office_and_not_in_the_future(
    providers, directory, api
):
    url = f"/api/v1/providers/{providers[OTHER].pk}/violations/"
    office = api(directory["county_officer"])
    future = office.post(
        url,
        {"occurred_on": str(TODAY + dt.timedelta(days=1)), "source": "penalty", "description": "x"},
        format="json",
    )
    assert future.status_code == 400 and "occurred_on" in future.json()["errors"]
    ok = office.post(
        url,
        {"occurred_on": str(TODAY), "source": "complaint", "description": "向企业收取费用"},
        format="json",
    )
    assert ok.status_code == 201
    assert (
        api(directory["provider_admin"])
        .post(
            url,
            {"occurred_on": str(TODAY), "source": "complaint", "description": "x"},
            format="json",
        )
        .status_code
        == 404
    )


# --- experts --------------------------------------------------------------------------------


def _expert(directory) -> Expert:
    return Expert.objects.get(user=directory["expert2"])


@pytest.mark.parametrize(
    ("username", "full"),
    [
        ("county_officer", True),
        ("provider_admin", True),  # the employing provider's admin
        ("expert2", True),  # the expert's own profile
        ("provider_leader", False),
        ("expert", False),  # a colleague cannot even see it (404), checked below
        ("township_officer", False),
        ("department_officer", False),
    ],
)
def test_id_numbers_and_phones_are_masked_except_for_the_allowed(directory, api, username, full):
    expert = _expert(directory)
    response = api(directory[username]).get(f"/api/v1/experts/{expert.pk}/")
    if username == "expert":
        assert response.status_code == 404
        return
    body = response.json()
    assert (body["id_number"] == expert.id_number) is full
    assert (body["phone"] == expert.phone) is full
    if not full:
        assert body["id_number"][:4] + "*" * 10 + body["id_number"][-4:] == body["id_number"]
        assert "****" in body["phone"]


def test_expert_pages_mask_too(directory, login):
    expert = _expert(directory)
    page = (
        login(directory["township_officer"])
        .get(reverse("providers:expert_detail", args=[expert.pk]))
        .content.decode()
    )
    assert expert.id_number not in page and expert.phone not in page
    page = (
        login(directory["county_officer"])
        .get(reverse("providers:expert_detail", args=[expert.pk]))
        .content.decode()
    )
    assert expert.id_number in page


def test_audit_records_of_experts_are_masked(directory, api):
    response = api(directory["provider_admin"]).post(
        "/api/v1/experts/",
        {
            "name": "新专家",
            "id_number": "110101199003074514",
            "phone": "13600001111",
            "specialties": ["electrical"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    event = AuditEvent.objects.get(action="expert.created")
    assert "110101199003074514" not in event.canonical and "13600001111" not in event.canonical


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("110101199003074515", "invalid_id_number"),  # wrong check digit
        ("110101199002304513", "invalid_id_number"),  # 30 February
        ("12345", "invalid_id_number"),
    ],
)
def test_bad_id_numbers_are_refused(directory, api, id_number, code):
    response = api(directory["provider_admin"]).post(
        "/api/v1/experts/", {"name": "某", "id_number": id_number}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == code


def test_a_duplicate_id_number_does_not_reveal_the_other_expert(directory, api):
    other = Expert.objects.get(user=directory["other_expert"])
    response = api(directory["provider_admin"]).post(
        "/api/v1/experts/", {"name": "冒名", "id_number": other.id_number}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "id_number_unavailable"  # not "duplicate"
    assert other.name not in str(response.json()) and "恒信" not in str(response.json())
    assert list(response.json()["errors"]) == ["id_number"]


def test_a_duplicate_of_ones_own_expert_is_called_a_duplicate(directory, api):
    own = Expert.objects.filter(employer__organization=directory["provider_admin"].organization)
    response = api(directory["provider_admin"]).post(
        "/api/v1/experts/",
        {"name": "重复", "id_number": own.first().id_number},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "duplicate_id_number"


def test_experts_link_only_expert_accounts_of_their_own_provider(directory, api):
    response = api(directory["provider_admin"]).post(
        "/api/v1/experts/",
        {"name": "某", "id_number": "110101199003074514", "user": directory["other_expert"].pk},
        format="json",
    )
    assert response.status_code == 400 and "user" in response.json()["errors"]


def test_pool_transitions(directory, api):
    expert = Expert.objects.filter(employer__name=ELIGIBLE, user__isnull=True).first()
    office = api(directory["county_officer"])
    base = f"/api/v1/experts/{expert.pk}/"
    assert office.post(base + "admit/").status_code == 409  # already in the pool
    assert office.post(base + "suspend/", {}, format="json").status_code == 400  # reason
    suspended = office.post(base + "suspend/", {"reason": "考核不合格"}, format="json")
    assert suspended.json()["pool_status"] == "suspended"
    assert office.post(base + "suspend/", {"reason": "again"}, format="json").status_code == 409
    assert office.post(base + "reinstate/").json()["pool_status"] == "admitted"
    assert (
        api(directory["provider_admin"])
        .post(base + "suspend/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    assert ExpertPoolMembership.objects.get(expert=expert).status == "admitted"


def test_an_expert_sees_only_itself(directory, login):
    page = login(directory["expert"]).get(reverse("providers:expert_list")).context["page"]
    assert [e.user_id for e in page] == [directory["expert"].pk]


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("provider_admin", 200),
        ("provider_leader", 200),
        ("expert", 403),
        ("other_provider_admin", 404),
        ("county_officer", 403),
    ],
)
def test_who_edits_an_expert(directory, login, username, status):
    expert = _expert(directory)
    response = login(directory[username]).get(reverse("providers:expert_edit", args=[expert.pk]))
    if username == "expert":
        status = 404  # expert sees itself only through its own user; expert2 is a colleague
    assert response.status_code == status


def _bulk_experts(provider, start, n):
    from safeserve.common.lib import idnumber

    for i in range(n):
        number = idnumber.complete(f"11010119800101{start + i:03d}")
        Expert.objects.create(name=f"批量{start + i}", id_number=number, employer=provider)


def test_register_and_expert_lists_cost_the_same_queries_for_n_and_2n_rows(
    providers, directory, login, api
):
    page = login(directory["county_officer"])
    rest = api(directory["county_officer"])
    urls = [
        (page, reverse("providers:expert_list")),
        (page, reverse("providers:list")),
        (rest, "/api/v1/experts/?page_size=100"),
        (rest, "/api/v1/providers/"),
    ]

    def counts():
        out = []
        for client, url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            out.append(len(captured))
        return out

    _bulk_experts(providers[ELIGIBLE], 100, 10)
    first = counts()
    _bulk_experts(providers[ELIGIBLE], 200, 10)
    assert counts() == first


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("provider_admin", 200),
        ("county_officer", 200),
        ("township_officer", 200),
        ("other_provider_admin", 404),
        ("enterprise_user", 404),
        ("other_county_officer", 404),
    ],
)
def test_the_attestation_scan_is_served_only_within_scope(
    providers, directory, login, username, status
):
    response = login(directory[username]).get(
        reverse("providers:attestation", args=[providers[ELIGIBLE].pk])
    )
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_scans_must_be_pdf_or_images(providers, directory, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(directory["provider_admin"])
    url = reverse("providers:qualification_add", args=[providers[ELIGIBLE].pk])
    data = {
        "type": "research",
        "certificate_no": "R-1",
        "issuer": "示范省科技厅",
        "valid_from": "2026-01-01",
        "valid_to": "2029-01-01",
    }
    bad = client.post(url, {**data, "scan": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert "PDF、PNG 或 JPEG" in bad.content.decode()
    good = client.post(url, {**data, "scan": SimpleUploadedFile("x.pdf", b"%PDF-1.4 demo")})
    assert good.status_code == 302
    qualification = Qualification.objects.get(certificate_no="R-1")
    response = client.get(
        reverse("providers:qualification_scan", args=[providers[ELIGIBLE].pk, qualification.pk])
    )
    assert response.status_code == 200


def test_a_seeded_expert_can_be_edited(directory, api):
    expert = Expert.objects.filter(employer__name=ELIGIBLE, user__isnull=True).first()
    response = api(directory["provider_admin"]).patch(
        f"/api/v1/experts/{expert.pk}/", {"title": "高级工程师"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "高级工程师"


def test_editing_an_expert_on_the_page_keeps_certificates_the_form_does_not_show(directory, login):
    from safeserve.providers.models import ExpertCertificate

    expert = Expert.objects.filter(employer__name=ELIGIBLE, user__isnull=True).first()
    assert expert is not None
    ExpertCertificate.objects.filter(expert=expert).delete()
    ExpertCertificate.objects.create(expert=expert, kind="registered_safety_engineer", number="C-1")
    ExpertCertificate.objects.create(expert=expert, kind="safety_evaluator", number="C-2")
    client = login(directory["provider_admin"])
    form = client.get(reverse("providers:expert_edit", args=[expert.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data["title"] = "正高级工程师"
    data["specialties"] = form.initial["specialties"]
    data["user"] = ""
    data["is_active"] = "on"
    response = client.post(reverse("providers:expert_edit", args=[expert.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(c.number for c in expert.certificates.all()) == ["C-1", "C-2"]


def test_a_provider_leader_edits_an_expert_without_seeing_the_id_number(directory, login):
    expert = Expert.objects.filter(employer__name=ELIGIBLE, user__isnull=True).first()
    assert expert is not None
    stored_id, stored_phone = expert.id_number, expert.phone
    client = login(directory["provider_leader"])
    page = client.get(reverse("providers:expert_edit", args=[expert.pk]))
    html = page.content.decode()
    assert stored_id not in html and (not stored_phone or stored_phone not in html)
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(title="正高级工程师", specialties=form.initial["specialties"], user="")
    data["is_active"] = "on"
    response = client.post(reverse("providers:expert_edit", args=[expert.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    expert.refresh_from_db()
    assert (expert.id_number, expert.phone, expert.title) == (
        stored_id,
        stored_phone,
        "正高级工程师",
    )
    # The admin, who may see it, gets the stored number in the form.
    admin_form = login(directory["provider_admin"]).get(
        reverse("providers:expert_edit", args=[expert.pk])
    )
    assert admin_form.context["form"].initial["id_number"] == stored_id


def test_every_api_route_uses_the_countys_qualification_warning(directory, api):
    from safeserve.common.models import CountyPolicy

    admin = directory["provider_admin"]
    county = admin.organization.county
    CountyPolicy.objects.update_or_create(
        county=county, defaults={"qualification_warning_days": 90}
    )
    today = timezone.localdate()
    created = api(admin).post(
        "/api/v1/qualifications/",
        {
            "type": "safety_evaluation",
            "certificate_no": "APJ-(冀)-9999",
            "issuer": "省应急管理厅",
            "valid_from": str(today - dt.timedelta(days=300)),
            "valid_to": str(today + dt.timedelta(days=60)),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "expiring"  # 60 days left, inside the county's 90
    listed = api(admin).get("/api/v1/qualifications/").json()["results"]
    assert {q["state"] for q in listed if q["id"] == created.json()["id"]} == {"expiring"}


def test_the_admission_table_drives_page_api_and_services(directory, login, api):
    from safeserve.common.tests.verbs import Walk
    from safeserve.providers import services
    from safeserve.providers.workflows import ADMISSION

    newcomer = Provider.objects.get(name=NEWCOMER)
    county = directory["county_officer"].organization.county

    def entry(status):
        def make():
            ProviderAdmission.objects.filter(provider=newcomer, county=county).update(status=status)
            return newcomer

        return make

    walk = Walk(
        states={
            "applying": entry("applying"),
            "admitted": entry("admitted"),
            "suspended": entry("suspended"),
            "removed": entry("removed"),
        },
        personas=[
            "county_officer",
            "county_leader",
            "county_admin",
            "other_county_officer",
            "township_officer",
            "department_officer",
            "provider_admin",
            "enterprise_user",
        ],
        calls={
            "admit": lambda user, p: services.provider_set_admission(
                actor=user, provider=p, admit=True
            ),
            "remove": lambda user, p: services.provider_set_admission(
                actor=user, provider=p, admit=False, reason="资质失效"
            ),
            "suspend": lambda user, p: services.provider_suspension(
                actor=user, provider=p, suspend=True, reason="评估不合格，暂停承接"
            ),
            "reinstate": lambda user, p: services.provider_suspension(
                actor=user, provider=p, suspend=False
            ),
        },
        page=lambda p: reverse("providers:detail", args=[p.pk]),
        detail=lambda p: f"/api/v1/providers/{p.pk}/",
    )
    offered = walk.run(directory, login, api)
    assert offered == {
        "applying": {"admit", "remove"},
        "admitted": {"remove", "suspend"},
        "suspended": {"remove", "reinstate"},
        "removed": {"admit"},
    }
    assert set().union(*offered.values()) == set(ADMISSION.names)


def test_registering_a_profile_applies_to_the_county_register(directory, api):
    from safeserve.organizations.models import Organization, OrganizationKind
    from safeserve.providers import services

    county = directory["county_officer"].organization.county
    org = Organization.objects.create(
        name="新开安全咨询有限公司", kind=OrganizationKind.PROVIDER, county=county, region=county
    )
    from safeserve.common.lib import uscc as uscc_lib

    provider = services.provider_enrol(
        actor=directory["county_admin"],
        organization=org,
        uscc=uscc_lib.make("9", "1", "990121", "MA1XK007"),
    )
    entry = ProviderAdmission.objects.get(provider=provider)
    assert entry.county == county and entry.status == "applying"
    response = api(directory["county_officer"]).get(f"/api/v1/providers/{provider.pk}/")
    assert response.json()["admission_status"] == "applying"
    assert response.json()["allowed_actions"] == ["admit", "remove"]
