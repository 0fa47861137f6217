"""Third-party re-evaluation (R16, WORKFLOWS.md "Re-evaluation"): commissioned by the county
office for chosen final evaluations or a random share; the evaluator reads exactly those
contracts (404 elsewhere) and nothing else, read-only; the same cycle with the provider's
reply; its final result prevails — both stay visible — and sanctions follow it, a fail
proposing one and a pass proposing to lift a confirmed one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import Contract
from safeserve.evaluations import reevaluations, sanctions, services
from safeserve.evaluations.models import Evaluation, EvaluationStatus, Sanction, SanctionStatus
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.helpers import FULL, final, opened, replied, sent
from safeserve.evaluations.tests.test_sanctions import LOW, failed
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import plan_task
from safeserve.organizations.models import Role

pytestmark = pytest.mark.django_db

YEAR = NEXT_YEAR.year - 1


@pytest.fixture
def evaluator_leader(users):
    """The evaluator's leader (a demo login), who makes its re-evaluations final."""
    leader = users["evaluator_leader"]
    assert leader.role == Role.LEADER
    return leader


def passed_final(users, contract):
    evaluation = sent(users, opened(users, contract))
    replied(users, evaluation)
    return final(users, evaluation)


def commission(users, original, who="county_officer"):
    made = reevaluations.commission_create(
        actor=users[who],
        evaluator=users["evaluator"].organization_id,
        year=YEAR,
        reason="群众反映检查走过场",
        evaluations=[original.pk],
    )
    return Evaluation.objects.get(commission=made)


def run(users, leader, again, scores):
    services.evaluation_score(actor=users["evaluator"], evaluation=again, changes=scores)
    services.evaluation_send(actor=users["evaluator"], evaluation=services.evaluation_of(again.pk))
    services.evaluation_reply(
        actor=users["provider_admin"],
        evaluation=services.evaluation_of(again.pk),
        statement="对第三方评估无异议",
    )
    return services.evaluation_finalise(actor=leader, evaluation=services.evaluation_of(again.pk))


def test_a_failing_re_evaluation_prevails_and_proposes_a_sanction(
    users, contract, evaluator_leader
):
    with at(NEXT_YEAR):
        original = passed_final(users, contract)
        assert original.effective and original.passed
        again = commission(users, original)
        assert again.status == EvaluationStatus.COMMISSIONED and again.original_id == original.pk
        assert [s.name for s in again.scores.all()] == [s.name for s in original.scores.all()]
        assert not Sanction.objects.exists()
        done = run(users, evaluator_leader, again, LOW)
    original.refresh_from_db()
    assert done.effective and done.passed is False
    assert original.effective is False and original.status == EvaluationStatus.FINAL  # kept
    sanction = Sanction.objects.get()
    assert sanction.evaluation_id == done.pk and sanction.status == SanctionStatus.PROPOSED


def test_a_passing_re_evaluation_proposes_lifting_and_the_county_lifts(
    users, contract, evaluator_leader
):
    with at(NEXT_YEAR):
        original = failed(users, contract)
        sanction = Sanction.objects.get(evaluation=original)
        sanctions.sanction_confirm(
            actor=users["county_leader"], sanction=sanction, amount="2000", basis="按合同条款"
        )
        again = commission(users, original)
        run(users, evaluator_leader, again, FULL)
        sanction.refresh_from_db()
        assert sanction.lift_proposed and sanction.status == SanctionStatus.CONFIRMED
        url = reverse("evaluations:sanction", args=[sanction.pk])
        lifted = sanctions.sanction_lift(
            actor=users["county_leader"], sanction=sanction, reason="第三方评估结论为合格"
        )
    assert lifted.status == SanctionStatus.LIFTED and lifted.debarment.lifted_on == NEXT_YEAR
    assert url


