"""The demo counties (``manage.py seed_demo``). Natural keys throughout: re-running changes
nothing. Later capabilities extend this module."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeserve.accounts.models import User
from safeserve.accounts.otp import otp_required
from safeserve.audit.services import audit_bulk_load
from safeserve.common.choices import HighRiskSector
from safeserve.common.models import CountyPolicy
from safeserve.demo.contracts import seed_contracts
from safeserve.demo.enterprises import demo_uscc, seed_enterprises
from safeserve.demo.fieldwork import seed_fieldwork
from safeserve.demo.housing import seed_housing_supervision
from safeserve.demo.logins import DEMO_PASSWORD
from safeserve.demo.notifications import seed_notifications
from safeserve.demo.past_year import seed_expert_ratings, seed_past_year
from safeserve.demo.procurement import seed_procurement
from safeserve.demo.providers import seed_providers
from safeserve.demo.province import seed_province_chain
from safeserve.demo.statistics import seed_statistics
from safeserve.demo.training import seed_training_service
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    Role,
    SupervisedSector,
)

PROVINCE = ("990000", "示范省")
CITY = ("990100", "示范市")
DEMO_COUNTY = ("990121", "安平县")
OTHER_COUNTY = ("990122", "长宁县")
TOWNSHIPS = {
    DEMO_COUNTY[0]: [
        ("990121001", "东山街道"),
        ("990121100", "城关镇"),
        ("990121101", "青石镇"),
        ("990121102", "河口镇"),
        ("990121103", "白沙镇"),
        ("990121104", "石门镇"),
        ("990121200", "龙泉乡"),
        ("990121201", "柳溪乡"),
    ],
    OTHER_COUNTY[0]: [
        ("990122100", "城关镇"),
        ("990122101", "永和镇"),
        ("990122102", "清水镇"),
        ("990122200", "桃源乡"),
    ],
}
DEPARTMENTS = [
    # name suffix, sectors, fallback for major hazards outside the high-risk sectors (R12)
    (
        "应急管理局",
        [HighRiskSector.MINING, HighRiskSector.HAZARDOUS_GOODS, HighRiskSector.METALLURGY_TRADE],
        True,
    ),
    ("住房和城乡建设局", [HighRiskSector.CONSTRUCTION], False),
    ("交通运输局", [HighRiskSector.ROAD_TRANSPORT], False),
]


@dataclass
class Login:
    username: str
    full_name: str
    organization: str
    role: str
    why: str
    otp_key: str = ""  # base32, for an authenticator app, when the role needs a second factor


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


def _region(code: str, name: str, level: str, parent: Region | None, result: SeedResult) -> Region:
    region, created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    result.count("regions", created)
    return region


def _org(
    name: str, kind: str, county: Region, region: Region, result: SeedResult, **extra: object
) -> Organization:
    org, created = Organization.objects.get_or_create(
        county=county, name=name, defaults={"kind": kind, "region": region, **extra}
    )
    result.count("organizations", created)
    return org


def _user(
    username: str,
    full_name: str,
    org: Organization | None,
    role: str,
    why: str,
    result: SeedResult,
    phone: str = "",
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            full_name=full_name,
            organization=org,
            role=role,
            phone=phone,
            is_superuser=org is None,
            is_staff=org is None,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        result.count("users", True)
    key = ""
    if otp_required(user):
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="demo", defaults={"key": demo_totp_key(username), "confirmed": True}
        )
        key = base64.b32encode(device.bin_key).decode().rstrip("=")
    result.logins.append(
        Login(username, full_name, org.name if org else "平台", role, why, otp_key=key)
    )
    return user


def demo_totp_key(username: str) -> str:
    """A demo user's authenticator key (hex), the same on every machine, so testers and the
    test suite can compute its codes from the printed key."""
    return hashlib.sha256(f"safeserve-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_totp_code(username: str) -> str:
    """The current code of a demo user's authenticator."""
    return f"{totp(bytes.fromhex(demo_totp_key(username))):06d}"


