"""The plan page (issue 15): at most ten queries, the same for N and 2N items and projects,
and what each project holds of its item (R3) read in one query with the same answer as
the contract's own amendments and payments give."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.contracts.models import Amendment, Contract, Payment
from safeserve.procurement.models import PlanItem, PurchaseProject
from safeserve.procurement.selectors import holding_projects, items_with_execution, project_holds
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Provider


def _grow(item: PlanItem, officer: Any, n: int) -> None:
    """n more items, each with an awarded project under contract in a different state."""
    provider = Provider.objects.get(name="安平安科安全技术咨询有限公司")
    states = ["draft", "signed", "in_service", "terminated"]
    for index in range(n):
        extra = PlanItem.objects.create(
            plan=item.plan, category="inspection", content=f"第{index}项", budget=Decimal("1000")
        )
        project = PurchaseProject.objects.create(
            item=extra,
            purchaser=officer.organization,
            county=officer.organization.county,
            title="x",
            service_content="x",
            enterprise_scope="x",
            status="awarded",
            awarded_provider=provider,
            award_amount=Decimal("900"),
        )
        contract = Contract.objects.create(
            project=project,
            purchaser=officer.organization,
            provider=provider,
            county=officer.organization.county,
            amount=Decimal("800"),
            status=states[index % len(states)],
        )
        for status, delta in (("agreed", "50"), ("proposed", "7"), ("agreed", "-20")):
            Amendment.objects.create(
                contract=contract,
                reason="x",
                changes="x",
                amount_delta=Decimal(delta),
                created_by=officer,
                status=status,
            )
        for amount in ("100", "60"):
            Payment.objects.create(
                contract=contract, paid_on=TODAY, amount=Decimal(amount), recorded_by=officer
            )


@pytest.mark.parametrize("role", ["township_officer", "township_leader", "county_officer"])
def test_the_plan_page_reads_at_most_ten_queries_for_n_and_2n_items(
    approved_plan: PlanItem, directory: dict[str, Any], login: Any, role: str
) -> None:
    client = login(directory[role])
    url = reverse("procurement:plan_detail", args=[approved_plan.plan_id])

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _grow(approved_plan, directory["township_officer"], 4)
    few = count()
    _grow(approved_plan, directory["township_officer"], 4)
    assert count() == few <= 10


def test_what_a_project_holds_is_the_same_summed_in_the_query_or_from_its_contract(
    approved_plan: PlanItem, directory: dict[str, Any]
) -> None:
    _grow(approved_plan, directory["township_officer"], 8)
    items = list(PlanItem.objects.filter(plan=approved_plan.plan))
    summed = {p.pk: project_holds(p) for p in holding_projects(items)}
    plain = {
        p.pk: project_holds(p)
        for p in PurchaseProject.objects.filter(item__in=items).exclude(status="cancelled")
    }
    assert summed == plain
    # By hand: draft holds the award, signed and in service 800 + 50 − 20, terminated what
    # was paid (the proposed amendment counts nowhere).
    assert sorted(set(summed.values())) == [Decimal("160"), Decimal("830"), Decimal("900")]
    held = {i.pk: i.committed for i in items_with_execution(approved_plan.plan)}
    assert sum(held.values()) == sum(summed.values())
