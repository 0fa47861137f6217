"""The demo's training service (``manage.py seed_demo``): the non-inspection side of
fieldwork. ``seed_training_service``: 城关镇's approved
training item becomes a project awarded to 安平安科 and a contract (training sessions and
publicity events) signed by ``township_leader`` and ``provider_leader``, in service and
covering the enterprises of the inspection contract; a session for the enterprises'
principal persons in charge held nine days ago by ``expert`` and ``expert2`` (record,
materials PDF, findings recorded), one at ``enterprise_user``'s enterprise four days ago,
rated 5 by it, and a publicity event planned later this month (``expert2`` leading).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from safeserve.accounts.models import User
from safeserve.common.lib.dates import years_from
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Contract, ContractStatus
from safeserve.demo import clock
from safeserve.demo.fieldwork import (
    _counts,
    _Seeder,
    demo_pdf,
    profile_of,
)
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import (
    ServiceTask,
    TaskKind,
)
from safeserve.procurement import services as procurement
from safeserve.procurement.models import (
    PlanItem,
    PlanStatus,
    PurchaseProject,
)
from safeserve.providers.models import Expert, Provider

# --- 城关镇's training and publicity: the non-inspection side of fieldwork ----------------

TRAINING_USERS = (
    "township_officer",
    "township_leader",
    "provider_admin",
    "provider_leader",
    "expert",
    "expert2",
    "enterprise_user",
)
TRAINING_REQUIREMENT = "授课专家具有注册安全工程师资格或中级以上专业技术职称"
# 城关镇人民政府三楼会议室 (where the township's sessions are held)
TRAINING_VENUE = (Decimal("29.121350"), Decimal("119.646820"), 15)


def _training_contract(
    users: dict[str, User], item: PlanItem, provider: Provider, enterprises: list[Enterprise]
) -> Contract:
    """The township's training item, through the services: a project awarded to the demo
    provider, its contract with every term signed by both parties, started and covering the
    enterprises of the inspection contract; in service since 35 days ago, each step on its own
    day."""
    officer = users["township_officer"]
    today = timezone.localdate()
    with clock.on(today, 50, 9, 0):
        project = _training_project(officer, item)
    with clock.on(today, 40, 15, 30):
        project, _result = procurement.project_award(
            actor=officer,
            project=project,
            provider=provider,
            award_date=timezone.localdate(),
            amount=Decimal("56000"),
            method="competitive_consultation",
            confirmed=[TRAINING_REQUIREMENT],
        )
    with clock.on(today, 37, 10, 0):
        contract = _training_terms(officer, project, enterprises, today - dt.timedelta(days=35))
    with clock.on(today, 36, 15, 0):
        contracts.contract_sign(actor=users["township_leader"], contract=contract)
    with clock.on(today, 36, 16, 40):
        contracts.contract_sign(actor=users["provider_leader"], contract=contract)
    with clock.on(today, 35, 8, 30):
        contracts.contract_start(actor=officer, contract=contract)
        contracts.coverage_add(actor=officer, contract=contract, enterprises=enterprises)
    return Contract.objects.select_related("provider", "purchaser", "project__item").get(
        pk=contract.pk
    )


def _training_project(officer: User, item: PlanItem) -> PurchaseProject:
    year = item.plan.year
    project = procurement.project_create(
        actor=officer,
        item=item,
        data=procurement.ProjectData(
            title=f"城关镇{year}年度企业安全生产培训和宣传服务",
            method="competitive_consultation",
            service_content="企业主要负责人和安全管理人员安全生产培训；进企业专题培训；"
            "安全生产宣传咨询活动；培训考核和培训档案整理",
            enterprise_scope="城关镇辖区内非高危行业重点企业的主要负责人、安全管理人员和从业人员",
            required_experts=2,
            extra_requirements=[TRAINING_REQUIREMENT],
        ),
    )
    procurement.project_add_document(
        actor=officer,
        project=project,
        title="竞争性磋商成交结果公告",
        upload=SimpleUploadedFile(
            "award-notice.pdf",
            demo_pdf(["Award notice - work safety training and publicity service (demo)"]),
            content_type="application/pdf",
        ),
    )
    return project


def _training_terms(
    officer: User, project: PurchaseProject, enterprises: list[Enterprise], began: dt.date
) -> Contract:
    year = project.item.plan.year
    contract = contracts.contract_draft(actor=officer, project=project)
    amount = contract.amount
    first = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
    contracts.contract_save_terms(
        actor=officer,
        contract=contract,
        terms=contracts.Terms(
            # The inspection contract is 城关镇采〔…〕07号; the training series has its own.
            number=f"城关培〔{year}〕01号",
            subject_matter=project.service_content,
            quantity=f"服务对象清单内{len(enterprises)}家非高危重点企业：集中培训4期（主要负责人、"
            "安全管理人员各2期），进企业专题培训2期，安全生产宣传咨询活动2场",
            quality_requirements="授课专家具有注册安全工程师资格或中级以上职称；主要负责人培训"
            "每期不少于3学时，其他培训每期不少于2学时；每期有课件、签到表、照片和考核记录，"
            "宣传活动有方案和影像资料；培训内容符合《生产经营单位安全培训规定》",
            period_start=began,
            period_end=years_from(began, 1) - dt.timedelta(days=1),
            amount=amount,
            payment_method="合同签订后支付40%，培训和宣传活动全部完成、年度绩效评估合格后支付"
            "余款；评估不合格按规定扣减",
            rights_obligations="甲方组织企业参训、提供培训场地并监督；乙方按计划派专家授课、"
            "提供课件和培训档案，不得转包，不得向企业收取培训费、资料费",
            liability="未按期完成培训或宣传活动的，按未完成期数扣减相应经费；培训档案不实或"
            "向企业收取费用的，甲方有权解除合同",
            planned_visits=0,
        ),
        criteria=(
            "培训完成率 | 40 | 按合同完成培训和宣传活动期数 | 系统统计\n"
            "培训质量 | 30 | 课件、签到表、考核记录和影像资料齐全，内容符合规定 | 抽查评审\n"
            "参训覆盖 | 10 | 服务对象清单内企业主要负责人和安全管理人员全员参训 | 签到表核对\n"
            "企业评价 | 20 | 企业满意度平均4分以上，无收费投诉 | 企业评价"
        ),
        installments=f"{first} | 合同签订后\n{amount - first} | 年度绩效评估合格后",
    )
    return contract


def _training_session(
    seeder: _Seeder,
    *,
    enterprise: Enterprise | None,
    days_ago: int,
    title: str,
    notes: str,
    record: dict[str, Any],
    materials: SimpleUploadedFile,
    hours: tuple[int, int],
) -> ServiceTask:
    """A session held ``days_ago`` days ago: planned, assigned (expert leads, expert2
    assists), checked in by expert, record saved with its materials, findings recorded; the
    session's day, each step at its hour (``hours``: start and end hour)."""
    users = seeder.users
    expert = users["expert"]
    with seeder.on(days_ago + 7, 15, 30):
        task = fieldwork.task_create(
            actor=users["provider_admin"],
            contract=seeder.contract,
            kind=TaskKind.TRAINING,
            planned_date=seeder.day(-days_ago),
            enterprise=enterprise,
            title=title,
            notes=notes,
        )
        seeder.later(15)
        fieldwork.task_assign(
            actor=users["provider_admin"],
            task=task,
            lead=seeder.lead_expert,
            members=[seeder.member_expert],
        )
    start, end = hours
    with seeder.on(days_ago, start - 1, 40):
        if enterprise is None:
            latitude, longitude, accuracy = TRAINING_VENUE
            fieldwork.task_check_in(
                actor=expert, task=task, latitude=latitude, longitude=longitude, accuracy=accuracy
            )
        else:
            seeder.check_in(task, expert)
    with seeder.on(days_ago, end, 10):
        fieldwork.record_save(actor=expert, task=task, data=record, materials=materials)
        seeder.later(10)
        fieldwork.task_finish(actor=expert, task=task)
    return task


