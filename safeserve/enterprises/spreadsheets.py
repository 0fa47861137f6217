"""The enterprise spreadsheet: its template (DESIGN.md §5b), checks on an uploaded file before
anything parses it, and streaming export."""

from __future__ import annotations

import zipfile
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_phone
from safeserve.enterprises.validation import text

COLUMNS = [
    # header, key, required, width
    ("企业名称", "name", True, 36),
    ("统一社会信用代码", "uscc", True, 22),
    ("所在乡镇", "township", True, 14),
    ("行业代码", "industry_code", True, 10),
    ("是否重点企业", "is_key", False, 12),
    ("粉尘涉爆", "dust_explosion", False, 10),
    ("涉氨制冷", "ammonia_refrigeration", False, 10),
    ("有限空间", "confined_space", False, 10),
    ("法定代表人", "legal_representative", False, 12),
    ("地址", "address", False, 36),
    ("从业人数", "employees", False, 10),
    ("联系人", "contact_name", False, 12),
    ("联系电话", "contact_phone", False, 16),
    ("经营状态", "status", False, 10),
]
HEADERS = {header: key for header, key, _required, _width in COLUMNS}
REQUIRED = [header for header, _key, required, _width in COLUMNS if required]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary formats
ZIP_MAGIC = b"PK\x03\x04"


def save_as_xlsx_error() -> ApplicationError:
    return ApplicationError(
        "unsupported_format",
        _("Please save the file as .xlsx and upload it again (请另存为 .xlsx 后上传)."),
        status=415,
    )


def check_upload(handle: IO[bytes], size: int) -> None:
    """Refuses, before any parsing, what is not a reasonable .xlsx: too big, another format,
    or a zip that would unpack to too much (a zip bomb)."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ApplicationError(
            "file_too_large",
            _("The file is %(size).1f MB; the limit is %(limit)d MB. Split it into smaller files.")
            % {"size": size / 1048576, "limit": settings.IMPORT_MAX_BYTES // 1048576},
            status=413,
        )
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(OLE_MAGIC) or not head.startswith(ZIP_MAGIC):
        raise save_as_xlsx_error()
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            unpacked = sum(entry.file_size for entry in entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise save_as_xlsx_error() from None
    finally:
        handle.seek(0)
    if (
        len(entries) > settings.IMPORT_MAX_ZIP_ENTRIES
        or unpacked > settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    ):
        raise ApplicationError(
            "file_unpacks_too_large",
            _(
                "The file would unpack to far more data than a spreadsheet of enterprises holds; "
                "it was refused. Save it again from Excel or WPS and upload that."
            ),
            status=413,
        )
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise save_as_xlsx_error()


def codes_from_upload(handle: IO[bytes], size: int) -> list[str]:
    """The unified social credit codes listed in an uploaded .xlsx: the column headed
    统一社会信用代码 if there is one (so a directory export can be uploaded as it is),
    otherwise the first column. Order kept, duplicates dropped."""
    check_upload(handle, size)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        if not workbook.worksheets:
            raise save_as_xlsx_error()
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [text(cell) for cell in next(rows, None) or ()]
        column = header.index("统一社会信用代码") if "统一社会信用代码" in header else 0
        codes: list[str] = []
        if column == 0 and header and "统一社会信用代码" not in header and header[0]:
            codes.append(header[0].upper())  # no header row: the first line is a code too
        for row in rows:
            value = text(row[column]) if row and column < len(row) else ""
            if value:
                codes.append(value.upper())
            if len(codes) > settings.IMPORT_MAX_ROWS:
                raise ApplicationError(
                    "too_many_rows",
                    _("More than %(n)d rows; split the file.") % {"n": settings.IMPORT_MAX_ROWS},
                    status=400,
                )
        workbook.close()
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file (XML ParseError, KeyError…)
        raise save_as_xlsx_error() from None
    if not codes:
        raise ApplicationError(
            "no_codes",
            _(
                "The file lists no unified social credit codes: put them in the first column "
                "or under the heading 统一社会信用代码."
            ),
            status=400,
        )
    return list(dict.fromkeys(codes))


def template_workbook(townships: list[str]) -> Workbook:
    """The import template: headers, text-formatted code columns, 是/否 drop-downs and an
    instruction sheet."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "企业名录"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, (header, _key, required, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = bold
        if required:
            cell.fill = required_fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = width
        # Text format, so Excel keeps 18-character codes and leading zeros (no 9.13E+17).
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    status = DataValidation(type="list", formula1='"在营,停产,关闭"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    sheet.add_data_validation(status)
    yes_no.add("E2:H1001")
    status.add("N2:N1001")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    lines = [
        "黄色列为必填。每行一家企业；统一社会信用代码相同的企业再次导入时会被更新。",
        "统一社会信用代码：18位，请保持“文本”格式，不要让 Excel 显示成 9.13E+17。",
        "所在乡镇：填写乡镇（街道）名称或代码，可选：" + "、".join(townships),
        "行业代码：GB/T 4754-2017 代码，如 C2614 或 2614；系统据此判定高危行业。",
        "是否重点企业、粉尘涉爆、涉氨制冷、有限空间：填“是”或“否”，空白视为“否”。",
        "经营状态：在营、停产或关闭，空白视为在营。",
        "全角字符会自动转为半角。只接受 .xlsx 文件，.xls 请另存为 .xlsx 后上传。",
        "只有全部行都正确时才会导入；有错误时一行也不写入，并给出逐行错误报告。",
    ]
    for row, line in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=line)
    notes.column_dimensions["A"].width = 110
    return workbook


EXPORT_HEADERS = [header for header, *_rest in COLUMNS] + ["高危行业", "数据更新时间"]


def export_row(
    enterprise: Any, township_names: dict[int, str], sector_labels: dict[str, str]
) -> list[Any]:
    yes = {True: "是", False: "否"}
    return [
        enterprise.name,
        enterprise.uscc,
        township_names.get(enterprise.township_id, ""),
        enterprise.industry_code,
        yes[enterprise.is_key],
        yes[enterprise.dust_explosion],
        yes[enterprise.ammonia_refrigeration],
        yes[enterprise.confined_space],
        enterprise.legal_representative,
        enterprise.address,
        enterprise.employees,
        enterprise.contact_name,
        mask_phone(enterprise.contact_phone),  # masked in every export
        {"operating": "在营", "suspended": "停产", "closed": "关闭"}[enterprise.status],
        sector_labels.get(enterprise.sector, "非高危"),
        timezone.localtime(enterprise.updated_at).strftime("%Y-%m-%d %H:%M"),
    ]
