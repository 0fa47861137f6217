"""居民身份证号码 (GB 11643-1999): length, digits, check digit, birth date and province.

python-stdnum's ``cn.ric.validate`` also looks the first six digits up in its own copy of the
county code table; that table lags behind boundary changes, and a real person must never be
refused because of it, so only the province (first two digits) is checked here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from stdnum.cn import ric

PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)


def is_valid(value: str) -> bool:
    number = str(value or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if number[:2] not in PROVINCES or ric.calc_check_digit(number) != number[17]:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= timezone.localdate()


def complete(first17: str) -> str:
    """The full number for 17 digits (used to make demo data)."""
    return first17 + ric.calc_check_digit(first17 + "0")
