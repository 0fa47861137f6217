"""Service tasks (WORKFLOWS.md "Service task"): planning, the visit schedule, assignment under
R7, check-in, findings, cancelling, the enterprise's rating, and who sees which task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Contract
from safeserve.demo.fieldwork import demo_png
from safeserve.fieldwork import services
from safeserve.fieldwork.models import (
    Answer,
    AssignmentRole,
    ServiceTask,
    TaskRating,
    TaskStatus,
)
from safeserve.fieldwork.tests.conftest import (
    TODAY,
    actions,
    answer_all,
    assign,
    contract_for,
    expert_of,
    finish,
    plan_task,
    raise_general,
    reload,
    template,
)
from safeserve.procurement.models import ProjectStatus, PurchaseProject
from safeserve.providers.models import Expert
from safeserve.providers.services import ExpertData, expert_update

# --- helpers ---------------------------------------------------------------------------------


def outcome(call: Callable[[], Any]) -> str:
    """ "ok", "denied" (PermissionDenied) or the refusal's code."""
    try:
        call()
    except PermissionDenied:
        return "denied"
    except ApplicationError as exc:
        return exc.code
    return "ok"


def deactivate(users: dict[str, Any], expert: Expert) -> Expert:
    """The provider admin marks an expert inactive (providers.services.expert_update)."""
    return expert_update(
        actor=users["provider_admin"],
        expert=expert,
        data=ExpertData(
            name=expert.name,
            id_number=expert.id_number,
            phone=expert.phone,
            title=expert.title,
            is_active=False,
            specialties=expert.specialty_values,
            user=expert.user,
        ),
    )


def outsider() -> Expert:
    """An expert employed by the other provider (恒信), admitted to the county's pool."""
    expert = Expert.objects.filter(employer__name="恒信安全评价有限公司", user__isnull=True).first()
    assert expert is not None
    return expert


def engage(users: dict[str, Any], contract: Contract, expert: Expert, days: int = 90) -> Any:
    return contracts.engagement_create(
        actor=users["provider_admin"],
        contract=contract,
        expert=expert,
        role="member",
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=days),
        agreement=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 agreement"),
    )


# --- task_create -----------------------------------------------------------------------------


def test_it_plans_an_inspection_of_a_covered_enterprise_and_audits_it(users, contract, hengfeng):
    task = plan_task(users, contract, hengfeng, days=10)
    assert task.status == TaskStatus.PLANNED
    assert task.county_id == contract.county_id
    assert task.enterprise == hengfeng
    assert task.planned_date == TODAY + dt.timedelta(days=10)
    assert task.created_by == users["provider_admin"]
    assert hengfeng.name in task.title
    assert actions(task) == ["task.planned"]


@pytest.mark.parametrize(
    "kind",
    [
        "drill",
        "training",
        "occupational_testing",
        "emergency_plan",
        "publicity",
        "other",
        "no_such_kind",
    ],
)
def test_it_refuses_kinds_outside_the_contracts_category(users, contract, hengfeng, kind):
    with pytest.raises(ApplicationError) as refused:
        plan_task(users, contract, hengfeng, kind=kind)
    assert refused.value.code == "kind_not_in_contract"
    assert refused.value.status == 400
    assert not ServiceTask.objects.exists()


def test_it_refuses_an_enterprise_the_contract_does_not_cover(users, contract, uncovered):
    with pytest.raises(ApplicationError) as refused:
        plan_task(users, contract, uncovered)
    assert refused.value.code == "not_covered"
    assert "enterprise" in refused.value.errors


def test_it_requires_an_enterprise_for_an_inspection(users, contract):
    with pytest.raises(ApplicationError) as refused:
        plan_task(users, contract, None)
    assert refused.value.code == "enterprise_required"


def test_it_refuses_dates_outside_the_service_period(users, contract, hengfeng):
    start, end = contract.period_start, contract.period_end
    for date in (start - dt.timedelta(days=1), end + dt.timedelta(days=1)):
        with pytest.raises(ApplicationError) as refused:
            services.task_create(
                actor=users["provider_admin"],
                contract=contract,
                kind="inspection",
                planned_date=date,
                enterprise=hengfeng,
            )
        assert refused.value.code == "outside_period"
        assert refused.value.status == 400
    for date in (start, end):  # both ends belong to the period
        services.task_create(
            actor=users["provider_admin"],
            contract=contract,
            kind="inspection",
            planned_date=date,
            enterprise=hengfeng,
        )
    assert ServiceTask.objects.count() == 2


