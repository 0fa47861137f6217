"""The fieldwork world, built through the services only: 城关镇's inspection contract in service
with three covered enterprises (恒丰纺织 — the enterprise with a login — and two more), tasks
with their assigned experts, and contracts of the other service categories.

The hazard tests use the same fixtures (safeserve/hazards/tests/conftest.py re-exports them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.common.lib.dates import years_from
from safeserve.common.tests import clock
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Contract
from safeserve.demo.fieldwork import demo_png
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    ServiceTask,
)
from safeserve.hazards import services as hazards
from safeserve.hazards.models import Hazard, HazardLevel, HazardStatus
from safeserve.procurement import services as procurement
from safeserve.procurement.models import PlanItem, ProjectStatus, PurchasePlan, PurchaseProject
from safeserve.providers.models import Expert, Provider

TODAY = clock.TODAY
CHENGGUAN = "安平县城关镇人民政府"
PROVIDER = "安平安科安全技术咨询有限公司"
PNG = demo_png(1, 8, 8)
CRITERIA = (
    "检查覆盖率 | 40 | 每家重点企业每季度1次 | 系统统计\n"
    "隐患闭环率 | 40 | 一般隐患整改闭环 | 抽查复核\n"
    "企业满意度 | 20 | 平均4分以上 | 企业评价"
)


# --- Small helpers ---------------------------------------------------------------------------


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def expert_of(user: User) -> Expert:
    return Expert.objects.get(user=user)


def actions(obj: Any) -> list[str]:
    """The audit actions recorded on an object, oldest first."""
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("chain_id", "seq")
        .values_list("action", flat=True)
    )


def template(code: str) -> ChecklistTemplate:
    """A shipped checklist. The data migration loads them, but the flush after a transactional
    test (a race test elsewhere) empties the table, so they are put back when missing."""
    if not ChecklistTemplate.objects.filter(code=code).exists():
        from safeserve.fieldwork.checklists import load_shipped

        load_shipped(ChecklistTemplate, ChecklistItem)
    return ChecklistTemplate.objects.get(code=code)


def answer_all(user: User, inspection: Inspection, answer: str = Answer.NO) -> None:
    for item in inspection.template.items.all():
        fieldwork.answer_record(
            actor=user,
            inspection=inspection,
            item=item,
            answer=answer,
            description="现场发现问题" if answer == Answer.YES else "",
        )


# --- Contracts -------------------------------------------------------------------------------


def terms(
    *, number: str, amount: Decimal, start: dt.date = TODAY, planned_visits: int = 0
) -> contracts.Terms:
    return contracts.Terms(
        number=number,
        subject_matter="安全生产技术服务",
        quantity="按服务对象清单",
        quality_requirements="按国家标准和检查表逐项开展，书面交底",
        period_start=start,
        period_end=years_from(start, 1) - dt.timedelta(days=1),
        amount=amount,
        payment_method="分两期支付",
        rights_obligations="甲方提供企业名单；乙方按期完成服务，不得转包、不得收费",
        liability="未按期完成扣减相应经费",
        planned_visits=planned_visits,
    )


def contract_for(
    users: dict[str, User],
    project: PurchaseProject,
    *,
    officer: str,
    leader: str,
    number: str,
    start: dt.date = TODAY,
    begin: bool = True,
    planned_visits: int = 0,
) -> Contract:
    """Draft, terms, both signatures and (with ``begin``) the start of service."""
    draft = contracts.contract_draft(actor=users[officer], project=project)
    amount = draft.amount
    half = (amount / 2).quantize(Decimal("0.01"))
    contracts.contract_save_terms(
        actor=users[officer],
        contract=draft,
        terms=terms(number=number, amount=amount, start=start, planned_visits=planned_visits),
        criteria=CRITERIA,
        installments=f"{half} | 签订后\n{amount - half} | 年终评估后",
    )
    contracts.contract_sign(actor=users[leader], contract=draft)
    contracts.contract_sign(actor=users["provider_leader"], contract=draft)
    if begin:
        contracts.contract_start(actor=users[officer], contract=draft)
    return Contract.objects.select_related("provider", "purchaser", "project__item").get(
        pk=draft.pk
    )


def award(
    users: dict[str, User], item: PlanItem, *, officer: str, title: str, amount: str
) -> PurchaseProject:
    """A project under the item, awarded to the demo provider."""
    project = procurement.project_create(
        actor=users[officer],
        item=item,
        data=procurement.ProjectData(
            title=title, service_content=title, enterprise_scope="服务对象清单内企业"
        ),
    )
    procurement.project_add_document(
        actor=users[officer],
        project=project,
        title="成交结果公告",
        upload=SimpleUploadedFile("notice.pdf", b"%PDF-1.4 notice"),
    )
    awarded, _result = procurement.project_award(
        actor=users[officer],
        project=project,
        provider=Provider.objects.get(name=PROVIDER),
        award_date=TODAY,
        amount=Decimal(amount),
        method="competitive_consultation",
    )
    return awarded


def add_enterprises(users: dict[str, User], hengfeng: Enterprise, count: int) -> list[Enterprise]:
    """More key enterprises of 城关镇 outside the high-risk sectors, entered by the township."""
    from safeserve.demo.enterprises import demo_uscc
    from safeserve.enterprises.services import EnterpriseData, enterprise_create

    made = []
    for serial in range(count):
        enterprise = enterprise_create(
            actor=users["township_officer"],
            data=EnterpriseData(
                name=f"安平县测试{serial + 1}号纺织有限公司",
                uscc=demo_uscc("990121", 95000 + serial),
                township=hengfeng.township,
                industry_code="C1711",
                is_key=True,
            ),
        )
        assert enterprise.sector == ""
        made.append(enterprise)
    return made


@pytest.fixture
def users(demo: dict[str, User]) -> dict[str, User]:
    return demo


@pytest.fixture
def hengfeng(users: dict[str, User]) -> Enterprise:
    """The enterprise behind enterprise_user (not a high-risk sector)."""
    return Enterprise.objects.get(organization=users["enterprise_user"].organization)


@pytest.fixture
def contract(
    users: dict[str, User], hengfeng: Enterprise, neighbours: list[Enterprise]
) -> Contract:
    """城关镇's inspection contract, in service from today for a year, 180 visits a year,
    covering 恒丰 and two more enterprises (a third, ``uncovered``, stays outside)."""
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED, purchaser__name=CHENGGUAN)
    signed = contract_for(
        users,
        project,
        officer="township_officer",
        leader="township_leader",
        number=f"城关镇采〔{TODAY.year}〕07号",
        planned_visits=180,
    )
    contracts.coverage_add(
        actor=users["township_officer"],
        contract=signed,
        enterprises=[hengfeng, *neighbours[:2]],
    )
    return signed


@pytest.fixture
def neighbours(users: dict[str, User], hengfeng: Enterprise) -> list[Enterprise]:
    """Three more enterprises of 城关镇: the contract covers the first two."""
    return add_enterprises(users, hengfeng, 3)


@pytest.fixture
def uncovered(neighbours: list[Enterprise]) -> Enterprise:
    return neighbours[2]


@pytest.fixture
def training_contract(users: dict[str, User], contract: Contract) -> Contract:
    """城关镇's training item (approved in the demo plan), awarded and in service."""
    item = PlanItem.objects.get(category="training", plan__purchaser__name=CHENGGUAN)
    project = award(users, item, officer="township_officer", title="企业安全培训", amount="50000")
    return contract_for(
        users, project, officer="township_officer", leader="township_leader", number="城关镇培训01"
    )


