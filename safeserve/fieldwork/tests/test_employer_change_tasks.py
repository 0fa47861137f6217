"""An expert leaves no planned or ongoing task behind when moving employer (R7: after the move
the former employer's contracts may not use them); the county office is told why it cannot
approve yet, and approves once the former employer has reassigned or cancelled them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from safeserve.accounts.models import User
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import expert_of
from safeserve.providers import services
from safeserve.providers.models import Provider


def test_an_expert_with_open_tasks_moves_only_once_they_are_handed_over(
    users: dict[str, User], task: ServiceTask, api: Any, login: Any
) -> None:
    mover = expert_of(users["expert"])
    requester = users["other_provider_admin"]
    change = services.employer_change_request(
        actor=requester,
        provider=Provider.objects.get(organization=requester.organization),
        name=mover.name,
        id_number=mover.id_number,
        statement="已入职本单位",
    )
    office = api(users["county_officer"])
    detail = office.get(f"/api/v1/employer-changes/{change.pk}/").json()
    assert detail["allowed_actions"] == ["reject"]
    refused = office.post(f"/api/v1/employer-changes/{change.pk}/approve/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "open_tasks"
    assert mover.name in refused.json()["message"]
    page = login(users["county_officer"]).get(
        reverse("providers:employer_change", args=[change.pk])
    )
    assert 'data-testid="approve-blocked"' in page.content.decode()

    fieldwork.task_cancel(actor=users["provider_admin"], task=task, reason="专家离职，改派")
    approved = office.post(f"/api/v1/employer-changes/{change.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    mover.refresh_from_db()
    assert mover.employer.organization == requester.organization
    # The finished and cancelled work stays on the record the expert carries.
    assert mover.assignments.filter(task=task).exists()
