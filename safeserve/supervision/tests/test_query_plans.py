"""Each big list is read through the index made for its order and scope (issue 15). On
PostgreSQL only: after ANALYZE, with sequential scans and sorts priced out, the plan of each
list's query names its index — so a change that stops an index from serving a list fails
here instead of at province scale."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from safeserve.accounts.models import User
from safeserve.demo.province import seed_province_chain
from safeserve.demo.tests.test_province import SMALL
from safeserve.enterprises.models import Enterprise
from safeserve.fieldwork.selectors import task_list
from safeserve.hazards.selectors import hazard_figures, hazard_list, notice_list
from safeserve.organizations.models import Region

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
]


def _plan(queryset: Any, *, only: str = "") -> str:
    """The plan of ``queryset`` with sequential scans and sorts priced out. ``only``: the
    other indexes of the table (the unique ones aside) are dropped first, inside the
    test's transaction, so the plan shows whether that one index can serve the query — on
    a few hundred rows the planner would otherwise take any index at all."""
    table = queryset.model._meta.db_table
    with connection.cursor() as cursor:
        if only:
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = %s AND NOT i.indisunique AND c.relname <> %s",
                [table, only],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    return str(queryset.explain())


@pytest.fixture
def chain(province_county: Region) -> Region:
    seed_province_chain([province_county], SMALL)
    return province_county


@pytest.mark.parametrize(
    ("username", "index"),
    [
        ("p1_county_officer", "hazard_county_order_idx"),
        ("p1_provider0", "hazard_provider_order_idx"),
        ("admin", "hazard_order_idx"),
    ],
)
def test_the_hazard_list_reads_its_scopes_index(chain: Region, username: str, index: str) -> None:
    user = User.objects.get(username=username)
    plan = _plan(hazard_list(viewer=user, details=False)[:51], only=index)
    assert f"Index Scan using {index}" in plan
    assert "Sort" not in plan


def test_a_purchasers_hazard_list_walks_an_index_in_order(chain: Region) -> None:
    """A township or department sees its own contracts' hazards and those routed to it: one
    OR, read in the list's order from an index rather than collected and sorted."""
    user = User.objects.get(username="p1_purchaser0")
    plan = _plan(hazard_list(viewer=user, details=False)[:51])
    assert "Index Scan using hazard_" in plan
    assert "Sort" not in plan and "Seq Scan" not in plan


@pytest.mark.parametrize(
    ("username", "index"),
    [
        ("p1_county_officer", "task_county_order_idx"),
        ("p1_purchaser0", "task_purchaser_order_idx"),
        ("p1_provider0", "task_provider_order_idx"),
    ],
)
def test_the_task_list_reads_its_scopes_index(chain: Region, username: str, index: str) -> None:
    user = User.objects.get(username=username)
    plan = _plan(task_list(viewer=user)[:51], only=index)
    assert f"Index Scan using {index} on fieldwork_servicetask" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize(
    ("username", "index"),
    [
        ("p1_county_officer", "notice_county_order_idx"),
        ("p1_purchaser0", "notice_purchaser_order_idx"),
        ("p1_provider0", "notice_provider_order_idx"),
        ("admin", "notice_order_idx"),
    ],
)
def test_the_notice_list_reads_its_scopes_index(chain: Region, username: str, index: str) -> None:
    user = User.objects.get(username=username)
    plan = _plan(notice_list(viewer=user)[:51], only=index)
    assert f"Index Scan using {index} on hazards_notice" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize(
    ("username", "index"),
    [
        ("p1_county_officer", "hazard_county_open_idx"),
        ("p1_purchaser0", "hazard_purchaser_open_idx"),
        ("p1_provider0", "hazard_provider_open_idx"),
    ],
)
def test_the_open_hazard_figures_read_the_open_index(
    chain: Region, username: str, index: str
) -> None:
    from django.db.models import Count

    user = User.objects.get(username=username)
    hazard_figures(user)  # the page's query runs
    if username == "p1_purchaser0":  # its routed hazards come from the two order indexes
        return
    scoped = (
        hazard_list(viewer=user, details=False)
        .exclude(status="closed")
        .order_by()
        .values("status")
        .annotate(n=Count("status"))
    )
    assert index in _plan(scoped, only=index)


def test_the_enterprise_list_reads_an_index(chain: Region) -> None:
    user = User.objects.get(username="p1_county_officer")
    plan = _plan(Enterprise.objects.visible_to(user).order_by("name", "pk")[:51])
    assert "Index" in plan and "Seq Scan" not in plan
    # A county's list in name order from its own index, not the province's name order
    # filtered county by county.
    only = "enterprise_county_name_idx"
    assert only in _plan(Enterprise.objects.visible_to(user).order_by("name", "pk")[:51], only=only)


def test_a_name_search_reads_the_trigram_index(chain: Region) -> None:
    from safeserve.enterprises.selectors import search_filter

    user = User.objects.get(username="p1_county_officer")
    found = Enterprise.objects.visible_to(user).filter(search_filter("纺织")).order_by("name", "pk")
    assert "enterprise_name_trgm_idx" in _plan(found[:51], only="enterprise_name_trgm_idx")


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        (
            "hazards_hazard",
            ["purchaser_id", "provider_org_id", "routed_department_id", "routed_township_id"],
        ),
        ("hazards_notice", ["purchaser_id", "provider_org_id"]),
        (
            "hazards_majorhazardreport",
            ["purchaser_id", "provider_org_id", "department_id", "copied_township_id"],
        ),
        ("fieldwork_servicetask", ["purchaser_id", "provider_org_id"]),
    ],
)
def test_the_scope_columns_keep_every_value_in_their_statistics(
    table: str, columns: list[str]
) -> None:
    """A township that sees 18 of a million hazards must be estimated at 18, not thousands,
    or the planner walks the newest-first index through the whole table (673 ms against
    0.3 ms on the province fixture): common/db/statistics.py."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, a.attstattarget FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = %s AND a.attname = ANY(%s)",
            [table, columns],
        )
        targets = dict(cursor.fetchall())
    assert targets == dict.fromkeys(columns, 1000)
