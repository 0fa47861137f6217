"""The provider's page in tabs (issue 15): profile and qualifications, violations, its
experts — each shows its own section, reads at most ten queries and the same for N and 2N
rows, for each role that opens it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.common.tests.pages import active_tab
from safeserve.providers.models import (
    Provider,
    ProviderEquipment,
    Qualification,
    ViolationRecord,
)
from safeserve.providers.tests.test_providers import ELIGIBLE, TODAY, _bulk_experts

TABS = ["overview", "violations", "experts"]


def _url(provider: Provider, tab: str) -> str:
    url = reverse("providers:detail", args=[provider.pk])
    return url if tab == "overview" else f"{url}?tab={tab}"


def test_each_tab_shows_its_own_section(directory: Any, login: Any) -> None:
    provider = Provider.objects.get(name=ELIGIBLE)
    client = login(directory["county_officer"])
    pages = {tab: client.get(_url(provider, tab)).content.decode() for tab in TABS}
    assert {tab: active_tab(html) for tab, html in pages.items()} == {t: t for t in TABS}
    assert "资质" in pages["overview"] and "统一社会信用代码" in pages["overview"]
    record = reverse("providers:violation", args=[provider.pk])  # the county office's form
    assert record in pages["violations"] and record not in pages["overview"]
    expert = provider.experts.order_by("name").first()
    assert expert is not None
    assert expert.name in pages["experts"] and expert.name not in pages["violations"]
    # An unknown tab opens the profile.
    assert active_tab(client.get(_url(provider, "nonsense")).content.decode()) == "overview"


def test_a_recorded_violation_returns_to_its_tab(directory: Any, login: Any) -> None:
    provider = Provider.objects.get(name=ELIGIBLE)
    response = login(directory["county_officer"]).post(
        reverse("providers:violation", args=[provider.pk]),
        {"occurred_on": TODAY.isoformat(), "source": "inspection", "description": "报告造假"},
    )
    assert response.status_code == 302
    assert response["Location"] == _url(provider, "violations")


def _grow(provider: Provider, officer: Any, start: int, n: int) -> None:
    for i in range(n):
        Qualification.objects.create(
            provider=provider,
            type="safety_evaluation",
            certificate_no=f"Q{start + i}",
            issuer="省应急管理厅",
            valid_from=TODAY - dt.timedelta(days=30),
            valid_to=TODAY + dt.timedelta(days=300 + i),
        )
        ProviderEquipment.objects.create(provider=provider, name=f"仪器{start + i}")
        ViolationRecord.objects.create(
            county=officer.organization.county,
            provider=provider,
            occurred_on=TODAY - dt.timedelta(days=i),
            source="inspection",
            description="x",
            recorded_by=officer,
        )
    _bulk_experts(provider, start, n)


@pytest.mark.parametrize("role", ["county_officer", "township_officer", "provider_admin"])
def test_every_tab_reads_at_most_ten_queries_for_n_and_2n_rows(
    directory: Any, login: Any, role: str
) -> None:
    provider = Provider.objects.get(name=ELIGIBLE)
    client = login(directory[role])

    def counts() -> dict[str, int]:
        result = {}
        for tab in TABS:
            client.get(_url(provider, tab))
            with CaptureQueriesContext(connection) as captured:
                assert client.get(_url(provider, tab)).status_code == 200
            result[tab] = len(captured)
        return result

    officer = directory["county_officer"]
    _grow(provider, officer, 300, 3)
    few = counts()
    _grow(provider, officer, 400, 3)
    many = counts()
    assert few == many
    assert max(many.values()) <= 10, many
