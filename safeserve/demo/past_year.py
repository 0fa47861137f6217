"""The demo's completed year (``manage.py seed_demo``): the year before the current one, run
through the same services with the clock travelled back (safeserve/demo/clock.py), so the
evaluation chain has something to show — plans approved, projects awarded, contracts signed,
served and completed, then evaluated early the following year:

- 应急管理局 ← 恒信: the closing evaluation fails (52); the county leader confirms the
  sanction (a deduction from what was unpaid, the county-wide ban in force) and records a
  referral.
- 城关镇 ← 恒信: passed by the purchaser (82), re-evaluated by 华正 (the evaluator) at 57 —
  the third party overturned the pass; its sanction waits for the county leader.
- 城关镇 ← 安平安科 (training, into this year): the year's evaluation final (88); the closing
  one replied to by the provider, waiting for the township leader.
- 应急管理局 ← 安平安科 (occupational, into this year): the year's evaluation final (91); the
  closing one sent, the provider's window open or lapsed.
- 应急管理局 ← 安平安科 (training): completed, its closing evaluation a draft.
- 城关镇 submitted its year on time and the county office received it; 应急管理局 has not
  (late). Tiers follow: 安平安科 A, 恒信 D, the others not rated.

Fieldwork of that year is not recreated (no tasks, hazards or reports): the metrics of these
evaluations read zero, and the comments say what the evaluators found.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Contract
from safeserve.demo import clock
from safeserve.demo.procurement import _group
from safeserve.demo.providers import DEMO_PDF
from safeserve.evaluations import annual, reevaluations, sanctions, services
from safeserve.evaluations.models import Evaluation, Sanction
from safeserve.procurement import services as procurement
from safeserve.procurement.models import PlanItem, PurchasePlan, PurchaseProject
from safeserve.providers.models import Provider

USERS = (
    "county_officer",
    "county_leader",
    "township_officer",
    "township_leader",
    "department_officer",
    "department_leader",
    "provider_admin",
    "provider_leader",
    "other_provider_admin",
    "evaluator",
    "evaluator_leader",
)
CRITERIA = (
    "检查覆盖率 | 30 | 服务对象清单内企业按计划全覆盖 | 系统统计\n"
    "隐患闭环 | 30 | 一般隐患按期整改销号，重大隐患按时报告 | 系统统计并抽查\n"
    "报告质量 | 20 | 技术报告专家签名、机构盖章、内容完整 | 抽查评审\n"
    "企业评价 | 20 | 企业满意度平均4分以上，无收费投诉 | 企业评价"
)
LIABILITY = "未按期完成服务或报告失实的，按合同金额的5%至20%扣减经费；评估不合格的扣减15%；情节严重的解除合同"


def _at(day: dt.date, hour: int, minute: int = 0) -> Any:
    return clock.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute))))


def _scores(values: list[tuple[str, str]]) -> dict[int, dict[str, str]]:
    return {n: {"score": s, "comment": c} for n, (s, c) in enumerate(values, start=1)}


def seed_past_year() -> dict[str, int]:
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    year = clock.past_year(timezone.localdate())
    township = users.get("township_officer")
    if len(users) < len(USERS) or township is None:
        return {}
    if PurchasePlan.objects.filter(purchaser=township.organization, year=year).exists():
        return {}
    providers = {
        p.name: p
        for p in Provider.objects.filter(
            name__in=["安平安科安全技术咨询有限公司", "恒信安全评价有限公司"]
        )
    }
    ankang, hengxin = providers["安平安科安全技术咨询有限公司"], providers["恒信安全评价有限公司"]
    y = year
    d = dt.date

    # Plans of the year, approved in January.
    with _at(d(y, 1, 6), 9, 30):
        _group(township, y, "刘志强/镇长", "王丽娟/分管安全生产副镇长", ["陈建军/镇安监站站长"])
        _group(
            users["department_officer"],
            y,
            "孙国庆/局长",
            "赵海燕/分管安全生产副局长",
            ["钱立/危化科科长"],
        )
        town_plan = procurement.plan_create(
            actor=township, year=y, title=f"城关镇{y}年度政府购买安全生产技术服务计划"
        )
        town_inspection = _item(
            township, town_plan, "inspection", "辖区非高危重点企业安全检查", "300000", visits=120
        )
        town_training = _item(
            township, town_plan, "training", "企业负责人和安全管理人员培训", "60000"
        )
        dept = users["department_officer"]
        dept_plan = procurement.plan_create(
            actor=dept, year=y, title=f"县应急管理局{y}年度技术服务计划"
        )
        dept_inspection = _item(
            dept, dept_plan, "inspection", "危化和冶金工贸企业安全检查", "260000", visits=120
        )
        dept_occupational = _item(
            dept, dept_plan, "occupational", "粉尘、噪声作业场所职业危害因素检测", "120000"
        )
        dept_training = _item(dept, dept_plan, "training", "危化企业从业人员专题培训", "40000")
    with _at(d(y, 1, 8), 16, 0):
        procurement.plan_submit(actor=township, plan=town_plan)
        procurement.plan_submit(actor=dept, plan=dept_plan)
    with _at(d(y, 1, 10), 11, 0):
        procurement.plan_approve(actor=users["county_officer"], plan=town_plan)
        procurement.plan_approve(actor=users["county_officer"], plan=dept_plan)

    # Projects awarded, contracts signed (Jan–Apr), in service until they end.
    specs = [
        # key, officer, leader, item, provider, signer, amount, start, end, title, number
        (
            "A",
            dept,
            "department_leader",
            dept_inspection,
            hengxin,
            "other_provider_admin",
            "240000",
            d(y, 3, 1),
            d(y, 12, 31),
            "危化和冶金工贸企业安全检查服务",
            f"应急采〔{y}〕03号",
        ),
        (
            "B",
            township,
            "township_leader",
            town_inspection,
            hengxin,
            "other_provider_admin",
            "280000",
            d(y, 2, 1),
            d(y, 12, 31),
            "非高危重点企业安全检查服务",
            f"城关镇采〔{y}〕02号",
        ),
        (
            "C",
            township,
            "township_leader",
            town_training,
            ankang,
            "provider_leader",
            "56000",
            d(y, 4, 1),
            d(y + 1, 3, 31),
            "企业安全生产培训服务",
            f"城关培〔{y}〕01号",
        ),
        (
            "D",
            dept,
            "department_leader",
            dept_occupational,
            ankang,
            "provider_leader",
            "110000",
            d(y, 5, 1),
            d(y + 1, 3, 31),
            "职业危害因素检测服务",
            f"应急职检〔{y}〕01号",
        ),
        (
            "E",
            dept,
            "department_leader",
            dept_training,
            ankang,
            "provider_leader",
            "38000",
            d(y, 3, 1),
            d(y, 11, 30),
            "危化企业从业人员培训服务",
            f"应急培〔{y}〕02号",
        ),
    ]
    made: dict[str, Contract] = {}
    for n, (
        key,
        officer,
        leader,
        item,
        provider,
        signer,
        amount,
        start,
        end,
        title,
        number,
    ) in enumerate(specs):
        day = d(y, 1, 12) + dt.timedelta(days=n)
        with _at(day, 9, 0):
            project = _project(officer, item, f"{y}年度{title}")
        with _at(day + dt.timedelta(days=10), 15, 0):
            procurement.project_award(
                actor=officer,
                project=project,
                provider=provider,
                award_date=day + dt.timedelta(days=10),
                amount=Decimal(amount),
                method="competitive_consultation",
                confirmed=[],
            )
        with _at(day + dt.timedelta(days=12), 10, 0):
            contract = _terms(officer, project, number, start, end, visits=item.target_visits)
        with _at(day + dt.timedelta(days=13), 15, 0):
            contracts.contract_sign(actor=users[leader], contract=contract)
        with _at(day + dt.timedelta(days=14), 10, 0):
            contracts.contract_sign(actor=users[signer], contract=contract)
        with _at(start, 8, 30):
            contracts.contract_start(actor=officer, contract=contract)
        with _at(start + dt.timedelta(days=14), 10, 0):
            contracts.payment_record(
                actor=officer,
                contract=contract,
                amount=(contract.amount / 2).quantize(Decimal("0.01")),
                paid_on=timezone.localdate(),
                voucher=f"付{y}-{key}01",
            )
        with _at(end + dt.timedelta(days=2), 9, 0):
            contracts.contract_complete(actor=officer, contract=contract)
        made[key] = Contract.objects.get(pk=contract.pk)

    a, b, c, dd, e = (made[k] for k in "ABCDE")
    y1 = y + 1
    # A: the department's closing evaluation fails; the county confirms the sanction.
    fail_a = _evaluate(
        users,
        "department",
        a,
        d(y1, 1, 6),
        [
            ("14", "仅覆盖约一半服务对象，多次未按计划检查"),
            ("12", "多项隐患逾期未复查"),
            ("10", "两份报告缺专家签名后补"),
            ("16", "企业评价一般"),
        ],
        reply=d(y1, 1, 12),
        final=d(y1, 1, 20),
    )
    sanction = Sanction.objects.get(evaluation=fail_a)
    with _at(d(y1, 2, 10), 10, 0):
        sanctions.sanction_confirm(
            actor=users["county_leader"],
            sanction=sanction,
            amount="36000",
            basis="合同违约责任：评估不合格扣减合同金额的15%（240,000 × 15%）",
        )
    with _at(d(y1, 2, 12), 15, 0):
        sanctions.referral_record(
            actor=users["county_officer"],
            sanction=sanction,
            referred_to="县市场监督管理局",
            referred_on=timezone.localdate(),
            content="评估中发现检查记录与现场情况不符的线索及相关材料",
        )
    # B: the township passes it; the third party re-evaluates and overturns the pass.
    pass_b = _evaluate(
        users,
        "township",
        b,
        d(y1, 1, 7),
        [
            ("26", "基本按计划完成检查"),
            ("24", "隐患闭环较好"),
            ("16", "报告规范"),
            ("16", "企业评价良好"),
        ],
        reply=d(y1, 1, 11),
        final=d(y1, 1, 16),
    )
    # C and D: the year's evaluations, final.
    c_year = _evaluate(
        users,
        "township",
        c,
        d(y1, 1, 8),
        [
            ("27", "培训按计划开展"),
            ("26", "考核档案完整"),
            ("17", "教材质量高"),
            ("18", "学员评价好"),
        ],
        reply=d(y1, 1, 12),
        final=d(y1, 1, 18),
    )
    _evaluate(
        users,
        "department",
        dd,
        d(y1, 1, 9),
        [
            ("28", "检测点位全覆盖"),
            ("27", "超标点位均按时复测"),
            ("18", "报告规范"),
            ("18", "企业满意"),
        ],
        reply=None,
        final=d(y1, 1, 25),
    )
    # 城关镇 submits its year on time; the county office receives it.
    with _at(d(y1, 1, 27), 10, 0):
        submission = annual.submission_open(actor=township, year=y)
    with _at(d(y1, 1, 28), 16, 0):
        annual.submission_submit(actor=users["township_leader"], submission=submission)
    with _at(d(y1, 2, 3), 9, 30):
        annual.submission_receive(actor=users["county_officer"], submission=submission)
    # The county office commissions 华正 to re-evaluate B; it overturns the pass.
    with _at(d(y1, 2, 20), 10, 0):
        commission = reevaluations.commission_create(
            actor=users["county_officer"],
            evaluator=users["evaluator"].organization_id,
            year=y,
            reason="群众反映检查走过场，委托第三方复核",
            evaluations=[pass_b.pk],
        )
    again = Evaluation.objects.get(commission=commission)
    _run(
        users,
        "evaluator",
        "evaluator_leader",
        again,
        d(y1, 2, 28),
        [
            ("15", "抽查12家企业中5家无检查记录"),
            ("15", "复查记录与现场不符"),
            ("13", "部分报告内容雷同"),
            ("14", "企业反映检查时间过短"),
        ],
        reply=d(y1, 3, 5),
        final=d(y1, 3, 16),
        note="第三方抽查结果与购买主体评估差异较大，以第三方结果为准",
    )
    # The contracts that ran into this year: their closing evaluations under way.
    _closing(
        users,
        "township",
        c,
        d(y1, 4, 3),
        [("28", "全年培训完成"), ("27", "档案齐全"), ("18", "课件更新"), ("18", "满意度高")],
        reply=d(y1, 4, 8),
    )
    _closing(
        users,
        "department",
        dd,
        d(y1, 4, 4),
        [("27", "检测完成"), ("26", "复测及时"), ("17", "报告规范"), ("17", "企业满意")],
        reply=None,
    )
    with _at(d(y1, 4, 6), 11, 0):
        start, end, _closing_period = services.open_periods(e)[0]
        draft = services.evaluation_open(
            actor=users["department_officer"], contract=e, period_start=start, period_end=end
        )
        services.evaluation_score(
            actor=users["department_officer"],
            evaluation=draft,
            changes={1: {"score": "25", "comment": "培训场次完成"}},
        )
    del c_year
    return {
        "past-year contracts": len(made),
        "evaluations": Evaluation.objects.filter(contract__in=made.values()).count(),
        "sanctions": Sanction.objects.filter(contract__in=made.values()).count(),
    }


def _item(
    actor: User, plan: PurchasePlan, category: str, content: str, budget: str, *, visits: int = 0
) -> PlanItem:
    return procurement.plan_item_save(
        actor=actor,
        plan=plan,
        data=procurement.ItemData(
            category=category,
            content=content,
            budget=Decimal(budget),
            target_enterprises=40 if visits else 0,
            target_visits=visits,
            target_sessions=0 if visits or category != "training" else 4,
        ),
    )


def _project(officer: User, item: PlanItem, title: str) -> PurchaseProject:
    project = procurement.project_create(
        actor=officer,
        item=item,
        data=procurement.ProjectData(
            title=title,
            method="competitive_consultation",
            service_content=item.content,
            enterprise_scope="服务对象清单内企业",
            required_experts=2,
        ),
    )
    procurement.project_add_document(
        actor=officer,
        project=project,
        title="竞争性磋商成交结果公告",
        upload=SimpleUploadedFile("award-notice.pdf", DEMO_PDF, content_type="application/pdf"),
    )
    return project


def _terms(
    officer: User, project: PurchaseProject, number: str, start: dt.date, end: dt.date, visits: int
) -> Contract:
    contract = contracts.contract_draft(actor=officer, project=project)
    amount = contract.amount
    half = (amount / 2).quantize(Decimal("0.01"))
    contracts.contract_save_terms(
        actor=officer,
        contract=contract,
        terms=contracts.Terms(
            number=number,
            subject_matter=project.service_content,
            quantity=f"服务对象清单内企业，共{visits}家次" if visits else "按服务计划分期实施",
            quality_requirements="按国家标准和合同约定实施，出具书面记录和技术报告",
            period_start=start,
            period_end=end,
            amount=amount,
            payment_method="合同签订后支付50%，绩效评估合格后支付余款；评估不合格按规定扣减",
            rights_obligations="甲方监督；乙方按计划派专家服务，不得转包、不得向企业收费、保守企业秘密",
            liability=LIABILITY,
            planned_visits=visits,
        ),
        criteria=CRITERIA,
        installments=f"{half} | 合同签订后\n{amount - half} | 绩效评估合格后",
    )
    return contract


def _who(side: str) -> tuple[str, str]:
    return {
        "township": ("township_officer", "township_leader"),
        "department": ("department_officer", "department_leader"),
    }[side]


def _evaluate(
    users: dict[str, User],
    side: str,
    contract: Contract,
    day: dt.date,
    scores: list[tuple[str, str]],
    *,
    reply: dt.date | None,
    final: dt.date,
) -> Evaluation:
    """The contract's first open period: opened and sent on ``day`` (+1), replied to, final."""
    officer, leader = _who(side)
    with _at(day, 10, 0):
        start, end, _closing_period = services.open_periods(contract)[0]
        evaluation = services.evaluation_open(
            actor=users[officer], contract=contract, period_start=start, period_end=end
        )
    return _run(
        users,
        officer,
        leader,
        evaluation,
        day + dt.timedelta(days=1),
        scores,
        reply=reply,
        final=final,
    )