def test_it_lets_only_the_purchaser_and_the_provider_plan_tasks(users, contract, hengfeng):
    expected = {
        "township_officer": "ok",
        "township_leader": "ok",
        "provider_admin": "ok",
        "provider_leader": "ok",
        "county_officer": "denied",
        "department_officer": "denied",
        "housing_officer": "denied",
        "expert": "denied",
        "expert2": "denied",
        "other_provider_admin": "denied",
        "other_expert": "denied",
        "enterprise_user": "denied",
        "other_county_officer": "denied",
    }
    got = {
        username: outcome(lambda u=username: plan_task(users, contract, hengfeng, actor=u))
        for username in expected
    }
    assert got == expected


def test_it_plans_no_tasks_on_a_terminated_contract(users, contract, hengfeng):
    contracts.contract_terminate(
        actor=users["township_leader"], contract=contract, reason="企业名单调整"
    )
    with pytest.raises(ApplicationError) as refused:
        plan_task(users, Contract.objects.get(pk=contract.pk), hengfeng)
    assert refused.value.code == "contract_not_active"


def test_it_plans_training_without_an_enterprise_on_a_training_contract(
    users, training_contract, hengfeng
):
    session = plan_task(users, training_contract, None, kind="training")
    assert session.enterprise is None
    with pytest.raises(ApplicationError) as refused:
        plan_task(users, training_contract, None, kind="inspection")
    assert refused.value.code == "kind_not_in_contract"


# --- task_schedule_generate ------------------------------------------------------------------


def test_it_gives_every_covered_enterprise_its_visits_once(users, contract):
    made = services.task_schedule_generate(
        actor=users["township_officer"], contract=contract, visits_per_year=4
    )
    covered = set(contract.coverage.values_list("enterprise_id", flat=True))
    assert len(covered) == 3
    assert made == 3 * 4
    tasks = ServiceTask.objects.filter(contract=contract)
    for enterprise_id in covered:
        dates = sorted(
            tasks.filter(enterprise_id=enterprise_id).values_list("planned_date", flat=True)
        )
        assert len(dates) == 4
        assert all(contract.period_start <= d <= contract.period_end for d in dates)
        assert len(set(dates)) == 4
    assert set(tasks.values_list("kind", "status").distinct()) == {("inspection", "planned")}
    # Running it again the same day adds nothing.
    again = services.task_schedule_generate(
        actor=users["township_officer"], contract=contract, visits_per_year=4
    )
    assert again == 0
    assert tasks.count() == 12
    assert actions(contract).count("task.schedule_generated") == 2


def test_it_refuses_a_schedule_over_the_contracts_planned_visits(users, contract):
    # 3 enterprises × 12 visits = 36 visits over one year: whatever the calendar split, one
    # year gets at least 18, over the 10 this contract plans (set here as if signed so).
    Contract.objects.filter(pk=contract.pk).update(planned_visits=10)
    with pytest.raises(ApplicationError) as refused:
        services.task_schedule_generate(
            actor=users["township_officer"], contract=contract, visits_per_year=12
        )
    assert refused.value.code == "over_planned_visits"
    assert not ServiceTask.objects.exists()
    # Once a year (3 visits) fits.
    assert (
        services.task_schedule_generate(
            actor=users["township_officer"], contract=contract, visits_per_year=1
        )
        == 3
    )


def test_it_counts_tasks_already_planned_against_the_planned_visits(users, contract, hengfeng):
    Contract.objects.filter(pk=contract.pk).update(planned_visits=3)
    for days in (30, 60, 90, 120):
        plan_task(users, contract, hengfeng, days=days)
    with pytest.raises(ApplicationError) as refused:
        services.task_schedule_generate(
            actor=users["township_officer"], contract=contract, visits_per_year=1
        )
    assert refused.value.code == "over_planned_visits"


