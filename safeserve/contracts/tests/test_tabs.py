"""The contract page in tabs (issue 15): each tab shows its own section and reads only that,
at ≤ 10 queries whatever the number of rows; forms on a tab return to it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.common.tests.pages import active_tab
from safeserve.contracts import services
from safeserve.contracts.models import (
    Amendment,
    Contract,
    ContractEnterprise,
    Deduction,
    Engagement,
    Payment,
)
from safeserve.contracts.tests.test_coverage_and_money import signed  # noqa: F401 — fixture
from safeserve.enterprises.models import Enterprise
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Expert

ALL_TABS = ["overview", "experts", "coverage", "payments", "evaluations"]


def _url(contract: Contract, tab: str) -> str:
    url = reverse("contracts:detail", args=[contract.pk])
    return url if tab == "overview" else f"{url}?tab={tab}"


def _page(client: Any, contract: Contract, tab: str) -> str:
    response = client.get(_url(contract, tab))
    assert response.status_code == 200
    return response.content.decode()


def test_each_tab_shows_its_own_section(demo: Any, signed: Contract, login: Any) -> None:  # noqa: F811
    client = login(demo["township_officer"])
    shown = {
        tab: {
            section
            for section in ("experts", "coverage", "payments")
            if f'data-testid="{section}"' in _page(client, signed, tab)
        }
        for tab in ALL_TABS
    }
    assert shown == {
        "overview": set(),
        "experts": {"experts"},
        "coverage": {"coverage"},
        "payments": {"payments"},
        "evaluations": set(),
    }
    overview = _page(client, signed, "overview")
    assert "合同条款" in overview
    assert (
        active_tab(overview) == "overview"
        and active_tab(_page(client, signed, "coverage")) == "coverage"
    )
    # No evaluation yet, and no period open for one: the tab says so.
    assert 'data-testid="no-evaluations"' in _page(client, signed, "evaluations")


def test_a_draft_has_no_money_or_evaluation_tab(demo: Any, login: Any) -> None:
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    draft = services.contract_draft(actor=demo["township_officer"], project=project)
    client = login(demo["township_officer"])
    page = _page(client, draft, "overview")
    assert 'data-tab="payments"' not in page and 'data-tab="evaluations"' not in page
    assert 'data-tab="coverage"' in page and 'data-tab="experts"' in page
    # An unknown or unoffered tab opens the overview.
    for asked in ("payments", "evaluations", "nonsense", ""):
        html = client.get(reverse("contracts:detail", args=[draft.pk]) + f"?tab={asked}")
        assert html.status_code == 200
        assert 'data-testid="payments"' not in html.content.decode()
        assert "合同条款" in html.content.decode()


def test_forms_return_to_their_tab(demo: Any, signed: Contract, login: Any) -> None:  # noqa: F811
    client = login(demo["township_officer"])
    paid = client.post(
        reverse("contracts:money", args=[signed.pk, "payment"]),
        {"amount": "1000", "paid_on": TODAY.isoformat(), "voucher": "P-1"},
    )
    assert paid["Location"] == _url(signed, "payments")
    assert Payment.objects.filter(contract=signed).count() == 1
    enterprise = Enterprise.objects.filter(township__code="990121100").exclude(
        sector="hazardous_goods"
    )[0]
    covered = client.post(
        reverse("contracts:coverage_change", args=[signed.pk]), {"codes": enterprise.uscc}
    )
    assert covered["Location"] == _url(signed, "coverage")
    ended = login(demo["provider_admin"]).post(
        reverse("contracts:engagement", args=[signed.pk]), {"expert": ""}
    )
    assert ended["Location"] == _url(signed, "experts")


def _grow(contract: Contract, demo: Any, n: int) -> None:
    """n more of every row a tab lists: payments, deductions, amendments, coverage and
    engagements."""
    officer = demo["township_officer"]
    for _ in range(n):
        Payment.objects.create(
            contract=contract, paid_on=TODAY, amount=Decimal("1"), recorded_by=officer
        )
        Deduction.objects.create(
            contract=contract,
            amount=Decimal("1"),
            recoverable=Decimal("0"),
            reason="x",
            recorded_by=officer,
        )
        Amendment.objects.create(
            contract=contract,
            reason="x",
            changes="x",
            amount_delta=Decimal("1"),
            created_by=officer,
            status="agreed",
        )
    covered = set(
        ContractEnterprise.objects.filter(contract=contract).values_list("enterprise", flat=True)
    )
    for enterprise in Enterprise.objects.filter(county=contract.county).exclude(pk__in=covered)[:n]:
        ContractEnterprise.objects.create(
            contract=contract, enterprise=enterprise, added_by=officer
        )
    engaged = set(Engagement.objects.filter(contract=contract).values_list("expert", flat=True))
    for expert in Expert.objects.exclude(employer=contract.provider).exclude(pk__in=engaged)[:n]:
        Engagement.objects.create(
            contract=contract,
            expert=expert,
            role="member",
            starts_on=TODAY,
            ends_on=TODAY + dt.timedelta(days=30),
            agreement="contracts/x.pdf",
            created_by=demo["provider_admin"],
        )


@pytest.mark.parametrize("role", ["township_officer", "county_officer", "provider_admin"])
def test_every_tab_reads_at_most_ten_queries_for_n_and_2n_rows(
    demo: Any,
    signed: Contract,  # noqa: F811
    login: Any,
    role: str,
) -> None:
    client = login(demo[role])

    def counts() -> dict[str, int]:
        result = {}
        for tab in ALL_TABS:
            client.get(_url(signed, tab))  # warm the caches a first request fills
            with CaptureQueriesContext(connection) as captured:
                assert client.get(_url(signed, tab)).status_code == 200
            result[tab] = len(captured)
        return result

    _grow(signed, demo, 3)
    few = counts()
    _grow(signed, demo, 3)
    many = counts()
    assert few == many
    assert max(many.values()) <= 10, many
