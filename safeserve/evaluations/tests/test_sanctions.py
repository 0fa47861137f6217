"""Sanctions (R17, WORKFLOWS.md "Sanction"): a failing final result proposes one; the county
office's leader confirms it (a deduction booked against what is unpaid, the rest to be
recovered; a county-wide ban from the decision date to the day before its second
anniversary, which the eligibility check reports on every day in between) or rejects it; a
confirmed one is lifted with a reason (the ban ends that day, the deduction is credited
back). Who may do what, written out by hand; bad input named and nothing kept; pages, API,
public list, 待办, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.contracts import services as contracts
from safeserve.contracts.models import Deduction
from safeserve.evaluations import sanctions, services
from safeserve.evaluations.models import Sanction, SanctionStatus
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.helpers import final, opened, replied
from safeserve.procurement.eligibility import check_eligibility
from safeserve.providers.models import Debarment

pytestmark = pytest.mark.django_db

LOW = {
    1: {"score": "20", "comment": "覆盖不足一半"},
    2: {"score": "15", "comment": "隐患大量逾期"},
    3: {"score": "10", "comment": "企业投诉较多"},
}


def failed(users, contract):
    """The first period evaluated at 45 of 100 (pass 60), final."""
    evaluation = opened(users, contract)
    services.evaluation_score(actor=users["township_officer"], evaluation=evaluation, changes=LOW)
    services.evaluation_send(
        actor=users["township_officer"], evaluation=services.evaluation_of(evaluation.pk)
    )
    replied(users, evaluation)
    return final(users, evaluation)


def proposed(users, contract) -> Sanction:
    return Sanction.objects.get(evaluation=failed(users, contract))


def test_a_failing_final_result_proposes_a_sanction_and_a_pass_does_not(users, contract):
    with at(NEXT_YEAR):
        evaluation = failed(users, contract)
    assert evaluation.passed is False and evaluation.effective is True
    sanction = Sanction.objects.get(evaluation=evaluation)
    assert sanction.status == SanctionStatus.PROPOSED
    assert (sanction.provider_id, sanction.contract_id) == (contract.provider_id, contract.pk)
    assert AuditEvent.objects.filter(
        action="sanction.proposed", object_id=str(sanction.pk)
    ).exists()
    assert not Deduction.objects.filter(contract=contract).exists()  # nothing before the decision
    assert not Debarment.objects.filter(provider=contract.provider).exists()


def test_confirming_books_the_deduction_and_bans_for_two_years(users, contract, login):
    client_for = login
    amount = contract.current_amount
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        paid = (amount - Decimal("1000.00")).quantize(Decimal("0.01"))
        contracts.payment_record(
            actor=users["township_officer"], contract=contract, amount=paid, paid_on=NEXT_YEAR
        )
        done = sanctions.sanction_confirm(
            actor=users["county_leader"],
            sanction=sanction,
            amount="3000",
            basis="合同违约责任条款：评估不合格扣减合同金额的相应比例",
        )
    assert done.status == SanctionStatus.CONFIRMED and done.amount == Decimal("3000")
    # 1000 was still unpaid: that much is deducted, the 2000 already paid is to be recovered
    assert done.deduction.amount == Decimal("1000.00")
    assert done.deduction.recoverable == Decimal("2000.00")
    paid_total, deducted, payable = contracts.payable_balance(contract)
    assert paid_total <= contract.current_amount - deducted and payable == 0
    # from the decision date to the day before its second anniversary
    ban = done.debarment
    assert (ban.starts_on, ban.ends_on) == (
        NEXT_YEAR,
        NEXT_YEAR.replace(year=NEXT_YEAR.year + 2) - dt.timedelta(days=1),
    )
    # the budget view shows the deduction and what is to be recovered (R17)
    year = contract.project.item.plan.year
    with at(NEXT_YEAR):
        budget = client_for(users["county_officer"]).get(
            reverse("contracts:budget") + f"?year={year}"
        )
    assert 'data-testid="budget-recoverable"' in budget.content.decode()
    # a payment beyond amount − deductions stays refused
    with at(NEXT_YEAR), pytest.raises(ApplicationError):
        contracts.payment_record(
            actor=users["township_officer"],
            contract=contract,
            amount=Decimal("0.01"),
            paid_on=NEXT_YEAR,
        )


def test_the_ban_fails_eligibility_from_its_first_day_to_its_last(users, contract):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        ban = sanctions.sanction_confirm(
            actor=users["county_leader"], sanction=sanction, amount="0", basis="仅禁入，不扣款"
        ).debarment

    def debarred(day):
        result = check_eligibility(contract.provider, contract.project, day)
        return not next(c for c in result.conditions if c.code == "not_debarred").passed

    assert not debarred(ban.starts_on - dt.timedelta(days=1))
    assert debarred(ban.starts_on)
    assert debarred(ban.ends_on)
    assert not debarred(ban.ends_on + dt.timedelta(days=1))
    assert not Deduction.objects.filter(contract=contract).exists()  # 0: no deduction row


def test_a_ban_decided_on_29_february_runs_to_28_february():
    assert sanctions.ban_period(dt.date(2028, 2, 29), 2) == (
        dt.date(2028, 2, 29),
        dt.date(2030, 2, 28),
    )
    assert sanctions.ban_period(dt.date(2027, 1, 5), 2)[1] == dt.date(2029, 1, 4)


def test_lifting_ends_the_ban_that_day_and_credits_the_deduction(users, contract):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        sanctions.sanction_confirm(
            actor=users["county_leader"], sanction=sanction, amount="5000.50", basis="按合同条款"
        )
        before = contracts.payable_balance(contract)
    lift_day = NEXT_YEAR + dt.timedelta(days=40)
    with at(lift_day):
        with pytest.raises(ApplicationError) as refused:
            sanctions.sanction_lift(actor=users["county_leader"], sanction=sanction, reason=" ")
        assert refused.value.status == 400 and "reason" in refused.value.errors
        lifted = sanctions.sanction_lift(
            actor=users["county_leader"], sanction=sanction, reason="第三方评估结论为合格"
        )
    assert lifted.status == SanctionStatus.LIFTED
    assert lifted.debarment.lifted_on == lift_day
    assert lifted.debarment.is_active_on(lift_day - dt.timedelta(days=1))
    assert not lifted.debarment.is_active_on(lift_day)
    assert lifted.credit.credit and lifted.credit.amount == Decimal("5000.50")
    after = contracts.payable_balance(contract)
    assert before[1] == Decimal("5000.50") and after[1] == 0
    assert after[2] == before[2] + Decimal("5000.50")
    assert Deduction.objects.filter(contract=contract).count() == 2  # both kept


def test_bad_input_is_named_and_nothing_is_kept(users, contract):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        leader = users["county_leader"]
        for amount in ("", "abc", "-1", "1.234", "NaN", "Infinity", "1e13", "1e30", "²"):
            with pytest.raises(ApplicationError) as refused:
                sanctions.sanction_confirm(
                    actor=leader, sanction=sanction, amount=amount, basis="依据"
                )
            assert refused.value.status == 400 and "amount" in refused.value.errors, amount
        with pytest.raises(ApplicationError) as refused:
            sanctions.sanction_confirm(actor=leader, sanction=sanction, amount="100", basis=" ")
        assert "basis" in refused.value.errors
        with pytest.raises(ApplicationError) as refused:
            sanctions.sanction_reject(actor=leader, sanction=sanction, reason="")
        assert "reason" in refused.value.errors
        for day in ("", "2027-13-01", (NEXT_YEAR + dt.timedelta(days=1)).isoformat()):
            with pytest.raises(ApplicationError) as refused:
                sanctions.referral_record(
                    actor=leader,
                    sanction=sanction,
                    referred_to="县市场监管局",
                    referred_on=day,
                    content="材料",
                )
            assert "referred_on" in refused.value.errors, day
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.PROPOSED
    assert not Deduction.objects.exists() and not Debarment.objects.exists()
    assert not sanction.referrals.exists()


# state → persona → (sees it, its allowed actions) — written by hand, not read from the table.
EXPECTED = {
    "proposed": {
        "county_leader": (True, ["confirm", "reject", "refer"]),
        "county_officer": (True, ["refer"]),
        "township_officer": (True, []),
        "township_leader": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
    "confirmed": {
        "county_leader": (True, ["lift", "refer"]),
        "county_officer": (True, ["refer"]),
        "township_officer": (True, []),
        "township_leader": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
    "rejected": {
        "county_leader": (True, ["refer"]),
        "county_officer": (True, ["refer"]),
        "township_officer": (True, []),
        "township_leader": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
    "lifted": {
        "county_leader": (True, ["refer"]),
        "county_officer": (True, ["refer"]),
        "township_officer": (True, []),
        "township_leader": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
}
PERSONAS = [
    "county_leader",
    "county_officer",
    "township_officer",
    "township_leader",
    "provider_admin",
    "provider_leader",
    "expert",
    "other_provider_admin",
    "other_county_officer",
    "enterprise_user",
    "evaluator",
    "department_officer",
]


def _in_state(users, contract, state):
    sanction = proposed(users, contract)
    leader = users["county_leader"]
    if state in ("confirmed", "lifted"):
        sanction = sanctions.sanction_confirm(
            actor=leader, sanction=sanction, amount="100", basis="按合同条款"
        )
    if state == "lifted":
        sanction = sanctions.sanction_lift(actor=leader, sanction=sanction, reason="复核合格")
    if state == "rejected":
        sanction = sanctions.sanction_reject(actor=leader, sanction=sanction, reason="情有可原")
    return sanction


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_role_sees_and_may_do_what_the_table_says(users, contract, login, api, state):
    with at(NEXT_YEAR):
        sanction = _in_state(users, contract, state)
        for persona in PERSONAS:
            sees, actions = EXPECTED[state].get(persona, (False, []))
            user = users[persona]
            page = login(user).get(reverse("evaluations:sanction", args=[sanction.pk]))
            body = api(user).get(f"/api/v1/sanctions/{sanction.pk}/")
            assert (page.status_code == 200) is sees, (persona, state, page.status_code)
            assert (body.status_code == 200) is sees, (persona, state, body.status_code)
            if sees:
                assert body.json()["allowed_actions"] == actions, (persona, state)
            listed = api(user).get("/api/v1/sanctions/").json()["results"]
            assert (sanction.pk in [s["id"] for s in listed]) is sees, (persona, state)


def test_the_api_decides_and_refuses_by_the_rules(users, contract, api):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        url = f"/api/v1/sanctions/{sanction.pk}"
        officer, leader = api(users["county_officer"]), api(users["county_leader"])
        assert officer.post(f"{url}/confirm/", {"amount": "1", "basis": "x"}).status_code == 403
        assert (
            api(users["other_county_officer"]).post(f"{url}/reject/", {"reason": "x"}).status_code
            == 404
        )
        bad = leader.post(f"{url}/confirm/", {"amount": "-5", "basis": "x"}, format="json")
        assert bad.status_code == 400 and "amount" in bad.json()["errors"]
        ok = leader.post(f"{url}/confirm/", {"amount": "800", "basis": "按合同条款"}, format="json")
        assert ok.status_code == 200, ok.json()
        body = ok.json()
        assert body["status"] == "confirmed" and body["ban"]["starts_on"] == NEXT_YEAR.isoformat()
        again = leader.post(f"{url}/reject/", {"reason": "x"}, format="json")
        assert again.status_code == 409 and "已确认" in again.json()["message"]
        referred = officer.post(
            f"{url}/refer/",
            {
                "referred_to": "县纪委监委",
                "referred_on": NEXT_YEAR.isoformat(),
                "content": "报告失实线索",
            },
            format="json",
        )
        assert (
            referred.status_code == 201
            and referred.json()["referrals"][0]["referred_to"] == "县纪委监委"
        )
        export = officer.get("/api/v1/sanctions/export/")
        assert export.status_code == 200
        lifted = leader.post(f"{url}/lift/", {"reason": "第三方评估合格"}, format="json")
        assert lifted.json()["status"] == "lifted"
        assert lifted.json()["ban"]["lifted_on"] == NEXT_YEAR.isoformat()


def test_the_pages_confirm_keep_what_was_typed_and_show_the_public_list(
    users, contract, login, client
):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        leader = login(users["county_leader"])
        url = reverse("evaluations:sanction", args=[sanction.pk])
        page = leader.get(url).content.decode()
        assert 'data-testid="confirm-form"' in page and contract.liability[:10] in page
        act = reverse("evaluations:sanction_act", args=[sanction.pk, "confirm"])
        bad = leader.post(act, {"amount": "一千", "basis": "按合同第八条"})
        assert bad.status_code == 400
        assert (
            "按合同第八条" in bad.content.decode()
            and 'data-testid="sanction-error"' in bad.content.decode()
        )
        assert leader.post(act, {"amount": "1000", "basis": "按合同第八条"}).status_code == 302
        page = leader.get(url).content.decode()
        assert 'data-testid="sanction-ban"' in page and 'data-testid="lift-form"' in page
        listing = leader.get(reverse("evaluations:sanctions") + "?status=confirmed")
        assert contract.provider.name in listing.content.decode()
        assert leader.get(reverse("evaluations:sanction_export")).status_code == 200
        evaluation_page = leader.get(reverse("evaluations:detail", args=[sanction.evaluation_id]))
        assert 'data-testid="evaluation-sanction"' in evaluation_page.content.decode()
        client.logout()
        public = client.get(reverse("public_bans")).content.decode()
        assert contract.provider.name in public and contract.provider.uscc in public
        sanctions.sanction_lift(actor=users["county_leader"], sanction=sanction, reason="复核合格")
        assert contract.provider.name not in client.get(reverse("public_bans")).content.decode()


def test_the_county_leader_finds_the_decision_in_the_todo(users, contract, login):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        url = reverse("evaluations:sanction", args=[sanction.pk])
        assert url in login(users["county_leader"]).get("/").content.decode()
        assert url not in login(users["county_officer"]).get("/").content.decode()
        sanctions.sanction_confirm(
            actor=users["county_leader"], sanction=sanction, amount="0", basis="仅禁入"
        )
        assert url not in login(users["county_leader"]).get("/").content.decode()
        # a later effective pass of the same period proposes lifting (the re-evaluation's path)
        evaluation = services.evaluation_of(sanction.evaluation_id)
        evaluation.passed = True
        sanctions.sanction_follow(actor=users["county_leader"], evaluation=evaluation)
        assert Sanction.objects.get(pk=sanction.pk).lift_proposed
        assert url in login(users["county_leader"]).get("/").content.decode()


def test_a_later_pass_flags_a_sanction_still_proposed_for_the_county_to_decide(
    users, contract, login
):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        evaluation = services.evaluation_of(sanction.evaluation_id)
        evaluation.passed = True
        sanctions.sanction_follow(actor=None, evaluation=evaluation)
        flagged = Sanction.objects.get(pk=sanction.pk)
        assert flagged.status == SanctionStatus.PROPOSED and flagged.lift_proposed  # no change
        page = login(users["county_leader"]).get(
            reverse("evaluations:sanction", args=[sanction.pk])
        )
        assert 'data-testid="lift-proposed"' in page.content.decode()


def test_referrals_are_the_county_office_s_record(users, contract, login, api):
    with at(NEXT_YEAR):
        sanction = proposed(users, contract)
        sanctions.referral_record(
            actor=users["county_officer"],
            sanction=sanction,
            referred_to="县纪委监委",
            referred_on=NEXT_YEAR.isoformat(),
            content="报告失实线索",
        )
        url = reverse("evaluations:sanction", args=[sanction.pk])
        for persona in ("provider_admin", "township_officer"):
            body = api(users[persona]).get(f"/api/v1/sanctions/{sanction.pk}/").json()
            assert body["referrals"] == [], persona
            page = login(users[persona]).get(url).content.decode()
            assert "县纪委监委" not in page and 'data-testid="referrals"' not in page, persona
        page = login(users["county_leader"]).get(url).content.decode()
        assert "县纪委监委" in page
        # an evaluator sees no sanction at all
        assert api(users["evaluator"]).get(f"/api/v1/sanctions/{sanction.pk}/").status_code == 404


def test_the_list_and_api_cost_the_same_for_more_sanctions(users, contract, login, api):
    from safeserve.evaluations.models import Evaluation

    with at(NEXT_YEAR):
        sanction = proposed(users, contract)

    made = []

    def clone(n):
        evaluation = sanction.evaluation
        for _i in range(n):
            made.append(1)
            i = len(made)
            copy = Evaluation.objects.get(pk=evaluation.pk)
            copy.pk = None
            copy.period_start = evaluation.period_start - dt.timedelta(days=400 * i)
            copy.period_end = copy.period_start
            copy.save()
            Sanction.objects.create(
                county_id=sanction.county_id,
                contract_id=sanction.contract_id,
                provider_id=sanction.provider_id,
                evaluation=copy,
            )

    def cost(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    leader = login(users["county_leader"])
    clone(2)
    page_n = cost(lambda: leader.get(reverse("evaluations:sanctions")))
    home_n = cost(lambda: leader.get("/"))  # each proposed sanction waits in the 待办
    api_n = cost(lambda: api(users["county_leader"]).get("/api/v1/sanctions/"))
    clone(3)
    assert Sanction.objects.count() == 6
    assert cost(lambda: leader.get(reverse("evaluations:sanctions"))) == page_n
    assert cost(lambda: leader.get("/")) == home_n
    assert cost(lambda: api(users["county_leader"]).get("/api/v1/sanctions/")) == api_n
