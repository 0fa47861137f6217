"""A suspended expert stops counting (R1 capability, R8 capacity) the day the county office
suspends them from its pool, and counts again when reinstated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.services import provider_workload
from safeserve.procurement import services
from safeserve.procurement.eligibility import check_eligibility
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Expert, PoolStatus
from safeserve.providers.selectors import serving_experts
from safeserve.providers.services import expert_pool_change

OK = ["近三年承担过同类项目"]


def _matching(project, provider) -> list[Expert]:
    return list(
        serving_experts(project.purchaser.county_id)
        .filter(employer=provider, specialties__specialty__in=project.required_specialties)
        .distinct()
        .order_by("pk")
    )


def test_a_suspended_expert_no_longer_counts_for_the_award(project, eligible, directory, api):
    """The reported defect: two employed experts of the specialty, one suspended, and the
    award went through with capability passed."""
    office = directory["county_officer"]
    officer = directory["township_officer"]
    experts = _matching(project, eligible)
    project.required_experts = len(experts)
    project.save(update_fields=["required_experts"])
    assert check_eligibility(eligible, project, TODAY, OK).passed

    expert_pool_change(actor=office, expert=experts[0], verb="suspend", reason="考核不合格")
    check = api(officer).post(
        f"/api/v1/purchase-projects/{project.pk}/eligibility/",
        {"provider": eligible.pk, "award_date": str(TODAY), "confirmed": OK},
        format="json",
    )
    assert check.status_code == 200
    failed = {c["code"]: c["reasons"] for c in check.json()["conditions"] if not c["passed"]}
    assert list(failed) == ["capability"]
    assert f"专家 {len(experts) - 1} 名" in failed["capability"][0]
    with pytest.raises(ApplicationError) as refused:
        services.project_award(
            actor=officer,
            project=project,
            provider=eligible,
            award_date=TODAY,
            amount=Decimal("200000"),
            method="competitive_consultation",
            confirmed=OK,
        )
    assert refused.value.code == "not_eligible"

    expert_pool_change(actor=office, expert=experts[0], verb="reinstate")
    awarded, result = services.project_award(
        actor=officer,
        project=project,
        provider=eligible,
        award_date=TODAY,
        amount=Decimal("200000"),
        method="competitive_consultation",
        confirmed=OK,
    )
    assert result.passed and awarded.eligibility["passed"] is True


def test_an_expert_outside_the_pool_does_not_count_either(project, eligible, directory):
    experts = _matching(project, eligible)
    project.required_experts = len(experts)
    experts[0].pool_memberships.all().delete()  # employed, but never admitted here
    assert "capability" in {
        c.code for c in check_eligibility(eligible, project, TODAY, OK).conditions if not c.passed
    }


def test_capacity_counts_only_experts_serving_in_the_county(project, eligible, directory):
    county_id = project.purchaser.county_id
    _visits, before = provider_workload(eligible.pk, county_id, TODAY.year)
    employed = Expert.objects.filter(employer=eligible, is_active=True).count()
    assert before == employed  # every demo expert is admitted
    expert = Expert.objects.filter(employer=eligible).order_by("pk").first()
    expert_pool_change(
        actor=directory["county_officer"], expert=expert, verb="suspend", reason="暂停"
    )
    assert expert.pool_memberships.get().status == PoolStatus.SUSPENDED
    assert provider_workload(eligible.pk, county_id, TODAY.year)[1] == before - 1
    # Another county's pool says nothing about this one.
    other_county = directory["other_county_officer"].organization.county_id
    assert provider_workload(eligible.pk, other_county, TODAY.year)[1] == 0
