"""Concurrent transitions on PostgreSQL: the row lock lets one through, the other sees the new
state and is refused (WORKFLOWS.md: every transition locks the row and checks its state)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.fieldwork.tests.conftest import advance, raise_general
from safeserve.hazards import services
from safeserve.hazards.models import Hazard, HazardReview, HazardStatus, ReviewOutcome


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    """Runs the calls in parallel threads, each on its own connection, released together;
    each outcome is "done" or the refusal's code."""
    outcomes: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            call()
            outcomes.append("done")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_it_closes_a_general_hazard_once_when_two_experts_verify_together(
    transactional_db, users, on_site
):
    hazard = advance(users, raise_general(users, on_site), HazardStatus.SUBMITTED)
    outcomes = _race(
        [
            lambda: services.hazard_verify(actor=users["expert"], hazard=hazard, note="复查合格"),
            lambda: services.hazard_verify(actor=users["expert2"], hazard=hazard, note="复查合格"),
        ]
    )
    assert outcomes == ["done", "wrong_state"]
    hazard = Hazard.objects.get(pk=hazard.pk)
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.closed_by in (users["expert"], users["expert2"])
    assert HazardReview.objects.filter(hazard=hazard, outcome=ReviewOutcome.VERIFIED).count() == 1
    closings = AuditEvent.objects.filter(
        object_type="hazards.hazard", object_id=str(hazard.pk), action="hazard.closed"
    )
    assert closings.count() == 1