@pytest.mark.parametrize("visits", [0, 5, 52])
def test_it_refuses_an_odd_visit_frequency(users, contract, visits):
    with pytest.raises(ApplicationError) as refused:
        services.task_schedule_generate(
            actor=users["provider_admin"], contract=contract, visits_per_year=visits
        )
    assert refused.value.code == "bad_frequency"


def test_it_has_no_visit_schedule_for_a_training_contract(users, training_contract):
    with pytest.raises(ApplicationError) as refused:
        services.task_schedule_generate(
            actor=users["township_officer"], contract=training_contract, visits_per_year=4
        )
    assert refused.value.code == "not_inspection"


def test_it_lets_only_the_purchaser_and_the_provider_generate_the_schedule(users, contract):
    expected = {
        "expert": "denied",
        "enterprise_user": "denied",
        "county_officer": "denied",
        "department_officer": "denied",
        "other_provider_admin": "denied",
        "other_county_officer": "denied",
        "provider_leader": "ok",
        "township_leader": "ok",  # the second run adds nothing, and is still allowed
    }
    got = {
        username: outcome(
            lambda u=username: services.task_schedule_generate(
                actor=users[u], contract=contract, visits_per_year=2
            )
        )
        for username in expected
    }
    assert got == expected


# --- task_assign (R7, R10) -------------------------------------------------------------------


def test_it_names_a_lead_and_members(users, contract, hengfeng):
    task = plan_task(users, contract, hengfeng)
    assign(users, task)
    roles = dict(task.assignments.values_list("expert__user__username", "role"))
    assert roles == {"expert": AssignmentRole.LEAD, "expert2": AssignmentRole.MEMBER}
    # Reassigning replaces the team.
    assign(users, task, lead="expert2", members=())
    roles = dict(task.assignments.values_list("expert__user__username", "role"))
    assert roles == {"expert2": AssignmentRole.LEAD}
    assert actions(task) == ["task.planned", "task.assigned", "task.assigned"]


def test_it_refuses_an_expert_of_another_provider_naming_r7(users, contract, hengfeng):
    task = plan_task(users, contract, hengfeng)
    for team in (
        {"lead": expert_of(users["other_expert"])},
        {"lead": expert_of(users["expert"]), "members": [expert_of(users["other_expert"])]},
    ):
        with pytest.raises(ApplicationError) as refused:
            services.task_assign(actor=users["provider_admin"], task=task, **team)
        assert refused.value.code == "expert_not_allowed"
        assert "不得转包" in str(refused.value)
    assert not task.assignments.exists()


def test_it_refuses_an_inactive_expert(users, contract, hengfeng):
    task = plan_task(users, contract, hengfeng)
    inactive = deactivate(users, expert_of(users["expert2"]))
    with pytest.raises(ApplicationError) as refused:
        services.task_assign(
            actor=users["provider_admin"],
            task=task,
            lead=expert_of(users["expert"]),
            members=[inactive],
        )
    assert refused.value.code == "expert_not_allowed"
    assert not task.assignments.exists()


def test_it_accepts_an_outside_expert_engaged_for_the_contract(users, contract, hengfeng):
    task = plan_task(users, contract, hengfeng)
    outside = outsider()
    with pytest.raises(ApplicationError) as refused:
        services.task_assign(
            actor=users["provider_admin"],
            task=task,
            lead=expert_of(users["expert"]),
            members=[outside],
        )
    assert refused.value.code == "expert_not_allowed"
    engage(users, contract, outside, days=90)
    services.task_assign(
        actor=users["provider_admin"], task=task, lead=expert_of(users["expert"]), members=[outside]
    )
    assert task.assignments.filter(expert=outside, role=AssignmentRole.MEMBER).exists()
    # Not for a visit after the engagement ends.
    later = plan_task(users, contract, hengfeng, days=120)
    with pytest.raises(ApplicationError) as refused:
        services.task_assign(actor=users["provider_admin"], task=later, lead=outside)
    assert refused.value.code == "expert_not_allowed"