def _run(
    users: dict[str, User],
    officer: str,
    leader: str,
    evaluation: Evaluation,
    day: dt.date,
    scores: list[tuple[str, str]],
    *,
    reply: dt.date | None,
    final: dt.date | None,
    note: str = "",
) -> Evaluation:
    with _at(day, 15, 0):
        services.evaluation_score(
            actor=users[officer],
            evaluation=services.evaluation_of(evaluation.pk),
            changes=_scores(scores),
        )
        services.evaluation_send(
            actor=users[officer], evaluation=services.evaluation_of(evaluation.pk)
        )
    if reply is not None:
        with _at(reply, 11, 0):
            services.evaluation_reply(
                actor=users["provider_admin"]
                if evaluation.provider.name == "安平安科安全技术咨询有限公司"
                else users["other_provider_admin"],
                evaluation=services.evaluation_of(evaluation.pk),
                statement="对评估结果无异议，将按意见整改。",
            )
    if final is not None:
        with _at(final, 16, 0):
            services.evaluation_finalise(
                actor=users[leader], evaluation=services.evaluation_of(evaluation.pk), reason=note
            )
    return services.evaluation_of(evaluation.pk)


def _closing(
    users: dict[str, User],
    side: str,
    contract: Contract,
    day: dt.date,
    scores: list[tuple[str, str]],
    *,
    reply: dt.date | None,
) -> Evaluation:
    officer, leader = _who(side)
    with _at(day, 10, 0):
        start, end, _closing_period = services.open_periods(contract)[0]
        evaluation = services.evaluation_open(
            actor=users[officer], contract=contract, period_start=start, period_end=end
        )
    return _run(users, officer, leader, evaluation, day, scores, reply=reply, final=None)


RATINGS = [
    (5, 5, 5, "检查细致，隐患判定准确"),
    (4, 5, 5, "现场沟通耐心，整改建议具体"),
    (4, 4, 5, ""),
]


def seed_expert_ratings() -> int:
    """城关镇 rates the experts who have worked on its inspection contract this year (R10),
    so the expert rankings have ratings to rank by."""
    from safeserve.evaluations.models import ExpertRating
    from safeserve.evaluations.ratings import expert_rate, participants

    officer = User.objects.filter(username="township_officer").first()
    contract = (
        Contract.objects.filter(purchaser__users=officer, number__contains="07号")
        .order_by("-pk")
        .first()
        if officer
        else None
    )
    if (
        officer is None
        or contract is None
        or ExpertRating.objects.filter(contract=contract).exists()
    ):
        return 0
    made = 0
    for expert, (quality, diligence, integrity, comment) in zip(
        participants(contract).order_by("name"), RATINGS * 10, strict=False
    ):
        expert_rate(
            actor=officer,
            contract=contract,
            expert=expert,
            quality=quality,
            diligence=diligence,
            integrity=integrity,
            comment=comment,
        )
        made += 1
    return made
