"""Two-party amendments and the guards an independent review asked for, the bad paths first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts import selectors, services
from safeserve.contracts.models import AmendmentStatus
from safeserve.contracts.services import lifecycle
from safeserve.contracts.tests.test_contracts import _save, _sign_both
from safeserve.enterprises.models import Enterprise
from safeserve.procurement import services as procurement
from safeserve.procurement.models import PlanStatus, ProjectStatus, PurchasePlan, PurchaseProject
from safeserve.procurement.tests.conftest import TODAY
from safeserve.providers.models import Provider


@pytest.fixture
def draft(demo):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    contract = services.contract_draft(actor=demo["township_officer"], project=project)
    return _save(demo, contract)


@pytest.fixture
def signed(demo, draft):
    return _sign_both(demo, draft)


def _propose(actor, contract, delta="10000"):
    return services.contract_amend(
        actor=actor,
        contract=contract,
        reason="增加企业",
        changes="增加5家",
        amount_delta=Decimal(delta),
    )


# --- Amendments need both parties ------------------------------------------------------------


def test_a_proposed_amendment_changes_nothing_until_the_other_party_agrees(demo, signed):
    proposed = _propose(demo["provider_admin"], signed)
    signed.refresh_from_db()
    assert signed.current_amount == Decimal("328000")
    # The provider cannot agree to its own proposal; the purchaser's officer is not its leader.
    for actor in (demo["provider_admin"], demo["provider_leader"], demo["township_officer"]):
        with pytest.raises(PermissionDenied):
            services.amendment_agree(actor=actor, amendment=proposed)
    services.amendment_agree(actor=demo["township_leader"], amendment=proposed)
    signed.refresh_from_db()
    assert signed.current_amount == Decimal("338000")
    with pytest.raises(ApplicationError) as again:
        services.amendment_agree(actor=demo["township_leader"], amendment=proposed)
    assert again.value.code == "amendment_decided"


def test_a_declined_or_withdrawn_amendment_never_counts(demo, signed):
    declined = _propose(demo["township_officer"], signed)
    with pytest.raises(PermissionDenied):
        services.amendment_decline(actor=demo["other_provider_admin"], amendment=declined)
    services.amendment_decline(actor=demo["provider_admin"], amendment=declined, reason="不同意")
    withdrawn = _propose(demo["township_officer"], signed)
    services.amendment_withdraw(actor=demo["township_officer"], amendment=withdrawn)
    assert {a.status for a in signed.amendments.all()} == {AmendmentStatus.DECLINED}
    signed.refresh_from_db()
    assert signed.current_amount == Decimal("328000")


def test_a_lower_amount_cannot_fall_below_what_was_paid(demo, signed):
    services.payment_record(
        actor=demo["township_officer"], contract=signed, amount=Decimal("300000"), paid_on=TODAY
    )
    with pytest.raises(ApplicationError) as refused:
        _propose(demo["township_officer"], signed, "-100000")
    assert refused.value.code == "below_paid"


def test_amendments_through_the_pages(demo, signed, login):
    client = login(demo["township_officer"])
    client.post(
        reverse("contracts:action", args=[signed.pk, "amend"]),
        {"changes": "增加5家", "reason": "新增企业", "amount_delta": "10000"},
    )
    proposed = signed.amendments.get()
    assert proposed.status == AmendmentStatus.PROPOSED
    page = login(demo["provider_leader"]).get(reverse("contracts:detail", args=[signed.pk]))
    assert "amendment_agree" in page.content.decode()
    login(demo["provider_leader"]).post(
        reverse("contracts:action", args=[signed.pk, "amendment_agree"]),
        {"amendment": proposed.pk},
    )
    proposed.refresh_from_db()
    assert proposed.status == AmendmentStatus.AGREED
    bogus = login(demo["provider_leader"]).post(
        reverse("contracts:action", args=[signed.pk, "amendment_agree"]),
        {"amendment": "9" * 40},
    )
    assert bogus.status_code == 404


def test_amendments_through_the_api(demo, signed, api):
    proposed = api(demo["provider_admin"]).post(
        f"/api/v1/contracts/{signed.pk}/amend/",
        {"changes": "延长", "reason": "企业增加", "amount_delta": "5000"},
        format="json",
    )
    assert proposed.status_code == 201
    row = proposed.json()["amendments"][0]
    assert row["status"] == "proposed" and proposed.json()["current_amount"] == "328000.00"
    url = f"/api/v1/contracts/{signed.pk}/amendments/{row['id']}/agree/"
    assert api(demo["provider_leader"]).post(url, {}, format="json").status_code == 403
    assert api(demo["other_county_officer"]).post(url, {}, format="json").status_code == 404
    agreed = api(demo["township_leader"]).post(url, {}, format="json")
    assert agreed.status_code == 200 and agreed.json()["current_amount"] == "333000.00"


# --- Budget, award and project state (R3, R5) ------------------------------------------------


def test_a_terminated_contract_keeps_what_was_paid_in_the_budget(demo, signed):
    services.payment_record(
        actor=demo["township_officer"], contract=signed, amount=Decimal("300000"), paid_on=TODAY
    )
    services.contract_terminate(actor=demo["township_leader"], contract=signed, reason="违约")
    item = signed.project.item
    row = next(
        i
        for i in selectors.budget_execution(viewer=demo["township_officer"], year=TODAY.year)
        if i.pk == item.pk
    )
    assert row.paid == Decimal("300000")
    assert row.remaining == item.budget - Decimal("300000")


def test_a_cancelled_projects_contract_cannot_be_signed(demo, draft):
    with pytest.raises(ApplicationError) as refused:
        procurement.project_cancel(actor=demo["township_leader"], project=draft.project, reason="x")
    assert refused.value.code == "contract_exists"
    PurchaseProject.objects.filter(pk=draft.project_id).update(status=ProjectStatus.CANCELLED)
    with pytest.raises(ApplicationError) as unsigned:
        services.contract_sign(actor=demo["township_leader"], contract=draft)
    assert unsigned.value.code == "project_not_awarded"


def test_a_leap_day_start_is_measured_without_error(demo, draft):
    start = dt.date(2028, 2, 29)
    _save(demo, draft, period_start=start, period_end=dt.date(2031, 3, 1))
    with pytest.raises(ApplicationError) as refused:
        services.contract_sign(actor=demo["township_leader"], contract=draft)
    assert refused.value.code == "term_too_long"


def test_an_inspection_contract_needs_planned_visits(demo, draft):
    saved = _save(demo, draft, planned_visits=0)
    from django.utils.translation import gettext

    expected = gettext("the number of enterprise visits planned per year")
    assert services.missing_terms(saved) == [expected]


def test_capacity_is_checked_in_every_year_of_the_period(demo, draft, monkeypatch):
    seen = []
    monkeypatch.setattr(lifecycle, "_check_capacity", lambda contract, year, cap: seen.append(year))
    _save(
        demo,
        draft,
        period_start=dt.date(TODAY.year, 6, 1),
        period_end=dt.date(TODAY.year + 1, 5, 31),
    )
    services.contract_sign(actor=demo["township_leader"], contract=draft)
    assert seen == [TODAY.year, TODAY.year + 1]


@pytest.mark.parametrize("amount", ["0.001", "1e-9", "1000000000000"])
def test_money_has_at_most_two_decimals(demo, signed, amount):
    with pytest.raises(ApplicationError) as refused:
        services.payment_record(
            actor=demo["township_officer"], contract=signed, amount=Decimal(amount), paid_on=TODAY
        )
    assert refused.value.code == "amount_format"


def test_ended_contracts_keep_their_coverage_and_take_no_deductions(demo, signed):
    own = Enterprise.objects.filter(township__code="990121100", sector="").first()
    services.coverage_add(actor=demo["township_officer"], contract=signed, enterprises=[own])
    services.contract_terminate(actor=demo["township_leader"], contract=signed, reason="违约")
    with pytest.raises(ApplicationError):
        services.coverage_remove(actor=demo["township_officer"], contract=signed, enterprise=own)
    with pytest.raises(ApplicationError) as refused:
        services.deduction_record(
            actor=demo["township_officer"], contract=signed, amount=Decimal("1"), reason="x"
        )
    assert refused.value.code == "wrong_state"
    assert signed.coverage.count() == 1


def test_the_public_page_shows_the_amount_after_agreed_amendments(demo, signed, client):
    proposed = _propose(demo["township_officer"], signed, "10000")
    services.amendment_agree(actor=demo["provider_leader"], amendment=proposed)
    assert "338,000.00" in client.get("/public/").content.decode()


# --- Procurement guards (R1, R4) --------------------------------------------------------------


def test_providers_cannot_run_the_eligibility_check_on_competitors(demo, api):
    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    competitor = Provider.objects.exclude(id=project.awarded_provider_id or 0).first()
    assert competitor is not None
    with pytest.raises(PermissionDenied):
        procurement.project_eligibility(
            actor=demo["provider_admin"], project=project, provider=competitor, on_date=TODAY
        )
    response = api(demo["provider_admin"]).post(
        f"/api/v1/purchase-projects/{project.pk}/eligibility/",
        {"provider": competitor.pk, "award_date": str(TODAY)},
        format="json",
    )
    assert response.status_code == 403


def test_documents_are_not_added_after_the_award(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = PurchaseProject.objects.get(status=ProjectStatus.AWARDED)
    with pytest.raises(ApplicationError):
        procurement.project_add_document(
            actor=demo["township_officer"],
            project=project,
            title="补充",
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
        )


def test_the_leading_group_is_fixed_once_the_plan_is_submitted(demo):
    plan = PurchasePlan.objects.filter(status=PlanStatus.APPROVED).first()
    members = [{"role": "leader", "name": "张三", "position": "镇长"}]
    with pytest.raises(ApplicationError) as refused:
        procurement.leading_group_save(
            actor=demo["township_officer"], year=plan.year, members=members
        )
    assert refused.value.code == "plan_in_review"


def test_bad_numbers_in_addresses_are_not_errors(demo, signed, login, api):
    client = login(demo["township_officer"])
    assert client.get("/procurement/plans/?year=abc").status_code == 200
    assert client.get("/procurement/leading-group/99999/").status_code == 404
    response = client.post(
        reverse("contracts:coverage_change", args=[signed.pk]), {"township": "9" * 30}
    )
    assert response.status_code == 302
    huge = api(demo["township_officer"]).post(
        f"/api/v1/contracts/{signed.pk}/enterprises/", {"enterprises": [10**30]}, format="json"
    )
    assert huge.status_code == 400


def test_terminating_lets_pending_proposals_lapse(demo, signed, login):
    proposed = _propose(demo["provider_admin"], signed)
    services.contract_terminate(actor=demo["township_leader"], contract=signed, reason="违约")
    proposed.refresh_from_db()
    assert proposed.status == AmendmentStatus.DECLINED
    page = login(demo["township_leader"]).get(reverse("contracts:detail", args=[signed.pk]))
    assert "amendment_agree" not in page.content.decode()


def test_the_amendment_form_names_the_field_at_fault(demo, signed, login):
    response = login(demo["township_officer"]).post(
        reverse("contracts:action", args=[signed.pk, "amend"]),
        {"changes": "增加", "reason": "新增", "amount_delta": "10.005"},
        follow=True,
    )
    flashed = " ".join(str(m) for m in response.context["messages"])
    assert "金额" in flashed and not signed.amendments.exists()


def test_awards_and_amendments_share_one_view_of_the_budget(demo, signed):
    """Budget 360,000: contract 328,000 + agreed 1,000 leaves 31,000 for another award."""
    from safeserve.procurement.services import item_committed

    proposed = _propose(demo["township_officer"], signed, "1000")
    services.amendment_agree(actor=demo["provider_leader"], amendment=proposed)
    item = signed.project.item
    assert item_committed(item) == Decimal("329000")
    assert lifecycle.budget_remaining(signed) == item.budget


def test_budget_execution_through_the_api_for_each_role(demo, signed, api):
    services.payment_record(
        actor=demo["township_officer"], contract=signed, amount=Decimal("1000"), paid_on=TODAY
    )
    item = signed.project.item
    expected = {  # written out by hand: who may read budget execution
        "county_officer": 200,
        "township_officer": 200,
        "department_officer": 200,
        "provider_admin": 403,
        "expert": 403,
        "enterprise_user": 403,
        "other_county_officer": 200,
    }
    for name, code in expected.items():
        response = api(demo[name]).get(f"/api/v1/budget-execution/?year={TODAY.year}")
        assert response.status_code == code, name
    rows = api(demo["township_officer"]).get("/api/v1/budget-execution/").json()["items"]
    row = next(r for r in rows if r["item"] == item.pk)
    assert (row["contracted"], row["paid"], row["remaining"]) == (
        "328000.00",
        "1000.00",
        str(item.budget - Decimal("328000")),
    )
    others = api(demo["other_county_officer"]).get("/api/v1/budget-execution/").json()["items"]
    assert all(r["item"] != item.pk for r in others)
    assert all(
        r["purchaser"] == demo["department_officer"].organization_id
        for r in api(demo["department_officer"]).get("/api/v1/budget-execution/").json()["items"]
    )
