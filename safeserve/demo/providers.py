"""Demo providers and experts: one fully eligible provider (with the `expert` and `expert2`
logins), one with an expired qualification, one with a violation inside the look-back, and
others, ~40 experts. Deterministic; natural keys (USCC, certificate number, ID number)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from faker import Faker

from safeserve.accounts.models import User
from safeserve.common.lib import idnumber
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.lib.crypto import blind_index
from safeserve.demo import clock
from safeserve.organizations.models import Organization, OrganizationKind, Region
from safeserve.providers.models import (
    AdmissionStatus,
    CertificateKind,
    Expert,
    ExpertCertificate,
    ExpertPoolMembership,
    ExpertSpecialty,
    LegalEntityKind,
    PoolStatus,
    Provider,
    ProviderAdmission,
    ProviderEquipment,
    Qualification,
    QualificationType,
    Specialty,
    ViolationRecord,
)

# The smallest well-formed PDF: a scanned attestation stands in for the real one.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
EQUIPMENT = [
    ("可燃气体检测仪", "GT-901", 4),
    ("数字式声级计", "AWA5688", 2),
    ("接地电阻测试仪", "ETCR2000", 2),
    ("红外测温仪", "FLUKE 62", 3),
    ("粉尘浓度检测仪", "CCZ-20", 2),
]


@dataclass
class ProviderSpec:
    key: str
    name: str
    org_name: str
    county_code: str
    org_body: str
    qualifications: list[tuple[str, str, int, int]]  # type, number, start offset, end offset
    experts: int
    specialties: list[str]
    violation_days_ago: int | None = None
    logins: list[str] = field(default_factory=list)
    applying: bool = False  # registered, waiting for the county office's admission


SPECS = [
    ProviderSpec(
        "eligible",
        "安平安科安全技术咨询有限公司",
        "安平安科安全技术咨询有限公司",
        "990121",
        "MA1AK001",
        [
            # held since before the demo's completed year (safeserve/demo/past_year.py)
            (QualificationType.SAFETY_EVALUATION, "APJ-(示)-001", -1000, 1100),
            (QualificationType.TESTING, "APJ-(示)-J-002", -1000, 1400),
            (QualificationType.OCCUPATIONAL, "(示)卫职技字〔2024〕第012号", -1000, 1300),
        ],
        14,
        [
            Specialty.METALLURGY_TRADE,
            Specialty.HAZARDOUS_GOODS,
            Specialty.ELECTRICAL,
            Specialty.FIRE,
            Specialty.OCCUPATIONAL_HEALTH,
            Specialty.CONSTRUCTION,
        ],
        logins=["expert", "expert2"],
    ),
    ProviderSpec(
        "other",
        "恒信安全评价有限公司",
        "恒信安全评价有限公司",
        "990121",
        "MA1HX002",
        [(QualificationType.SAFETY_EVALUATION, "APJ-(示)-017", -900, 900)],
        7,
        [Specialty.MINING, Specialty.HAZARDOUS_GOODS, Specialty.SPECIAL_EQUIPMENT],
        logins=["other_expert"],
    ),
    ProviderSpec(
        "expired",
        "诚安检测技术有限公司",
        "诚安检测技术有限公司",
        "990121",
        "MA1CA003",
        [(QualificationType.TESTING, "APJ-(示)-J-031", -1885, -120)],
        6,
        [Specialty.ELECTRICAL, Specialty.SPECIAL_EQUIPMENT],
    ),
    ProviderSpec(
        "violation",
        "正元安全科技有限公司",
        "正元安全科技有限公司",
        "990121",
        "MA1YY004",
        [(QualificationType.SAFETY_EVALUATION, "APJ-(示)-044", -300, 1500)],
        6,
        [Specialty.CONSTRUCTION, Specialty.ROAD_TRANSPORT, Specialty.FIRE],
        violation_days_ago=240,
    ),
    ProviderSpec(
        "occupational",
        "华康职业卫生技术服务有限公司",
        "华康职业卫生技术服务有限公司",
        "990121",
        "MA1HK005",
        [
            (QualificationType.OCCUPATIONAL, "(示)卫职技字〔2021〕第033号", -1800, 20),
            (QualificationType.EDUCATION, "示教培〔2023〕18号", -600, 1200),
        ],
        5,
        [Specialty.OCCUPATIONAL_HEALTH, Specialty.EMERGENCY_RESCUE],
    ),
    ProviderSpec(
        "applicant",
        "新锐安全技术服务有限公司",
        "新锐安全技术服务有限公司",
        "990121",
        "MA1XR006",
        [(QualificationType.SAFETY_EVALUATION, "APJ-(示)-061", -30, 1800)],
        0,
        [],
        applying=True,
    ),
    ProviderSpec(
        "changning",
        "长宁安达安全咨询有限公司",
        "长宁安达安全咨询有限公司",
        "990122",
        "MA1AD006",
        [(QualificationType.SAFETY_EVALUATION, "APJ-(示)-058", -200, 1600)],
        4,
        [Specialty.METALLURGY_TRADE, Specialty.MINING],
    ),
]
TITLES = ["高级工程师", "工程师", "正高级工程师", "注册安全工程师", "助理工程师"]


def _id_number(rng: random.Random, serial: int) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 30))
    # A real county code (the demo county's codes start with 99, which no ID number uses).
    return idnumber.complete(f"330802{birth:%Y%m%d}{serial % 1000:03d}")


def seed_providers(counties: dict[str, Region]) -> dict[str, int]:
    # Each record draws from its own seeded generator, so a re-run that skips existing
    # records still produces exactly the same values for the others.
    created = {"providers": 0, "qualifications": 0, "experts": 0}
    fake = Faker("zh_CN")
    today = timezone.localdate()
    officer = User.objects.filter(username="county_officer").first()
    serial = 0
    for spec in SPECS:
        county = counties[spec.county_code]
        org, _ = Organization.objects.get_or_create(
            county=county,
            name=spec.org_name,
            defaults={"kind": OrganizationKind.PROVIDER, "region": county},
        )
        provider = Provider.objects.filter(organization=org).first()
        rng = random.Random(f"provider-{spec.key}")
        fake.seed_instance(f"provider-{spec.key}")
        if provider is None:
            provider = Provider.objects.create(
                organization=org,
                name=spec.name,
                uscc=uscc_lib.make("9", "1", spec.county_code, spec.org_body),
                legal_entity_kind=LegalEntityKind.ENTERPRISE,
                is_independent_legal_person=True,
                legal_representative=fake.name(),
                premises_address=f"{county.name}科技路{rng.randint(1, 99)}号{rng.randint(2, 9)}楼",
                premises_area=Decimal(rng.randint(180, 900)),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                attestation_statement="本机构具有良好的商业信誉和健全的财务会计制度，依法缴纳税收和社会保障资金，"
                "参加政府购买服务活动前三年内在经营活动中没有重大违法记录。",
                attestation_signer=fake.name(),
                # signed before the demo's completed year, whose awards rely on it
                attestation_date=dt.date(clock.past_year(today), 1, 1)
                - dt.timedelta(days=rng.randint(5, 60)),
            )
            provider.attestation_file.save(f"attestation-{spec.key}.pdf", ContentFile(DEMO_PDF))
            ProviderEquipment.objects.bulk_create(
                ProviderEquipment(
                    provider=provider,
                    name=n,
                    model=m,
                    quantity=q,
                    calibrated_until=today + dt.timedelta(days=rng.randint(60, 300)),
                )
                for n, m, q in rng.sample(EQUIPMENT, 3)
            )
            created["providers"] += 1
        for qtype, number, start, end in spec.qualifications:
            _q, made = Qualification.objects.get_or_create(
                type=qtype,
                certificate_no=number,
                defaults={
                    "provider": provider,
                    "issuer": "示范省应急管理厅",
                    "valid_from": today + dt.timedelta(days=start),
                    "valid_to": today + dt.timedelta(days=end),
                    "scope": "金属冶炼、化工、危险化学品、建筑施工及一般工贸行业",
                },
            )
            created["qualifications"] += made
        ProviderAdmission.objects.get_or_create(
            county=county,
            provider=provider,
            defaults={"status": AdmissionStatus.APPLYING}
            if spec.applying
            else {
                "status": AdmissionStatus.ADMITTED,
                "decided_by": officer,
                # admitted before the completed year's purchases (safeserve/demo/clock.py)
                "decided_at": timezone.make_aware(
                    dt.datetime.combine(
                        dt.date(clock.past_year(timezone.localdate()) - 1, 12, 1), dt.time(10)
                    )
                ),
                "reason": "资质、场所、设备及专家条件审核通过",
            },
        )
        if spec.violation_days_ago and officer is not None:
            ViolationRecord.objects.get_or_create(
                county=county,
                provider=provider,
                occurred_on=today - dt.timedelta(days=spec.violation_days_ago),
                defaults={
                    "source": "penalty",
                    "recorded_by": officer,
                    "description": "出具的安全评价报告存在重大疏漏，被县应急管理局通报批评并罚款。",
                },
            )
        logins = list(spec.logins)
        for index in range(spec.experts):
            serial += 1
            rng = random.Random(f"expert-{spec.key}-{index}")
            fake.seed_instance(f"expert-{spec.key}-{index}")
            id_number = _id_number(rng, serial)
            name = fake.name()
            phone = fake.phone_number()
            title = rng.choice(TITLES)
            specialties = rng.sample(
                spec.specialties, k=min(len(spec.specialties), rng.randint(1, 3))
            )
            has_certificate = rng.random() < 0.6
            certificate_year = today.year - rng.randint(1, 12)
            certificate_days = rng.randint(100, 1500)
            if Expert.objects.filter(id_number_index=blind_index(id_number)).exists():
                continue
            user = None
            if index < len(logins):
                user = User.objects.filter(username=logins[index]).first()
                if user is not None:
                    name, phone = user.full_name, user.phone or phone
            expert = Expert.objects.create(
                name=name,
                id_number=id_number,
                phone=phone,
                title=title,
                employer=provider,
                user=user,
            )
            ExpertSpecialty.objects.bulk_create(
                ExpertSpecialty(expert=expert, specialty=s) for s in specialties
            )
            if has_certificate:
                ExpertCertificate.objects.create(
                    expert=expert,
                    kind=CertificateKind.REGISTERED_SAFETY_ENGINEER,
                    number=f"注安{certificate_year}{serial:05d}",
                    valid_until=today + dt.timedelta(days=certificate_days),
                )
            status = (
                PoolStatus.SUSPENDED
                if (spec.key == "violation" and index == 0)
                else PoolStatus.ADMITTED
            )
            ExpertPoolMembership.objects.create(
                county=county,
                expert=expert,
                status=status,
                decided_by=officer,
                reason="专家库年度审核"
                if status == PoolStatus.ADMITTED
                else "年度考核不合格，暂停一年",
            )
            created["experts"] += 1
    return created