def _training_tasks(contract: Contract, users: dict[str, User]) -> None:
    """A session for the enterprises' principal persons in charge held nine days ago, one at
    enterprise_user's enterprise four days ago (rated 5 by the enterprise), and a publicity
    event planned later this month."""
    seeder = _Seeder(contract, users)
    attendees = 2 * len(seeder.enterprises) + 3
    _training_session(
        seeder,
        enterprise=None,
        days_ago=9,
        title="城关镇重点企业主要负责人安全生产培训",
        notes="地点：城关镇人民政府三楼会议室。参训对象：服务对象清单内企业主要负责人和安全"
        "管理人员，镇安监站工作人员列席。请各企业提前10分钟签到，携带身份证。",
        record={
            "topic": "《中华人民共和国安全生产法》主要负责人安全生产职责；《工贸企业重大事故隐患"
            "判定标准》解读；粉尘防爆、有限空间作业典型事故案例分析",
            "hours": Decimal("3.0"),
            "attendees": attendees,
        },
        materials=seeder.pdf(
            "主要负责人培训课件及签到表.pdf",
            "Work safety training for principal persons in charge - Chengguan (demo)",
            "1. Duties of the principal person in charge (Work Safety Law, art. 21)",
            "2. Criteria for major accident hazards in industry and trade enterprises",
            "3. Case studies: dust explosion, confined space asphyxiation",
            f"Sign-in sheet: {attendees} attendees, 3.0 hours; written test: all passed",
        ),
        hours=(9, 12),
    )
    owner = users["enterprise_user"]
    main = next(
        (
            e
            for e in seeder.enterprises
            if owner.organization_id is not None and e.organization_id == owner.organization_id
        ),
        None,
    )
    if main is not None:
        words = profile_of(main)
        task = _training_session(
            seeder,
            enterprise=main,
            days_ago=4,
            title=f"{main.name} 粉尘防爆和岗位安全操作培训"[:120],
            notes=f"应企业申请进企业开展。参训对象：{words['dust_area']}、{words['workshop']}"
            "班组长和一线员工；企业安排会议室和投影仪，分两批参训不影响生产。",
            record={
                "topic": f"粉尘防爆安全知识和{words['dust_unit']}日常检查、清灰要求；配电柜和"
                "插座回路安全使用；防尘口罩、耳塞正确佩戴；岗位风险告知卡和应急处置",
                "hours": Decimal("2.0"),
                "attendees": 46,
            },
            materials=seeder.pdf(
                "进企业专题培训课件及签到表.pdf",
                "On-site training: dust explosion prevention and safe operation (demo)",
                "1. Dust explosion basics; bag filter inspection and cleaning",
                "2. Electrical safety: distribution cabinets, residual current devices",
                "3. Personal protective equipment: dust masks and ear plugs",
                "Sign-in sheet: 46 attendees in two groups, 2.0 hours",
            ),
            hours=(14, 16),
        )
        with seeder.on(3, 9, 15):
            fieldwork.task_rate(
                actor=owner,
                task=task,
                score=5,
                comment="两位专家结合我公司除尘器泄爆改造和车间实际讲解，通俗易懂，还现场演示了"
                "防尘口罩的佩戴和气密性检查。员工反映很有收获，希望明年继续安排。",
            )
    today = seeder.today
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    publicity = fieldwork.task_create(
        actor=users["township_officer"],
        contract=contract,
        kind=TaskKind.PUBLICITY,
        planned_date=min(today + dt.timedelta(days=12), month_end),
        title="城关镇工业园区安全生产宣传咨询活动",
        notes="在工业园区管委会门前广场设咨询台，发放《工贸企业重大事故隐患判定标准》解读手册和"
        "粉尘防爆、有限空间作业宣传挂图，专家现场解答企业咨询；镇安监站负责组织园区企业参加。",
    )
    fieldwork.task_assign(
        actor=users["provider_admin"],
        task=publicity,
        lead=seeder.member_expert,
        members=[seeder.lead_expert],
    )


