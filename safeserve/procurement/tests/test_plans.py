"""Plan lifecycle (WORKFLOWS.md "Purchase plan") and R4, row by row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from safeserve.common.exceptions import ApplicationError
from safeserve.procurement import services
from safeserve.procurement.models import LeadingGroupRole, PlanStatus
from safeserve.procurement.tests.conftest import GROUP, TODAY


def _plan(directory, *, group=True, item=True):
    officer = directory["township_officer"]
    if group:
        services.leading_group_save(actor=officer, year=TODAY.year, members=GROUP)
    plan = services.plan_create(actor=officer, year=TODAY.year, title="计划")
    if item:
        services.plan_item_save(
            actor=officer,
            plan=plan,
            data=services.ItemData(
                category="training",
                content="培训",
                budget=Decimal("50000"),
                target_sessions=4,
                is_pilot=True,
            ),
        )
    return plan


def test_draft_to_submitted_needs_the_leading_group(directory):
    plan = _plan(directory, group=False)
    with pytest.raises(ApplicationError) as refused:
        services.plan_submit(actor=directory["township_officer"], plan=plan)
    assert refused.value.code == "leading_group_incomplete" and "组长" in str(refused.value.message)


@pytest.mark.parametrize(
    "missing", [LeadingGroupRole.LEADER, LeadingGroupRole.DEPUTY, LeadingGroupRole.MEMBER]
)
def test_each_role_of_the_leading_group_is_needed(directory, missing):
    officer = directory["township_officer"]
    services.leading_group_save(
        actor=officer, year=TODAY.year, members=[m for m in GROUP if m["role"] != missing]
    )
    plan = _plan(directory, group=False)
    with pytest.raises(ApplicationError):
        services.plan_submit(actor=officer, plan=plan)


def test_a_plan_without_items_cannot_be_submitted(directory):
    plan = _plan(directory, item=False)
    with pytest.raises(ApplicationError) as refused:
        services.plan_submit(actor=directory["township_officer"], plan=plan)
    assert refused.value.code == "plan_empty"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"category": "other", "content": "x", "budget": Decimal("1")}, "description_required"),
        ({"category": "training", "content": "x", "budget": Decimal("0")}, "budget_positive"),
        ({"category": "training", "content": "x", "budget": Decimal("-5")}, "budget_positive"),
    ],
)
def test_bad_items_are_refused(directory, data, code):
    plan = _plan(directory, item=False)
    with pytest.raises(ApplicationError) as refused:
        services.plan_item_save(
            actor=directory["township_officer"], plan=plan, data=services.ItemData(**data)
        )
    assert refused.value.code == code


def test_submitted_approved_and_returned_with_a_reason(directory):
    plan = _plan(directory)
    officer, county = directory["township_officer"], directory["county_officer"]
    services.plan_submit(actor=officer, plan=plan)
    with pytest.raises(ApplicationError):  # no edits once submitted
        services.plan_item_save(
            actor=officer,
            plan=plan,
            data=services.ItemData(category="training", content="x", budget=Decimal("1")),
        )
    with pytest.raises(ApplicationError):
        services.plan_return(actor=county, plan=plan, reason=" ")
    returned = services.plan_return(actor=county, plan=plan, reason="预算偏高")
    assert returned.status == PlanStatus.DRAFT and returned.return_reason == "预算偏高"
    services.plan_submit(actor=officer, plan=plan)
    assert services.plan_approve(actor=county, plan=plan).status == PlanStatus.APPROVED
    with pytest.raises(ApplicationError) as twice:
        services.plan_approve(actor=county, plan=plan)
    assert "已批准" in str(twice.value.message)


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("county_officer", True),
        ("county_leader", True),
        ("township_officer", False),
        ("department_officer", False),
        ("other_county_officer", False),
        ("provider_admin", False),
    ],
)
def test_who_approves(directory, username, allowed):
    plan = _plan(directory)
    services.plan_submit(actor=directory["township_officer"], plan=plan)
    if allowed:
        services.plan_approve(actor=directory[username], plan=plan)
    else:
        with pytest.raises(PermissionDenied):
            services.plan_approve(actor=directory[username], plan=plan)


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("township_officer", True),
        ("township_leader", True),
        ("department_officer", False),
        ("county_officer", False),
        ("provider_admin", False),
    ],
)
def test_who_submits(directory, username, allowed):
    plan = _plan(directory)
    if allowed:
        services.plan_submit(actor=directory[username], plan=plan)
    else:
        with pytest.raises(PermissionDenied):
            services.plan_submit(actor=directory[username], plan=plan)


def test_only_the_purchasers_leader_closes_and_not_before_the_year_is_settled(directory, project):
    plan = project.item.plan
    with pytest.raises(PermissionDenied):
        services.plan_close(actor=directory["township_officer"], plan=plan)
    with pytest.raises(ApplicationError) as open_projects:
        services.plan_close(actor=directory["township_leader"], plan=plan)
    assert open_projects.value.code == "plan_not_settled"
    services.project_cancel(actor=directory["township_leader"], project=project, reason="撤销")
    assert services.plan_close(actor=directory["township_leader"], plan=plan).status == "closed"


def test_projects_start_only_from_an_approved_plan(directory):
    plan = _plan(directory)
    item = plan.items.get()
    with pytest.raises(ApplicationError) as refused:
        services.project_create(
            actor=directory["township_officer"],
            item=item,
            data=services.ProjectData(title="x", service_content="x", enterprise_scope="x"),
        )
    assert refused.value.code == "invalid_transition"


def test_one_plan_per_purchaser_per_year(directory):
    _plan(directory)
    with pytest.raises(ApplicationError) as refused:
        services.plan_create(actor=directory["township_officer"], year=TODAY.year, title="再来")
    assert refused.value.code == "plan_exists"


def test_the_leading_group_page_takes_as_many_members_as_needed(directory, login):
    import re

    from django.urls import reverse

    from safeserve.procurement.models import LeadingGroup

    officer = directory["township_officer"]
    url = reverse("procurement:leading_group", args=[TODAY.year])
    client = login(officer)
    page = client.get(url).content.decode()
    assert 'data-testid="add-member"' in page and "__prefix__" in page  # the empty row
    # The page's menu shows where it belongs.
    assert re.search(r'class="nav-link active"\s+href="/procurement/plans/"', page)
    rows = [("leader", "王组长", "镇长"), ("deputy", "李副组长", "副镇长")]
    rows += [("member", f"成员{n}", f"办公室{n}") for n in range(5)]
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"}
    for n, (role, name, position) in enumerate(rows):
        data |= {f"form-{n}-role": role, f"form-{n}-name": name, f"form-{n}-position": position}
    response = client.post(url, data)
    assert response.status_code == 302
    group = LeadingGroup.objects.get(purchaser=officer.organization, year=TODAY.year)
    assert group.members.count() == 7


def test_an_application_is_not_in_the_register_a_purchaser_awards_from(demo):
    from safeserve.procurement.models import PurchaseProject
    from safeserve.procurement.views import _providers_for

    project = PurchaseProject.objects.first()
    names = set(_providers_for(project).values_list("name", flat=True))
    assert "新锐安全技术服务有限公司" not in names  # applying
    assert "安平安科安全技术咨询有限公司" in names  # the register proper stays listed
