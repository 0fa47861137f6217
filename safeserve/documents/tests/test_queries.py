"""Notice lists read the same number of queries whatever number of notices (and their
signatures) they show: the page, the API list and the notice page's signature panel."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import assign, plan_task, raise_general, reload
from safeserve.hazards import services as hazards


def test_notice_lists_read_a_constant_number_of_queries(users, contract, hengfeng, login, api):
    days = iter(range(1, 40))

    def add(count: int) -> None:
        for _ in range(count):
            task = plan_task(users, contract, hengfeng, days=next(days))
            assign(users, task)
            fieldwork.task_check_in(actor=users["expert"], task=reload(task))
            found = raise_general(users, reload(task))
            hazards.notice_issue(actor=users["provider_admin"], task=reload(task), hazards=[found])

    def count() -> tuple[int, int, int]:
        client = login(users["provider_admin"])
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("hazards:notices")).status_code == 200
        with CaptureQueriesContext(connection) as through_api:
            body = api(users["provider_admin"]).get("/api/v1/notices/").json()
        return len(page.captured_queries), len(through_api.captured_queries), len(body["results"])

    add(3)
    page_n, api_n, rows_n = count()
    add(3)
    page_2n, api_2n, rows_2n = count()
    assert (rows_n, rows_2n) == (3, 6)
    assert (page_n, api_n) == (page_2n, api_2n)


def test_the_notice_page_reads_a_constant_number_of_queries(users, on_site, login):
    def notice_with(count: int) -> Any:
        found = [raise_general(users, on_site) for _ in range(count)]
        return hazards.notice_issue(actor=users["provider_admin"], task=on_site, hazards=found)

    def queries(notice: Any) -> int:
        client = login(users["expert"])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("hazards:notice", args=[notice.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert queries(notice_with(2)) == queries(notice_with(4))