def test_the_evaluator_sees_exactly_the_commissioned_contracts(
    users, contract, hengfeng, api, login
):
    other = Contract.objects.exclude(pk=contract.pk).filter(county_id=contract.county_id).first()
    with at(NEXT_YEAR):
        task = plan_task(users, contract, hengfeng)
        client = api(users["evaluator"])
        assert client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 404  # not yet
        original = passed_final(users, contract)
        assert client.get(f"/api/v1/evaluations/{original.pk}/").status_code == 404
        again = commission(users, original)
        assert client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 200
        listed = [c["id"] for c in client.get("/api/v1/contracts/").json()["results"]]
        assert listed == [contract.pk]
        if other is not None:
            assert client.get(f"/api/v1/contracts/{other.pk}/").status_code == 404
        tasks = [t["id"] for t in client.get("/api/v1/tasks/").json()["results"]]
        assert set(tasks) == set(
            ServiceTask.objects.filter(contract=contract).values_list("pk", flat=True)
        )
        assert task.pk in tasks
        assert client.get(f"/api/v1/evaluations/{original.pk}/").status_code == 200
        body = client.get(f"/api/v1/re-evaluations/{again.pk}/").json()
        assert body["allowed_actions"] == ["score"]
        # read-only: no verb of the contract or the task is offered or allowed
        assert client.get(f"/api/v1/contracts/{contract.pk}/").json()["allowed_actions"] == []
        assert client.get(f"/api/v1/tasks/{task.pk}/").json()["allowed_actions"] == []
        page = login(users["evaluator"]).get(reverse("contracts:detail", args=[contract.pk]))
        assert page.status_code == 200
        assert login(users["evaluator"]).get(reverse("fieldwork:list")).status_code == 200
        # read-only, and never the enterprise's notice link: no notices at all
        assert client.get("/api/v1/notices/").json()["results"] == []
        # its work waits in its 待办 from the moment it is commissioned
        detail = reverse("evaluations:detail", args=[again.pk])
        assert detail in login(users["evaluator"]).get("/").content.decode()
        # the purchaser and the provider do not see the evaluator's work before it is sent
        assert (
            api(users["township_officer"]).get(f"/api/v1/evaluations/{again.pk}/").status_code
            == 404
        )
        assert (
            api(users["provider_admin"]).get(f"/api/v1/evaluations/{again.pk}/").status_code == 404
        )
        assert (
            api(users["county_officer"]).get(f"/api/v1/evaluations/{again.pk}/").status_code == 200
        )


# who may do what on a re-evaluation by state — written by hand
EXPECTED = {
    "commissioned": {
        "evaluator": (True, ["score"]),
        "evaluator_leader": (True, ["score"]),
        "county_officer": (True, []),
        "township_officer": (False, []),
        "township_leader": (False, []),
        "provider_admin": (False, []),
    },
    "sent": {
        "evaluator": (True, []),
        "evaluator_leader": (True, []),
        "county_officer": (True, []),
        "township_officer": (True, []),
        "township_leader": (True, []),
        "provider_admin": (True, ["reply"]),
    },
    "replied": {
        "evaluator": (True, []),
        "evaluator_leader": (True, ["finalise"]),
        "county_officer": (True, []),
        "township_officer": (True, []),
        "township_leader": (True, []),  # the purchaser does not finalise a third party's
        "provider_admin": (True, []),
    },
}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_role_on_a_re_evaluation(users, contract, api, evaluator_leader, state):
    people = {**users, "evaluator_leader": evaluator_leader}
    with at(NEXT_YEAR):
        again = commission(users, passed_final(users, contract))
        if state != "commissioned":
            services.evaluation_score(actor=users["evaluator"], evaluation=again, changes=FULL)
            again = services.evaluation_send(
                actor=users["evaluator"], evaluation=services.evaluation_of(again.pk)
            )
        if state == "replied":
            again = replied(users, again)
        for persona, (sees, actions) in EXPECTED[state].items():
            body = api(people[persona]).get(f"/api/v1/re-evaluations/{again.pk}/")
            assert (body.status_code == 200) is sees, (persona, state, body.status_code)
            if sees:
                assert body.json()["allowed_actions"] == actions, (persona, state)
        for persona in ("expert", "enterprise_user", "other_county_officer", "department_officer"):
            assert api(users[persona]).get(f"/api/v1/re-evaluations/{again.pk}/").status_code == 404


