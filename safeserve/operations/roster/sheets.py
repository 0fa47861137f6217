"""The roster workbook: its two sheets and their columns, reading them, the template, and
the files handed back (row report, temporary passwords)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from safeserve.common.choices import HighRiskSector
from safeserve.enterprises import validation as v
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.spreadsheets import save_as_xlsx_error
from safeserve.organizations.models import (
    OrganizationKind,
    Region,
    Role,
)

ORG_SHEET, USER_SHEET = "单位", "用户"
ORG_COLUMNS = [
    # header, key, required, width
    ("名称", "name", True, 36),
    ("类型", "kind", True, 14),
    ("统一社会信用代码", "uscc", False, 22),
    ("行政区划代码", "code", False, 14),
    ("监管行业", "sectors", False, 30),
    ("接收非高危行业重大隐患", "fallback", False, 12),
    ("地址", "address", False, 36),
    ("联系电话", "contact_phone", False, 16),
]
USER_COLUMNS = [
    ("登录名", "username", True, 18),
    ("姓名", "full_name", True, 12),
    ("手机", "phone", False, 16),
    ("单位名称", "organization", True, 36),
    ("角色", "role", True, 12),
    ("邮箱", "email", False, 26),
]
ORG_LABELS = {key: header for header, key, _r, _w in ORG_COLUMNS}
USER_LABELS = {key: header for header, key, _r, _w in USER_COLUMNS}

TOWNSHIP, SUBDISTRICT = "乡镇", "街道"
KIND_WORDS = {
    TOWNSHIP: OrganizationKind.TOWNSHIP,
    SUBDISTRICT: OrganizationKind.TOWNSHIP,
    "部门": OrganizationKind.DEPARTMENT,
    "服务机构": OrganizationKind.PROVIDER,
    "企业": OrganizationKind.ENTERPRISE,
    "第三方评估机构": OrganizationKind.EVALUATOR,
    "评估机构": OrganizationKind.EVALUATOR,
}
KIND_CHOICES = [TOWNSHIP, SUBDISTRICT, "部门", "服务机构", "企业", "第三方评估机构"]
SECTOR_ALIASES = {
    "非煤矿山": HighRiskSector.MINING,
    "煤矿": HighRiskSector.MINING,
    "工贸": HighRiskSector.METALLURGY_TRADE,
    "冶金工贸": HighRiskSector.METALLURGY_TRADE,
    "建筑": HighRiskSector.CONSTRUCTION,
    "交通运输": HighRiskSector.ROAD_TRANSPORT,
    "危险化学品": HighRiskSector.HAZARDOUS_GOODS,
    "危化品": HighRiskSector.HAZARDOUS_GOODS,
    "烟花爆竹": HighRiskSector.HAZARDOUS_GOODS,
}
ROLE_ALIASES = {"领导": Role.LEADER, "只读": Role.VIEWER, "工作人员": Role.OFFICER}
SEPARATORS = re.compile(r"[、,，;；/\s]+")
MAX_REPORTED_ERRORS = 2000
MAX_ROWS = 5000


def zh_words(choices: Any) -> dict[str, str]:
    """Each choice by its value, its Chinese label and its English label."""
    words: dict[str, str] = {}
    for value, label in choices:
        words[value] = value
        words[str(label).lower()] = value
        with translation.override("zh-hans"):
            words[str(label)] = value
    return words


# --- Reading and checking -------------------------------------------------------------------


@dataclass
class RowReport:
    errors: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, sheet: str, row: int | str, column: str, value: Any, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            shown = "" if value is None else str(value)
            self.errors.append(
                {
                    "sheet": sheet,
                    "row": row,
                    "column": column,
                    "value": shown[:100],
                    "reason": reason,
                }
            )


@dataclass
class OrgRow:
    number: int
    name: str
    kind: str
    word: str
    uscc: str = ""
    code: str = ""
    sectors: list[str] = field(default_factory=list)
    fallback: bool = False
    address: str = ""
    contact_phone: str = ""
    enterprise: Enterprise | None = None


@dataclass
class UserRow:
    number: int
    username: str
    full_name: str
    phone: str
    organization: str
    role: str
    email: str


def _sheet_rows(
    workbook: Any, sheet: str, columns: list[tuple[str, str, bool, int]], report: RowReport
) -> list[tuple[int, dict[str, Any]]]:
    if sheet not in workbook.sheetnames:
        report.add(
            sheet,
            "",
            "",
            "",
            _("The workbook has no sheet named %(sheet)s. Use the template.") % {"sheet": sheet},
        )
        return []
    rows = workbook[sheet].iter_rows(values_only=True)
    headers = [v.text(h) for h in next(rows, None) or ()]
    known = {header: key for header, key, _r, _w in columns}
    missing = [h for h, _k, required, _w in columns if required and h not in headers]
    if missing:
        report.add(
            sheet,
            1,
            "、".join(missing),
            "",
            _("Missing columns: %(cols)s. Use the template.") % {"cols": "、".join(missing)},
        )
        return []
    index = {known[h]: i for i, h in enumerate(headers) if h in known}
    result: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        if row is None or all(c is None or v.text(c) == "" for c in row):
            continue
        if len(result) >= MAX_ROWS:
            report.add(
                sheet, number, "", "", _("More than %(n)d rows; split the file.") % {"n": MAX_ROWS}
            )
            break
        result.append((number, {key: row[i] if i < len(row) else None for key, i in index.items()}))
    return result


def read_workbook(handle: IO[bytes], report: RowReport) -> tuple[list[Any], list[Any]]:
    """The raw rows of both sheets (values only; formulas are not evaluated)."""
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # a damaged file: openpyxl raises XML, key or index errors
        report.add("", 1, "", "", str(save_as_xlsx_error().message))
        return [], []
    try:
        return (
            _sheet_rows(workbook, ORG_SHEET, ORG_COLUMNS, report),
            _sheet_rows(workbook, USER_SHEET, USER_COLUMNS, report),
        )
    finally:
        workbook.close()


# --- The template ---------------------------------------------------------------------------


def template_workbook(county: Region) -> Workbook:
    workbook = Workbook()
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")

    def sheet_with(title: str, columns: list[tuple[str, str, bool, int]], first: bool) -> Any:
        sheet = workbook.active if first else workbook.create_sheet(title)
        sheet.title = title
        for index, (header, _key, required, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=header)
            cell.font = bold
            if required:
                cell.fill = required_fill
            sheet.column_dimensions[cell.column_letter].width = width
            for row in range(2, 502):  # text, so codes keep their digits
                sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
        return sheet

    orgs = sheet_with(ORG_SHEET, ORG_COLUMNS, True)
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_CHOICES) + '"')
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    orgs.add_data_validation(kinds)
    orgs.add_data_validation(yes_no)
    kinds.add("B2:B501")
    yes_no.add("F2:F501")
    users = sheet_with(USER_SHEET, USER_COLUMNS, False)
    with translation.override("zh-hans"):
        role_labels = [str(label) for _v, label in Role.choices]
        sector_labels = [str(label) for _v, label in HighRiskSector.choices]
    roles = DataValidation(type="list", formula1='"' + ",".join(role_labels) + '"')
    users.add_data_validation(roles)
    roles.add("E2:E501")
    notes = workbook.create_sheet("填写说明")
    lines = [
        "黄色列为必填。“单位”表每行一个单位，“用户”表每行一个用户；只有全部行都正确时才会导入，"
        "有错误时一行也不写入，并给出逐行错误报告。",
        f"类型：{'、'.join(KIND_CHOICES)}。",
        f"乡镇、街道：填写 9 位统计用区划代码，以本县代码 {county.code} 开头"
        "（12 位且以 000 结尾的代码会自动截为 9 位）。",
        "服务机构、企业：填写 18 位统一社会信用代码（保持“文本”格式）；企业须已在企业名录中。",
        f"部门：监管行业填写以下一项或多项，用顿号分隔：{'、'.join(sector_labels)}；"
        "每个行业只能由一个部门监管。",
        "接收非高危行业重大隐患：全县只能有一个部门填“是”（通常为应急管理局）。",
        "用户的单位名称须与“单位”表或系统中已有单位的名称完全一致。",
        f"角色：{'、'.join(role_labels)}；专家只属于服务机构。",
        "导入成功后，新用户的临时密码可在 10 分钟内下载一次；每位用户首次登录时须修改密码。",
    ]
    for row, line in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=line)
    notes.column_dimensions["A"].width = 120
    return workbook


def credentials_rows(rows: list[dict[str, str]]) -> Iterator[list[str]]:
    for row in rows:
        yield [row["username"], row["full_name"], row["organization"], row["role"], row["password"]]


CREDENTIAL_HEADERS = ["登录名", "姓名", "单位", "角色", "临时密码"]
ERROR_HEADERS = ["工作表", "行号", "列", "填写的值", "原因"]