def seed_training_service() -> dict[str, int]:
    """城关镇's training plan item (approved in the demo plan), through the services: project
    awarded to 安平安科, contract signed (township_leader, provider_leader) and started,
    covering the enterprises of the township's inspection contract; then a training session
    for the enterprises (findings recorded, materials attached), one at enterprise_user's
    enterprise rated by it, and a publicity event planned. What it created by kind, as
    seed_demo counts them (empty when a login, the approved item, the provider or the
    inspection contract is missing, or the item already has its project)."""
    users = {u.username: u for u in User.objects.filter(username__in=TRAINING_USERS)}
    if len(users) < len(TRAINING_USERS):
        return {}
    township = users["township_officer"].organization
    provider = Provider.objects.filter(organization__users=users["provider_leader"]).first()
    if township is None or provider is None:
        return {}
    item = (
        PlanItem.objects.filter(
            category="training",
            plan__purchaser=township,
            plan__year=timezone.localdate().year,
            plan__status=PlanStatus.APPROVED,
        )
        .order_by("pk")
        .first()
    )
    inspection = (
        Contract.objects.filter(
            purchaser=township,
            provider=provider,
            project__item__category="inspection",
            status=ContractStatus.IN_SERVICE,
        )
        .order_by("pk")
        .first()
    )
    if (
        item is None
        or inspection is None
        or PurchaseProject.objects.filter(item=item).exists()
        or Expert.objects.filter(user__username__in=["expert", "expert2"]).count() != 2
    ):
        return {}
    enterprises = [
        row.enterprise
        for row in inspection.coverage.select_related("enterprise").order_by(
            "enterprise__name", "enterprise__pk"
        )
    ]
    if not enterprises:
        return {}
    before = _counts()
    with translation.override("zh-hans"):
        contract = _training_contract(users, item, provider, enterprises)
        _training_tasks(contract, users)
    after = _counts()
    return {
        "contracts": 1,
        "fieldwork and hazard records": sum(after[label] - before[label] for label in after),
    }
