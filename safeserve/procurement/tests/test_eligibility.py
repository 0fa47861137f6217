"""R1 condition by condition, the bad paths first, with the boundary dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.dates import years_from
from safeserve.procurement import services
from safeserve.procurement.eligibility import check_eligibility
from safeserve.procurement.models import ProjectStatus
from safeserve.procurement.tests.conftest import TODAY, days
from safeserve.providers.models import (
    Debarment,
    Expert,
    Provider,
    ProviderAdmission,
    ViolationRecord,
)

OK = ["近三年承担过同类项目"]


def _failed(result) -> dict[str, list[str]]:
    return {c.code: c.reasons for c in result.conditions if not c.passed}


def test_the_demo_eligible_provider_passes_every_condition(project, eligible):
    result = check_eligibility(eligible, project, TODAY, OK)
    assert result.passed, _failed(result)
    assert [c.code for c in result.conditions] == [
        "legal_person",
        "qualification",
        "capability",
        "no_violation",
        "not_debarred",
        "extra_requirements",
        "attestation",
    ]


def test_not_an_independent_legal_person(project, eligible):
    eligible.is_independent_legal_person = False
    assert "legal_person" in _failed(check_eligibility(eligible, project, TODAY, OK))


def test_not_admitted_to_the_county_register(project, eligible):
    ProviderAdmission.objects.filter(provider=eligible).update(status="removed")
    failed = _failed(check_eligibility(eligible, project, TODAY, OK))
    assert failed["legal_person"] == ["未列入本县服务机构准入名录。"]


def test_the_demo_provider_with_an_expired_qualification_fails_with_the_date(project, directory):
    provider = Provider.objects.get(name="诚安检测技术有限公司")
    failed = _failed(check_eligibility(provider, project, TODAY, OK))
    assert "qualification" in failed
    assert "已于" in failed["qualification"][0] and "过期" in failed["qualification"][0]


def test_a_qualification_expiring_on_the_award_date_still_counts(project, eligible):
    eligible.qualifications.exclude(type="safety_evaluation").delete()
    eligible.qualifications.update(valid_to=TODAY)
    assert check_eligibility(eligible, project, TODAY, OK).passed
    assert "qualification" in _failed(check_eligibility(eligible, project, days(1), OK))


def test_a_qualification_of_the_wrong_type_does_not_count(approved_plan, project, eligible):
    eligible.qualifications.exclude(
        type="occupational_health"
    ).delete()  # inspection needs 安全评价…
    failed = _failed(check_eligibility(eligible, project, TODAY, OK))
    assert "安全评价" in failed["qualification"][0]


def test_occupational_testing_needs_the_occupational_qualification(project, eligible):
    project.item.category = "occupational"
    eligible.qualifications.filter(type="occupational_health").delete()
    assert "qualification" in _failed(check_eligibility(eligible, project, TODAY, OK))


def test_premises_equipment_and_experts(project, eligible):
    eligible.premises_area = None
    eligible.equipment.all().delete()
    project.required_experts = 50
    failed = _failed(check_eligibility(eligible, project, TODAY, OK))
    assert failed["capability"][0] == "未填报办公场所地址和面积。"
    assert failed["capability"][1] == "未填报仪器设备。"
    assert "项目要求 50 名" in failed["capability"][2]


def test_engaged_or_inactive_experts_do_not_count(project, eligible):
    project.required_experts = Expert.objects.filter(employer=eligible).count()
    assert check_eligibility(eligible, project, TODAY, OK).passed
    Expert.objects.filter(employer=eligible).filter(
        pk=Expert.objects.filter(employer=eligible).first().pk
    ).update(is_active=False)
    assert "capability" in _failed(check_eligibility(eligible, project, TODAY, OK))


def test_the_demo_provider_with_a_recent_violation_fails(project, directory):
    provider = Provider.objects.get(name="正元安全科技有限公司")
    failed = _failed(check_eligibility(provider, project, TODAY, OK))
    assert "no_violation" in failed


def _three_years_before(day: dt.date) -> dt.date:
    return years_from(day, -3)


def test_a_violation_just_inside_the_look_back_counts(project, eligible, directory):
    ViolationRecord.objects.create(
        county=project.county,
        provider=eligible,
        occurred_on=_three_years_before(TODAY) + dt.timedelta(days=1),
        source="penalty",
        description="报告失实",
        recorded_by=directory["county_officer"],
    )
    assert "no_violation" in _failed(check_eligibility(eligible, project, TODAY, OK))


def test_a_violation_just_outside_the_look_back_does_not(project, eligible, directory):
    ViolationRecord.objects.create(
        county=project.county,
        provider=eligible,
        occurred_on=_three_years_before(TODAY),
        source="penalty",
        description="报告失实",
        recorded_by=directory["county_officer"],
    )
    assert check_eligibility(eligible, project, TODAY, OK).passed


def test_a_violation_in_another_county_does_not_count(project, eligible, directory):
    from safeserve.organizations.models import Region

    ViolationRecord.objects.create(
        county=Region.objects.get(code="990122"),
        provider=eligible,
        occurred_on=TODAY,
        source="penalty",
        description="外县",
        recorded_by=directory["other_county_officer"],
    )
    assert check_eligibility(eligible, project, TODAY, OK).passed


def test_debarred_on_the_date(project, eligible):
    Debarment.objects.create(
        county=project.county,
        provider=eligible,
        starts_on=days(-10),
        ends_on=days(10),
        reason="评估不合格",
    )
    assert "not_debarred" in _failed(check_eligibility(eligible, project, TODAY, OK))
    assert check_eligibility(eligible, project, days(11), OK).passed


def test_extra_requirements_must_be_confirmed(project, eligible):
    failed = _failed(check_eligibility(eligible, project, TODAY, []))
    assert failed == {"extra_requirements": ["未确认：近三年承担过同类项目"]}


def test_an_incomplete_attestation(project, eligible):
    eligible.attestation_file = ""
    assert "attestation" in _failed(check_eligibility(eligible, project, TODAY, OK))


def test_the_award_stores_the_check_and_refusals_are_recorded(project, eligible, directory):
    officer = directory["township_officer"]
    ineligible = Provider.objects.get(name="诚安检测技术有限公司")
    with pytest.raises(ApplicationError) as refused:
        services.project_award(
            actor=officer,
            project=project,
            provider=ineligible,
            award_date=TODAY,
            amount=Decimal("200000"),
            method="competitive_consultation",
            confirmed=OK,
        )
    assert refused.value.code == "not_eligible" and "过期" in str(refused.value.message)
    assert AuditEvent.objects.filter(action="project.award_refused").count() == 1
    project.refresh_from_db()
    assert project.status == ProjectStatus.PREPARING
    awarded, _result = services.project_award(
        actor=officer,
        project=project,
        provider=eligible,
        award_date=TODAY,
        amount=Decimal("200000"),
        method="competitive_consultation",
        confirmed=OK,
    )
    assert awarded.status == ProjectStatus.AWARDED and awarded.eligibility["passed"] is True
    assert awarded.eligibility["conditions"][1]["code"] == "qualification"


def test_the_award_cannot_exceed_the_item_budget(project, eligible, directory):
    with pytest.raises(ApplicationError) as refused:
        services.project_award(
            actor=directory["township_officer"],
            project=project,
            provider=eligible,
            award_date=TODAY,
            amount=Decimal("300000.01"),
            method="open_tender",
            confirmed=OK,
        )
    assert refused.value.code == "over_budget"


def test_an_award_needs_the_decision_documents_and_a_lawful_method(project, eligible, directory):
    officer = directory["township_officer"]
    with pytest.raises(ApplicationError) as bad_method:
        services.project_award(
            actor=officer,
            project=project,
            provider=eligible,
            award_date=TODAY,
            amount=Decimal("1000"),
            method="lottery",
            confirmed=OK,
        )
    assert bad_method.value.code == "invalid_method"
    project.documents.all().delete()
    with pytest.raises(ApplicationError) as no_documents:
        services.project_award(
            actor=officer,
            project=project,
            provider=eligible,
            award_date=TODAY,
            amount=Decimal("1000"),
            method="open_tender",
            confirmed=OK,
        )
    assert no_documents.value.code == "documents_missing"