def test_it_lets_only_the_providers_staff_assign(users, contract, hengfeng):
    expected = {
        "township_officer": "denied",
        "township_leader": "denied",
        "county_officer": "denied",
        "expert": "denied",
        "expert2": "denied",
        "other_provider_admin": "denied",
        "enterprise_user": "denied",
        "provider_admin": "ok",
        "provider_leader": "ok",
    }
    task = plan_task(users, contract, hengfeng)
    got = {
        username: outcome(
            lambda u=username: services.task_assign(
                actor=users[u], task=task, lead=expert_of(users["expert"])
            )
        )
        for username in expected
    }
    assert got == expected


# --- task_check_in ---------------------------------------------------------------------------


def test_it_checks_in_an_assigned_expert_with_time_and_location(users, task):
    services.task_check_in(
        actor=users["expert2"], task=task, latitude="39.904211", longitude=116.407395, accuracy=15
    )
    task = reload(task)
    assert task.status == TaskStatus.ON_SITE
    assert task.checked_in_by == users["expert2"]
    assert task.checked_in_at is not None
    assert task.check_in_latitude == Decimal("39.904211")
    assert task.check_in_longitude == Decimal("116.407395")
    assert task.check_in_accuracy == 15
    assert actions(task)[-1] == "task.checked_in"


def test_it_checks_in_without_a_location(users, task):
    services.task_check_in(actor=users["expert"], task=task, latitude="", longitude=None)
    task = reload(task)
    assert task.status == TaskStatus.ON_SITE
    assert task.check_in_latitude is None and task.check_in_longitude is None
    assert task.check_in_accuracy is None


def test_it_drops_half_a_location_and_a_nonsense_accuracy(users, task):
    services.task_check_in(actor=users["expert"], task=task, latitude="39.9", accuracy="inf")
    task = reload(task)
    assert task.status == TaskStatus.ON_SITE
    assert (task.check_in_latitude, task.check_in_longitude, task.check_in_accuracy) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        ("91", "116.4"),
        ("-90.000001", "116.4"),
        ("39.9", "180.5"),
        ("39.9", "-181"),
        ("abc", "116.4"),
        ("NaN", "116.4"),
        ("39.9", "Infinity"),
        ("1e400", "116.4"),
    ],
)
def test_it_refuses_invalid_coordinates_with_400(users, task, latitude, longitude):
    with pytest.raises(ApplicationError) as refused:
        services.task_check_in(
            actor=users["expert"], task=task, latitude=latitude, longitude=longitude
        )
    assert refused.value.code == "bad_location"
    assert refused.value.status == 400
    assert reload(task).status == TaskStatus.PLANNED


def test_it_lets_only_an_assigned_expert_check_in(users, contract, hengfeng):
    expected = {
        "provider_admin": "denied",
        "provider_leader": "denied",
        "township_officer": "denied",
        "county_officer": "denied",
        "other_expert": "denied",
        "enterprise_user": "denied",
        "expert2": "denied",  # not on this task's team
        "expert": "ok",
    }
    task = plan_task(users, contract, hengfeng)
    assign(users, task, lead="expert", members=())
    got = {
        username: outcome(lambda u=username: services.task_check_in(actor=users[u], task=task))
        for username in expected
    }
    assert got == expected


def test_it_refuses_check_in_to_an_expert_made_inactive_after_assignment(users, task):
    deactivate(users, expert_of(users["expert2"]))
    with pytest.raises(PermissionDenied):
        services.task_check_in(actor=users["expert2"], task=task)


def test_it_refuses_check_in_before_the_contract_is_in_service(users, hengfeng):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    signed = contract_for(
        users,
        project,
        officer="township_officer",
        leader="township_leader",
        number="未开始",
        start=TODAY + dt.timedelta(days=5),
        begin=False,
        planned_visits=180,
    )
    contracts.coverage_add(actor=users["township_officer"], contract=signed, enterprises=[hengfeng])
    task = plan_task(users, signed, hengfeng, days=10)  # a signed contract is planned already
    assign(users, task)
    with pytest.raises(ApplicationError) as refused:
        services.task_check_in(actor=users["expert"], task=task)
    assert refused.value.code == "contract_not_in_service"
    contracts.contract_start(actor=users["township_officer"], contract=signed)
    services.task_check_in(actor=users["expert"], task=task)
    assert reload(task).status == TaskStatus.ON_SITE