@pytest.fixture
def department_contracts(users: dict[str, User]) -> dict[str, Contract]:
    """应急管理局's plan (submitted in the demo) is returned, given an emergency item, and
    approved; its occupational and emergency items become contracts in service, each covering
    two enterprises of the department's sectors."""
    officer = users["department_officer"]
    plan = PurchasePlan.objects.get(purchaser=officer.organization, year=TODAY.year)
    procurement.plan_return(actor=users["county_officer"], plan=plan, reason="补充应急演练项目")
    procurement.plan_item_save(
        actor=officer,
        plan=plan,
        data=procurement.ItemData(
            category="emergency", content="危化企业应急预案和演练", budget=Decimal("100000")
        ),
    )
    procurement.plan_submit(actor=officer, plan=plan)
    procurement.plan_approve(actor=users["county_officer"], plan=plan)
    covered = list(
        Enterprise.objects.filter(
            county_id=officer.organization.county_id,
            sector__in=["mining", "hazardous_goods", "metallurgy_trade"],
        )
        .exclude(status="closed")
        .order_by("name")[:2]
    )
    assert covered, "the demo directory has enterprises of the department's sectors"
    made = {}
    for category, amount in (("occupational", "90000"), ("emergency", "80000")):
        item = PlanItem.objects.get(plan=plan, category=category)
        project = award(users, item, officer="department_officer", title=category, amount=amount)
        made[category] = contract_for(
            users,
            project,
            officer="department_officer",
            leader="department_leader",
            number=f"应急局{category}",
        )
        contracts.coverage_add(actor=officer, contract=made[category], enterprises=covered)
    return made


