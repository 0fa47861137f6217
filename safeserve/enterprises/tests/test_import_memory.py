"""An import's memory does not grow with its rows (issue 15): on PostgreSQL each valid row is
staged in a temporary table as it is read, so importing 4,000 updates needs little more
than importing 2,000. (What still grows with the rows: the codes seen, for "same code as
row N", and the workbook's shared strings, which openpyxl reads whole.)"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from safeserve.enterprises.tests.helpers import good_row, xlsx_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite holds the rows (development only)"
    ),
]


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        good_row(serial, 企业名称=f"安平县测试{serial}号纺织有限公司", 联系电话=f"139{serial:08d}")
        for serial in range(1, n + 1)
    ]


def _peak_of_updating(path: Any, n: int) -> int:
    path.write_bytes(xlsx_bytes(_rows(n)))
    call_command("import_enterprises", str(path), "--user", "county_officer")  # creates
    tracemalloc.start()
    call_command("import_enterprises", str(path), "--user", "county_officer")  # updates
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_updating_twice_the_rows_needs_little_more_memory(world: Any, tmp_path: Any) -> None:
    small = _peak_of_updating(tmp_path / "small.xlsx", 2000)
    large = _peak_of_updating(tmp_path / "large.xlsx", 4000)
    per_row = (large - small) / 2000
    # Held as parsed values beside its stored record, a row took 2.1 KB more (peak 4.5 → 8.8
    # MB); staged, ~200 bytes: its code and its strings in the workbook's table.
    assert per_row < 600, f"{per_row:.0f} bytes more per row ({small} → {large})"