def _county(
    code: str, name: str, city: Region, result: SeedResult
) -> tuple[Region, dict[str, Organization]]:
    county = _region(code, name, RegionLevel.COUNTY, city, result)
    # Testers log in with the printed demo password for as long as they like.
    CountyPolicy.objects.get_or_create(county=county, defaults={"password_max_age_days": 0})
    orgs: dict[str, Organization] = {}
    orgs["office"] = _org(
        f"{name}安全生产委员会办公室",
        OrganizationKind.COUNTY_OFFICE,
        county,
        county,
        result,
        address=f"{name}人民路1号",
        contact_phone="0570-6012345",
    )
    for t_code, t_name in TOWNSHIPS[code]:
        township = _region(t_code, t_name, RegionLevel.TOWNSHIP, county, result)
        orgs[t_name] = _org(
            f"{name}{t_name}人民政府", OrganizationKind.TOWNSHIP, county, township, result
        )
    for suffix, sectors, fallback in DEPARTMENTS:
        dept = _org(
            f"{name}{suffix}",
            OrganizationKind.DEPARTMENT,
            county,
            county,
            result,
            is_fallback_department=fallback,
        )
        for sector in sectors:
            _, created = SupervisedSector.objects.get_or_create(
                county=county, sector=sector, defaults={"organization": dept}
            )
            result.count("supervised sectors", created)
        orgs[suffix] = dept
    return county, orgs


DEMO_ENTERPRISES = 1500
OTHER_COUNTY_ENTERPRISES = 300
PROVINCE_COUNTIES = 10
PROVINCE_ENTERPRISES = 100_000
PROVINCE_TOWNSHIP_NAMES = [
    "城关镇",
    "东城街道",
    "西城街道",
    "新河镇",
    "石桥镇",
    "黄土岭乡",
    "双溪镇",
    "马家铺镇",
    "清泉乡",
    "南山镇",
]
PROVINCE_COUNTY_NAMES = [
    "青原县",
    "云溪县",
    "松阳县",
    "白石县",
    "临川县",
    "桐庐县",
    "望江县",
    "龙门县",
    "溪口县",
    "宁远县",
]
HENGFENG_USCC_SERIAL = 0  # the demo enterprise behind `enterprise_user`


