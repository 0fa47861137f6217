"""The whole chain at province scale (issue 15), for ``seed_demo --scale province`` and the
benchmarks: in each province county, purchasers with plans and projects, contracts with
coverage, payments and engaged experts, tasks with their teams and checklist answers,
hazards in every state with notices, extensions, photos (records only) and major-hazard
reports, technical reports, last year's evaluations with sanctions, bans and annual
submissions. Written with COPY (``common.db.bulk``); one audit event per county and table
(DESIGN.md §3 allows it for bulk loads). A county that already has contracts is left alone,
so running it again adds nothing.

Figures are in proportion to each county's enterprises: one contract per ten enterprises,
twenty tasks per contract, about five hazards per task done — 10k contracts, 200k tasks and
1M hazards for the province's 100k enterprises.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.audit.services import audit_bulk_load
from safeserve.common.db import tally
from safeserve.common.db.bulk import insert, next_id, reset_sequences
from safeserve.common.lib.crypto import blind_index
from safeserve.common.models import policy_for
from safeserve.contracts.models import (
    Contract,
    ContractEnterprise,
    Deduction,
    Engagement,
    Installment,
    Payment,
)
from safeserve.documents.models import TechnicalReport
from safeserve.enterprises.models import Enterprise
from safeserve.evaluations.models import AnnualSubmission, Evaluation, Sanction
from safeserve.fieldwork.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    ServiceTask,
    TaskAssignment,
)
from safeserve.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardFile,
    MajorHazardReport,
    Notice,
)
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel
from safeserve.procurement.models import PlanItem, PurchasePlan, PurchaseProject
from safeserve.providers.models import Debarment, Expert, Provider, ProviderAdmission

DEPARTMENTS = ["应急管理局", "住房和城乡建设局", "交通运输局", "市场监督管理局"]
PROVIDERS_PER_COUNTY = 3
# Teams of two out of twenty: about a dozen visits a week for each expert, as in life.
EXPERTS_PER_PROVIDER = 20
TEAMS = EXPERTS_PER_PROVIDER // 2
HAZARD_TEXTS = [
    ("配电箱未设置漏电保护装置", "车间东侧配电箱", "加装漏电保护器并定期测试"),
    ("消防通道被货物堵塞", "仓库北门", "清理通道并划定禁止堆放区域"),
    ("灭火器压力不足", "二号车间", "更换或充装灭火器并建立月检记录"),
    ("安全警示标志缺失", "危化品储存间", "按GB 2894设置警示标志"),
    ("特种作业人员无证上岗", "焊接工位", "停止作业，取证后方可上岗"),
    ("粉尘清扫制度未落实", "抛光车间", "制定并落实粉尘清扫制度，做好记录"),
    ("应急预案未演练", "办公楼", "组织应急演练并评估改进"),
    ("设备防护罩缺失", "冲压线", "恢复防护罩并设置联锁"),
]


@dataclass(frozen=True)
class Sizes:
    enterprises_per_contract: int = 10
    tasks_per_contract: int = 20
    hazards_per_task: int = 5
    past_share: float = 0.2  # contracts of last year, evaluated


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class _County:
    """What one county's chain needs to refer to while it is written."""

    def __init__(self, county: Region, index: int, password: str, today: dt.date) -> None:
        self.county = county
        self.index = index
        self.password = password
        self.today = today
        self.rng = random.Random(f"province-chain-{county.code}")
        self.counts: dict[str, int] = {}

    def count(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def seed_province_chain(counties: list[Region], sizes: Sizes | None = None) -> dict[str, int]:
    sizes = sizes or Sizes()
    today = timezone.localdate()
    password = make_password(None)  # unusable: bench logins are made separately
    created: dict[str, int] = {}
    template = (
        ChecklistTemplate.objects.filter(is_active=True, applies_to_all=True).order_by("pk").first()
    )
    items = list(
        ChecklistItem.objects.filter(template=template)
        .order_by("position")
        .values_list("pk", flat=True)
    )[:40]
    for index, county in enumerate(counties):
        if Contract.objects.filter(county=county).exists():
            continue
        state = _County(county, index, password, today)
        _county_chain(state, sizes, template.pk if template else None, items)
        for what, n in state.counts.items():
            created[what] = created.get(what, 0) + n
        digest = hashlib.sha256(repr(sorted(state.counts.items())).encode()).hexdigest()
        audit_bulk_load(
            action="audit.bulk_load",
            actor="seed_demo",
            county_id=county.pk,
            count=sum(state.counts.values()),
            checksum=digest,
            description="seed_demo --scale province: the whole chain",
        )
    reset_sequences(
        User,
        Organization,
        Provider,
        Expert,
        ProviderAdmission,
        PurchasePlan,
        PlanItem,
        PurchaseProject,
        Contract,
        ContractEnterprise,
        Installment,
        Payment,
        Engagement,
        ServiceTask,
        TaskAssignment,
        Inspection,
        InspectionAnswer,
        Notice,
        Hazard,
        HazardFile,
        ExtensionRequest,
        MajorHazardReport,
        TechnicalReport,
        Evaluation,
        Deduction,
        Debarment,
        Sanction,
        AnnualSubmission,
    )
    # The chain went in by COPY, past the models' save: count it again.
    for model in (ServiceTask, Hazard):
        for counted in model.tallies:
            tally.rebuild(counted, model.objects.all())
    return created


def _organizations(state: _County) -> dict[str, Any]:
    """Purchasers (each township's government and four departments), providers with their
    experts and logins, each with an officer; ids only."""
    county = state.county
    townships = list(
        Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code")
    )
    office = Organization.objects.get(county=county, kind=OrganizationKind.COUNTY_OFFICE)
    orgs = [
        Organization(
            county=county, region=t, kind=OrganizationKind.TOWNSHIP, name=f"{t.name}人民政府"
        )
        for t in townships
    ]
    orgs += [
        Organization(
            county=county,
            region=county,
            kind=OrganizationKind.DEPARTMENT,
            name=f"{county.name}{d}",
            is_fallback_department=(d == "应急管理局"),
        )
        for d in DEPARTMENTS
    ]
    provider_orgs = [
        Organization(
            county=county,
            region=county,
            kind=OrganizationKind.PROVIDER,
            name=f"{county.name}{name}安全技术服务有限公司",
        )
        for name in ("安泰", "华安", "众信")[:PROVIDERS_PER_COUNTY]
    ]
    Organization.objects.bulk_create(orgs + provider_orgs)
    state.count("organizations", len(orgs) + len(provider_orgs))
    prefix = f"p{state.index + 1}"
    users = [
        User(
            username=f"{prefix}_county_officer",
            full_name="县安委办干部",
            organization=office,
            role="officer",
            password=state.password,
        )
    ]
    for n, org in enumerate(orgs):
        users.append(
            User(
                username=f"{prefix}_purchaser{n}",
                full_name=f"{org.name[:10]}干部",
                organization=org,
                role="officer",
                password=state.password,
            )
        )
    for n, org in enumerate(provider_orgs):
        users.append(
            User(
                username=f"{prefix}_provider{n}",
                full_name="机构管理员",
                organization=org,
                role="admin",
                password=state.password,
            )
        )
    experts_users = [
        User(
            username=f"{prefix}_expert{n}_{e}",
            full_name=f"专家{n}{e}",
            organization=org,
            role="expert",
            password=state.password,
        )
        for n, org in enumerate(provider_orgs)
        for e in range(EXPERTS_PER_PROVIDER)
    ]
    User.objects.bulk_create(users + experts_users)
    state.count("users", len(users) + len(experts_users))
    providers = [
        Provider(
            organization=org,
            name=org.name,
            uscc=f"91{county.code}PV{state.index:02d}{n:04d}"[:18].ljust(18, "0"),
            legal_representative="王建国",
            premises_area=Decimal(400),
        )
        for n, org in enumerate(provider_orgs)
    ]
    Provider.objects.bulk_create(providers)
    ProviderAdmission.objects.bulk_create(
        ProviderAdmission(county=county, provider=p, status="admitted", reason="省级示范数据")
        for p in providers
    )
    experts = []
    for n, provider in enumerate(providers):
        for e in range(EXPERTS_PER_PROVIDER):
            id_number = f"{county.code}1980{state.index:02d}{n:02d}{e:02d}1X"
            experts.append(
                Expert(
                    name=f"专家{n}{e}",
                    id_number=id_number,
                    id_number_index=blind_index(id_number),
                    title="高级工程师",
                    employer=provider,
                    user=experts_users[n * EXPERTS_PER_PROVIDER + e],
                )
            )
    Expert.objects.bulk_create(experts)
    state.count("providers", len(providers))
    state.count("experts", len(experts))
    return {
        "purchasers": [o.pk for o in orgs],
        "departments": [o.pk for o in orgs if o.kind == OrganizationKind.DEPARTMENT],
        "townships": {o.region_id: o.pk for o in orgs if o.kind == OrganizationKind.TOWNSHIP},
        "officer": {o.pk: users[i + 1].pk for i, o in enumerate(orgs)},
        "office_user": users[0].pk,
        "providers": [(p.pk, p.organization_id) for p in providers],
        "provider_user": {p.pk: users[1 + len(orgs) + i].pk for i, p in enumerate(providers)},
        "experts": {
            p.pk: [
                (x.pk, x.user_id)
                for x in experts[i * EXPERTS_PER_PROVIDER : (i + 1) * EXPERTS_PER_PROVIDER]
            ]
            for i, p in enumerate(providers)
        },
    }


def _team(orgs: dict[str, Any], contract: dict[str, Any], size: int) -> list[tuple[int, int]]:
    """The contract's experts: a pair of its provider's (a third engaged for the contract)."""
    experts = orgs["experts"][contract["provider"]]
    first = (contract["id"] % TEAMS) * 2
    return [experts[(first + k) % len(experts)] for k in range(size)]


def _county_chain(state: _County, sizes: Sizes, template_id: int | None, items: list[int]) -> None:
    rng, county, today = state.rng, state.county, state.today
    orgs = _organizations(state)
    enterprises = list(
        Enterprise.objects.filter(county=county).order_by("pk").values_list("pk", "township_id")
    )
    rng.shuffle(enterprises)
    n_contracts = max(1, len(enterprises) // sizes.enterprises_per_contract)
    year = today.year
    tz = timezone.get_current_timezone()

    def at(day: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    # Plans and their items: one of each per purchaser and year.
    plan_id, item_id = next_id(PurchasePlan), next_id(PlanItem)
    plan_rows, item_rows, item_of = [], [], {}
    for y in (year - 1, year):
        for purchaser in orgs["purchasers"]:
            plan_rows.append(
                (plan_id, purchaser, county.pk, y, f"{y}年度安全生产技术服务购买计划", "approved")
            )
            item_rows.append(
                (item_id, plan_id, "inspection", "安全生产检查技术服务", Decimal(5_000_000))
            )
            item_of[(purchaser, y)] = item_id
            plan_id += 1
            item_id += 1
    insert(PurchasePlan, ["id", "purchaser_id", "county_id", "year", "title", "status"], plan_rows)
    insert(PlanItem, ["id", "plan_id", "category", "content", "budget"], item_rows)
    state.count("purchase plans", len(plan_rows))

    # Projects and contracts: a fifth of last year (evaluated), the rest this year.
    project_id, contract_id = next_id(PurchaseProject), next_id(Contract)
    contracts: list[dict[str, Any]] = []
    for n in range(n_contracts):
        past = n < n_contracts * sizes.past_share
        y = year - 1 if past else year
        purchaser = orgs["purchasers"][n % len(orgs["purchasers"])]
        provider, provider_org = orgs["providers"][n % len(orgs["providers"])]
        amount = Decimal(rng.randrange(80_000, 400_000, 1000))
        status = "closed" if past else ("terminated" if n % 97 == 0 else "in_service")
        covered = (
            enterprises[
                (n * sizes.enterprises_per_contract) % len(enterprises) : (
                    n * sizes.enterprises_per_contract
                )
                % len(enterprises)
                + sizes.enterprises_per_contract
            ]
            or enterprises[: sizes.enterprises_per_contract]
        )
        contracts.append(
            {
                "id": contract_id,
                "project": project_id,
                "purchaser": purchaser,
                "provider": provider,
                "provider_org": provider_org,
                "year": y,
                "amount": amount,
                "status": status,
                "covered": covered,
                "item": item_of[(purchaser, y)],
            }
        )
        project_id += 1
        contract_id += 1
    insert(
        PurchaseProject,
        [
            "id",
            "item_id",
            "purchaser_id",
            "county_id",
            "title",
            "service_content",
            "enterprise_scope",
            "method",
            "status",
            "awarded_provider_id",
            "award_date",
            "award_amount",
        ],
        (
            (
                c["project"],
                c["item"],
                c["purchaser"],
                county.pk,
                f"{c['year']}年安全生产检查技术服务（{c['id']}）",
                "隐患排查、检查报告",
                "辖区工贸企业",
                "competitive_consultation",
                "contracted",
                c["provider"],
                dt.date(c["year"] - 1, 12, 20),
                c["amount"],
            )
            for c in contracts
        ),
    )
    insert(
        Contract,
        [
            "id",
            "project_id",
            "purchaser_id",
            "provider_id",
            "county_id",
            "number",
            "subject_matter",
            "period_start",
            "period_end",
            "amount",
            "planned_visits",
            "pass_score",
            "status",
            "signed_on",
            "liability",
        ],
        (
            (
                c["id"],
                c["project"],
                c["purchaser"],
                c["provider"],
                county.pk,
                f"AQFW-{county.code}-{c['year']}-{c['id']:05d}",
                "安全生产检查技术服务",
                dt.date(c["year"], 1, 1),
                dt.date(c["year"], 12, 31),
                c["amount"],
                sizes.tasks_per_contract,
                60,
                c["status"],
                dt.date(c["year"] - 1, 12, 28),
                "考核不合格的，按合同金额的10%扣减服务费。",
            )
            for c in contracts
        ),
    )
    state.count("contracts", len(contracts))
    state.count(
        "covered enterprises",
        insert(
            ContractEnterprise,
            ["contract_id", "enterprise_id", "added_by_id"],
            (
                (c["id"], e, orgs["officer"][c["purchaser"]])
                for c in contracts
                for e, _township in c["covered"]
            ),
        ),
    )
    insert(
        Installment,
        ["contract_id", "sequence", "amount", "condition"],
        (
            (c["id"], s, c["amount"] / 2, "合同签订后" if s == 1 else "考核合格后")
            for c in contracts
            for s in (1, 2)
        ),
    )
    state.count(
        "payments",
        insert(
            Payment,
            ["contract_id", "paid_on", "amount", "voucher", "recorded_by_id"],
            (
                (
                    c["id"],
                    dt.date(c["year"], 1, 15 + s),
                    c["amount"] / 2,
                    f"PZ{c['id']}-{s}",
                    orgs["officer"][c["purchaser"]],
                )
                for c in contracts
                for s in ((1, 2) if c["year"] < year else (1,))
            ),
        ),
    )
    insert(
        Engagement,
        ["contract_id", "expert_id", "role", "starts_on", "ends_on", "agreement", "created_by_id"],
        (
            (
                c["id"],
                expert,
                "lead" if k == 0 else "member",
                dt.date(c["year"], 1, 1),
                dt.date(c["year"], 12, 31),
                "province/engagement.pdf",
                orgs["provider_user"][c["provider"]],
            )
            for c in contracts
            for k, (expert, _user) in enumerate(_team(orgs, c, 3))
        ),
    )
    _fieldwork(state, sizes, orgs, contracts, template_id, items, at)
    _evaluations(state, orgs, contracts, at)


def _fieldwork(
    state: _County,
    sizes: Sizes,
    orgs: dict[str, Any],
    contracts: list[dict[str, Any]],
    template_id: int | None,
    items: list[int],
    at: Any,
) -> None:
    """Tasks, their teams and answers; hazards with notices, photos, extensions and reports."""
    rng, county, today = state.rng, state.county, state.today
    task_id, notice_id, hazard_id = next_id(ServiceTask), next_id(Notice), next_id(Hazard)
    inspection_id, answer_id = next_id(Inspection), next_id(InspectionAnswer)
    # rows waiting to be written, in _flush's order
    pending: tuple[list[Any], ...] = tuple([] for _ in range(10))
    tasks, assignments, inspections, answers, notices, hazards = pending[:6]
    experts_of, files, extensions, reports = pending[6:]
    through = Hazard.experts.through
    for c in contracts:
        team = _team(orgs, c, 2)
        lead_user = team[0][1]
        # each contract's visits on its own days, not the whole county's on the same ones
        start = dt.date(c["year"], 1, 2) + dt.timedelta(days=c["id"] % 17)
        for k in range(sizes.tasks_per_contract):
            enterprise, township = c["covered"][k % len(c["covered"])]
            planned = start + dt.timedelta(days=(k * 350) // sizes.tasks_per_contract)
            planned += dt.timedelta(days=rng.randrange(0, 10))
            if c["status"] == "terminated" and planned > today - dt.timedelta(days=60):
                status = "cancelled"
            elif planned < today - dt.timedelta(days=20):
                status = "accepted"
            elif planned < today - dt.timedelta(days=3):
                status = "reported"
            elif planned < today:
                status = "findings_recorded"
            elif planned == today:
                status = "on_site"
            else:
                status = "planned"
            done = status in ("accepted", "reported", "findings_recorded")
            checked = at(planned, 9) if done or status == "on_site" else None
            tasks.append(
                (
                    task_id,
                    c["id"],
                    county.pk,
                    c["purchaser"],
                    c["provider_org"],
                    enterprise,
                    "inspection",
                    f"安全生产检查 {k + 1}/{sizes.tasks_per_contract}",
                    planned,
                    status,
                    checked,
                    lead_user if checked else None,
                    at(planned, 16) if done else None,
                    orgs["provider_user"][c["provider"]],
                )
            )
            for r, (expert, _user) in enumerate(team):
                assignments.append((task_id, expert, "lead" if r == 0 else "member", lead_user))
            found = rng.randrange(0, sizes.hazards_per_task * 2 + 1) if done else 0
            if found and template_id is not None:
                inspections.append((inspection_id, task_id, template_id, lead_user))
            notice = None
            if found and status != "findings_recorded":
                notice = notice_id
                notices.append(
                    (
                        notice_id,
                        county.pk,
                        f"（{county.name[:2]}）安检通〔{c['year']}〕{notice_id}号",
                        c["id"],
                        c["purchaser"],
                        c["provider_org"],
                        task_id,
                        enterprise,
                        lead_user,
                        f"{notice_id:032x}",
                        at(planned + dt.timedelta(days=90)),
                        at(planned + dt.timedelta(days=1)),
                    )
                )
                notice_id += 1
            for h in range(found):
                text = HAZARD_TEXTS[(hazard_id + h) % len(HAZARD_TEXTS)]
                major = hazard_id % 97 == 0
                found_at = at(planned, 11)
                deadline = planned + dt.timedelta(days=90 if major else 30)
                age = (today - planned).days
                if notice is None:
                    h_status = "found"
                elif age > 60 and rng.random() < 0.92:
                    h_status = "closed"
                else:
                    h_status = rng.choice(["notified", "rectifying", "rectifying", "submitted"])
                answer = None
                item = None
                if template_id is not None and items and h % 3 == 0:
                    answer = answer_id
                    item = items[(task_id + h) % len(items)]
                    answers.append((answer_id, inspection_id, item, "yes", text[0], lead_user))
                    answer_id += 1
                department = township_org = None
                if major:
                    department = orgs["departments"][hazard_id % len(orgs["departments"])]
                    if department == orgs["departments"][0]:
                        township_org = orgs["townships"].get(township)
                    report_status = "accepted" if h_status == "closed" else "supervised"
                    reports.append(
                        (
                            hazard_id,
                            county.pk,
                            c["purchaser"],
                            c["provider_org"],
                            department,
                            township_org,
                            report_status,
                            found_at + dt.timedelta(hours=24),
                            text[0],
                            found_at + dt.timedelta(hours=6 + hazard_id % 30),
                            lead_user,
                            hazard_id % 30 > 18,
                            "county",
                            found_at + dt.timedelta(days=2)
                            if report_status == "accepted"
                            else None,
                        )
                    )
                closed = h_status == "closed"
                hazards.append(
                    (
                        hazard_id,
                        county.pk,
                        f"YH{planned:%Y}-P{hazard_id:07d}",
                        enterprise,
                        c["id"],
                        c["purchaser"],
                        c["provider_org"],
                        department,
                        township_org,
                        task_id,
                        answer,
                        item,
                        "《安全生产法》第四十一条",
                        "major" if major else "general",
                        text[0],
                        text[1],
                        text[2],
                        deadline,
                        h_status,
                        found_at,
                        lead_user,
                        notice if h_status != "found" else None,
                        found_at + dt.timedelta(days=1)
                        if h_status not in ("found", "notified")
                        else None,
                        found_at + dt.timedelta(days=20)
                        if h_status in ("submitted", "closed")
                        else None,
                        found_at + dt.timedelta(days=25) if closed else None,
                        lead_user if closed else None,
                    )
                )
                for expert, _user in team:
                    experts_of.append((hazard_id, expert))
                files.append((hazard_id, "finding", f"province/hazards/{hazard_id}.jpg"))
                if hazard_id % 50 == 0 and not closed:
                    extensions.append(
                        (
                            hazard_id,
                            "整改需采购设备，申请延期",
                            deadline,
                            deadline + dt.timedelta(days=30),
                            lead_user,
                            "pending" if hazard_id % 100 else "approved",
                        )
                    )
                hazard_id += 1
            if found and template_id is not None:
                inspection_id += 1
            task_id += 1
        if len(hazards) > 50_000:  # written a county's slice at a time: memory stays flat
            _flush(state, through, pending)
            for rows in pending:
                rows.clear()
    _flush(state, through, pending)


def _flush(state: _County, through: Any, pending: tuple[list[Any], ...]) -> None:
    tasks, assignments, inspections, answers, notices, hazards = pending[:6]
    experts_of, files, extensions, reports = pending[6:]
    state.count(
        "tasks",
        insert(
            ServiceTask,
            [
                "id",
                "contract_id",
                "county_id",
                "purchaser_id",
                "provider_org_id",
                "enterprise_id",
                "kind",
                "title",
                "planned_date",
                "status",
                "checked_in_at",
                "checked_in_by_id",
                "findings_recorded_at",
                "created_by_id",
            ],
            tasks,
        ),
    )
    state.count(
        "task assignments",
        insert(TaskAssignment, ["task_id", "expert_id", "role", "assigned_by_id"], assignments),
    )
    insert(Inspection, ["id", "task_id", "template_id", "added_by_id"], inspections)
    state.count(
        "answers",
        insert(
            InspectionAnswer,
            ["id", "inspection_id", "item_id", "answer", "description", "answered_by_id"],
            answers,
        ),
    )
    state.count(
        "notices",
        insert(
            Notice,
            [
                "id",
                "county_id",
                "number",
                "contract_id",
                "purchaser_id",
                "provider_org_id",
                "task_id",
                "enterprise_id",
                "issued_by_id",
                "link_nonce",
                "link_expires_at",
                "acknowledged_at",
            ],
            notices,
        ),
    )
    state.count(
        "hazards",
        insert(
            Hazard,
            [
                "id",
                "county_id",
                "number",
                "enterprise_id",
                "contract_id",
                "purchaser_id",
                "provider_org_id",
                "routed_department_id",
                "routed_township_id",
                "task_id",
                "answer_id",
                "checklist_item_id",
                "basis",
                "level",
                "description",
                "location",
                "advice",
                "deadline",
                "status",
                "found_at",
                "raised_by_id",
                "notice_id",
                "acknowledged_at",
                "submitted_at",
                "closed_at",
                "closed_by_id",
            ],
            hazards,
        ),
    )
    insert(through, ["hazard_id", "expert_id"], experts_of)
    state.count("hazard files", insert(HazardFile, ["hazard_id", "stage", "file"], files))
    state.count(
        "extension requests",
        insert(
            ExtensionRequest,
            [
                "hazard_id",
                "reason",
                "current_deadline",
                "new_deadline",
                "requested_by_id",
                "status",
            ],
            extensions,
        ),
    )
    state.count(
        "major-hazard reports",
        insert(
            MajorHazardReport,
            [
                "hazard_id",
                "county_id",
                "purchaser_id",
                "provider_org_id",
                "department_id",
                "copied_township_id",
                "status",
                "due_at",
                "current_state",
                "sent_at",
                "sent_by_id",
                "sent_late",
                "supervision_level",
                "accepted_at",
            ],
            reports,
        ),
    )


def _evaluations(
    state: _County, orgs: dict[str, Any], contracts: list[dict[str, Any]], at: Any
) -> None:
    """Technical reports of the tasks done; last year's contracts evaluated, the failures
    sanctioned (deduction, two-year ban); each purchaser's annual submission."""
    county, today = state.county, state.today
    year = today.year
    report_days = policy_for(county.pk).report_due_days
    tasks = ServiceTask.objects.filter(county=county, status__in=["reported", "accepted"])
    state.count(
        "technical reports",
        insert(
            TechnicalReport,
            [
                "county_id",
                "task_id",
                "contract_id",
                "provider_id",
                "enterprise_id",
                "status",
                "number",
                "overview",
                "conclusion",
                "created_by_id",
                "issued_at",
                "due_on",
            ],
            (
                (
                    county.pk,
                    t_id,
                    c_id,
                    provider,
                    enterprise,
                    "accepted" if status == "accepted" else "issued",
                    f"BG{county.code}-{t_id:07d}",
                    "对企业开展安全生产检查",
                    "发现隐患已书面告知企业并跟踪整改",
                    creator,
                    at(planned + dt.timedelta(days=3)),
                    # findings on the planned day; the default report days (R13)
                    planned + dt.timedelta(days=report_days),
                )
                # read first: a server-side cursor cannot run while the COPY does
                for t_id, c_id, provider, enterprise, status, creator, planned in list(
                    tasks.values_list(
                        "pk",
                        "contract_id",
                        "contract__provider_id",
                        "enterprise_id",
                        "status",
                        "created_by_id",
                        "planned_date",
                    )
                )
            ),
        ),
    )
    past = [c for c in contracts if c["year"] == year - 1]
    evaluation_id = next_id(Evaluation)
    evaluations, failing = [], []
    for c in past:
        total = Decimal(state.rng.randrange(520, 985)) / 10
        passed = total >= 60
        decided = at(dt.date(year, 1, 10))
        evaluations.append(
            (
                evaluation_id,
                county.pk,
                c["id"],
                c["purchaser"],
                c["provider"],
                dt.date(c["year"], 1, 1),
                dt.date(c["year"], 12, 31),
                True,
                "final",
                60,
                total,
                passed,
                True,
                decided,
                orgs["officer"][c["purchaser"]],
                decided,
                orgs["officer"][c["purchaser"]],
            )
        )
        if not passed:
            failing.append((evaluation_id, c))
        evaluation_id += 1
    state.count(
        "evaluations",
        insert(
            Evaluation,
            [
                "id",
                "county_id",
                "contract_id",
                "purchaser_id",
                "provider_id",
                "period_start",
                "period_end",
                "closing",
                "status",
                "pass_score",
                "total",
                "passed",
                "effective",
                "finalised_at",
                "finalised_by_id",
                "sent_at",
                "created_by_id",
            ],
            evaluations,
        ),
    )
    deduction_id, debarment_id = next_id(Deduction), next_id(Debarment)
    deductions, debarments, sanctions = [], [], []
    decided_on = dt.date(year, 2, 1)
    for evaluation, c in failing:
        amount = (c["amount"] / 10).quantize(Decimal("0.01"))
        deductions.append(
            (deduction_id, c["id"], amount, amount, "年度考核不合格扣减", orgs["office_user"])
        )
        debarments.append(
            (
                debarment_id,
                county.pk,
                c["provider"],
                decided_on,
                dt.date(decided_on.year + 2, 1, 31),
                "年度绩效评价不合格",
            )
        )
        sanctions.append(
            (
                county.pk,
                c["id"],
                c["provider"],
                evaluation,
                "confirmed",
                amount,
                "合同违约责任条款：按合同金额的10%扣减",
                deduction_id,
                debarment_id,
                at(decided_on),
                orgs["office_user"],
            )
        )
        deduction_id += 1
        debarment_id += 1
    insert(
        Deduction,
        ["id", "contract_id", "amount", "recoverable", "reason", "recorded_by_id"],
        deductions,
    )
    insert(
        Debarment,
        ["id", "county_id", "provider_id", "starts_on", "ends_on", "reason"],
        debarments,
    )
    state.count(
        "sanctions",
        insert(
            Sanction,
            [
                "county_id",
                "contract_id",
                "provider_id",
                "evaluation_id",
                "status",
                "amount",
                "basis",
                "deduction_id",
                "debarment_id",
                "decided_at",
                "decided_by_id",
            ],
            sanctions,
        ),
    )
    state.count(
        "annual submissions",
        insert(
            AnnualSubmission,
            [
                "county_id",
                "purchaser_id",
                "year",
                "status",
                "due_on",
                "submitted_at",
                "submitted_by_id",
                "late",
                "created_by_id",
            ],
            (
                (
                    county.pk,
                    purchaser,
                    year - 1,
                    "received",
                    dt.date(year, 1, 31),
                    at(
                        dt.date(year, 1, 20 if n % 7 else 31)
                        + dt.timedelta(days=3 if n % 7 == 0 else 0)
                    ),
                    orgs["officer"][purchaser],
                    n % 7 == 0,
                    orgs["officer"][purchaser],
                )
                for n, purchaser in enumerate(orgs["purchasers"])
            ),
        ),
    )
