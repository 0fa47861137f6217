from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from safeserve.demo.enterprises import demo_uscc
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.spreadsheets import COLUMNS

HEADERS = [header for header, *_rest in COLUMNS]


def good_row(serial: int, **changes: Any) -> dict[str, Any]:
    row = {
        "企业名称": f"安平县测试{serial}号纺织有限公司",
        "统一社会信用代码": demo_uscc("990121", 90000 + serial),
        "所在乡镇": "城关镇",
        "行业代码": "C1711",
        "是否重点企业": "是",
        "粉尘涉爆": "否",
        "涉氨制冷": "否",
        "有限空间": "否",
        "法定代表人": "张三",
        "地址": "城关镇工业路1号",
        "从业人数": "35",
        "联系人": "李四",
        "联系电话": "13800000000",
        "经营状态": "在营",
    }
    row.update(changes)
    return row


def xlsx_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    headers = headers or HEADERS
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "enterprises.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def make_enterprise(
    places: dict[str, Any],
    name: str,
    township: str = "chengguan",
    code: str = "C1711",
    serial: int | None = None,
    county: str = "county",
    **extra: Any,
) -> Enterprise:
    serial = serial if serial is not None else abs(hash(name)) % 50000
    return Enterprise.objects.create(
        county=places[county],
        township=places[township],
        name=name,
        uscc=demo_uscc(places[county].code, 50000 + serial),
        industry_code=code,
        pinyin_initials=extra.pop("pinyin_initials", ""),
        **extra,
    )