@transaction.atomic
def seed(
    scale: str = "county",
    *,
    procurement: bool = True,
    contracts: bool = True,
    directory: bool = True,
    enterprises: tuple[int, int] = (DEMO_ENTERPRISES, OTHER_COUNTY_ENTERPRISES),
) -> SeedResult:
    """The demo world. Tests pass ``directory=False`` for organizations and logins only, or
    fewer ``enterprises`` (demo county, other county)."""
    result = SeedResult()
    province = _region(*PROVINCE, RegionLevel.PROVINCE, None, result)
    city = _region(*CITY, RegionLevel.CITY, province, result)
    county, orgs = _county(*DEMO_COUNTY, city, result)
    other_county, other_orgs = _county(*OTHER_COUNTY, city, result)
    chengguan = Region.objects.get(code="990121100")

    provider = _org(
        "安平安科安全技术咨询有限公司",
        OrganizationKind.PROVIDER,
        county,
        county,
        result,
        address="安平县城关镇科技路18号",
        contact_phone="0570-6023456",
    )
    other_provider = _org(
        "恒信安全评价有限公司",
        OrganizationKind.PROVIDER,
        county,
        county,
        result,
        address="示范市高新区创业大道88号",
        contact_phone="0570-8034567",
    )
    enterprise = _org(
        "安平县恒丰纺织有限公司",
        OrganizationKind.ENTERPRISE,
        county,
        chengguan,
        result,
        address="安平县城关镇工业园区纺织路6号",
        contact_phone="0570-6045678",
    )
    evaluator = _org(
        "华正工程咨询评估有限公司",
        OrganizationKind.EVALUATOR,
        county,
        county,
        result,
        address="示范市中山路200号",
    )

    R = Role
    _user(
        "county_officer",
        "周建平",
        orgs["office"],
        R.OFFICER,
        "县安委办：监督、审批、处罚",
        result,
        "13905701001",
    )
    _user("county_leader", "陈卫东", orgs["office"], R.LEADER, "县安委办领导：审批、签发", result)
    _user(
        "county_admin",
        "许明辉",
        orgs["office"],
        R.ADMIN,
        "县安委办管理员：乡镇、部门、单位、用户、名册导入、解锁账号",
        result,
        "13905701006",
    )
    _user(
        "township_officer",
        "王丽娟",
        orgs["城关镇"],
        R.OFFICER,
        "城关镇：非高危企业购买服务",
        result,
        "13905701002",
    )
    _user("township_leader", "刘志强", orgs["城关镇"], R.LEADER, "城关镇领导：审批、签约", result)
    _user(
        "department_officer",
        "赵海燕",
        orgs["应急管理局"],
        R.OFFICER,
        "应急管理局：高危企业购买服务、重大隐患督办",
        result,
    )
    _user("department_leader", "孙国庆", orgs["应急管理局"], R.LEADER, "应急管理局领导", result)
    _user(
        "housing_officer",
        "钱文斌",
        orgs["住房和城乡建设局"],
        R.OFFICER,
        "住建局（建筑施工）",
        result,
    )
    _user(
        "transport_officer",
        "吴晓东",
        orgs["交通运输局"],
        R.OFFICER,
        "交通运输局（道路运输）",
        result,
    )
    _user(
        "provider_admin",
        "郑宏伟",
        provider,
        R.ADMIN,
        "服务机构管理员：合同、盖章",
        result,
        "13905701003",
    )
    _user("provider_leader", "冯德明", provider, R.LEADER, "服务机构负责人：签约、盖章", result)
    _user("expert", "何振华", provider, R.EXPERT, "专家：现场检查、签名", result, "13905701004")
    _user("expert2", "林晓梅", provider, R.EXPERT, "专家：现场检查、签名", result, "13905701005")
    _user(
        "other_provider_admin",
        "高立新",
        other_provider,
        R.ADMIN,
        "另一服务机构：不得转包、数据范围",
        result,
    )
    _user("other_expert", "马俊杰", other_provider, R.EXPERT, "另一机构专家", result)
    _user("enterprise_user", "黄秀英", enterprise, R.OFFICER, "企业：接收通知、整改", result)
    _user("evaluator", "罗文博", evaluator, R.OFFICER, "第三方评估机构：再评估", result)
    _user(
        "evaluator_leader", "宋立群", evaluator, R.LEADER, "第三方评估机构负责人：评估定稿", result
    )
    _user(
        "other_county_officer",
        "谢天宇",
        other_orgs["office"],
        R.OFFICER,
        "长宁县安委办：跨县隔离",
        result,
    )
    _user(
        "other_county_admin",
        "邓建华",
        other_orgs["office"],
        R.ADMIN,
        "长宁县安委办管理员：跨县隔离",
        result,
    )
    _user("admin", "平台管理员", None, R.ADMIN, "平台超级管理员", result)

    if directory:
        _seed_directory(result, county, other_county, enterprise, enterprises)
    if directory and procurement:
        plans = seed_procurement()
        if plans:
            result.created["purchase plans"] = plans
        if contracts:
            # The year before: evaluated, sanctioned, re-evaluated, submitted (issue 14).
            for what, n in seed_past_year().items():
                if n:
                    result.created[what] = result.created.get(what, 0) + n
            signed = seed_contracts()
            if signed:
                result.created["contracts"] = signed
            fieldwork = seed_fieldwork()
            if fieldwork:
                result.created["fieldwork and hazard records"] = fieldwork
            # 住建局's own chain: its leader signs the contract; a major hazard of a
            # construction site is routed to it (R12) and listed for supervision.
            _user(
                "housing_leader",
                "唐建新",
                orgs["住房和城乡建设局"],
                R.LEADER,
                "住建局领导：签约；建筑施工重大隐患挂牌督办",
                result,
            )
            for what, n in seed_housing_supervision().items():
                if n:
                    result.created[what] = result.created.get(what, 0) + n
            # 城关镇's training item: contract, sessions held and rated, a publicity event.
            for what, n in seed_training_service().items():
                if n:
                    result.created[what] = result.created.get(what, 0) + n
            rated = seed_expert_ratings()
            if rated:
                result.created["expert ratings"] = rated
            for what, n in seed_statistics().items():
                if n:
                    result.created[what] = result.created.get(what, 0) + n
            for what, n in seed_notifications().items():
                if n:
                    result.created[what] = result.created.get(what, 0) + n
    if scale == "province":
        _seed_province(result, city)

    if result.created:
        digest = hashlib.sha256(repr(sorted(result.created.items())).encode()).hexdigest()
        for county_region in (county, other_county):
            audit_bulk_load(
                action="audit.bulk_load",
                actor="seed_demo",
                county_id=county_region.pk,
                count=sum(result.created.values()),
                checksum=digest,
                description="seed_demo",
            )
    return result


