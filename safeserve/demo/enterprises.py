"""Demo enterprises: realistic names per industry, valid USCCs, ~10 % key. Deterministic
(fixed seed, natural key = USCC), bulk-written, one audit event per batch."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

from faker import Faker

from safeserve.audit.services import audit_bulk_load
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.lib.pinyin import initials_index
from safeserve.enterprises.industry import SectorResolver
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import Region, RegionLevel

# (industry code, name suffix, weight, special flags that often apply)
INDUSTRIES: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("C1711", "纺织有限公司", 8, ("dust_explosion",)),
    ("C1810", "服饰有限公司", 6, ()),
    ("C1310", "米业有限公司", 4, ("dust_explosion",)),
    ("C1351", "肉类食品有限公司", 3, ("ammonia_refrigeration", "confined_space")),
    ("C1371", "果蔬食品有限公司", 3, ("ammonia_refrigeration",)),
    ("C1511", "酒业有限公司", 3, ("confined_space",)),
    ("C2011", "木业有限公司", 5, ("dust_explosion",)),
    ("C2110", "家具有限公司", 5, ("dust_explosion",)),
    ("C2221", "纸业有限公司", 3, ("confined_space",)),
    ("C2927", "塑料制品有限公司", 4, ()),
    ("C3011", "水泥有限公司", 2, ("confined_space",)),
    ("C3311", "金属制品有限公司", 5, ("dust_explosion",)),
    ("C3411", "机械制造有限公司", 5, ()),
    ("C3670", "汽车配件有限公司", 3, ("dust_explosion",)),
    ("C3110", "钢铁有限公司", 1, ("confined_space",)),
    ("C3216", "铝业有限公司", 1, ("dust_explosion",)),
    ("C2614", "化工有限公司", 3, ("confined_space",)),
    ("C2631", "农药化工有限公司", 1, ("confined_space",)),
    ("C2672", "烟花爆竹有限公司", 1, ()),
    ("C2511", "石化有限公司", 1, ("confined_space",)),
    ("B0610", "煤业有限公司", 1, ()),
    ("B1011", "石料矿业有限公司", 2, ()),
    ("E4710", "建设工程有限公司", 5, ()),
    ("E4813", "市政工程有限公司", 2, ()),
    ("E5011", "装饰工程有限公司", 3, ()),
    ("G5431", "物流有限公司", 4, ()),
    ("G5435", "危险品运输有限公司", 1, ()),
    ("G5421", "客运有限公司", 1, ()),
    ("G5942", "化工仓储有限公司", 1, ()),
    ("F5212", "超市有限公司", 4, ()),
    ("F5265", "加油站有限公司", 2, ()),
    ("H6110", "大酒店有限公司", 2, ()),
    ("H6210", "餐饮管理有限公司", 3, ()),
    ("D4411", "热电有限公司", 1, ("confined_space",)),
    ("A0312", "生态养殖有限公司", 2, ()),
]
TRADE_CHARS = "恒丰华兴永盛鑫达金源宏远瑞德隆泰和安顺利民广正大昌兴旺富强同心新天成长青重光乐龙银河汇通锦程腾飞凯旋明珠东方晨阳佳美荣信嘉宝盈福祥康宁"
ROADS = ["人民路", "解放路", "工业大道", "建设路", "府前街", "滨江路", "新华路", "开发区纬二路"]
KEY_SHARE = 0.10
BATCH = 5000
# Organization-code bodies for demo data start with this, keeping them apart from real codes.
DEMO_ORG_PREFIX = "MA"
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def demo_uscc(region_code: str, serial: int) -> str:
    """A valid, unique USCC for the n-th demo enterprise of a county."""
    body = ""
    number = serial
    for _position in range(6):
        number, digit = divmod(number, len(_CODE_CHARS))
        body = _CODE_CHARS[digit] + body
    return uscc_lib.make("9", "1", region_code[:6], DEMO_ORG_PREFIX + body)


def _trade_name(rng: random.Random) -> str:
    return rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)


def _rows(
    county: Region, townships: Sequence[Region], count: int, seed: int
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    weights = [w for _code, _suffix, w, _flags in INDUSTRIES]
    rows = []
    for serial in range(count):
        code, suffix, _weight, flags = rng.choices(INDUSTRIES, weights=weights)[0]
        township = (
            townships[serial % len(townships)] if serial < len(townships) else rng.choice(townships)
        )
        rows.append(
            {
                "uscc": demo_uscc(county.code, serial + 1),
                "name": f"{county.name}{_trade_name(rng)}{suffix}",
                "township": township,
                "industry_code": code,
                "is_key": rng.random() < KEY_SHARE,
                "dust_explosion": "dust_explosion" in flags and rng.random() < 0.6,
                "ammonia_refrigeration": "ammonia_refrigeration" in flags and rng.random() < 0.7,
                "confined_space": "confined_space" in flags and rng.random() < 0.6,
                "legal_representative": fake.name(),
                "address": f"{county.name}{township.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                "employees": rng.choice([8, 15, 26, 40, 55, 80, 120, 260, 480]),
                "contact_name": fake.name(),
                "contact_phone": fake.phone_number(),
                "status": rng.choices(["operating", "suspended", "closed"], weights=[92, 6, 2])[0],
            }
        )
    return rows


def seed_enterprises(
    county: Region, count: int, seed: int, *, fixed: Sequence[dict[str, Any]] = ()
) -> int:
    """Creates the county's demo enterprises that do not exist yet; returns how many."""
    townships = list(
        Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code")
    )
    rows = [*fixed, *_rows(county, townships, count, seed)]
    existing = set(
        Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows]).values_list("uscc", flat=True)
    )
    resolver = SectorResolver(county.pk)
    created = 0
    digest = hashlib.sha256()
    batch: list[Enterprise] = []
    for row in rows:
        if row["uscc"] in existing:
            continue
        existing.add(row["uscc"])
        enterprise = Enterprise(county=county, pinyin_initials=initials_index(row["name"]), **row)
        enterprise.sector = resolver.sector_for(enterprise.industry_code)
        batch.append(enterprise)
        digest.update(row["uscc"].encode())
        if len(batch) >= BATCH:
            created += _flush(batch, county, digest.hexdigest())
            batch = []
    if batch:
        created += _flush(batch, county, digest.hexdigest())
    return created


def _flush(batch: list[Enterprise], county: Region, checksum: str) -> int:
    Enterprise.objects.bulk_create(batch, batch_size=1000)
    audit_bulk_load(
        action="enterprise.imported",
        actor="seed_demo",
        county_id=county.pk,
        count=len(batch),
        checksum=checksum,
        description="seed_demo enterprises",
    )
    return len(batch)
