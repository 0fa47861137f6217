"""隐患排查治理统计 (issue 16): the statutory figures of a quarter or a year within one's scope;
each township and department submits them to the county office by the policy's due date
(draft → submitted → received or returned with reasons); exports; 待办 and reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import statistics_due
from safeserve.common.todo import todo_for
from safeserve.fieldwork.tests.conftest import TODAY, advance, raise_general, raise_major
from safeserve.hazards import services as hazards
from safeserve.hazards.models import HazardStatus, MajorHazardReport
from safeserve.notifications.models import Notification
from safeserve.notifications.services import reminders_run
from safeserve.supervision import statistics_services as services
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission
from safeserve.supervision.services import county_policy_update
from safeserve.supervision.statistics import hazard_statistics

pytestmark = pytest.mark.django_db

YEAR, QUARTER = TODAY.year, (TODAY.month - 1) // 3 + 1  # the frozen day's quarter (Q2)
PLAN = {
    "targets": "拆除违规设备",
    "methods": "委托有资质单位设计施工",
    "funds": "企业自筹",
    "organisation": "总经理负总责",
    "time_limits": "60日内完成",
    "safety_measures": "整改期间停用相关区域",
}


def chain(users: dict[str, Any], task: Any) -> dict[str, Any]:
    """Two general hazards (one closed) and a major one: sent, acknowledged, listed for
    county supervision, with a governance plan of all five parts and 30.5 万元."""
    open_one = raise_general(users, task)
    closed = advance(
        users, raise_general(users, task, description="消防通道堵塞"), HazardStatus.CLOSED
    )
    major = raise_major(users, task)
    report = MajorHazardReport.objects.get(hazard=major)
    report = hazards.major_report_save(
        actor=users["provider_admin"],
        report=report,
        current_state="泄爆口被封堵",
        harm_analysis="可能引发粉尘爆炸",
        handling_advice="立即停用除尘系统",
    )
    hazards.major_report_send(actor=users["expert"], report=report)
    hazards.major_report_acknowledge(actor=users["department_officer"], report=report)
    hazards.major_report_supervise(
        actor=users["department_officer"],
        report=report,
        level="county",
        supervising_unit="安平县安委会",
        planned_completion=TODAY + dt.timedelta(days=60),
    )
    hazards.governance_plan_save(
        actor=users["enterprise_user"], report=report, parts=PLAN, funds_amount="30.5"
    )
    return {"open": open_one, "closed": closed, "major": major}


def totals(user: Any, quarter: int = QUARTER, by: str = "sector") -> dict[str, Any]:
    return hazard_statistics(viewer=user, year=YEAR, quarter=quarter, by=by).total.as_dict()


# --- the figures -----------------------------------------------------------------------------


def test_the_figures_count_found_rectified_plans_five_in_place_funds_and_supervision(
    users, on_site
):
    chain(users, on_site)
    table = hazard_statistics(viewer=users["county_officer"], year=YEAR, quarter=QUARTER)
    total = table.total
    assert (total.general_found, total.general_closed, total.general_rate) == (
        2,
        1,
        Decimal("50.0"),
    )
    assert (total.major_found, total.major_closed, total.major_rate) == (1, 0, Decimal("0.0"))
    assert (total.major_planned, total.major_five, total.funds) == (1, 1, Decimal("30.50"))
    assert (total.supervised_province, total.supervised_city, total.supervised_county) == (0, 0, 1)
    # 恒丰 is outside the high-risk sectors: one row.
    assert [row.label for row in table.rows] == ["非高危行业"]
    # The year holds the quarter; another quarter holds nothing.
    assert totals(users["county_officer"], quarter=0)["general_found"] == 2
    assert totals(users["county_officer"], quarter=1)["general_found"] == 0


def test_a_plan_without_its_funds_is_planned_but_not_five_in_place(users, on_site):
    found = chain(users, on_site)
    report = MajorHazardReport.objects.get(hazard=found["major"])
    hazards.governance_plan_save(
        actor=users["enterprise_user"], report=report, parts=PLAN, funds_amount=""
    )
    figures = totals(users["county_officer"])
    assert (figures["major_planned"], figures["major_five"], figures["funds"]) == (1, 0, "0.00")


def test_the_figures_are_the_viewers_scope(users, on_site):
    chain(users, on_site)
    # 城关镇 bought the service; the department sees the major hazard routed to it.
    assert totals(users["township_officer"])["general_found"] == 2
    department = totals(users["department_officer"])
    assert (department["general_found"], department["major_found"]) == (0, 1)
    assert totals(users["other_county_officer"])["general_found"] == 0
    assert totals(users["enterprise_user"])["general_found"] <= 2


def test_breakdowns_by_township_and_enterprise_add_up_to_the_total(users, on_site):
    chain(users, on_site)
    for by in ("township", "enterprise"):
        table = hazard_statistics(viewer=users["county_officer"], year=YEAR, quarter=QUARTER, by=by)
        assert [row.label for row in table.rows] == (
            ["城关镇"] if by == "township" else ["安平县恒丰纺织有限公司"]
        )
        assert table.total.general_found == 2


def test_the_funds_must_be_a_sum_of_wan_yuan(users, on_site):
    found = chain(users, on_site)
    report = MajorHazardReport.objects.get(hazard=found["major"])
    for bad in ("三十万", "-1", "1.234", "1e400"):
        with pytest.raises(ApplicationError) as refused:
            hazards.governance_plan_save(
                actor=users["enterprise_user"], report=report, parts={}, funds_amount=bad
            )
        assert "funds_amount" in refused.value.errors
    assert report.governance_plan.__class__.objects.get(report=report).funds_amount == Decimal(
        "30.50"
    )


# --- the submission --------------------------------------------------------------------------


def test_a_township_submits_a_quarter_and_the_county_office_receives_it(users, on_site):
    chain(users, on_site)
    submission = services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    assert submission.due_on == dt.date(YEAR, 4, 15)
    with pytest.raises(PermissionDenied):  # the leader sends it
        services.statistics_submit(actor=users["township_officer"], submission=submission)
    sent = services.statistics_submit(actor=users["township_leader"], submission=submission)
    assert sent.status == StatisticsStatus.SUBMITTED
    assert sent.late is True  # today is past 15 April
    assert sent.figures["total"]["general_found"] == 0  # Q1 had none
    received = services.statistics_receive(actor=users["county_officer"], submission=sent)
    assert received.status == StatisticsStatus.RECEIVED
    with pytest.raises(ApplicationError) as again:
        services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    assert again.value.code == "submission_exists"


def test_the_figures_are_frozen_as_sent(users, on_site):
    chain(users, on_site)
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):  # Q2 over
        submission = services.statistics_open(
            actor=users["township_officer"], year=YEAR, quarter=QUARTER
        )
        sent = services.statistics_submit(actor=users["township_leader"], submission=submission)
        assert sent.late is False and sent.figures["total"]["general_found"] == 2
        raise_general(users, on_site)
    sent.refresh_from_db()
    assert sent.figures["total"]["general_found"] == 2


def test_a_quarter_not_over_cannot_be_submitted(users, on_site):
    submission = services.statistics_open(
        actor=users["township_officer"], year=YEAR, quarter=QUARTER
    )
    with pytest.raises(ApplicationError) as refused:
        services.statistics_submit(actor=users["township_leader"], submission=submission)
    assert refused.value.code == "period_not_over"


def test_a_returned_submission_names_its_reasons_and_the_unit_submits_again(users):
    submission = services.statistics_open(actor=users["department_officer"], year=YEAR, quarter=1)
    services.statistics_note(
        actor=users["department_officer"], submission=submission, note="本季度无重大隐患"
    )
    sent = services.statistics_submit(actor=users["department_leader"], submission=submission)
    with pytest.raises(ApplicationError) as refused:
        services.statistics_return(actor=users["county_officer"], submission=sent, reason="  ")
    assert "reason" in refused.value.errors
    returned = services.statistics_return(
        actor=users["county_officer"], submission=sent, reason="数据与系统不符，请核实"
    )
    assert returned.status == StatisticsStatus.RETURNED
    again = services.statistics_open(actor=users["department_officer"], year=YEAR, quarter=1)
    assert again.replaces == returned and again.note == "本季度无重大隐患"


@pytest.mark.parametrize(
    ("year", "quarter", "field"),
    [
        ("去年", 1, "year"),
        (1999, 1, "year"),
        (YEAR, 5, "quarter"),
        (YEAR, "x", "quarter"),
        (YEAR + 1, 1, "year"),
        (YEAR, 4, "quarter"),
    ],
)
def test_a_bad_period_names_the_field(users, year, quarter, field):
    with pytest.raises(ApplicationError) as refused:
        services.statistics_open(actor=users["township_officer"], year=year, quarter=quarter)
    assert field in refused.value.errors


# Who may do what, written out by hand: open (a unit's officer, leader or admin), submit (its
# leader), receive and return (the county office's officer or leader).
WHO_OPENS = {
    "township_officer": True,
    "township_leader": True,
    "department_officer": True,
    "county_officer": False,
    "provider_admin": False,
    "enterprise_user": False,
    "expert": False,
    "other_county_officer": False,
}


@pytest.mark.parametrize(("username", "allowed"), WHO_OPENS.items())
def test_who_opens_a_submission(users, username, allowed):
    if allowed:
        assert services.statistics_open(actor=users[username], year=YEAR, quarter=1).pk
    else:
        with pytest.raises(PermissionDenied):
            services.statistics_open(actor=users[username], year=YEAR, quarter=1)


WHO_RECEIVES = {
    "county_officer": True,
    "county_leader": True,
    "township_leader": False,
    "department_officer": False,
    "other_county_officer": False,
}


@pytest.mark.parametrize(("username", "allowed"), WHO_RECEIVES.items())
def test_who_receives(users, username, allowed):
    submission = services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    sent = services.statistics_submit(actor=users["township_leader"], submission=submission)
    if allowed:
        services.statistics_receive(actor=users[username], submission=sent)
    else:
        with pytest.raises(PermissionDenied):
            services.statistics_receive(actor=users[username], submission=sent)


def test_who_sees_a_submission(users):
    submission = services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    seen = {
        name
        for name in (
            "county_officer",
            "township_leader",
            "department_officer",
            "other_county_officer",
            "provider_admin",
            "enterprise_user",
        )
        if StatisticsSubmission.objects.visible_to(users[name]).filter(pk=submission.pk).exists()
    }
    assert seen == {"county_officer", "township_leader"}


def test_the_due_dates_are_county_policy(users):
    county = users["county_officer"].organization.county_id
    assert statistics_due(county, 2026, 4) == dt.date(2027, 1, 15)
    assert statistics_due(county, 2026, 0) == dt.date(2027, 1, 31)
    county_policy_update(
        actor=users["county_leader"],
        values={
            "statistics_quarter_day": 10,
            "statistics_year_month": 2,
            "statistics_year_day": 28,
        },
        reason="市里要求提前",
    )
    assert statistics_due(county, 2026, 2) == dt.date(2026, 7, 10)
    assert statistics_due(county, 2026, 0) == dt.date(2027, 2, 28)
    with pytest.raises(ApplicationError) as refused:
        county_policy_update(
            actor=users["county_leader"],
            values={"statistics_year_month": 2, "statistics_year_day": 31},
            reason="",
        )
    assert "statistics_year_day" in refused.value.errors


# --- pages, exports, API -------------------------------------------------------------------


PAGE = {
    "county_officer": 200,
    "township_officer": 200,
    "department_leader": 200,
    "provider_admin": 403,
    "expert": 403,
    "enterprise_user": 403,
    "evaluator": 403,
}


@pytest.mark.parametrize(("username", "status"), PAGE.items())
def test_who_opens_the_statistics_page(users, login, username, status):
    assert login(users[username]).get("/statistics/").status_code == status


def test_the_county_office_sees_who_has_and_has_not_submitted(users, login):
    submission = services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    services.statistics_submit(actor=users["township_leader"], submission=submission)
    page = login(users["county_officer"]).get(f"/statistics/?year={YEAR}&quarter=1")
    overview = {row.organization.name: row for row in page.context["overview"]}
    assert overview["安平县城关镇人民政府"].sent and overview["安平县城关镇人民政府"].late
    assert overview["安平县应急管理局"].submission is None and overview["安平县应急管理局"].late
    assert len(overview) == 11  # 8 townships and 3 departments
    html = page.content.decode()
    assert "已报送" in html or "已提交" in html


def test_the_page_shows_the_table_and_exports_it(users, on_site, login):
    chain(users, on_site)
    client = login(users["county_officer"])
    page = client.get(f"/statistics/?year={YEAR}&quarter={QUARTER}&by=township")
    html = page.content.decode()
    assert "城关镇" in html and "30.50" in html
    sheet = client.get(f"/statistics/table.xlsx?year={YEAR}&quarter={QUARTER}")
    assert sheet.status_code == 200
    pdf = client.get(f"/statistics/table.pdf?year={YEAR}&quarter={QUARTER}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert quote("隐患排查治理情况统计") in pdf["Content-Disposition"]
    client.cookies["django_language"] = "en"
    english = client.get(f"/statistics/table.pdf?year={YEAR}&quarter={QUARTER}")
    assert quote("Hazard investigation and governance statistics") in english["Content-Disposition"]


def test_a_bad_period_on_the_page_is_named_and_loses_nothing(users, login):
    page = login(users["county_officer"]).get("/statistics/?year=abc&quarter=9")
    assert page.status_code == 200
    assert page.context["errors"].keys() == {"year"} or "year" in page.context["errors"]


def test_the_page_costs_the_same_for_twice_the_hazards(users, on_site, login):
    client = login(users["county_officer"])
    raise_general(users, on_site)

    def count(by: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(f"/statistics/?year={YEAR}&quarter={QUARTER}&by={by}").status_code == 200
            )
        return len(captured)

    before = {by: count(by) for by in ("sector", "township", "enterprise")}
    for _n in range(2):
        raise_general(users, on_site)
    assert {by: count(by) for by in before} == before


def test_the_submission_page_walks_the_verbs(users, login):
    client = login(users["township_officer"])
    opened = client.post("/statistics/submissions/open/", {"year": YEAR, "quarter": 1})
    submission = StatisticsSubmission.objects.get()
    assert opened["Location"] == f"/statistics/submissions/{submission.pk}/"
    saved = client.post(f"/statistics/submissions/{submission.pk}/note/", {"note": "无"})
    assert saved.status_code == 302
    leader = login(users["township_leader"])
    leader.post(f"/statistics/submissions/{submission.pk}/submit/", {"note": "无"})
    submission.refresh_from_db()
    assert submission.status == StatisticsStatus.SUBMITTED
    county = login(users["county_officer"])
    refused = county.post(f"/statistics/submissions/{submission.pk}/return/", {"reason": ""})
    assert refused.status_code == 400 and "退回" in refused.content.decode()
    county.post(f"/statistics/submissions/{submission.pk}/receive/")
    submission.refresh_from_db()
    assert submission.status == StatisticsStatus.RECEIVED
    assert county.get(f"/statistics/submissions/{submission.pk}/table.pdf").status_code == 200
    listed = county.get("/statistics/submissions/?status=received").content.decode()
    assert "城关镇" in listed
    assert county.get("/statistics/submissions/export/").status_code == 200
    other = login(users["other_county_officer"])
    assert other.get(f"/statistics/submissions/{submission.pk}/").status_code == 404


def test_the_api_figures_and_verbs(users, on_site, api):
    chain(users, on_site)
    county = api(users["county_officer"])
    table = county.get(f"/api/v1/statistics/figures/?year={YEAR}&quarter={QUARTER}").json()
    assert table["total"]["general_found"] == 2 and table["total"]["funds"] == "30.50"
    bad = county.get("/api/v1/statistics/figures/?quarter=7")
    assert bad.status_code == 400 and "quarter" in bad.json()["errors"]
    assert county.get("/api/v1/statistics/figures/?by=planet").status_code == 400
    township = api(users["township_officer"])
    created = township.post("/api/v1/statistics/", {"year": YEAR, "quarter": 1}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["allowed_actions"] == ["note"] and body["figures"]["total"]["general_found"] == 0
    assert county.get(f"/api/v1/statistics/{body['id']}/").json()["figures"] is None
    sent = api(users["township_leader"]).post(f"/api/v1/statistics/{body['id']}/submit/")
    assert sent.json()["status"] == "submitted"
    returned = county.post(
        f"/api/v1/statistics/{body['id']}/return/", {"reason": "请补充说明"}, format="json"
    )
    assert returned.json()["status"] == "returned"
    listed = county.get("/api/v1/statistics/?status=returned").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert api(users["provider_admin"]).get("/api/v1/statistics/").status_code == 403


# --- 待办 and reminders ---------------------------------------------------------------------


def test_the_todo_lists_what_waits(users, on_site):
    note_titles = [note.title for note in todo_for(users["township_officer"]).notes]
    assert any("第1季度" in title or "Q1" in title for title in note_titles)
    submission = services.statistics_open(actor=users["township_officer"], year=YEAR, quarter=1)
    assert not [n for n in todo_for(users["township_officer"]).notes if "隐患统计" in str(n.label)]
    leader_rows = {item.row.key for item in todo_for(users["township_leader"]).items}
    assert "statistics.submit" in leader_rows
    services.statistics_submit(actor=users["township_leader"], submission=submission)
    county_rows = {item.row.key for item in todo_for(users["county_officer"]).items}
    assert "statistics.receive" in county_rows


def test_units_are_reminded_once_before_the_due_date(users):
    due = statistics_due(users["township_officer"].organization.county_id, YEAR, 2)  # 15 July
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(due - dt.timedelta(days=3), dt.time(8))),
        tick=False,
    ):
        assert reminders_run()["statistics_due"] > 0
        told = set(
            Notification.objects.filter(kind="statistics_due").values_list(
                "recipient__username", flat=True
            )
        )
        assert {"township_officer", "township_leader", "department_officer"} <= told
        assert "county_officer" not in told and "other_county_officer" not in told
        assert reminders_run()["statistics_due"] == 0


def test_the_governance_funds_on_the_page_and_in_the_api(users, on_site, api, login):
    found = chain(users, on_site)
    report = MajorHazardReport.objects.get(hazard=found["major"])
    client = api(users["enterprise_user"])
    url = f"/api/v1/major-hazard-reports/{report.pk}/governance-plan/"
    bad = client.post(url, {"funds_amount": "三十万"}, format="json")
    assert bad.status_code == 400 and "funds_amount" in bad.json()["errors"]
    good = client.post(url, {"funds_amount": "12.00"}, format="json")
    assert good.status_code == 200 and good.json()["governance_plan"]["funds_amount"] == "12.00"
    page = login(users["enterprise_user"])
    refused = page.post(
        f"/hazards/reports/{report.pk}/plan/", {**PLAN, "funds_amount": "-3"}, follow=True
    )
    assert "万元" in refused.content.decode()
    page.post(f"/hazards/reports/{report.pk}/plan/", {**PLAN, "funds_amount": "8.5"})
    report.governance_plan.refresh_from_db()
    assert report.governance_plan.funds_amount == Decimal("8.50")