# --- Tasks -----------------------------------------------------------------------------------


def plan_task(
    users: dict[str, User],
    contract: Contract,
    enterprise: Enterprise | None,
    *,
    kind: str = "inspection",
    days: int = 1,
    actor: str = "provider_admin",
) -> ServiceTask:
    return fieldwork.task_create(
        actor=users[actor],
        contract=contract,
        kind=kind,
        planned_date=TODAY + dt.timedelta(days=days),
        enterprise=enterprise,
    )


def assign(
    users: dict[str, User],
    task: ServiceTask,
    lead: str = "expert",
    members: tuple[str, ...] = ("expert2",),
) -> ServiceTask:
    return fieldwork.task_assign(
        actor=users["provider_admin"],
        task=task,
        lead=expert_of(users[lead]),
        members=[expert_of(users[m]) for m in members],
    )


def reload(task: ServiceTask) -> ServiceTask:
    return ServiceTask.objects.select_related("contract__provider", "enterprise").get(pk=task.pk)


@pytest.fixture
def task(users: dict[str, User], contract: Contract, hengfeng: Enterprise) -> ServiceTask:
    """A planned inspection of 恒丰 tomorrow: expert leads, expert2 is a member."""
    planned = plan_task(users, contract, hengfeng)
    assign(users, planned)
    return reload(planned)


@pytest.fixture
def on_site(users: dict[str, User], task: ServiceTask) -> ServiceTask:
    fieldwork.task_check_in(actor=users["expert"], task=task)
    return reload(task)


def finish(users: dict[str, User], task: ServiceTask) -> ServiceTask:
    """Every item of the ordinary checklist answered 'no problem', then finished by the lead."""
    inspection = fieldwork.inspection_add(
        actor=users["expert"], task=task, template=template("general-basic")
    )
    answer_all(users["expert"], inspection)
    fieldwork.task_finish(actor=users["expert"], task=task)
    return reload(task)


# --- Hazards ---------------------------------------------------------------------------------


def raise_general(
    users: dict[str, User], task: ServiceTask, actor: str = "expert", **changes: Any
) -> Hazard:
    values: dict[str, Any] = {
        "actor": users[actor],
        "task": task,
        "level": HazardLevel.GENERAL,
        "description": "配电箱未接地",
        "location": "一号车间",
        "advice": "增设接地线并检测",
        "basis": "GB 50054 第5.2条",
    }
    values.update(changes)
    return hazards.hazard_raise(**values)


def major_answer(users: dict[str, User], task: ServiceTask) -> InspectionAnswer:
    """'Problem found' on the first item of a major-hazard criterion checklist."""
    inspection = fieldwork.inspection_add(
        actor=users["expert"], task=task, template=template("gm2023-general")
    )
    item = inspection.template.items.order_by("position").first()
    assert item is not None and item.is_major
    return fieldwork.answer_record(
        actor=users["expert"],
        inspection=inspection,
        item=item,
        answer=Answer.YES,
        description="粉尘爆炸危险场所未设置泄爆装置",
    )


def raise_major(users: dict[str, User], task: ServiceTask) -> Hazard:
    """Raised as 'general' from a major criterion: the item makes it major."""
    return raise_general(users, task, answer=major_answer(users, task), basis="")


def fresh(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_related("contract", "enterprise", "task", "notice").get(
        pk=hazard.pk
    )


def advance(users: dict[str, User], hazard: Hazard, to: str) -> Hazard:
    """Moves a found hazard forward along the closed loop up to ``to`` through the services:
    notified (notice by the lead expert), rectifying and submitted (by enterprise_user),
    closed (general: verified by expert2)."""
    order = [
        HazardStatus.FOUND,
        HazardStatus.NOTIFIED,
        HazardStatus.RECTIFYING,
        HazardStatus.SUBMITTED,
        HazardStatus.CLOSED,
    ]
    hazard = fresh(hazard)
    while order.index(hazard.status) < order.index(to):
        if hazard.status == HazardStatus.FOUND:
            hazards.notice_issue(actor=users["expert"], task=hazard.task, hazards=[hazard])
        elif hazard.status == HazardStatus.NOTIFIED:
            hazards.hazard_acknowledge(actor=users["enterprise_user"], hazard=hazard)
        elif hazard.status == HazardStatus.RECTIFYING:
            hazards.hazard_submit(
                actor=users["enterprise_user"],
                hazard=hazard,
                description="已整改",
                files=[png()],
            )
        else:
            hazards.hazard_verify(actor=users["expert2"], hazard=hazard, note="现场复查合格")
        hazard = fresh(hazard)
    assert hazard.status == to
    return hazard
