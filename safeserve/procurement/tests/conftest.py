from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safeserve.common.tests import clock
from safeserve.procurement import services
from safeserve.procurement.models import LeadingGroupRole, PlanStatus
from safeserve.providers.models import Provider

TODAY = clock.TODAY
GROUP = [
    {"role": LeadingGroupRole.LEADER, "name": "刘志强", "position": "镇长"},
    {"role": LeadingGroupRole.DEPUTY, "name": "王丽娟", "position": "分管安全生产副镇长"},
    {"role": LeadingGroupRole.MEMBER, "name": "张三", "position": "安监站站长"},
]


@pytest.fixture
def approved_plan(directory: dict[str, Any]) -> Any:
    officer = directory["township_officer"]
    services.leading_group_save(actor=officer, year=TODAY.year, members=GROUP)
    plan = services.plan_create(actor=officer, year=TODAY.year, title="城关镇安全生产技术服务计划")
    item = services.plan_item_save(
        actor=officer,
        plan=plan,
        data=services.ItemData(
            category="inspection",
            content="辖区重点企业安全检查",
            budget=Decimal("300000"),
            target_enterprises=40,
            target_visits=160,
        ),
    )
    services.plan_submit(actor=officer, plan=plan)
    services.plan_approve(actor=directory["county_officer"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    return item


@pytest.fixture
def project(approved_plan: Any, directory: dict[str, Any]) -> Any:
    officer = directory["township_officer"]
    project = services.project_create(
        actor=officer,
        item=approved_plan,
        data=services.ProjectData(
            title="城关镇2026年安全检查服务",
            service_content="检查、隐患排查、书面交底",
            enterprise_scope="城关镇非高危重点企业",
            required_experts=3,
            required_specialties=[
                "electrical",
                "fire",
                "metallurgy_trade",
                "hazardous_goods",
                "occupational_health",
                "construction",
            ],
            extra_requirements=["近三年承担过同类项目"],
        ),
    )
    services.project_add_document(
        actor=officer,
        project=project,
        title="竞争性磋商结果公告",
        upload=SimpleUploadedFile("notice.pdf", b"%PDF-1.4 notice"),
    )
    return project


@pytest.fixture
def eligible(directory: dict[str, Any]) -> Provider:
    return Provider.objects.get(name="安平安科安全技术咨询有限公司")


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)
