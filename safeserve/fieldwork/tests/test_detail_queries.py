"""Issue 15: the task, hazard and notice pages read at most ten queries each, the same for N
and 2N rows (hazards on the task, photos of a hazard, hazards on a notice, checklists), for
every role that opens them. The framework's own three (session, user, second factor) count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import png, raise_general, template
from safeserve.hazards import services as hazards

ROLES = ["township_officer", "county_officer", "expert", "provider_admin", "enterprise_user"]
LIMIT = 10


def _queries(client: Any, url: str) -> int:
    client.get(url)  # a first request fills per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ROLES)
def test_the_task_page_reads_the_same_few_queries_for_n_and_2n_rows(
    users: dict[str, Any], on_site: ServiceTask, login: Any, role: str
) -> None:
    client = login(users[role])
    url = reverse("fieldwork:detail", args=[on_site.pk])

    def grow(n: int) -> None:
        for index in range(n):
            raise_general(users, on_site, description=f"隐患{index}", photos=[png()])

    fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    grow(2)
    few = _queries(client, url)
    fieldwork.inspection_add(
        actor=users["expert"], task=on_site, template=template("gm2023-general")
    )
    grow(2)
    assert _queries(client, url) == few <= LIMIT


@pytest.mark.parametrize("role", ROLES)
def test_the_hazard_and_notice_pages_read_the_same_few_queries_for_n_and_2n_rows(
    users: dict[str, Any], on_site: ServiceTask, login: Any, role: str
) -> None:
    client = login(users[role])
    small = raise_general(users, on_site, photos=[png()])
    large = raise_general(users, on_site, description="灭火器过期", photos=[png(), png()])
    two = [raise_general(users, on_site, description=f"第{i}项") for i in range(2)]
    four = [raise_general(users, on_site, description=f"第{i + 2}项") for i in range(4)]
    notices = [
        hazards.notice_issue(actor=users["expert"], task=on_site, hazards=[small, *two]),
        hazards.notice_issue(actor=users["expert"], task=on_site, hazards=[large, *four]),
    ]
    few, many = (_queries(client, reverse("hazards:detail", args=[h.pk])) for h in (small, large))
    assert few == many <= LIMIT
    few, many = (_queries(client, reverse("hazards:notice", args=[n.pk])) for n in notices)
    assert few == many <= LIMIT
