"""The demo's calendar: every step of the chain happens on its own day.

The services stamp "now" and refuse dates in the past, as they must. A demo needs a past —
a contract signed before its service began, visits weeks ago, hazards overdue — so each step
runs with the clock travelled back to the moment it happened (time-machine, a development
dependency like the rest of the demo's tools). What a step writes then agrees with itself:
the record's stamps, its deadlines and the audit events of its history.

Days are counted back from the date the seed starts; a moment later than now is never
travelled to (the step happens now instead), so the demo never writes the future.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

# The purchase chain of 城关镇's inspection contract, in days before the seed runs.
PLANS_DRAFTED = 110
PLANS_APPROVED = 100
PROJECT_CREATED = 90
AWARDED = 75
SIGNED = 65
SERVICE_BEGAN = 60  # the visits of the past weeks fall inside the service period


def moment(today: dt.date, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    value = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, minute))
    return timezone.make_aware(value)


@contextlib.contextmanager
def travel(when: dt.datetime) -> Iterator[Any]:
    """Runs the block at ``when`` (standing still, so a step's stamps are reproducible);
    yields the traveller, whose ``shift`` moves the clock on within the step."""
    import time_machine  # development dependency: only the demo and the tests travel

    if when > timezone.now():
        when = timezone.now()
    with time_machine.travel(when, tick=False) as traveller:
        yield traveller


def on(today: dt.date, days_ago: int, hour: int, minute: int = 0) -> Any:
    return travel(moment(today, days_ago, hour, minute))


def past_year(today: dt.date) -> int:
    """The demo's completed year: the last one whose evaluations (early in the next year,
    through April) are already behind us."""
    return today.year - 1 if (today.month, today.day) >= (5, 1) else today.year - 2
