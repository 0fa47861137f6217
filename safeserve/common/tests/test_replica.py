"""The read replica (common/db/routers.py, issue 15), with a second connection to the same
test database standing in for it: lists, exports and the home page's figures read from it;
writes, reads inside a transaction and the pages right after a person's own write read the
primary."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from safeserve.common.db.routers import REPLICA, replica_reads
from safeserve.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def replica(world: Any, settings: Any) -> Any:
    settings.READ_REPLICA = True
    return connections[REPLICA]


def _tables(captured: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_a_list_an_export_and_the_figures_read_the_replica(
    replica: Any, world: Any, login: Any
) -> None:
    client = login(world["county_officer"])
    for url in ("/enterprises/", "/enterprises/export/", "/hazards/export/", "/"):
        with (
            CaptureQueriesContext(replica) as read,
            CaptureQueriesContext(connections["default"]) as primary,
        ):
            assert client.get(url).status_code == 200, url
        assert ("hazards_hazard" if "hazards" in url else "enterprises_enterprise") in _tables(
            read
        ), url
        # the session and the login are the primary's; so is the export's audit event
        assert "django_session" in _tables(primary)
        assert "django_session" not in _tables(read)
        assert not any(
            q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            for q in read.captured_queries
        ), url  # writes (the export's audit event, the session) are the primary's


def test_after_writing_a_person_reads_the_primary(replica: Any, world: Any, login: Any) -> None:
    client = login(world["county_officer"])
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "primary_until" in response.cookies
    with CaptureQueriesContext(replica) as read:
        assert client.get("/enterprises/").status_code == 200
    assert not read.captured_queries


def test_reads_inside_a_transaction_stay_on_the_primary(replica: Any) -> None:
    with CaptureQueriesContext(replica) as read, replica_reads():
        list(Enterprise.objects.all()[:3])  # not in a transaction: the replica
        with transaction.atomic():
            list(Enterprise.objects.select_for_update().all()[:3])
            list(Enterprise.objects.all()[:3])
    assert len(read.captured_queries) == 1


def test_without_a_replica_everything_reads_the_primary(world: Any, login: Any) -> None:
    client = login(world["county_officer"])
    with replica_reads(), CaptureQueriesContext(connections["default"]) as primary:
        assert client.get("/enterprises/").status_code == 200
    assert "enterprises_enterprise" in _tables(primary)
