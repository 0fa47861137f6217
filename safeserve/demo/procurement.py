"""Demo plans and projects: 城关镇's approved plan with an awarded project (and one refused
award on record), and 应急管理局's plan waiting for the county office. Idempotent."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.common.exceptions import ApplicationError
from safeserve.demo import clock
from safeserve.demo.providers import DEMO_PDF
from safeserve.procurement import services
from safeserve.procurement.models import LeadingGroupRole, PurchasePlan
from safeserve.providers.models import Provider


def _group(actor: User, year: int, leader: str, deputy: str, members: list[str]) -> None:
    rows = [
        {
            "role": LeadingGroupRole.LEADER,
            "name": leader.split("/")[0],
            "position": leader.split("/")[1],
        },
        {
            "role": LeadingGroupRole.DEPUTY,
            "name": deputy.split("/")[0],
            "position": deputy.split("/")[1],
        },
    ]
    rows += [
        {"role": LeadingGroupRole.MEMBER, "name": m.split("/")[0], "position": m.split("/")[1]}
        for m in members
    ]
    services.leading_group_save(actor=actor, year=year, members=rows)


def seed_procurement() -> int:
    """城关镇's plan approved and its inspection project awarded (after a refused award), and
    应急管理局's plan submitted a few days ago, waiting for the county office; each step on
    its own day (safeserve/demo/clock.py)."""
    today = timezone.localdate()
    year = today.year
    township = User.objects.filter(username="township_officer").first()
    department = User.objects.filter(username="department_officer").first()
    office = User.objects.filter(username="county_officer").first()
    if township is None or department is None or office is None:
        return 0
    if PurchasePlan.objects.filter(purchaser=township.organization, year=year).exists():
        return 0
    with clock.on(today, clock.PLANS_DRAFTED, 9, 30):
        _group(
            township,
            year,
            "刘志强/镇长",
            "王丽娟/分管安全生产副镇长",
            ["陈建军/镇安监站站长", "周敏/镇经济发展办主任"],
        )
        plan = services.plan_create(
            actor=township, year=year, title=f"城关镇{year}年度政府购买安全生产技术服务计划"
        )
        inspection = services.plan_item_save(
            actor=township,
            plan=plan,
            data=services.ItemData(
                category="inspection",
                content="辖区非高危行业重点企业安全生产检查、隐患排查和书面交底，每季度一次",
                budget=Decimal("360000"),
                target_enterprises=45,
                target_visits=180,
            ),
        )
        services.plan_item_save(
            actor=township,
            plan=plan,
            data=services.ItemData(
                category="training",
                content="企业主要负责人和安全管理人员培训、安全生产月宣传",
                budget=Decimal("60000"),
                target_sessions=6,
                is_pilot=True,
            ),
        )
    with clock.on(today, clock.PLANS_APPROVED + 4, 16, 0):
        services.plan_submit(actor=township, plan=plan)
    with clock.on(today, clock.PLANS_APPROVED, 11, 20):
        services.plan_approve(actor=office, plan=plan)
    with clock.on(today, clock.PROJECT_CREATED, 9, 0):
        project = services.project_create(
            actor=township,
            item=inspection,
            data=services.ProjectData(
                title=f"城关镇{year}年度企业安全生产检查服务",
                method="competitive_consultation",
                service_content="安全生产检查；隐患排查治理技术保障；重大隐患报告；整改复查",
                enterprise_scope="城关镇辖区内非高危行业重点企业",
                required_experts=4,
                required_specialties=["metallurgy_trade", "electrical", "fire"],
                extra_requirements=["近三年承担过同类检查服务项目"],
            ),
        )
    with clock.on(today, clock.AWARDED, 15, 0):
        project.documents.create(
            title="竞争性磋商成交结果公告",
            uploaded_by=township,
            file=ContentFile(DEMO_PDF, name="award-notice.pdf"),
        )
        confirmed = ["近三年承担过同类检查服务项目"]
        expired = Provider.objects.filter(name="诚安检测技术有限公司").first()
        if expired is not None:
            # an attempted award to the provider with the expired qualification, refused
            with contextlib.suppress(ApplicationError):
                services.project_award(
                    actor=township,
                    project=project,
                    provider=expired,
                    award_date=timezone.localdate(),
                    amount=Decimal("320000"),
                    method="competitive_consultation",
                    confirmed=confirmed,
                )
        eligible = Provider.objects.filter(name="安平安科安全技术咨询有限公司").first()
        if eligible is not None:
            services.project_award(
                actor=township,
                project=project,
                provider=eligible,
                award_date=timezone.localdate(),
                amount=Decimal("328000"),
                method="competitive_consultation",
                confirmed=confirmed,
            )
    with clock.on(today, 3, 10, 0):
        _group(department, year, "孙国庆/局长", "赵海燕/分管安全生产副局长", ["钱立/危化科科长"])
        dept_plan = services.plan_create(
            actor=department,
            year=year,
            title=f"县应急管理局{year}年度危化、工贸行业技术服务计划",
        )
        services.plan_item_save(
            actor=department,
            plan=dept_plan,
            data=services.ItemData(
                category="inspection",
                content="危险化学品和冶金工贸企业安全检查与重大隐患排查",
                budget=Decimal("520000"),
                target_enterprises=60,
                target_visits=240,
            ),
        )
        services.plan_item_save(
            actor=department,
            plan=dept_plan,
            data=services.ItemData(
                category="occupational",
                content="涉粉尘、噪声企业作业场所职业危害因素检测",
                budget=Decimal("180000"),
                target_enterprises=30,
            ),
        )
    with clock.on(today, 2, 17, 30):
        services.plan_submit(actor=department, plan=dept_plan)
    return 2
