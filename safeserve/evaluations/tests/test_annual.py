"""Annual submissions (R16, WORKFLOWS.md "Annual submission"): the purchaser's year of final
evaluations, every contract evaluated or explained, submitted by its leader by the deadline
(31 January of the following year by default), received or returned with reasons by the
county office and submitted again; the county office's overview of who is late and what is
left unevaluated; the summary as Excel and PDF. Who may do what, written out by hand."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import CountyPolicy, annual_submission_due
from safeserve.common.tests.clock import TODAY
from safeserve.evaluations import annual
from safeserve.evaluations.models import AnnualSubmission, SubmissionStatus
from safeserve.evaluations.tests.conftest import NEXT_YEAR, at
from safeserve.evaluations.tests.helpers import final, opened, replied, sent

pytestmark = pytest.mark.django_db

YEAR = TODAY.year  # the fieldwork contract runs from TODAY for a year
DUE = dt.date(YEAR + 1, 1, 31)
LATE_DAY = dt.date(YEAR + 1, 2, 10)


def evaluated(users, contract):
    evaluation = sent(users, opened(users, contract))
    replied(users, evaluation)
    return final(users, evaluation)


def started(users, who="township_officer"):
    return annual.submission_open(actor=users[who], year=YEAR)


def test_the_deadline_is_31_january_of_the_following_year(users):
    county_id = users["county_officer"].organization.county_id
    assert annual_submission_due(county_id, YEAR) == DUE
    CountyPolicy.objects.update_or_create(
        county_id=county_id, defaults={"annual_submission_month": 2, "annual_submission_day": 30}
    )
    assert annual_submission_due(county_id, 2027) == dt.date(2028, 2, 29)  # the month's last day
    assert annual_submission_due(county_id, 2026) == dt.date(2027, 2, 28)


def test_a_submission_from_draft_to_received(users, contract):
    with at(NEXT_YEAR):
        submission = started(users)
        assert submission.status == SubmissionStatus.DRAFT and submission.due_on == DUE
        # the contract's year is not evaluated: named, and the officer may not submit anyway
        with pytest.raises(ApplicationError) as refused:
            annual.submission_submit(actor=users["township_leader"], submission=submission)
        assert refused.value.code == "unevaluated_contracts"
        assert contract.number in str(refused.value.message)
        with pytest.raises(Exception) as denied:
            annual.submission_submit(actor=users["township_officer"], submission=submission)
        assert denied.type.__name__ == "PermissionDenied"
        evaluated(users, contract)
        others = [
            r.contract.pk
            for r in annual.year_rows(submission.purchaser_id, YEAR)
            if not r.evaluation
        ]
        annual.submission_explain(
            actor=users["township_officer"],
            submission=submission,
            explanations=dict.fromkeys(others, "合同已终止，期末评估待开展"),
            note="本年度共评估合同如下。",
        )
        done = annual.submission_submit(actor=users["township_leader"], submission=submission)
    assert done.status == SubmissionStatus.SUBMITTED and done.late is False
    [row] = [r for r in done.summary["rows"] if r["contract_id"] == contract.pk]
    assert row["passed"] is True and row["total"] == "84.0"
    with at(NEXT_YEAR + dt.timedelta(days=1)):
        received = annual.submission_receive(actor=users["county_officer"], submission=done)
    assert received.status == SubmissionStatus.RECEIVED
    actions = set(
        AuditEvent.objects.filter(
            object_id=str(done.pk), action__startswith="annual_submission"
        ).values_list("action", flat=True)
    )
    assert {
        "annual_submission.opened",
        "annual_submission.submitted",
        "annual_submission.received",
    } <= actions


def test_returned_then_submitted_again_late(users, contract):
    with at(NEXT_YEAR):
        evaluated(users, contract)
        first = started(users)
        explanations = {
            r.contract.pk: "尚未到期"
            for r in annual.year_rows(first.purchaser_id, YEAR)
            if not r.evaluation
        }
        annual.submission_explain(
            actor=users["township_officer"], submission=first, explanations=explanations
        )
        first = annual.submission_submit(actor=users["township_leader"], submission=first)
        with pytest.raises(ApplicationError) as refused:
            annual.submission_return(actor=users["county_officer"], submission=first, reason=" ")
        assert refused.value.status == 400 and "reason" in refused.value.errors
        returned = annual.submission_return(
            actor=users["county_officer"], submission=first, reason="请补充终止合同的说明材料"
        )
    assert returned.status == SubmissionStatus.RETURNED
    with at(LATE_DAY):
        again = started(users)
        assert again.replaces_id == returned.pk
        assert again.explanations == {str(k): v for k, v in explanations.items()}  # carried over
        again = annual.submission_submit(actor=users["township_leader"], submission=again)
        assert again.late is True
        rows = annual.county_overview(viewer=users["county_officer"], year=YEAR)
    [mine] = [r for r in rows if r.purchaser.pk == again.purchaser_id]
    assert (
        mine.submission.pk == again.pk
        and mine.late is True
        and mine.unevaluated == len(explanations)
    )


def test_the_overview_shows_who_is_late_and_what_is_left(users, contract):
    with at(DUE):
        rows = annual.county_overview(viewer=users["county_officer"], year=YEAR)
        [mine] = [r for r in rows if r.purchaser.pk == contract.purchaser_id]
        assert mine.submission is None and mine.late is False
        assert mine.contracts >= 1 and mine.unevaluated == mine.contracts
    with at(DUE + dt.timedelta(days=1)):
        rows = annual.county_overview(viewer=users["county_officer"], year=YEAR)
        [mine] = [r for r in rows if r.purchaser.pk == contract.purchaser_id]
        assert mine.late is True


def test_bad_input_is_named_and_nothing_is_kept(users, contract):
    with at(NEXT_YEAR):
        for year in (1999, YEAR + 2, "2026", None):
            with pytest.raises(ApplicationError) as refused:
                annual.submission_open(actor=users["township_officer"], year=year)
            assert "year" in refused.value.errors, year
        submission = started(users)
        with pytest.raises(ApplicationError) as refused:
            started(users)
        assert refused.value.code == "submission_exists"
        with pytest.raises(ApplicationError) as refused:
            annual.submission_explain(
                actor=users["township_officer"], submission=submission, explanations={999999: "x"}
            )
        assert "explanations" in refused.value.errors
        with pytest.raises(ApplicationError) as refused:
            annual.submission_explain(
                actor=users["township_officer"],
                submission=submission,
                explanations={contract.pk: "长" * 2001},
            )
        assert f"explanation_{contract.pk}" in refused.value.errors
    submission.refresh_from_db()
    assert submission.explanations == {}
    assert AnnualSubmission.objects.count() == 1


# state → persona → (sees it, its allowed actions) — written by hand, not read from the table.
EXPECTED = {
    "draft": {
        "township_officer": (True, ["explain"]),
        "township_leader": (True, ["explain", "submit"]),
        "county_officer": (True, []),
        "county_leader": (True, []),
    },
    "submitted": {
        "township_officer": (True, []),
        "township_leader": (True, []),
        "county_officer": (True, ["receive", "return"]),
        "county_leader": (True, ["receive", "return"]),
    },
    "received": {
        "township_officer": (True, []),
        "township_leader": (True, []),
        "county_officer": (True, []),
        "county_leader": (True, []),
    },
    "returned": {
        "township_officer": (True, []),
        "township_leader": (True, []),
        "county_officer": (True, []),
        "county_leader": (True, []),
    },
}
PERSONAS = [
    "township_officer",
    "township_leader",
    "county_officer",
    "county_leader",
    "department_officer",
    "provider_admin",
    "expert",
    "enterprise_user",
    "evaluator",
    "other_county_officer",
]


def _in_state(users, contract, state):
    evaluated(users, contract)
    submission = started(users)
    others = [
        r.contract.pk for r in annual.year_rows(submission.purchaser_id, YEAR) if not r.evaluation
    ]
    annual.submission_explain(
        actor=users["township_officer"],
        submission=submission,
        explanations=dict.fromkeys(others, "说明"),
    )
    if state == "draft":
        return submission
    submission = annual.submission_submit(actor=users["township_leader"], submission=submission)
    if state == "received":
        return annual.submission_receive(actor=users["county_officer"], submission=submission)
    if state == "returned":
        return annual.submission_return(
            actor=users["county_officer"], submission=submission, reason="补充材料"
        )
    return submission


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_role_sees_and_may_do_what_the_table_says(users, contract, login, api, state):
    with at(NEXT_YEAR):
        submission = _in_state(users, contract, state)
        for persona in PERSONAS:
            sees, actions = EXPECTED[state].get(persona, (False, []))
            user = users[persona]
            page = login(user).get(reverse("evaluations:submission", args=[submission.pk]))
            body = api(user).get(f"/api/v1/annual-submissions/{submission.pk}/")
            assert (page.status_code == 200) is sees, (persona, state, page.status_code)
            assert (body.status_code == 200) is sees, (persona, state, body.status_code)
            if sees:
                assert body.json()["allowed_actions"] == actions, (persona, state)
            listed = api(user).get("/api/v1/annual-submissions/").json()["results"]
            assert (submission.pk in [s["id"] for s in listed]) is sees, (persona, state)


def test_the_api_runs_the_cycle(users, contract, api):
    with at(NEXT_YEAR):
        evaluated(users, contract)
        officer, leader = api(users["township_officer"]), api(users["township_leader"])
        bad = officer.post("/api/v1/annual-submissions/", {"year": 1990}, format="json")
        assert bad.status_code == 400 and "year" in bad.json()["errors"]
        made = officer.post("/api/v1/annual-submissions/", {"year": YEAR}, format="json")
        assert made.status_code == 201, made.json()
        body = made.json()
        url = f"/api/v1/annual-submissions/{body['id']}"
        assert body["allowed_actions"] == ["explain"] and body["due_on"] == DUE.isoformat()
        missing = [r["contract_id"] for r in body["rows"] if not r["evaluation_id"]]
        if missing:
            refused = leader.post(f"{url}/submit/")
            assert refused.status_code == 409 and refused.json()["code"] == "unevaluated_contracts"
        explained = officer.post(
            f"{url}/explain/",
            {"explanations": {str(pk): "未到评估期" for pk in missing}, "note": "附说明"},
            format="json",
        )
        assert explained.status_code == 200, explained.json()
        assert leader.post(f"{url}/submit/").json()["status"] == "submitted"
        county = api(users["county_officer"])
        empty = county.post(f"{url}/return/", {"reason": ""}, format="json")
        assert empty.status_code == 400 and "reason" in empty.json()["errors"]
        assert county.post(f"{url}/receive/").json()["status"] == "received"
        xlsx = county.get(f"{url}/summary/?kind=xlsx")
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
        assert contract.number in [row[0] for row in sheet.iter_rows(values_only=True)]
        pdf = county.get(f"{url}/summary/?kind=pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert county.get(f"{url}/summary/?kind=doc").status_code == 400
        assert county.get("/api/v1/annual-submissions/export/").status_code == 200
        assert api(users["provider_admin"]).get(f"{url}/summary/?kind=pdf").status_code == 404


def test_the_pages_start_explain_submit_and_receive(users, contract, login):
    with at(NEXT_YEAR):
        evaluated(users, contract)
        officer = login(users["township_officer"])
        page = officer.get(reverse("evaluations:submissions")).content.decode()
        assert 'data-testid="open-submission"' in page
        officer.post(reverse("evaluations:submission_open"), {"year": str(YEAR)})
        submission = AnnualSubmission.objects.get()
        leader = login(users["township_leader"])
        act = reverse("evaluations:submission_act", args=[submission.pk, "submit"])
        rows = annual.summary_of(submission)
        missing = [r["contract_id"] for r in rows if not r["evaluation_id"]]
        form = {f"explanation_{pk}": "" for pk in missing} | {"note": "covering"}
        if missing:
            refused = leader.post(act, form)
            assert refused.status_code == 409
            assert 'data-testid="submission-error"' in refused.content.decode()
            assert "covering" in refused.content.decode()  # what was typed comes back
        form = {f"explanation_{pk}": "未到期" for pk in missing} | {"note": "covering"}
        assert leader.post(act, form).status_code == 302
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.SUBMITTED and submission.note == "covering"
        county = login(users["county_officer"])
        overview = county.get(reverse("evaluations:submissions") + f"?year={YEAR}").content.decode()
        assert 'data-testid="submission-overview"' in overview
        assert (
            reverse("evaluations:submission", args=[submission.pk])
            in county.get("/").content.decode()
        )
        detail = county.get(reverse("evaluations:submission", args=[submission.pk]))
        assert "已有定稿评估" in detail.content.decode()  # the page reads Chinese throughout
        county.post(reverse("evaluations:submission_act", args=[submission.pk, "receive"]))
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.RECEIVED
        pdf = county.get(reverse("evaluations:submission_summary", args=[submission.pk, "pdf"]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert county.get(reverse("evaluations:submission_export")).status_code == 200


def test_the_purchaser_is_reminded_until_it_starts(users, contract, login):
    with at(NEXT_YEAR):
        page = login(users["township_officer"]).get("/").content.decode()
        assert reverse("evaluations:submissions") + f"?year={YEAR}" in page
        started(users)
        page = login(users["township_officer"]).get("/").content.decode()
        assert reverse("evaluations:submissions") + f"?year={YEAR}" not in page


def test_a_year_that_is_no_year_is_ignored(users, login):
    page = login(users["county_officer"]).get(reverse("evaluations:submissions") + "?year=²")
    assert page.status_code == 200
    page = login(users["county_officer"]).get(
        reverse("evaluations:commission") + "?year=" + "9" * 5000
    )
    assert page.status_code == 200
    for url in ("contracts:budget", "contracts:coverage"):  # the same year parser
        assert login(users["county_officer"]).get(reverse(url) + "?year=²").status_code == 200
    made = login(users["township_officer"]).post(
        reverse("evaluations:submission_open"), {"year": "²"}
    )
    assert made.status_code == 302 and not AnnualSubmission.objects.exists()


def test_the_list_costs_the_same_for_more_submissions(users, contract, login, api):
    county_id = users["county_officer"].organization.county_id

    def add(n, start):
        for i in range(n):
            AnnualSubmission.objects.create(
                county_id=county_id,
                purchaser=users["township_officer"].organization,
                year=2000 + start + i,
                due_on=dt.date(2001 + start + i, 1, 31),
                created_by=users["township_officer"],
            )

    def cost(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    county = login(users["county_officer"])
    add(2, 0)
    page_n = cost(lambda: county.get(reverse("evaluations:submissions")))
    api_n = cost(lambda: api(users["county_officer"]).get("/api/v1/annual-submissions/"))
    add(2, 2)
    assert cost(lambda: county.get(reverse("evaluations:submissions"))) == page_n
    assert cost(lambda: api(users["county_officer"]).get("/api/v1/annual-submissions/")) == api_n
