"""The province fixture's whole chain (issue 15), on a small county: every table it writes
holds rows that the services would have written — the scope columns agree with the
contract and the report, hazards obey their constraints, each login sees what its scope
allows — and running it again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.contracts.models import Contract, ContractEnterprise
from safeserve.demo.enterprises import seed_enterprises
from safeserve.demo.province import Sizes, seed_province_chain
from safeserve.documents.models import TechnicalReport
from safeserve.evaluations.models import AnnualSubmission, Evaluation, Sanction
from safeserve.fieldwork.models import ServiceTask, TaskAssignment
from safeserve.hazards.models import Hazard, HazardStatus, MajorHazardReport, Notice
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel
from safeserve.providers.models import Debarment

pytestmark = pytest.mark.django_db

SMALL = Sizes(enterprises_per_contract=5, tasks_per_contract=8, hazards_per_task=3)


def test_the_whole_chain_in_proportion(province_county: Region) -> None:
    made = seed_province_chain([province_county], SMALL)

    contracts = Contract.objects.filter(county=province_county)
    assert contracts.count() == made["contracts"] == 12
    assert ContractEnterprise.objects.filter(contract__in=contracts).count() == 60
    tasks = ServiceTask.objects.filter(county=province_county)
    assert tasks.count() == 12 * 8
    assert TaskAssignment.objects.filter(task__in=tasks).count() == 2 * tasks.count()
    hazards = Hazard.objects.filter(county=province_county)
    assert hazards.count() == made["hazards"] > 0
    assert Notice.objects.filter(county=province_county).count() == made["notices"] > 0
    # every state of the loop, and each hazard names the task's team
    assert set(hazards.values_list("status", flat=True)) >= {
        HazardStatus.CLOSED,
        HazardStatus.RECTIFYING,
    }
    assert Hazard.experts.through.objects.filter(hazard__in=hazards).count() == 2 * hazards.count()
    assert TechnicalReport.objects.filter(county=province_county).exists()
    assert Evaluation.objects.filter(county=province_county, effective=True).exists()
    assert AnnualSubmission.objects.filter(county=province_county).count() == 6
    assert Sanction.objects.filter(county=province_county).count() == (
        Debarment.objects.filter(county=province_county).count()
    )
    assert AuditEvent.objects.filter(county=province_county, action="audit.bulk_load").count() == 1


def test_scope_columns_agree_with_the_contract_and_the_report(province_county: Region) -> None:
    seed_province_chain([province_county], SMALL)
    tasks = ServiceTask.objects.filter(county=province_county)
    assert not tasks.exclude(purchaser_id=F("contract__purchaser_id")).exists()
    assert not tasks.exclude(provider_org_id=F("contract__provider__organization_id")).exists()
    hazards = Hazard.objects.filter(county=province_county)
    assert not hazards.exclude(purchaser_id=F("contract__purchaser_id")).exists()
    assert not hazards.exclude(provider_org_id=F("task__provider_org_id")).exists()
    for report in MajorHazardReport.objects.filter(county=province_county).select_related("hazard"):
        assert report.status != "draft"
        assert report.hazard.routed_department_id == report.department_id
        assert report.hazard.routed_township_id == report.copied_township_id
    assert not hazards.filter(major_report__isnull=True, routed_department__isnull=False).exists()
    # a closed hazard has its closing time, an open one none (the model's constraint)
    assert not hazards.exclude(status="closed").filter(closed_at__isnull=False).exists()
    assert not hazards.filter(status="closed", closed_at__isnull=True).exists()


def test_each_login_sees_its_scope(province_county: Region) -> None:
    seed_province_chain([province_county], SMALL)
    hazards = Hazard.objects.filter(county=province_county)
    officer = User.objects.get(username="p1_county_officer")
    assert Hazard.objects.visible_to(officer).count() == hazards.count()
    purchaser = User.objects.get(username="p1_purchaser0")
    mine = Hazard.objects.visible_to(purchaser)
    assert set(mine.values_list("pk", flat=True)) == set(
        hazards.filter(contract__purchaser_id=purchaser.organization_id).values_list(
            "pk", flat=True
        )
    ) | set(
        hazards.filter(routed_township_id=purchaser.organization_id).values_list("pk", flat=True)
    )
    provider = User.objects.get(username="p1_provider0")
    assert Hazard.objects.visible_to(provider).count() == (
        hazards.filter(contract__provider__organization_id=provider.organization_id).count()
    )
    expert = User.objects.get(username="p1_expert0_0")
    assert set(Hazard.objects.visible_to(expert).values_list("pk", flat=True)) == set(
        hazards.filter(task__assignments__expert__user=expert).values_list("pk", flat=True)
    )


def test_running_it_again_adds_nothing(province_county: Region) -> None:
    seed_province_chain([province_county], SMALL)
    before = Hazard.objects.count(), Contract.objects.count(), User.objects.count()
    assert seed_province_chain([province_county], SMALL) == {}
    assert (Hazard.objects.count(), Contract.objects.count(), User.objects.count()) == before


def test_its_pages_answer(province_county: Region, login: Any) -> None:
    seed_province_chain([province_county], SMALL)
    for username in ("p1_county_officer", "p1_purchaser0", "p1_provider0", "p1_expert0_0"):
        client = login(User.objects.get(username=username))
        for url in ("/", "/hazards/", "/tasks/", "/hazards/notices/", "/contracts/"):
            assert client.get(url).status_code == 200, (username, url)


def _county(code: str, name: str, enterprises: int) -> Region:
    city = Region.objects.get(level=RegionLevel.CITY)
    county = Region.objects.create(code=code, name=name, level=RegionLevel.COUNTY, parent=city)
    for n, township in enumerate(["东镇", "西镇"]):
        Region.objects.create(
            code=f"{code}{100 + n}", name=township, level=RegionLevel.TOWNSHIP, parent=county
        )
    Organization.objects.create(
        county=county, region=county, kind=OrganizationKind.COUNTY_OFFICE, name=f"{name}安委办"
    )
    seed_enterprises(county, enterprises, seed=int(code))
    return county


def _cost(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # caches warm (the county's policy, the navigation)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("limit", [10_000, 0])
def test_every_list_costs_the_same_for_n_and_2n_rows(
    world: Any, login: Any, monkeypatch: Any, limit: int
) -> None:
    """Two counties of the chain, the second twice the first: each role's lists and API lists
    read the same number of queries in both (issue 15), with exact counts and (at a limit of
    0) with the totals read from the tallies. (The home page's 待办 differs with the kinds of
    item waiting, not their number: supervision/tests measure it.)"""
    from safeserve.common import pagination

    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", limit)
    small = _county("990297", "小县", 60)
    large = _county("990298", "大县", 120)
    seed_province_chain([small, large], SMALL)
    lists = ["/hazards/", "/tasks/", "/hazards/notices/", "/hazards/reports/", "/contracts/"]
    lists += ["/api/v1/hazards/", "/api/v1/tasks/", "/hazards/?status=rectifying"]

    def costs(prefix: str) -> dict[str, int]:
        found = {}
        for role in ("county_officer", "purchaser0", "provider0"):
            client = login(User.objects.get(username=f"{prefix}_{role}"))
            for url in lists:
                found[f"{role} {url}"] = _cost(client, url)
        return found

    assert (
        Hazard.objects.filter(county=large).count()
        > 1.5 * Hazard.objects.filter(county=small).count()
    )
    assert costs("p1") == costs("p2")


def test_a_task_page_costs_the_same_however_many_hazards_it_holds(
    province_county: Region, login: Any
) -> None:
    """The task page lists its hazards with the viewer's verbs on each: one query for all of
    them (it once read each hazard's enterprise on its own)."""
    from django.db.models import Count

    seed_province_chain([province_county], Sizes(enterprises_per_contract=5, hazards_per_task=5))
    client = login(User.objects.get(username="p1_county_officer"))
    tasks = (
        ServiceTask.objects.filter(county=province_county, status="accepted")
        .annotate(n=Count("hazards"))
        .filter(n__gt=0)
        .order_by("n", "pk")
    )
    fewest, most = tasks.first(), tasks.last()
    assert most.n >= 2 * fewest.n
    assert _cost(client, f"/tasks/{fewest.pk}/") == _cost(client, f"/tasks/{most.pk}/")
