"""Rankings and tiers (R10 动态调整): tiers from the county policy on the latest effective
result (A ≥ 90, B ≥ 75, C from the pass score, D failed, 未评级 without one); a D-tier
provider is flagged in the eligibility check without failing it; the county office suspends
a provider (it fails eligibility and cannot sign; contracts in force continue) and
reinstates it; rankings pages, API and export for the county office and purchasers only;
the directory and /public/providers/ show tiers; query counts flat in the rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib import idnumber
from safeserve.evaluations import rankings
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.test_re_evaluation import passed_final
from safeserve.evaluations.tests.test_sanctions import failed
from safeserve.organizations.models import Organization, OrganizationKind
from safeserve.procurement.eligibility import check_eligibility
from safeserve.providers import services as providers
from safeserve.providers.models import (
    AdmissionStatus,
    Expert,
    ExpertPoolMembership,
    Provider,
    ProviderAdmission,
)

pytestmark = pytest.mark.django_db


def tier_of(contract):
    return next(
        p.tier
        for p in rankings.provider_rankings(contract.county_id)
        if p.pk == contract.provider_id
    )


def test_the_tier_follows_the_latest_effective_result(users, contract):
    assert tier_of(contract) == rankings.Tier.NONE
    with at(NEXT_YEAR):
        passed_final(users, contract)  # 84 of 100
    assert tier_of(contract) == rankings.Tier.B
    row = next(
        p for p in rankings.provider_rankings(contract.county_id) if p.pk == contract.provider_id
    )
    assert row.latest_score == 84 and row.failed_evaluations == 0


def test_a_failed_result_is_tier_d_and_a_warning_in_the_eligibility_check(users, contract):
    with at(NEXT_YEAR):
        failed(users, contract)  # 45 of 100
        assert tier_of(contract) == rankings.Tier.D
        result = check_eligibility(contract.provider, contract.project, NEXT_YEAR)
    [tier] = [c for c in result.conditions if c.code == "tier"]
    assert tier.warning and tier.passed and "D" in tier.reasons[0]
    assert "tier" not in [c.code for c in result.failures]  # a warning, not a refusal


def test_a_suspended_provider_fails_eligibility_and_cannot_sign(users, contract, api):
    provider = contract.provider
    officer = users["county_officer"]
    with pytest.raises(ApplicationError) as refused:
        providers.provider_suspension(actor=officer, provider=provider, suspend=True, reason=" ")
    assert "reason" in refused.value.errors
    with pytest.raises(PermissionDenied):
        providers.provider_suspension(
            actor=users["township_officer"], provider=provider, suspend=True, reason="x"
        )
    body = api(officer).get(f"/api/v1/providers/{provider.pk}/").json()
    assert "suspend" in body["allowed_actions"]
    done = api(officer).post(
        f"/api/v1/providers/{provider.pk}/suspend/", {"reason": "连续两年评估不合格"}, format="json"
    )
    assert done.status_code == 200
    assert api(officer).get(f"/api/v1/providers/{provider.pk}/").json()["allowed_actions"] == [
        "remove",
        "reinstate",
    ]
    result = check_eligibility(provider, contract.project, NEXT_YEAR)
    [legal] = [c for c in result.conditions if c.code == "legal_person"]
    assert not legal.passed and "连续两年评估不合格" in legal.reasons[0]
    # the contract in force continues: its page and tasks are untouched
    assert contract.status in ("signed", "in_service")
    # no new signature while suspended (the sign verb's guard)
    from safeserve.contracts.workflows import provider_in_good_standing

    refusal = provider_in_good_standing(contract)
    assert refusal is not None and refusal.code == "provider_suspended"
    again = api(officer).post(f"/api/v1/providers/{provider.pk}/reinstate/", {}, format="json")
    assert again.status_code == 200
    assert provider_in_good_standing(contract) is None
    assert (
        ProviderAdmission.objects.get(provider=provider, county_id=contract.county_id).status
        == AdmissionStatus.ADMITTED
    )


def test_the_suspend_button_on_the_provider_page(users, contract, login):
    page = login(users["county_officer"]).get(
        reverse("providers:detail", args=[contract.provider_id])
    )
    assert 'data-verb="suspend"' in page.content.decode()
    done = login(users["county_officer"]).post(
        reverse("providers:admission", args=[contract.provider_id, "suspend"]),
        {"reason": "整改期间暂停承接"},
    )
    assert done.status_code == 302
    page = login(users["county_officer"]).get(
        reverse("providers:detail", args=[contract.provider_id])
    )
    assert 'data-verb="reinstate"' in page.content.decode()


# who reads the rankings — written by hand
READERS = {
    "county_officer": 200,
    "county_leader": 200,
    "township_officer": 200,
    "department_officer": 200,
    "provider_admin": 403,
    "expert": 403,
    "enterprise_user": 403,
    "evaluator": 403,
}


def test_who_reads_the_rankings(users, contract, login, api):
    for persona, status in READERS.items():
        for url in ("/api/v1/rankings/providers/", "/api/v1/rankings/experts/"):
            assert api(users[persona]).get(url).status_code == status, (persona, url)
        page = login(users[persona]).get(reverse("evaluations:provider_rankings"))
        assert page.status_code == status, persona


def test_the_rankings_filter_export_and_show_tiers(users, contract, login, api, client):
    with at(NEXT_YEAR):
        passed_final(users, contract)
        county = api(users["county_officer"])
        rows = county.get("/api/v1/rankings/providers/?tier=B").json()["results"]
        assert [r["id"] for r in rows] == [contract.provider_id] and rows[0]["tier"] == "B"
        assert county.get("/api/v1/rankings/providers/?tier=A").json()["results"] == []
        ranked = county.get("/api/v1/rankings/providers/").json()["results"]
        assert ranked[0]["id"] == contract.provider_id  # the rated one first, not by id
        assert county.get("/api/v1/rankings/providers/?tier=Z").status_code == 400
        assert county.get("/api/v1/rankings/providers/export/").status_code == 200
        experts = county.get("/api/v1/rankings/experts/").json()["results"]
        assert experts and {"tier", "rating", "tasks_done"} <= set(experts[0])
        page = login(users["township_officer"]).get(reverse("evaluations:provider_rankings"))
        assert 'data-tier="B"' in page.content.decode()
        page = login(users["county_officer"]).get(reverse("evaluations:expert_rankings"))
        assert page.status_code == 200 and 'data-testid="expert-rankings"' in page.content.decode()
        assert (
            login(users["county_officer"])
            .get(reverse("evaluations:expert_rankings_export"))
            .status_code
            == 200
        )
        directory = login(users["township_officer"]).get(reverse("providers:list"))
        assert 'data-tier="B"' in directory.content.decode()
        client.logout()
        public = client.get(reverse("public_providers")).content.decode()
        assert contract.provider.name in public and 'data-tier="B"' in public


def _more(county, start, n):
    for i in range(start, start + n):
        org = Organization.objects.create(
            name=f"排名机构{i}", kind=OrganizationKind.PROVIDER, county=county, region=county
        )
        provider = Provider.objects.create(
            organization=org, name=f"排名机构{i}", uscc=f"91990121MA1RK{i:04d}X"
        )
        ProviderAdmission.objects.create(county=county, provider=provider, status="admitted")
        expert = Expert.objects.create(
            name=f"排名专家{i}",
            id_number=idnumber.complete(f"11010119800101{500 + i:03d}"),
            title="工程师",
            employer=provider,
        )
        ExpertPoolMembership.objects.create(county=county, expert=expert, status="admitted")


def test_the_rankings_cost_the_same_for_more_rows(users, contract, login, api):
    county = users["county_officer"].organization.county

    def cost(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    client = login(users["county_officer"])
    urls = [
        reverse("evaluations:provider_rankings"),
        reverse("evaluations:expert_rankings"),
    ]
    _more(county, 0, 3)
    before = [cost(lambda u=u: client.get(u)) for u in urls]
    before_api = cost(lambda: api(users["county_officer"]).get("/api/v1/rankings/providers/"))
    _more(county, 3, 6)
    assert [cost(lambda u=u: client.get(u)) for u in urls] == before
    assert (
        cost(lambda: api(users["county_officer"]).get("/api/v1/rankings/providers/")) == before_api
    )
