"""Who sees a technical report, its PDF and which verbs, in each state — written out by hand —
through the page and the API alike; the refusals the issue names (409 sealing early or
editing after signing, 404 out of scope, 403 signing for another); query counts constant on
the report lists; the long report's background PDF with its failure and retry; and
verification of a superseded version."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.demo.seed import DEMO_PASSWORD
from safeserve.documents import report_services as reports
from safeserve.documents import verify
from safeserve.documents.models import RenderStatus, ReportStatus, TechnicalReport
from safeserve.documents.tests.helpers import content
from safeserve.documents.tests.reports import (
    finished_task,
    issued,
    report_of,
    requested,
    sealed,
    sign,
    written,
)
from safeserve.fieldwork.tests.conftest import plan_task

pytestmark = pytest.mark.django_db

PERSONAS = [
    "expert",
    "expert2",
    "provider_admin",
    "provider_leader",
    "township_officer",
    "county_officer",
    "enterprise_user",
    "other_expert",
    "other_provider_admin",
]
HIDDEN = None  # 404 on the page, the API and the PDF

# state → persona → the verbs offered (HIDDEN: not visible at all)
EXPECTED = {
    "draft": {
        "expert": {"edit", "request-signatures"},
        "expert2": set(),
        "provider_admin": {"edit", "request-signatures"},
        "provider_leader": {"edit"},
        "township_officer": HIDDEN,
        "county_officer": HIDDEN,
        "enterprise_user": HIDDEN,
        "other_expert": HIDDEN,
        "other_provider_admin": HIDDEN,
    },
    "signing": {
        "expert": {"sign"},
        "expert2": {"sign"},
        "provider_admin": set(),
        "provider_leader": set(),
        "township_officer": HIDDEN,
        "county_officer": HIDDEN,
        "enterprise_user": HIDDEN,
        "other_expert": HIDDEN,
        "other_provider_admin": HIDDEN,
    },
    "signed_by_both": {
        "expert": set(),
        "expert2": set(),
        "provider_admin": {"seal"},
        "provider_leader": {"seal"},
        "township_officer": HIDDEN,
        "county_officer": HIDDEN,
        "enterprise_user": HIDDEN,
        "other_expert": HIDDEN,
        "other_provider_admin": HIDDEN,
    },
    "sealed": {
        "expert": set(),
        "expert2": set(),
        "provider_admin": {"issue"},
        "provider_leader": {"issue"},
        "township_officer": HIDDEN,
        "county_officer": HIDDEN,
        "enterprise_user": HIDDEN,
        "other_expert": HIDDEN,
        "other_provider_admin": HIDDEN,
    },
    "issued": {
        "expert": {"revise"},
        "expert2": set(),
        "provider_admin": {"revise"},
        "provider_leader": {"revise"},
        "township_officer": {"accept", "return"},
        "county_officer": set(),
        "enterprise_user": set(),
        "other_expert": HIDDEN,
        "other_provider_admin": HIDDEN,
    },
}
# state → who may download its PDF (the file so far while signing, the sealed one after)
PDF_READERS = {
    "draft": set(),
    "signing": {"expert", "expert2", "provider_admin", "provider_leader"},
    "signed_by_both": {"expert", "expert2", "provider_admin", "provider_leader"},
    "sealed": {"expert", "expert2", "provider_admin", "provider_leader"},
    "issued": {
        "expert",
        "expert2",
        "provider_admin",
        "provider_leader",
        "township_officer",
        "county_officer",
        "enterprise_user",
    },
}


def _states(users, contract, hengfeng):
    def task(days):
        return finished_task(users, contract, hengfeng, days=days)

    signing = requested(users, report_of(task(2)))
    both = requested(users, report_of(task(3)))
    both = sign(users["expert2"], sign(users["expert"], both))
    return {
        "draft": written(users, report_of(task(1))),
        "signing": signing,
        "signed_by_both": both,
        "sealed": sealed(users, report_of(task(4))),
        "issued": issued(users, report_of(task(5))),
    }


def test_each_role_sees_and_may_do_what_the_table_says(users, contract, hengfeng, login, api):
    states = _states(users, contract, hengfeng)
    for state, report in states.items():
        for persona in PERSONAS:
            user = users[persona]
            expected = EXPECTED[state][persona]
            page = login(user).get(reverse("documents:report", args=[report.pk]))
            detail = api(user).get(f"/api/v1/reports/{report.pk}/")
            pdf = api(user).get(f"/api/v1/reports/{report.pk}/pdf/")
            where = f"{state} / {persona}"
            if expected is HIDDEN:
                assert page.status_code == 404, where
                assert detail.status_code == 404, where
                assert pdf.status_code == 404, where
                continue
            assert page.status_code == 200, where
            assert set(detail.json()["allowed_actions"]) == expected, where
            assert pdf.status_code == (200 if persona in PDF_READERS[state] else 404), where
            listed = api(user).get("/api/v1/reports/", {"task": report.task_id}).json()
            assert [row["id"] for row in listed["results"]] == [report.pk], where


def test_the_refusals_name_the_rule(users, contract, hengfeng, api):
    report = requested(users, report_of(finished_task(users, contract, hengfeng)))
    url = f"/api/v1/reports/{report.pk}"
    password = {"password": DEMO_PASSWORD}

    early = api(users["provider_admin"]).post(f"{url}/seal/", password, format="json")
    assert early.status_code == 409 and early.json()["code"] == "experts_not_signed"
    edit = api(users["provider_admin"]).patch(f"{url}/", {"overview": "改"}, format="json")
    assert edit.status_code == 409 and edit.json()["code"] == "wrong_state"
    assert (
        api(users["other_expert"]).post(f"{url}/sign/", password, format="json").status_code == 404
    )
    other = api(users["other_provider_admin"]).post(f"{url}/seal/", password, format="json")
    assert other.status_code == 404
    for_another = api(users["provider_admin"]).post(f"{url}/sign/", password, format="json")
    assert for_another.status_code == 403
    wrong = api(users["expert"]).post(f"{url}/sign/", {"password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "password_wrong"
    assert api(users["expert"]).post(f"{url}/sign/", password, format="json").status_code == 200
    twice = api(users["expert"]).post(f"{url}/sign/", password, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_signed"
    returned = api(users["township_officer"]).post(f"{url}/return/", {"reason": "x"}, format="json")
    assert returned.status_code == 404  # the purchaser does not see it before it is issued


def test_the_pages_write_send_and_issue_a_report(users, contract, hengfeng, login):
    task = finished_task(users, contract, hengfeng)
    report = report_of(task)
    admin = login(users["provider_admin"])
    task_page = admin.get(reverse("fieldwork:detail", args=[task.pk])).content.decode()
    assert reverse("documents:report", args=[report.pk]) in task_page
    sections = {
        "overview": "概述文字",
        "basis": "依据文字",
        "conclusion": "结论文字",
        "recommendations": "建议文字",
    }
    admin.post(reverse("documents:report_edit", args=[report.pk]), sections)
    assert report_of(task).conclusion == "结论文字"
    too_long = admin.post(
        reverse("documents:report_edit", args=[report.pk]), {"conclusion": "长" * 20001}
    )
    assert too_long.status_code == 302 and report_of(task).conclusion == "结论文字"
    admin.post(reverse("documents:report_act", args=[report.pk, "request-signatures"]))
    assert report_of(task).status == ReportStatus.SIGNING
    page = login(users["expert"]).get(reverse("documents:report", args=[report.pk]))
    assert 'data-verb="sign"' in page.content.decode()
    home = login(users["expert"]).get("/").content.decode()
    assert reverse("documents:report", args=[report.pk]) in home  # in the 待办


def test_report_lists_cost_the_same_for_twice_the_rows(users, contract, hengfeng, login, api):
    def add(n: int) -> None:
        for i in range(n):
            task = plan_task(
                users, contract, hengfeng, days=10 + TechnicalReport.objects.count() + i
            )
            TechnicalReport.objects.create(
                county_id=task.county_id,
                task=task,
                contract=contract,
                provider=contract.provider,
                enterprise=hengfeng,
                created_by=users["provider_admin"],
            )

    def counts() -> tuple[int, int, int]:
        client, rest = login(users["provider_admin"]), api(users["provider_admin"])
        measured = []
        for fetch in (
            lambda: client.get(reverse("documents:reports")),
            lambda: rest.get("/api/v1/reports/"),
            lambda: client.get(reverse("documents:reports_export")),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert fetch().status_code in (200, 302)
            measured.append(len(queries))
        return measured[0], measured[1], measured[2]

    add(3)
    few = counts()
    add(3)
    assert counts() == few


def test_the_experts_home_costs_the_same_for_twice_the_reports_to_sign(
    users, contract, hengfeng, login
):
    """Each report waiting on the expert's signature is one 待办 item; R7 is asked once per
    contract, not per document."""
    day = iter(range(1, 40))

    def add(n: int) -> None:
        for _ in range(n):
            requested(users, report_of(finished_task(users, contract, hengfeng, days=next(day))))

    def home() -> tuple[int, int]:
        client = login(users["expert2"])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("home")).content.decode()
        return len(queries), page.count("/documents/reports/")

    add(2)
    few, shown = home()
    add(2)
    more, shown_more = home()
    assert more == few and shown_more > shown


def test_a_long_report_is_made_in_the_background_and_a_failure_is_retried(
    users, contract, hengfeng, monkeypatch, django_capture_on_commit_callbacks
):
    from safeserve.documents import report_pdf

    monkeypatch.setattr(reports, "INLINE_PAGES", 0)
    original = report_pdf.render_report

    def broken(*args, **kwargs):
        raise RuntimeError("font cache unavailable")

    monkeypatch.setattr(report_pdf, "render_report", broken)
    report = written(users, report_of(finished_task(users, contract, hengfeng)))
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_request_signatures(
            actor=users["expert"], report=report, site_url="https://x/"
        )
    failed = report_of(report.task)
    assert failed.render_status == RenderStatus.FAILED and "font cache" in failed.render_error
    assert failed.content["hazards"]  # nothing lost
    assert reports.REPORT.verbs_for(users["expert"], failed) == ["retry-render"]

    monkeypatch.setattr(report_pdf, "render_report", original)
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_retry_render(actor=users["expert"], report=failed, site_url="https://x/")
    done = report_of(report.task)
    assert done.render_status == RenderStatus.DONE and done.render_progress == 100
    assert done.document.file and done.document.pages >= 2


def test_verification_says_a_superseded_version_is_not_current(users, contract, hengfeng):
    task = finished_task(users, contract, hengfeng)
    first = issued(users, report_of(task))
    revision = reports.report_revise(actor=users["provider_admin"], report=first, reason="更正")
    issued(users, revision)
    old = report_of(task).__class__.objects.get(pk=first.pk)
    result = verify.by_code(
        old.number.replace("〔", "(").replace("〕", ")"), old.document.check_code
    )
    assert result.found and not result.current
    assert "新版本" in result.message or "newer" in result.message
    data = bytearray(content(old.document))
    data[len(data) // 3] ^= 0x01
    changed = verify.by_file(bytes(data))
    assert changed.intact is False and changed.registered is False
