"""Spreadsheets written for download: in write-only mode into an anonymous temporary file, so
memory stays flat however many rows come, and handed to the response that streams it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO, Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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
    """Writes rows to a temporary .xlsx; returns the file, positioned at its start. Every
    text cell is stored as text, never as a formula (``as_text``)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit for a sheet name
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=as_text(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([as_text(value) for value in row])
    return save_to_tempfile(workbook)


def save_to_tempfile(workbook: Workbook) -> IO[bytes]:
    """The workbook in an anonymous temporary file; the response that streams it closes it."""
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — handed to FileResponse
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(handle: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
