"""Procurement pages and API by persona; errors; query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.procurement.models import PlanStatus, ProjectStatus, PurchasePlan, PurchaseProject
from safeserve.procurement.tests.conftest import GROUP, TODAY
from safeserve.providers.models import Provider


@pytest.mark.parametrize(
    ("username", "plans", "detail"),
    [
        ("county_officer", 200, 200),
        ("county_leader", 200, 200),
        ("township_officer", 200, 200),
        ("township_leader", 200, 200),
        ("department_officer", 200, 404),  # another purchaser's plan
        ("housing_officer", 200, 404),
        ("provider_admin", 403, 404),
        ("expert", 403, 404),
        ("enterprise_user", 403, 404),
        ("evaluator", 403, 404),
        ("other_county_officer", 200, 404),
    ],
)
def test_plan_pages_by_persona(demo, login, username, plans, detail):
    plan = PurchasePlan.objects.get(purchaser=demo["township_officer"].organization)
    client = login(demo[username])
    assert client.get(reverse("procurement:plan_list")).status_code == plans
    assert client.get(reverse("procurement:plan_detail", args=[plan.pk])).status_code == detail


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("township_officer", 200),
        ("county_officer", 200),
        ("provider_admin", 200),
        ("other_provider_admin", 404),
        ("department_officer", 404),
        ("expert", 404),
        ("other_county_officer", 404),
    ],
)
def test_an_awarded_project_is_seen_by_its_purchaser_the_office_and_the_provider(
    demo, login, username, status
):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    response = login(demo[username]).get(reverse("procurement:project_detail", args=[project.pk]))
    assert response.status_code == status


def test_the_demo_shows_a_refused_award(demo):
    assert AuditEvent.objects.filter(action="project.award_refused").count() == 1


def test_only_the_purchaser_and_county_office_see_refused_awards(demo, login):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    url = reverse("procurement:project_detail", args=[project.pk])
    expected = {"township_officer": True, "county_officer": True, "provider_admin": False}
    for name, sees in expected.items():
        history = login(demo[name]).get(url).context["history"]
        assert any(e.action == "project.award_refused" for e in history) is sees, name
    assert PurchasePlan.objects.filter(status=PlanStatus.SUBMITTED).count() == 1


def test_the_county_office_approves_from_the_page(demo, login):
    plan = PurchasePlan.objects.get(status=PlanStatus.SUBMITTED)
    page = login(demo["county_officer"]).get(reverse("procurement:plan_detail", args=[plan.pk]))
    assert "批准纳入年度预算" in page.content.decode()
    login(demo["township_officer"]).post(
        reverse("procurement:plan_transition", args=[plan.pk, "approve"])
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED  # a township cannot (and cannot see it)
    login(demo["county_officer"]).post(
        reverse("procurement:plan_transition", args=[plan.pk, "return"]), {"reason": ""}
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED  # a reason is required
    login(demo["county_officer"]).post(
        reverse("procurement:plan_transition", args=[plan.pk, "approve"])
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_the_eligibility_check_page_shows_reasons(demo, login):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    project.status = ProjectStatus.PREPARING
    project.save()
    expired = Provider.objects.get(name="诚安检测技术有限公司")
    page = login(demo["township_officer"]).get(
        reverse("procurement:project_detail", args=[project.pk]),
        {"provider": expired.pk, "award_date": str(TODAY)},
    )
    html = page.content.decode()
    assert "不符合条件" in html and "已于" in html and "过期" in html


def test_the_whole_flow_through_the_api(demo, api):
    office = api(demo["county_officer"])
    housing = api(demo["housing_officer"])
    plan = housing.post(
        "/api/v1/purchase-plans/", {"year": TODAY.year, "title": "住建局计划"}, format="json"
    )
    assert plan.status_code == 201
    plan_id = plan.json()["id"]
    refused = housing.post(f"/api/v1/purchase-plans/{plan_id}/submit/")
    assert refused.status_code == 409 and refused.json()["code"] == "leading_group_incomplete"
    group = housing.put(
        f"/api/v1/purchase-plans/{plan_id}/leading-group/", {"members": GROUP}, format="json"
    )
    assert group.status_code == 200 and group.json()["complete"] is True
    item = housing.post(
        f"/api/v1/purchase-plans/{plan_id}/items/",
        {"category": "inspection", "content": "建筑施工企业检查", "budget": "200000"},
        format="json",
    )
    assert item.status_code == 201
    bad_item = housing.post(
        f"/api/v1/purchase-plans/{plan_id}/items/",
        {"category": "other", "content": "x", "budget": "10"},
        format="json",
    )
    assert bad_item.status_code == 400 and "description" in bad_item.json()["errors"]
    assert housing.post(f"/api/v1/purchase-plans/{plan_id}/submit/").json()["status"] == "submitted"
    assert housing.post(f"/api/v1/purchase-plans/{plan_id}/approve/").status_code == 403
    assert office.post(f"/api/v1/purchase-plans/{plan_id}/approve/").json()["status"] == "approved"
    project = housing.post(
        "/api/v1/purchase-projects/",
        {
            "item": item.json()["id"],
            "title": "建筑施工检查",
            "service_content": "检查",
            "enterprise_scope": "全县建筑施工企业",
            "required_experts": 2,
            "required_specialties": ["construction"],
        },
        format="json",
    )
    assert project.status_code == 201
    project_id = project.json()["id"]
    eligible = Provider.objects.get(name="正元安全科技有限公司")  # has a recent violation
    check = housing.post(
        f"/api/v1/purchase-projects/{project_id}/eligibility/",
        {"provider": eligible.pk, "award_date": str(TODAY)},
        format="json",
    ).json()
    assert check["passed"] is False
    assert [c["code"] for c in check["conditions"] if not c["passed"]] == ["no_violation"]
    award = housing.post(
        f"/api/v1/purchase-projects/{project_id}/award/",
        {
            "provider": eligible.pk,
            "award_date": str(TODAY),
            "amount": "150000",
            "method": "open_tender",
        },
        format="json",
    )
    assert award.status_code == 409 and award.json()["code"] == "documents_missing"


@pytest.mark.parametrize(
    ("payload", "status"),
    [([], 400), ({"year": "twenty"}, 400), ({"year": 2026}, 400), ({"title": "x"}, 400)],
)
def test_bad_plan_input_is_a_400(world, api, payload, status):
    response = api(world["township_officer"]).post(
        "/api/v1/purchase-plans/", payload, format="json"
    )
    assert response.status_code == status


def test_award_for_a_provider_outside_the_register_is_a_400(demo, api):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    other = Provider.objects.get(name="长宁安达安全咨询有限公司")
    response = api(demo["township_officer"]).post(
        f"/api/v1/purchase-projects/{project.pk}/eligibility/",
        {"provider": other.pk, "award_date": str(TODAY)},
        format="json",
    )
    assert response.status_code == 400


def test_lists_cost_the_same_queries_for_n_and_2n_rows(demo, login, api):
    from safeserve.procurement import services

    office = demo["county_officer"]
    page = login(office)
    rest = api(office)
    item = PurchaseProject.objects.first().item

    def grow(n):
        for i in range(n):
            services.project_create(
                actor=demo["township_officer"],
                item=item,
                data=services.ProjectData(
                    title=f"项目{i}", service_content="x", enterprise_scope="x"
                ),
            )

    def counts():
        out = []
        for client, url in [
            (page, reverse("procurement:project_list")),
            (page, reverse("procurement:plan_list")),
            (page, reverse("procurement:plan_detail", args=[item.plan_id])),
            (rest, "/api/v1/purchase-projects/"),
            (rest, "/api/v1/purchase-plans/"),
        ]:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            out.append(len(captured))
        return out

    grow(5)
    first = counts()
    grow(5)
    assert counts() == first


def test_a_plan_cannot_be_patched_around_its_services(demo, api):
    plan = PurchasePlan.objects.get(purchaser=demo["township_officer"].organization)
    response = api(demo["township_officer"]).patch(
        f"/api/v1/purchase-plans/{plan.pk}/", {"status": "draft"}, format="json"
    )
    assert response.status_code == 405
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
