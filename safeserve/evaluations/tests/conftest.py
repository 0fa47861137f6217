"""The evaluation tests build on the fieldwork world: 城关镇's contract with 恒丰 in service from
today for a year, so its periods are the rest of this year and next year until it ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from safeserve.common.tests.clock import SHANGHAI, TODAY
from safeserve.fieldwork.tests.conftest import (  # noqa: F401 — fixtures
    contract,
    hengfeng,
    neighbours,
    users,
)


def at(day: dt.date, hour: int = 10) -> Any:
    """The clock moved to ``day`` (Shanghai time) for a block."""
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


NEXT_YEAR = dt.date(TODAY.year + 1, 1, 5)  # the first period (the rest of this year) ended


@pytest.fixture
def next_year() -> Iterator[None]:
    with at(NEXT_YEAR):
        yield
