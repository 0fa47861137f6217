"""Who sees and does what with evaluations, written out by hand (WORKFLOWS.md "Evaluation" and
"Who sees what"); the pages and the API; the metrics equal the rows their links list; the
待办; query counts that do not grow with the rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.evaluations import metrics, services
from safeserve.evaluations.models import Evaluation, EvaluationScore, EvaluationStatus
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.helpers import FULL, opened, replied, scored, sent
from safeserve.evaluations.workflows import EVALUATION
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import assign, plan_task, raise_general, reload

pytestmark = pytest.mark.django_db

PERSONAS = [
    "township_officer",
    "township_leader",
    "county_officer",
    "provider_admin",
    "provider_leader",
    "expert",
    "other_provider_admin",
    "enterprise_user",
    "evaluator",
    "department_officer",
]

# state → persona → (sees it, its allowed actions) — written by hand, not read from the table.
EXPECTED = {
    "draft": {
        "township_officer": (True, ["score"]),
        "township_leader": (True, ["score"]),
        "county_officer": (True, []),
        "provider_admin": (False, []),  # a draft is the purchaser's own work
        "provider_leader": (False, []),
    },
    "scored": {
        "township_officer": (True, ["score", "send"]),
        "township_leader": (True, ["score", "send"]),
        "county_officer": (True, []),
        "provider_admin": (False, []),
        "provider_leader": (False, []),
    },
    "sent": {
        "township_officer": (True, []),
        "township_leader": (True, []),  # the window is open: nothing final yet
        "county_officer": (True, []),
        "provider_admin": (True, ["reply"]),
        "provider_leader": (True, ["reply"]),
    },
    "replied": {
        "township_officer": (True, []),
        "township_leader": (True, ["finalise"]),
        "county_officer": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
    "final": {
        "township_officer": (True, []),
        "township_leader": (True, []),
        "county_officer": (True, []),
        "provider_admin": (True, []),
        "provider_leader": (True, []),
    },
}
NOBODY_ELSE = [
    "expert",
    "other_provider_admin",
    "enterprise_user",
    "evaluator",
    "department_officer",
]


def _in_state(users, contract, state):
    evaluation = opened(users, contract)
    if state == "draft":
        return evaluation
    if state == "scored":
        return scored(users, evaluation)
    evaluation = sent(users, evaluation)
    if state == "sent":
        return evaluation
    evaluation = replied(users, evaluation)
    if state == "replied":
        return evaluation
    return services.evaluation_finalise(
        actor=users["township_leader"], evaluation=services.evaluation_of(evaluation.pk)
    )


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_role_sees_and_may_do_what_the_table_says(users, contract, login, api, state):
    with at(NEXT_YEAR):
        evaluation = _in_state(users, contract, state)
        for persona in PERSONAS:
            sees, actions = EXPECTED[state].get(persona, (False, []))
            user = users[persona]
            page = login(user).get(reverse("evaluations:detail", args=[evaluation.pk]))
            body = api(user).get(f"/api/v1/evaluations/{evaluation.pk}/")
            assert (page.status_code == 200) is sees, (persona, state, page.status_code)
            assert (body.status_code == 200) is sees, (persona, state, body.status_code)
            if sees:
                assert body.json()["allowed_actions"] == actions, (persona, state)
            listed = api(user).get("/api/v1/evaluations/").json()["results"]
            assert (evaluation.pk in [e["id"] for e in listed]) is sees, (persona, state)
        for persona in NOBODY_ELSE:
            assert not EVALUATION.verbs_for(users[persona], evaluation)


def test_refusals_name_the_rule(users, contract, api, next_year):
    evaluation = opened(users, contract)
    officer, provider = api(users["township_officer"]), api(users["provider_admin"])
    url = f"/api/v1/evaluations/{evaluation.pk}"
    refused = officer.post(f"{url}/send/")
    assert refused.status_code == 409 and refused.json()["code"] == "criteria_unscored"
    bad = officer.post(
        f"{url}/score/", {"scores": [{"position": 1, "score": "50", "comment": "x"}]}, format="json"
    )
    assert bad.status_code == 400 and "score_1" in bad.json()["errors"]
    assert provider.post(f"{url}/score/", {"scores": []}, format="json").status_code == 404
    ok = officer.post(
        f"{url}/score/",
        {"scores": [{"position": n, **values} for n, values in FULL.items()]},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["total"] == "84.0"
    assert officer.post(f"{url}/send/").json()["status"] == "sent"
    assert officer.post(f"{url}/finalise/", {}, format="json").status_code == 403
    leader = api(users["township_leader"])
    early = leader.post(f"{url}/finalise/", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "reply_pending"
    empty = provider.post(f"{url}/reply/", {"statement": " "}, format="json")
    assert empty.status_code == 400 and "statement" in empty.json()["errors"]
    not_pdf = provider.post(
        f"{url}/reply/",
        {"statement": "异议", "files": [__import__("io").BytesIO(b"MZ not a pdf")]},
        format="multipart",
    )
    assert not_pdf.status_code in (400, 415) and "files" in not_pdf.json()["errors"]
    assert services.evaluation_of(evaluation.pk).status == EvaluationStatus.SENT
    assert provider.post(f"{url}/reply/", {"statement": "无异议"}, format="json").status_code == 200
    done = leader.post(f"{url}/finalise/", {}, format="json")
    assert done.status_code == 200 and done.json()["passed"] is True


def test_the_pages_open_score_send_reply_and_finalise(users, contract, login, next_year):
    officer = login(users["township_officer"])
    page = officer.get(
        reverse("contracts:detail", args=[contract.pk]) + "?tab=evaluations"
    ).content.decode()
    assert 'data-testid="open-evaluation"' in page
    start, end, _closing = services.open_periods(contract)[0]
    response = officer.post(
        reverse("evaluations:open", args=[contract.pk]),
        {"period_start": start.isoformat(), "period_end": end.isoformat()},
    )
    evaluation = Evaluation.objects.get(contract=contract)
    assert response.url == reverse("evaluations:detail", args=[evaluation.pk])

    form = {f"score_{n}": v["score"] for n, v in FULL.items()}
    form |= {f"comment_{n}": v["comment"] for n, v in FULL.items()}
    bad = officer.post(
        reverse("evaluations:act", args=[evaluation.pk, "send"]), {**form, "score_1": "99"}
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'value="99"' in html and "覆盖全部重点企业" in html  # what was typed comes back
    sent_ = officer.post(reverse("evaluations:act", args=[evaluation.pk, "send"]), form)
    assert sent_.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.SENT

    provider = login(users["provider_admin"])
    provider.post(
        reverse("evaluations:act", args=[evaluation.pk, "reply"]), {"statement": "无异议"}
    )
    leader = login(users["township_leader"])
    leader.post(reverse("evaluations:act", args=[evaluation.pk, "finalise"]), form)
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.FINAL
    assert "evaluations:detail" and leader.get(reverse("evaluations:list")).status_code == 200


def test_the_todo_follows_the_evaluation(users, contract, login, next_year):
    def todo(persona):
        return login(users[persona]).get("/").content.decode()

    evaluation = opened(users, contract)
    url = reverse("evaluations:detail", args=[evaluation.pk])
    assert url in todo("township_officer")  # score and send
    assert url not in todo("provider_admin")
    evaluation = sent(users, evaluation)
    assert url in todo("provider_admin")  # reply
    assert url not in todo("township_leader")  # not before the reply or the window's end
    replied(users, evaluation)
    assert url in todo("township_leader")  # finalise
    assert url not in todo("provider_admin")


def test_each_metric_counts_the_rows_its_link_lists(users, contract, hengfeng, neighbours, login):
    """Tasks done on time and late, one missed, hazards found — then every figure with a link
    shows the same number on the list it opens."""
    on_time = plan_task(users, contract, hengfeng, days=0)
    assign(users, on_time)
    fieldwork.task_check_in(actor=users["expert"], task=reload(on_time))
    raise_general(users, reload(on_time))
    from safeserve.fieldwork.tests.conftest import finish

    finish(users, reload(on_time))
    plan_task(users, contract, neighbours[0], days=0)  # will be missed
    cancelled = plan_task(users, contract, neighbours[1], days=0)
    fieldwork.task_cancel(actor=users["provider_admin"], task=cancelled, reason="企业停产")
    with at(NEXT_YEAR):
        start, end, _closing = services.open_periods(contract)[0]
        computed = {m.key: m for m in metrics.compute(contract, start, end)}
        assert computed["tasks"].figures[1].value.startswith("1")  # on time
        assert computed["tasks"].figures[3].value == "1"  # missed
        assert computed["hazards"].figures[0].value.startswith("1")
        client = login(users["township_officer"])
        checked = 0
        for metric in computed.values():
            for figure in metric.figures:
                if not figure.url:
                    continue
                html = client.get(figure.url).content.decode()
                shown = re.search(r"共 (\d+) 条记录", html)
                number = int(re.findall(r"\d+", figure.value)[0])
                assert shown is not None and int(shown.group(1)) == number, (
                    metric.key,
                    figure.label,
                    figure.url,
                )
                checked += 1
        assert checked >= 8


def test_lists_cost_the_same_for_twice_the_rows(users, contract, login, api):
    def add(n):
        for _ in range(n):
            start = contract.period_start.replace(
                year=contract.period_start.year - 1 - Evaluation.objects.count()
            )
            evaluation = Evaluation.objects.create(
                county_id=contract.county_id,
                contract=contract,
                purchaser_id=contract.purchaser_id,
                provider_id=contract.provider_id,
                period_start=start,
                period_end=start,
                status=EvaluationStatus.SENT,
                pass_score=60,
                created_by=users["township_officer"],
            )
            EvaluationScore.objects.create(
                evaluation=evaluation, position=1, name="x", weight=100, score=70, comment="y"
            )

    def counts():
        client, rest = login(users["provider_admin"]), api(users["provider_admin"])
        measured = []
        for fetch in (
            lambda: client.get(reverse("evaluations:list")),
            lambda: rest.get("/api/v1/evaluations/"),
            lambda: client.get(reverse("evaluations:export")),
            lambda: client.get("/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert fetch().status_code in (200, 302)
            measured.append(len(queries))
        return measured

    add(3)
    few = counts()
    add(3)
    assert counts() == few


def test_the_evaluation_record_prints_for_whoever_sees_it(users, contract, login, api, next_year):
    from safeserve.audit.models import AuditEvent

    evaluation = opened(users, contract)
    url = reverse("evaluations:pdf", args=[evaluation.pk])
    assert login(users["provider_admin"]).get(url).status_code == 404  # a draft is not its
    evaluation = sent(users, evaluation)
    pdf = login(users["provider_admin"]).get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    body = api(users["township_officer"]).get(f"/api/v1/evaluations/{evaluation.pk}/pdf/")
    assert body.status_code == 200 and body.content.startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(action="evaluation.printed", object_id=str(evaluation.pk)).count()
        == 2
    )
    assert (
        api(users["other_provider_admin"])
        .get(f"/api/v1/evaluations/{evaluation.pk}/pdf/")
        .status_code
        == 404
    )