def _seed_directory(
    result: SeedResult,
    county: Region,
    other_county: Region,
    enterprise_org: Organization,
    counts: tuple[int, int],
) -> None:

    for what, n in seed_providers({county.code: county, other_county.code: other_county}).items():
        if n:
            result.created[what] = result.created.get(what, 0) + n
    chengguan = Region.objects.get(code="990121100")
    hengfeng = {
        "uscc": demo_uscc(county.code, HENGFENG_USCC_SERIAL),
        "name": enterprise_org.name,
        "township": chengguan,
        "industry_code": "C1711",
        "is_key": True,
        "dust_explosion": True,
        "ammonia_refrigeration": False,
        "confined_space": False,
        "legal_representative": "黄建华",
        "address": enterprise_org.address,
        "employees": 260,
        "contact_name": "黄秀英",
        "contact_phone": "13905701006",
        "status": "operating",
    }
    made = seed_enterprises(county, counts[0], seed=121, fixed=[hengfeng])
    made += seed_enterprises(other_county, counts[1], seed=122)
    if made:
        result.created["enterprises"] = result.created.get("enterprises", 0) + made
    Enterprise.objects.filter(uscc=hengfeng["uscc"], organization__isnull=True).update(
        organization=enterprise_org
    )


def _seed_province(result: SeedResult, city: Region) -> None:
    """~10 more counties, 100k enterprises and the whole chain at their scale (10k contracts,
    200k tasks, 1M hazards), for benchmarks at province scale."""
    per_county = PROVINCE_ENTERPRISES // PROVINCE_COUNTIES
    counties: list[Region] = []
    for index, name in enumerate(PROVINCE_COUNTY_NAMES[:PROVINCE_COUNTIES]):
        code = f"9902{index + 31:02d}"
        county = _region(code, name, RegionLevel.COUNTY, city, result)
        _org(f"{name}安全生产委员会办公室", OrganizationKind.COUNTY_OFFICE, county, county, result)
        for t_index, t_name in enumerate(PROVINCE_TOWNSHIP_NAMES):
            _region(f"{code}{100 + t_index:03d}", t_name, RegionLevel.TOWNSHIP, county, result)
        made = seed_enterprises(county, per_county, seed=1000 + index)
        if made:
            result.created["enterprises"] = result.created.get("enterprises", 0) + made
        counties.append(county)
    # The whole chain in proportion to each county's enterprises (issue 15).
    for what, n in seed_province_chain(counties).items():
        result.created[what] = result.created.get(what, 0) + n
