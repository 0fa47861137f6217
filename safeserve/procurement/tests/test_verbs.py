"""The purchase plan's and the purchase project's verb tables drive the page, the API and the
services alike, for every state and every persona."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.common.tests.verbs import Walk
from safeserve.contracts import services as contracts
from safeserve.procurement import services
from safeserve.procurement.models import (
    PlanItem,
    ProjectStatus,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.procurement.tests.conftest import GROUP, TODAY
from safeserve.procurement.workflows import PLAN, PROJECT
from safeserve.providers.models import Provider

PERSONAS = [
    "township_officer",
    "township_leader",
    "county_officer",
    "county_leader",
    "county_admin",
    "department_officer",
    "provider_admin",
    "enterprise_user",
    "other_county_officer",
]
ITEM = services.ItemData(
    category="inspection",
    content="辖区重点企业安全检查",
    budget=Decimal("300000"),
    target_enterprises=40,
    target_visits=160,
)
OK = ["近三年承担过同类项目"]


def _project_data(**changes: Any) -> services.ProjectData:
    values: dict[str, Any] = {
        "title": "城关镇安全检查服务",
        "service_content": "检查、隐患排查、书面交底",
        "enterprise_scope": "城关镇非高危重点企业",
        "required_experts": 1,
        "extra_requirements": OK,
    }
    values.update(changes)
    return services.ProjectData(**values)


def test_the_plan_table_drives_page_api_and_services(directory, login, api):
    officer = directory["township_officer"]
    services.leading_group_save(actor=officer, year=TODAY.year, members=GROUP)
    plan = services.plan_create(actor=officer, year=TODAY.year, title="城关镇安全生产技术服务计划")

    def reload(p: PurchasePlan) -> PurchasePlan:
        return PurchasePlan.objects.get(pk=p.pk)

    def step(action: Any) -> Any:
        def make() -> PurchasePlan:
            action()
            return reload(plan)

        return make

    project: list[PurchaseProject] = []

    def approve_with_an_open_project() -> None:
        services.plan_approve(actor=directory["county_officer"], plan=reload(plan))
        project.append(
            services.project_create(
                actor=officer, item=reload(plan).items.get(), data=_project_data()
            )
        )

    walk = Walk(
        states={
            "draft_without_items": lambda: reload(plan),
            "draft": step(lambda: services.plan_item_save(actor=officer, plan=plan, data=ITEM)),
            "submitted": step(lambda: services.plan_submit(actor=officer, plan=reload(plan))),
            "approved_with_open_projects": step(approve_with_an_open_project),
            "approved": step(
                lambda: services.project_cancel(
                    actor=directory["township_leader"], project=project[0], reason="取消"
                )
            ),
            "closed": step(
                lambda: services.plan_close(actor=directory["township_leader"], plan=reload(plan))
            ),
        },
        personas=PERSONAS,
        calls={
            "submit": lambda user, p: services.plan_submit(actor=user, plan=p),
            "approve": lambda user, p: services.plan_approve(actor=user, plan=p),
            "return": lambda user, p: services.plan_return(actor=user, plan=p, reason="补充"),
            "close": lambda user, p: services.plan_close(actor=user, plan=p),
            "items": lambda user, p: services.plan_item_save(actor=user, plan=p, data=ITEM),
            "projects": lambda user, p: services.project_create(
                actor=user, item=p.items.first() or PlanItem(plan=p), data=_project_data()
            ),
        },
        page=lambda p: reverse("procurement:plan_detail", args=[p.pk]),
        detail=lambda p: f"/api/v1/purchase-plans/{p.pk}/",
        reload=reload,
    )
    offered = walk.run(directory, login, api)
    assert set().union(*offered.values()) == set(PLAN.names)
    # By hand: the empty draft cannot be submitted; an open project keeps the year's plan open.
    assert offered["draft_without_items"] == {"items"}
    assert offered["approved_with_open_projects"] == {"projects"}
    assert offered["closed"] == set()


def test_the_project_table_drives_page_api_and_services(approved_plan, directory, login, api):
    officer = directory["township_officer"]
    eligible = Provider.objects.get(name="安平安科安全技术咨询有限公司")
    project = services.project_create(actor=officer, item=approved_plan, data=_project_data())

    def reload(p: PurchaseProject) -> PurchaseProject:
        return PurchaseProject.objects.select_related("item__plan").get(pk=p.pk)

    def step(action: Any) -> Any:
        def make() -> PurchaseProject:
            action()
            return reload(project)

        return make

    def document(user: Any, p: PurchaseProject) -> Any:
        return services.project_add_document(
            actor=user,
            project=p,
            title="竞争性磋商结果公告",
            upload=SimpleUploadedFile("notice.pdf", b"%PDF-1.4 notice"),
        )

    def award(user: Any, p: PurchaseProject) -> Any:
        return services.project_award(
            actor=user,
            project=p,
            provider=eligible,
            award_date=TODAY,
            amount=Decimal("200000"),
            method="competitive_consultation",
            confirmed=OK,
        )

    walk = Walk(
        states={
            "preparing_without_documents": lambda: reload(project),
            "preparing": step(lambda: document(officer, project)),
            "awarded": step(lambda: award(officer, reload(project))),
            "awarded_with_a_contract": step(
                lambda: contracts.contract_draft(actor=officer, project=reload(project))
            ),
            "contracted": step(
                lambda: PurchaseProject.objects.filter(pk=project.pk).update(
                    status=ProjectStatus.CONTRACTED
                )
            ),
            "cancelled": step(
                lambda: PurchaseProject.objects.filter(pk=project.pk).update(
                    status=ProjectStatus.CANCELLED
                )
            ),
        },
        personas=PERSONAS,
        calls={
            "award": award,
            "contract": lambda user, p: contracts.contract_draft(actor=user, project=p),
            "cancel": lambda user, p: services.project_cancel(actor=user, project=p, reason="取消"),
            "update": lambda user, p: services.project_update(
                actor=user, project=p, data=_project_data(title="城关镇安全检查服务（修订）")
            ),
            "documents": document,
        },
        page=lambda p: reverse("procurement:project_detail", args=[p.pk]),
        detail=lambda p: f"/api/v1/purchase-projects/{p.pk}/",
        reload=reload,
    )
    offered = walk.run(directory, login, api)
    assert set().union(*offered.values()) == set(PROJECT.names)
    assert offered["preparing_without_documents"] == {"cancel", "update", "documents"}
    assert offered["awarded_with_a_contract"] == set()  # the contract is drafted; terminate it
