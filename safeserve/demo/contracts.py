"""The demo's signed contract: 城关镇 and the eligible provider, drafted after the award, signed by
both parties and in service since two months ago (safeserve/demo/clock.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.common.lib.dates import years_from
from safeserve.contracts import services
from safeserve.contracts.models import Contract
from safeserve.demo import clock
from safeserve.enterprises.models import Enterprise
from safeserve.procurement.models import ProjectStatus, PurchaseProject


def seed_contracts() -> int:
    project = PurchaseProject.objects.filter(
        status=ProjectStatus.AWARDED, purchaser__name="安平县城关镇人民政府"
    ).first()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["township_officer", "township_leader", "provider_leader"]
        )
    }
    if project is None or len(users) < 3 or Contract.objects.filter(project=project).exists():
        return 0
    today = timezone.localdate()
    began = today - dt.timedelta(days=clock.SERVICE_BEGAN)
    with clock.on(today, clock.SIGNED + 4, 10, 0):
        contract = _draft(users["township_officer"], project, began)
    with clock.on(today, clock.SIGNED + 1, 15, 30):
        services.contract_sign(actor=users["township_leader"], contract=contract)
    with clock.on(today, clock.SIGNED, 10, 0):
        services.contract_sign(actor=users["provider_leader"], contract=contract)
    with clock.on(today, clock.SERVICE_BEGAN, 0, 5):
        services.start_due_contracts(timezone.localdate())
    with clock.on(today, clock.SERVICE_BEGAN, 9, 0):
        _cover(users["township_officer"], contract)
    return 1


def _draft(officer: User, project: PurchaseProject, began: dt.date) -> Contract:
    contract = services.contract_draft(actor=officer, project=project)
    amount = contract.amount
    half = (amount / 2).quantize(amount)
    services.contract_save_terms(
        actor=officer,
        contract=contract,
        terms=services.Terms(
            number=f"城关镇采〔{project.item.plan.year}〕07号",
            subject_matter=project.service_content,
            quantity="辖区45家非高危重点企业，每家每季度检查1次，共180家次",
            quality_requirements="按国家重大事故隐患判定标准和检查表逐项检查；每次检查出具书面交底；"
            "重大隐患24小时内报告",
            period_start=began,
            period_end=years_from(began, 1) - dt.timedelta(days=1),
            amount=amount,
            payment_method="合同签订后支付50%，年度绩效评估合格后支付余款；评估不合格按规定扣减",
            rights_obligations="甲方提供服务对象清单并监督；乙方按计划派专家检查、跟踪整改、"
            "不得转包、不得向企业收取费用、保守企业秘密",
            liability="未按期完成检查或报告失实的，按合同金额的相应比例扣减经费；情节严重的解除合同",
            planned_visits=180,
        ),
        criteria=(
            "检查覆盖率 | 30 | 服务对象清单内企业按季度全覆盖 | 系统统计\n"
            "隐患闭环 | 30 | 一般隐患按期整改销号，重大隐患按时报告 | 系统统计并抽查\n"
            "报告质量 | 20 | 技术报告专家签名、机构盖章、内容完整 | 抽查评审\n"
            "企业评价 | 20 | 企业满意度平均4分以上，无收费投诉 | 企业评价"
        ),
        installments=f"{half} | 合同签订后\n{amount - half} | 年度绩效评估合格后",
    )
    return contract


def _cover(officer: User, contract: Contract) -> None:
    # Cover the township's key enterprises outside the high-risk sectors, except two: the
    # coverage page then shows a gap to close.
    key = list(
        Enterprise.objects.filter(
            township_id=contract.purchaser.region_id,
            is_key=True,
            sector="",
        )
        .exclude(status="closed")
        .order_by("name")
    )
    services.coverage_add(
        actor=officer,
        contract=contract,
        enterprises=key[:-2] if len(key) > 2 else key,
    )
