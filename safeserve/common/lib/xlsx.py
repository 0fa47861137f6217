"""Spreadsheets written for download: in write-only mode into an anonymous temporary file, so
memory stays flat however many rows come, and handed to the response that streams it."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.http import FileResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A text cell starting with one of these is read as a formula by Excel, WPS or LibreOffice
# (formula injection, OWASP "CSV Injection"; ASVS 5.0 V1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """A value as it may be written to a sheet: text that would start a formula gets a
    leading apostrophe, so it is shown and kept as the text it is; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_rows(headers: list[str], rows: Iterable[list[Any]], title: str) -> IO[bytes]:
    """Writes rows to a temporary .xlsx; returns the file, positioned at its start. XlsxWriter
    in constant-memory mode writes each row as it comes, strings inline: openpyxl kept every
    distinct string of the sheet in memory until the end (1.4 KB a row of the directory), so
    a 100k-row export grew with its rows (issue 16). Every text cell is stored as text, never
    as a formula (``as_text``)."""
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — handed to FileResponse
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_sheet_name(title))
    bold = workbook.add_format({"bold": True})
    formats = {
        dt.datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        dt.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for column, header in enumerate(headers):
        sheet.write_string(0, column, str(as_text(header)), bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(sheet, number, column, value, formats)
    workbook.close()
    output.seek(0)
    return output


def _sheet_name(title: str) -> str:
    """Excel's limits for a sheet's name: 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title)
    return cleaned[:31] or "Sheet1"


def _write(sheet: Any, row: int, column: int, value: Any, formats: dict[Any, Any]) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, float(value))
    elif isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None) if value.tzinfo is not None else value
        sheet.write_datetime(row, column, naive, formats[dt.datetime])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, formats[dt.date])
    else:
        sheet.write_string(row, column, str(as_text(str(value))))


def save_to_tempfile(workbook: Workbook) -> IO[bytes]:
    """The workbook in an anonymous temporary file; the response that streams it closes it."""
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — handed to FileResponse
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(handle: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