def test_it_refuses_check_in_once_the_contract_is_terminated(users, task):
    contracts.contract_terminate(
        actor=users["township_leader"], contract=task.contract, reason="违约"
    )
    with pytest.raises(ApplicationError) as refused:
        services.task_check_in(actor=users["expert"], task=task)
    assert refused.value.code == "contract_not_in_service"


# --- findings --------------------------------------------------------------------------------


def test_it_records_no_findings_before_check_in(users, task):
    inspection = services.inspection_add(
        actor=users["expert"], task=task, template=template("general-basic")
    )  # checklists may be chosen ahead of the visit
    item = inspection.template.items.first()
    with pytest.raises(ApplicationError) as refused:
        services.answer_record(
            actor=users["expert"], inspection=inspection, item=item, answer=Answer.NO
        )
    assert refused.value.code == "wrong_state"
    with pytest.raises(ApplicationError) as refused:
        raise_general(users, task)
    assert refused.value.code == "wrong_state"


def test_it_suggests_the_checklists_matching_the_enterprise(users, task):
    current, older = services.suggested_templates(task)
    codes = {t.code for t in current}
    # 恒丰: textile (C1711) and combustible dust; the ordinary list is offered to everyone.
    assert {"general-basic", "gm2023-general", "gm2023-dust-explosion"} <= codes
    assert "coalmine-2021" not in codes
    assert "gm2017-textile" in {t.code for t in older}


def test_it_finishes_only_when_every_item_of_every_checklist_is_answered(users, on_site):
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=on_site)
    assert refused.value.code == "findings_incomplete"  # no checklist chosen
    basic = services.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    major = services.inspection_add(
        actor=users["expert2"], task=on_site, template=template("gm2023-general")
    )
    assert basic.template.items.count() == 15
    answer_all(users["expert2"], basic)
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=on_site)
    assert refused.value.code == "findings_incomplete"  # the second checklist is open
    items = list(major.template.items.order_by("position"))
    for item in items[:-1]:
        services.answer_record(
            actor=users["expert"], inspection=major, item=item, answer=Answer.NOT_APPLICABLE
        )
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=on_site)
    assert refused.value.code == "findings_incomplete"  # one item left
    services.answer_record(actor=users["expert"], inspection=major, item=items[-1], answer="no")
    services.task_finish(actor=users["expert"], task=on_site)
    task = reload(on_site)
    assert task.status == TaskStatus.FINDINGS_RECORDED
    assert task.findings_recorded_at is not None
    assert actions(task)[-1] == "task.findings_recorded"


def test_it_lets_only_the_lead_expert_finish(users, on_site):
    inspection = services.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    answer_all(users["expert"], inspection)
    expected = {
        "expert2": "denied",  # a member
        "provider_admin": "denied",
        "provider_leader": "denied",
        "township_officer": "denied",
        "enterprise_user": "denied",
        "other_expert": "denied",
        "expert": "ok",
    }
    got = {
        username: outcome(lambda u=username: services.task_finish(actor=users[u], task=on_site))
        for username in expected
    }
    assert got == expected


def test_it_refuses_a_problem_without_a_description_and_bad_answers(users, on_site):
    inspection = services.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = inspection.template.items.first()
    for answer, code in ((Answer.YES, "description_required"), ("maybe", "bad_answer")):
        with pytest.raises(ApplicationError) as refused:
            services.answer_record(
                actor=users["expert"], inspection=inspection, item=item, answer=answer
            )
        assert refused.value.code == code
        assert refused.value.status == 400
    other = template("gm2023-general").items.first()
    with pytest.raises(ApplicationError) as refused:
        services.answer_record(
            actor=users["expert"], inspection=inspection, item=other, answer=Answer.NO
        )
    assert refused.value.code == "wrong_item"
    with pytest.raises(PermissionDenied):
        services.answer_record(
            actor=users["provider_admin"], inspection=inspection, item=item, answer=Answer.NO
        )


