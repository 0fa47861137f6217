from __future__ import annotations

import datetime as dt

import pytest

from safeserve.common.lib.dates import years_from


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2026, 12, 6), 1, dt.date(2027, 12, 6)),
        (dt.date(2026, 12, 31), -3, dt.date(2023, 12, 31)),
        (dt.date(2028, 2, 29), 1, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), -3, dt.date(2025, 2, 28)),
        (dt.date(2028, 2, 29), 4, dt.date(2032, 2, 29)),
        (dt.date(2027, 2, 28), 1, dt.date(2028, 2, 28)),
    ],
)
def test_years_from_keeps_the_day_or_falls_back_to_28_february(day, years, expected):
    assert years_from(day, years) == expected
