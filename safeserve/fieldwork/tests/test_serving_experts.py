"""R7 with the county's pool: an expert suspended from it (or never admitted) is neither
assigned, nor engaged, nor checks in, nor verifies — even the provider's own."""

from __future__ import annotations

from typing import Any

import pytest

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.services import engagement_candidates, experts_allowed
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import TODAY, assign, expert_of, plan_task
from safeserve.providers.services import expert_pool_change

pytestmark = pytest.mark.django_db


def _suspend(users: dict[str, Any], username: str) -> None:
    expert_pool_change(
        actor=users["county_officer"],
        expert=expert_of(users[username]),
        verb="suspend",
        reason="暂停",
    )


def test_a_suspended_expert_is_not_allowed_on_the_contract(users, contract) -> None:
    expert2 = expert_of(users["expert2"])
    assert experts_allowed(contract, TODAY).filter(pk=expert2.pk).exists()
    _suspend(users, "expert2")
    assert not experts_allowed(contract, TODAY).filter(pk=expert2.pk).exists()
    refusal = fieldwork.expert_refusal(contract, expert2, TODAY)
    assert refusal and "暂停" in refusal


def test_a_suspended_expert_cannot_be_assigned(users, contract, hengfeng) -> None:
    task = plan_task(users, contract, hengfeng)
    _suspend(users, "expert2")
    with pytest.raises(ApplicationError) as refused:
        assign(users, task)
    assert "林晓梅" in str(refused.value.message) and "暂停" in str(refused.value.message)
    assert not task.assignments.exists()
    # Pages and the API name the experts by id: the suspended one is refused by name.
    lead, member = expert_of(users["expert"]), expert_of(users["expert2"])
    with pytest.raises(ApplicationError) as by_id:
        fieldwork.team_for(contract, lead.pk, [member.pk])
    assert by_id.value.code == "expert_not_serving" and "林晓梅" in str(by_id.value.message)


def test_a_suspended_expert_is_no_engagement_candidate(users, contract) -> None:
    outsider = expert_of(users["other_expert"])
    assert engagement_candidates(contract).filter(pk=outsider.pk).exists()
    _suspend(users, "other_expert")
    assert not engagement_candidates(contract).filter(pk=outsider.pk).exists()


def test_an_assigned_expert_suspended_later_cannot_check_in(users, contract, hengfeng) -> None:
    task = plan_task(users, contract, hengfeng)
    assign(users, task)
    _suspend(users, "expert")
    with pytest.raises(ApplicationError) as refused:
        fieldwork.task_check_in(actor=users["expert"], task=task)
    assert "暂停" in str(refused.value.message)