def test_it_keeps_an_answer_that_raised_a_hazard(users, on_site):
    inspection = services.inspection_add(
        actor=users["expert"], task=on_site, template=template("general-basic")
    )
    item = inspection.template.items.first()
    answer = services.answer_record(
        actor=users["expert"],
        inspection=inspection,
        item=item,
        answer=Answer.YES,
        description="消防通道堵塞",
        photos=[SimpleUploadedFile("a.png", demo_png(2, 4, 4))],
    )
    assert answer.photos.count() == 1
    raise_general(users, on_site, answer=answer, basis="")
    with pytest.raises(ApplicationError) as refused:
        services.answer_record(
            actor=users["expert"], inspection=inspection, item=item, answer=Answer.NO
        )
    assert refused.value.code == "hazard_raised"


# --- records of the other categories ---------------------------------------------------------


def _on_site(users, contract, enterprise, kind):
    task = plan_task(users, contract, enterprise, kind=kind)
    assign(users, task)
    services.task_check_in(actor=users["expert"], task=task)
    return reload(task)


def test_it_finishes_a_training_session_only_with_topic_hours_and_attendees(
    users, training_contract
):
    task = _on_site(users, training_contract, None, "training")
    with pytest.raises(ApplicationError) as refused:
        services.inspection_add(
            actor=users["expert"], task=task, template=template("general-basic")
        )
    assert refused.value.code == "no_checklists"
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=task)
    assert refused.value.code == "findings_incomplete"
    services.record_save(actor=users["expert2"], task=task, data={"topic": "有限空间作业安全"})
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=task)
    assert refused.value.code == "findings_incomplete"
    services.record_save(
        actor=users["expert2"],
        task=task,
        data={"hours": Decimal("3.5"), "attendees": 42},
        materials=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides"),
    )
    services.task_finish(actor=users["expert"], task=task)
    task = reload(task)
    assert task.status == TaskStatus.FINDINGS_RECORDED
    assert (task.record.topic, task.record.attendees) == ("有限空间作业安全", 42)
    assert actions(task).count("task.record_saved") == 2


def test_it_finishes_a_drill_only_with_scenario_participants_and_problems(
    users, department_contracts
):
    contract = department_contracts["emergency"]
    enterprise = contract.coverage.first().enterprise
    task = _on_site(users, contract, enterprise, "drill")
    services.record_save(
        actor=users["expert"], task=task, data={"scenario": "储罐泄漏", "participants": 30}
    )
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=task)
    assert refused.value.code == "findings_incomplete"
    services.record_save(actor=users["expert"], task=task, data={"problems_found": "报警延迟"})
    services.task_finish(actor=users["expert"], task=task)
    assert reload(task).status == TaskStatus.FINDINGS_RECORDED


def test_it_finishes_occupational_testing_only_with_a_measurement(users, department_contracts):
    contract = department_contracts["occupational"]
    enterprise = contract.coverage.first().enterprise
    task = _on_site(users, contract, enterprise, "occupational_testing")
    with pytest.raises(ApplicationError) as refused:
        services.task_finish(actor=users["expert"], task=task)
    assert refused.value.code == "findings_incomplete"
    result = services.test_result_add(
        actor=users["expert2"],
        task=task,
        factor="噪声",
        point="粉碎车间",
        measured_value=Decimal("88.5"),
        limit_value=Decimal("85"),
        unit="dB(A)",
    )
    assert result.passed is False
    services.task_finish(actor=users["expert"], task=task)
    assert reload(task).status == TaskStatus.FINDINGS_RECORDED


def test_it_records_measurements_on_testing_tasks_only(users, department_contracts):
    contract = department_contracts["emergency"]
    task = _on_site(users, contract, contract.coverage.first().enterprise, "drill")
    with pytest.raises(ApplicationError) as refused:
        services.test_result_add(
            actor=users["expert"],
            task=task,
            factor="噪声",
            point="车间",
            measured_value=Decimal("80"),
            limit_value=Decimal("85"),
        )
    assert refused.value.code == "not_testing"