def test_commissioning_is_the_county_office_s_and_bad_input_is_named(users, contract, api):
    with at(NEXT_YEAR):
        original = passed_final(users, contract)
        for who in ("township_leader", "county_admin", "evaluator", "provider_admin"):
            with pytest.raises(PermissionDenied):
                commission(users, original, who=who)
        officer = users["county_officer"]
        evaluator = users["evaluator"].organization_id
        cases = [
            ({"evaluator": None}, "evaluator"),
            ({"evaluator": users["provider_admin"].organization_id}, "evaluator"),
            ({"year": 1999}, "year"),
            ({"reason": " "}, "reason"),
            ({"evaluations": [], "share": None}, "evaluations"),
            ({"share": 30}, "evaluations"),  # both
            ({"evaluations": [original.pk + 999]}, "evaluations"),
            ({"evaluations": [], "share": 0}, "share"),
            ({"evaluations": [], "share": 101}, "share"),
        ]
        for change, field in cases:
            values = {
                "evaluator": evaluator,
                "year": YEAR,
                "reason": "抽查",
                "evaluations": [original.pk],
                "share": None,
                **change,
            }
            with pytest.raises(ApplicationError) as refused:
                reevaluations.commission_create(actor=officer, **values)
            assert refused.value.status == 400 and field in refused.value.errors, change
        assert not Evaluation.objects.filter(evaluator__isnull=False).exists()
        # a random share of the year's final evaluations: at least one, each once
        made = reevaluations.commission_create(
            actor=officer, evaluator=evaluator, year=YEAR, reason="随机抽取", share=10
        )
        assert made.evaluations.count() == 1 and made.share == 10
        with pytest.raises(ApplicationError) as refused:
            reevaluations.commission_create(
                actor=officer, evaluator=evaluator, year=YEAR, reason="再抽", share=10
            )
        assert "share" in refused.value.errors  # nothing left to re-evaluate
        body = api(officer).post(
            "/api/v1/re-evaluations/commission/",
            {"evaluator": evaluator, "year": YEAR, "reason": "x", "evaluations": [original.pk]},
            format="json",
        )
        assert body.status_code == 400 and "evaluations" in body.json()["errors"]
        assert api(officer).post("/api/v1/re-evaluations/", {}, format="json").status_code == 405


def test_the_pages_commission_and_show_both_results(users, contract, login, evaluator_leader):
    with at(NEXT_YEAR):
        original = passed_final(users, contract)
        county = login(users["county_officer"])
        assert (
            'data-testid="commission-link"'
            in county.get(reverse("evaluations:list")).content.decode()
        )
        url = reverse("evaluations:commission") + f"?year={YEAR}"
        page = county.get(url).content.decode()
        assert f'value="{original.pk}"' in page
        bad = county.post(
            url, {"year": YEAR, "evaluator": "", "reason": "抽查", "evaluations": [original.pk]}
        )
        assert bad.status_code == 400 and "抽查" in bad.content.decode()
        done = county.post(
            url,
            {
                "year": YEAR,
                "evaluator": users["evaluator"].organization_id,
                "reason": "抽查",
                "evaluations": [original.pk],
            },
        )
        assert done.status_code == 302
        again = Evaluation.objects.get(original=original)
        run(users, evaluator_leader, again, LOW)
        detail = county.get(reverse("evaluations:detail", args=[original.pk])).content.decode()
        assert 'data-testid="evaluation-counterpart"' in detail
        again_page = login(users["township_officer"]).get(
            reverse("evaluations:detail", args=[again.pk])
        )
        assert 'data-testid="evaluation-evaluator"' in again_page.content.decode()
        assert (
            login(users["township_officer"]).get(reverse("evaluations:commission")).status_code
            == 403
        )


def test_the_evaluator_stops_reading_the_contract_s_data_once_final(
    users, contract, hengfeng, api, evaluator_leader
):
    with at(NEXT_YEAR):
        plan_task(users, contract, hengfeng)
        again = commission(users, passed_final(users, contract))
        client = api(users["evaluator"])
        assert client.get("/api/v1/tasks/").json()["results"]
        run(users, evaluator_leader, again, FULL)
        assert client.get("/api/v1/tasks/").json()["results"] == []
        # its own result and the contract stay readable
        assert client.get(f"/api/v1/re-evaluations/{again.pk}/").status_code == 200
        assert client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 200
        # commissioned again (another period or a new look), it reads them again
        assert client.get("/api/v1/sanctions/").json()["results"] == []


def test_the_provider_is_not_shown_why_the_county_commissioned(users, contract, login):
    with at(NEXT_YEAR):
        again = commission(users, passed_final(users, contract))
        services.evaluation_score(actor=users["evaluator"], evaluation=again, changes=FULL)
        services.evaluation_send(
            actor=users["evaluator"], evaluation=services.evaluation_of(again.pk)
        )
        url = reverse("evaluations:detail", args=[again.pk])
        assert "群众反映检查走过场" not in login(users["provider_admin"]).get(url).content.decode()
        assert "群众反映检查走过场" in login(users["county_officer"]).get(url).content.decode()
