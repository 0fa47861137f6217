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


def write_rows(headers: list[str], rows: Iterable[list[Any]], title: str) -> IO[bytes]:
    """Writes rows to a temporary .xlsx; returns the file, positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit for a sheet name
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    return save_to_tempfile(workbook)


def save_to_tempfile(workbook: Workbook) -> IO[bytes]:
    """The workbook in an anonymous temporary file; the response that streams it closes it."""
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — handed to FileResponse
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(handle: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