def test_it_refuses_records_on_a_planned_task_and_from_strangers(users, training_contract):
    task = plan_task(users, training_contract, None, kind="training")
    assign(users, task)
    with pytest.raises(ApplicationError) as refused:
        services.record_save(actor=users["expert"], task=task, data={"topic": "x"})
    assert refused.value.code == "wrong_state"
    services.task_check_in(actor=users["expert"], task=task)
    for username in ("provider_admin", "other_expert", "township_officer"):
        with pytest.raises(PermissionDenied):
            services.record_save(actor=users[username], task=task, data={"topic": "x"})


# --- task_cancel -----------------------------------------------------------------------------


def test_it_cancels_with_a_reason_only(users, task):
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as refused:
            services.task_cancel(actor=users["township_officer"], task=task, reason=reason)
        assert refused.value.code == "required"
        assert refused.value.status == 400
    services.task_cancel(actor=users["township_officer"], task=task, reason="企业停产")
    task = reload(task)
    assert task.status == TaskStatus.CANCELLED
    assert task.cancelled_reason == "企业停产"
    assert actions(task)[-1] == "task.cancelled"


def test_it_lets_only_the_purchaser_and_the_provider_admin_cancel(users, contract, hengfeng):
    expected = {
        "provider_leader": "denied",  # only the provider's admin cancels (Role.ADMIN)
        "expert": "denied",
        "expert2": "denied",
        "county_officer": "denied",
        "department_officer": "denied",
        "other_provider_admin": "denied",
        "enterprise_user": "denied",
        "other_county_officer": "denied",
        "township_officer": "ok",
        "township_leader": "ok",
        "provider_admin": "ok",
    }
    got = {}
    for username in expected:
        task = plan_task(users, contract, hengfeng)
        got[username] = outcome(
            lambda u=username, t=task: services.task_cancel(actor=users[u], task=t, reason="调整")
        )
    assert got == expected


def test_it_cancels_an_on_site_task_but_not_one_with_hazards(users, contract, hengfeng, on_site):
    raise_general(users, on_site)
    with pytest.raises(ApplicationError) as refused:
        services.task_cancel(actor=users["provider_admin"], task=on_site, reason="调整")
    assert refused.value.code == "has_hazards"
    other = _on_site(users, contract, hengfeng, "inspection")
    services.task_cancel(actor=users["provider_admin"], task=other, reason="专家生病")
    assert reload(other).status == TaskStatus.CANCELLED


# --- task_rate -------------------------------------------------------------------------------


def test_it_takes_one_rating_from_1_to_5_after_the_findings(users, on_site):
    with pytest.raises(ApplicationError) as refused:
        services.task_rate(actor=users["enterprise_user"], task=on_site, score=5)
    assert refused.value.code == "wrong_state"
    task = finish(users, on_site)
    for score in (0, 6, -1):
        with pytest.raises(ApplicationError) as refused:
            services.task_rate(actor=users["enterprise_user"], task=task, score=score)
        assert refused.value.code == "bad_score"
        assert refused.value.status == 400
    rating = services.task_rate(
        actor=users["enterprise_user"], task=task, score=4, comment=" 专业 "
    )
    assert (rating.score, rating.comment, rating.rated_by) == (4, "专业", users["enterprise_user"])
    with pytest.raises(ApplicationError) as refused:
        services.task_rate(actor=users["enterprise_user"], task=task, score=5)
    assert refused.value.code == "already_rated"
    assert TaskRating.objects.get(task=task).score == 4
    assert actions(task)[-1] == "task.rated"


def test_it_lets_only_the_served_enterprise_rate(users, contract, neighbours, on_site):
    task = finish(users, on_site)
    expected = {
        "provider_admin": "denied",
        "expert": "denied",
        "township_officer": "denied",
        "county_officer": "denied",
        "other_provider_admin": "denied",
        "enterprise_user": "ok",
    }
    got = {
        username: outcome(lambda u=username: services.task_rate(actor=users[u], task=task, score=5))
        for username in expected
    }
    assert got == expected
    # Another enterprise's task is not enterprise_user's to rate.
    theirs = finish(users, _on_site(users, contract, neighbours[0], "inspection"))
    with pytest.raises(PermissionDenied):
        services.task_rate(actor=users["enterprise_user"], task=theirs, score=5)


# --- every transition from every wrong state -------------------------------------------------


