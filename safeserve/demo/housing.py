"""The demo's 住建局 chain (``manage.py seed_demo``): a major hazard in a high-risk
enterprise, routed to the department of its sector (R12). ``seed_housing_supervision``: plan approved by ``county_officer``,
project awarded to 安平安科, contract signed by ``housing_leader`` and ``provider_leader``
in service since 40 days ago, covering construction enterprises; today's visit by ``expert``
and ``expert2`` finds a tower crane's safety devices disabled (建质规〔2022〕2号 第八条（五）),
notified and acknowledged, reported in time and listed for supervision by
``housing_officer``; the recheck is planned. 应急管理局's plan is left waiting.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from safeserve.accounts.models import User
from safeserve.common.choices import HighRiskSector
from safeserve.common.lib.dates import years_from
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Contract
from safeserve.demo import clock
from safeserve.demo.fieldwork import (
    FINDINGS,
    _counts,
    _Seeder,
    demo_pdf,
    profile_of,
)
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import (
    ChecklistTemplate,
)
from safeserve.hazards import services as hazards
from safeserve.hazards.models import (
    SupervisionLevel,
)
from safeserve.procurement import services as procurement
from safeserve.procurement.models import (
    LeadingGroupRole,
    PlanItem,
    PurchasePlan,
    PurchaseProject,
)
from safeserve.providers.models import Expert, Provider

# --- 住建局: a major hazard in a high-risk enterprise (R12) -------------------------------

HOUSING_USERS = (
    "housing_officer",
    "housing_leader",
    "county_officer",
    "provider_admin",
    "provider_leader",
    "expert",
    "expert2",
)
HOUSING_TEMPLATE = "construction-2022"


def _housing_enterprises(county_id: int) -> list[Enterprise]:
    """Two or three operating construction enterprises of the county, the one inspected first:
    a building contractor (E47) when there is one."""
    candidates = list(
        Enterprise.objects.filter(
            county_id=county_id, sector=HighRiskSector.CONSTRUCTION, status="operating"
        ).order_by("uscc")
    )
    builders = [e for e in candidates if (e.industry_code or "").upper().startswith("E47")]
    first = (builders or candidates)[:1]
    return first + [e for e in candidates if e not in first][:2]


def _housing_contract(
    users: dict[str, User], provider: Provider, enterprises: list[Enterprise]
) -> Contract:
    """住建局's plan (leading group, one inspection item), approved by the county office; the
    project awarded to the demo provider; the contract signed by both parties, in service since
    40 days ago and covering the enterprises; each step on its own day."""
    officer = users["housing_officer"]
    today = timezone.localdate()
    with clock.on(today, clock.PLANS_DRAFTED - 5, 10, 0):
        plan, item = _housing_plan(users)
    with clock.on(today, clock.PLANS_APPROVED - 2, 16, 30):
        procurement.plan_submit(actor=officer, plan=plan)
    with clock.on(today, clock.PLANS_APPROVED - 3, 9, 40):
        procurement.plan_approve(actor=users["county_officer"], plan=plan)
    with clock.on(today, 60, 9, 30):
        project = _housing_project(officer, item)
    with clock.on(today, 45, 15, 0):
        project, _result = procurement.project_award(
            actor=officer,
            project=project,
            provider=provider,
            award_date=timezone.localdate(),
            amount=Decimal("228000"),
            method="competitive_consultation",
        )
    with clock.on(today, 42, 10, 0):
        contract = _housing_terms(officer, project, today - dt.timedelta(days=40))
    with clock.on(today, 41, 15, 0):
        contracts.contract_sign(actor=users["housing_leader"], contract=contract)
    with clock.on(today, 41, 16, 20):
        contracts.contract_sign(actor=users["provider_leader"], contract=contract)
    with clock.on(today, 40, 8, 30):
        contracts.contract_start(actor=officer, contract=contract)
        contracts.coverage_add(actor=officer, contract=contract, enterprises=enterprises)
    return Contract.objects.select_related("provider", "purchaser", "project__item").get(
        pk=contract.pk
    )


def _housing_plan(users: dict[str, User]) -> tuple[PurchasePlan, PlanItem]:
    officer, leader = users["housing_officer"], users["housing_leader"]
    year = timezone.localdate().year
    procurement.leading_group_save(
        actor=officer,
        year=year,
        members=[
            {"role": LeadingGroupRole.LEADER, "name": leader.full_name, "position": "局长"},
            {
                "role": LeadingGroupRole.DEPUTY,
                "name": officer.full_name,
                "position": "分管安全生产副局长",
            },
            {"role": LeadingGroupRole.MEMBER, "name": "邓志远", "position": "建筑业管理股股长"},
            {
                "role": LeadingGroupRole.MEMBER,
                "name": "施红",
                "position": "县建设工程质量安全监督站站长",
            },
        ],
    )
    plan = procurement.plan_create(
        actor=officer,
        year=year,
        title=f"县住房和城乡建设局{year}年度建筑施工安全技术服务计划",
    )
    item = procurement.plan_item_save(
        actor=officer,
        plan=plan,
        data=procurement.ItemData(
            category="inspection",
            content="房屋建筑和市政工程在建项目施工安全检查、起重机械和危大工程重大事故隐患排查",
            budget=Decimal("240000"),
            target_enterprises=12,
            target_visits=48,
        ),
    )
    return plan, item


def _housing_project(officer: User, item: PlanItem) -> PurchaseProject:
    year = item.plan.year
    project = procurement.project_create(
        actor=officer,
        item=item,
        data=procurement.ProjectData(
            title=f"县住建局{year}年度建筑施工安全检查服务",
            method="competitive_consultation",
            service_content="在建项目施工安全检查；起重机械、深基坑、高支模等危大工程隐患排查；"
            "重大事故隐患报告；整改复查",
            enterprise_scope="县住房和城乡建设局监管的房屋建筑和市政工程施工企业在建项目",
            required_experts=2,
            required_specialties=["construction"],
        ),
    )
    procurement.project_add_document(
        actor=officer,
        project=project,
        title="竞争性磋商成交结果公告",
        upload=SimpleUploadedFile(
            "award-notice.pdf",
            demo_pdf(["Award notice - construction safety inspection service (demo)"]),
            content_type="application/pdf",
        ),
    )
    return project


def _housing_terms(officer: User, project: PurchaseProject, began: dt.date) -> Contract:
    year = project.item.plan.year
    contract = contracts.contract_draft(actor=officer, project=project)
    amount = contract.amount
    half = (amount / 2).quantize(Decimal("0.01"))
    contracts.contract_save_terms(
        actor=officer,
        contract=contract,
        terms=contracts.Terms(
            number=f"县住建采〔{year}〕03号",
            subject_matter=project.service_content,
            quantity="县住建局监管的12家施工企业在建项目，每个项目每季度检查1次，共48家次",
            quality_requirements="按《房屋市政工程生产安全重大事故隐患判定标准（2022版）》和检查表"
            "逐项检查；每次检查出具书面交底；重大事故隐患24小时内报告",
            period_start=began,
            period_end=years_from(began, 1) - dt.timedelta(days=1),
            amount=amount,
            payment_method="合同签订后支付50%，年度绩效评估合格后支付余款；评估不合格按规定扣减",
            rights_obligations="甲方提供在建项目清单并监督；乙方按计划派专家检查、跟踪整改、"
            "不得转包、不得向企业收取费用、保守企业秘密",
            liability="未按期完成检查或报告失实的，按合同金额的相应比例扣减经费；情节严重的解除合同",
            planned_visits=48,
        ),
        criteria=(
            "检查覆盖率 | 30 | 服务对象清单内在建项目按季度全覆盖 | 系统统计\n"
            "重大隐患报告 | 30 | 重大事故隐患按时报告，挂牌督办事项跟踪到位 | 系统统计并抽查\n"
            "报告质量 | 20 | 技术报告专家签名、机构盖章、依据准确 | 抽查评审\n"
            "企业评价 | 20 | 企业满意度平均4分以上，无收费投诉 | 企业评价"
        ),
        installments=f"{half} | 合同签订后\n{amount - half} | 年度绩效评估合格后",
    )
    return contract


def _housing_visit(contract: Contract, users: dict[str, User], site: Enterprise) -> None:
    """Today at the construction site: expert (lead) and expert2 check in, answer the
    construction criteria (one item: problem found), the major hazard is raised — routed to
    住建局, no township copied — and notified; the enterprise acknowledges through the
    notice's link; the report is sent in time, acknowledged and listed for supervision by
    housing_officer; the recheck is planned for the planned completion date."""
    seeder = _Seeder(contract, users)
    seeder.photo_count = 500  # other pictures than those of 城关镇's visits
    expert, expert2 = users["expert"], users["expert2"]
    officer = users["housing_officer"]
    finding = FINDINGS["housing_site"][0]
    assert finding.deadline_days is not None
    task = seeder.plan(
        site,
        0,
        "建筑施工安全专项检查",
        "重点检查塔式起重机、施工升降机安全装置和使用登记，附着和基础；携带塔吊安全装置"
        "检查记录表。",
        lead=seeder.lead_expert,
        member=seeder.member_expert,
    )
    seeder.check_in(task, expert)
    items = ChecklistTemplate.objects.get(code=HOUSING_TEMPLATE).items.count()
    found = seeder.inspect(task, expert, expert2, [finding], answered={HOUSING_TEMPLATE: items})
    fieldwork.task_finish(actor=expert, task=task)
    hazard = found[finding.key]
    notice = hazards.notice_issue(actor=expert, task=task, hazards=[hazard])
    hazards.hazard_acknowledge(
        actor=hazards.LinkActor(notice=notice, name=profile_of(site)["contact"]), hazard=hazard
    )
    seeder.write_report(expert, hazard, finding.key)
    hazards.major_report_send(actor=expert, report=seeder.report_of(hazard))
    report = hazards.major_report_acknowledge(actor=officer, report=seeder.report_of(hazard))
    department = report.department
    hazards.major_report_supervise(
        actor=officer,
        report=report,
        level=SupervisionLevel.COUNTY,
        supervising_unit=department.name,
        planned_completion=seeder.day(finding.deadline_days),
    )
    seeder.plan(
        site,
        finding.deadline_days,
        "重大事故隐患整改复查",
        "复查1号塔吊力矩限制器、起重量限制器修复和检测验收情况（县住建局挂牌督办事项），"
        "抽查其余塔吊和施工升降机安全装置排查记录。",
        lead=seeder.lead_expert,
        member=seeder.member_expert,
    )


def seed_housing_supervision() -> dict[str, int]:
    """住建局's purchase chain, through the services: plan approved by the county office,
    project awarded to 安平安科, contract signed (housing_leader, provider_leader) and in
    service since 40 days ago, covering construction enterprises; then a visit raising a major
    hazard listed for supervision by 住建局. What it created by kind, as seed_demo counts
    them (empty when a login, an enterprise or a checklist is missing, or 住建局 already has
    this year's plan)."""
    users = {u.username: u for u in User.objects.filter(username__in=HOUSING_USERS)}
    if len(users) < len(HOUSING_USERS):
        return {}
    department = users["housing_officer"].organization
    provider = Provider.objects.filter(organization__users=users["provider_leader"]).first()
    if (
        department is None
        or department.county_id is None
        or provider is None
        or PurchasePlan.objects.filter(
            purchaser=department, year=timezone.localdate().year
        ).exists()
        or not ChecklistTemplate.objects.filter(code=HOUSING_TEMPLATE).exists()
        or Expert.objects.filter(user__username__in=["expert", "expert2"]).count() != 2
    ):
        return {}
    enterprises = _housing_enterprises(department.county_id)
    if not enterprises:
        return {}
    before = _counts()
    with translation.override("zh-hans"):
        contract = _housing_contract(users, provider, enterprises)
        _housing_visit(contract, users, enterprises[0])
    after = _counts()
    return {
        "purchase plans": 1,
        "contracts": 1,
        "fieldwork and hazard records": sum(after[label] - before[label] for label in after),
    }