def _task_in(users, contract, hengfeng, status):
    task = plan_task(users, contract, hengfeng)
    assign(users, task)
    if status == "planned":
        return reload(task)
    if status == "cancelled":
        services.task_cancel(actor=users["township_officer"], task=task, reason="调整")
        return reload(task)
    services.task_check_in(actor=users["expert"], task=task)
    if status == "on_site":
        return reload(task)
    task = finish(users, reload(task))
    if status in ("reported", "accepted"):
        # No service reaches these yet (the technical report issues them); the guards must
        # hold all the same.
        ServiceTask.objects.filter(pk=task.pk).update(status=status)
    return reload(task)


VERBS = {
    "check_in": lambda users, task: services.task_check_in(actor=users["expert"], task=task),
    "finish": lambda users, task: services.task_finish(actor=users["expert"], task=task),
    "cancel": lambda users, task: services.task_cancel(
        actor=users["township_officer"], task=task, reason="调整"
    ),
    "assign": lambda users, task: services.task_assign(
        actor=users["provider_admin"], task=task, lead=expert_of(users["expert"])
    ),
    "update": lambda users, task: services.task_update(
        actor=users["provider_admin"], task=task, planned_date=task.planned_date, title="改期"
    ),
    "rate": lambda users, task: services.task_rate(
        actor=users["enterprise_user"], task=task, score=5
    ),
}
# The verbs each state refuses (WORKFLOWS.md "Service task"; rating needs findings recorded).
WRONG = {
    "planned": ["finish", "rate"],
    "on_site": ["check_in", "update", "rate"],
    # After the findings the team may still change: an expert of the contract verifies.
    "findings_recorded": ["check_in", "finish", "cancel", "update"],
    "reported": ["check_in", "finish", "cancel", "assign", "update"],
    "accepted": ["check_in", "finish", "cancel", "assign", "update"],
    "cancelled": ["check_in", "finish", "cancel", "assign", "update", "rate"],
}


@pytest.mark.parametrize("status", list(WRONG))
def test_it_refuses_every_transition_from_a_wrong_state(users, contract, hengfeng, status):
    task = _task_in(users, contract, hengfeng, status)
    assert task.status == status
    for verb in WRONG[status]:
        with pytest.raises(ApplicationError) as refused:
            VERBS[verb](users, task)
        assert (verb, refused.value.code, refused.value.status) == (verb, "wrong_state", 409)
        assert str(task.get_status_display()) in str(refused.value)
        assert reload(task).status == status


# --- who sees which task ---------------------------------------------------------------------


def test_it_shows_each_role_the_tasks_in_its_scope(users, contract, hengfeng, neighbours):
    mine = plan_task(users, contract, hengfeng)
    assign(users, mine, lead="expert", members=())
    theirs = plan_task(users, contract, neighbours[0])
    assign(users, theirs, lead="expert2", members=())
    dropped = plan_task(users, contract, hengfeng, days=2)
    services.task_cancel(actor=users["township_officer"], task=dropped, reason="重复")
    everything = {"mine", "theirs", "dropped"}
    expected = {
        "county_officer": everything,
        "other_county_officer": set(),
        "township_officer": everything,
        "township_leader": everything,
        "department_officer": set(),
        "housing_officer": set(),
        "provider_admin": everything,
        "provider_leader": everything,
        "other_provider_admin": set(),
        "expert": {"mine"},
        "expert2": {"theirs"},
        "other_expert": set(),
        "enterprise_user": {"mine"},  # its own tasks, cancelled ones hidden
    }
    names = {mine.pk: "mine", theirs.pk: "theirs", dropped.pk: "dropped"}
    got = {
        username: {
            names[pk]
            for pk in ServiceTask.objects.visible_to(users[username]).values_list("pk", flat=True)
        }
        for username in expected
    }
    assert got == expected


def test_it_audits_the_whole_life_of_an_inspection(users, on_site):
    task = finish(users, on_site)
    services.task_rate(actor=users["enterprise_user"], task=task, score=5)
    assert actions(task) == [
        "task.planned",
        "task.assigned",
        "task.checked_in",
        "task.checklist_added",
        *["task.item_answered"] * 15,
        "task.findings_recorded",
        "task.rated",
    ]
