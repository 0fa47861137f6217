"""A technical report from the findings to acceptance (R13, WORKFLOWS.md "Technical report"):
opened when the findings are recorded, compiled from the data, frozen when sent for
signature, signed by every participating expert and sealed (numbered) by the provider,
issued (task reported), accepted (task accepted); returned and revised as a new version that
supersedes the old one."""

from __future__ import annotations

import pytest

from safeserve.common.exceptions import ApplicationError
from safeserve.documents import report_services as reports
from safeserve.documents.models import DocumentStatus, ReportStatus, SigningAuthority
from safeserve.documents.tests.helpers import content, pdffonts, pdfsig
from safeserve.documents.tests.reports import (
    SECTIONS,
    finished_task,
    issued,
    report_of,
    requested,
    seal,
    sign,
)
from safeserve.fieldwork.models import TaskStatus
from safeserve.fieldwork.tests.conftest import actions, reload

pytestmark = pytest.mark.django_db


def test_the_report_runs_from_findings_to_acceptance(users, contract, hengfeng):
    task = finished_task(users, contract, hengfeng)
    report = report_of(task)
    assert report.status == ReportStatus.DRAFT
    assert report.overview  # suggested from the data
    assert not report.conclusion

    with pytest.raises(ApplicationError) as refused:
        reports.report_request_signatures(
            actor=users["expert"], report=report, site_url="https://x/"
        )
    assert refused.value.code == "sections_missing"

    report = requested(users, report)
    assert report.status == ReportStatus.SIGNING
    assert report.content["hazards"][0]["description"] == "配电箱未接地"
    assert [e["name"] for e in report.content["experts"]] == [
        e.name for e in sorted((a.expert for a in task.assignments.all()), key=lambda e: e.pk)
    ] or len(report.content["experts"]) == 2
    document = report.document
    assert document is not None and document.file and document.pages >= 2
    assert [s.signer_id for s in document.signatures.all() if s.role == "expert"] == [
        users["expert"].pk,
        users["expert2"].pk,
    ]

    # the content froze: editing is refused from here
    with pytest.raises(ApplicationError) as refused:
        reports.report_update(actor=users["provider_admin"], report=report, overview="改")
    assert refused.value.code == "wrong_state"

    with pytest.raises(ApplicationError) as refused:
        seal(users["provider_admin"], report)
    assert refused.value.code == "experts_not_signed"

    report = sign(users["expert"], report)
    report = sign(users["expert2"], report)
    report = seal(users["provider_admin"], report)
    assert report.status == ReportStatus.SEALED
    assert report.number.endswith("第0001号") and "安技字" in report.number
    assert report.document.status == DocumentStatus.COMPLETE
    assert report.document.number == report.number

    data = content(report.document)
    ca = SigningAuthority.objects.get(county_id=report.county_id).certificate_pem
    out = pdfsig(data, ca)
    assert out.count("Signature is Valid.") == 3, out
    assert out.count("Certificate is Trusted.") == 3, out
    assert "Total document signed" in out
    fonts = pdffonts(data)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts

    reports.report_issue(actor=users["provider_admin"], report=report)
    assert reload(task).status == TaskStatus.REPORTED
    report = reports.report_of(report.pk)
    reports.report_accept(actor=users["township_officer"], report=report)
    assert reload(task).status == TaskStatus.ACCEPTED
    assert reports.report_of(report.pk).status == ReportStatus.ACCEPTED
    assert actions(report) == [
        "report.opened",
        "report.edited",
        "report.signatures_requested",
        "report.sealed",
        "report.issued",
        "report.accepted",
    ]
    assert "task.reported" in actions(task) and "task.accepted" in actions(task)


def test_a_returned_report_is_revised_and_the_new_version_supersedes_it(users, contract, hengfeng):
    task = finished_task(users, contract, hengfeng)
    first = issued(users, report_of(task))
    with pytest.raises(ApplicationError) as refused:
        reports.report_return(actor=users["township_officer"], report=first, reason=" ")
    assert refused.value.code == "reason_required"
    reports.report_return(
        actor=users["township_officer"], report=first, reason="隐患照片缺失，请补充"
    )
    assert reload(task).status == TaskStatus.FINDINGS_RECORDED

    second = reports.report_revise(
        actor=users["provider_admin"], report=reports.report_of(first.pk), reason="补充照片"
    )
    assert second.version == 2 and second.status == ReportStatus.DRAFT
    assert second.overview == SECTIONS["overview"]
    with pytest.raises(ApplicationError):  # only the newest version is revised
        reports.report_revise(
            actor=users["provider_admin"], report=reports.report_of(first.pk), reason="再改"
        )
    second = issued(users, second)
    assert second.number.endswith("第0002号")
    old = reports.report_of(first.pk)
    assert old.status == ReportStatus.SUPERSEDED and old.superseded_at is not None
    assert old.document.file  # the old one stays readable
    assert reload(task).status == TaskStatus.REPORTED


def test_an_expert_signs_for_themselves_only(users, contract, hengfeng):
    from django.core.exceptions import PermissionDenied

    report = requested(users, report_of(finished_task(users, contract, hengfeng)))
    sign(users["expert"], report)
    with pytest.raises(ApplicationError) as refused:
        sign(users["expert"], report)
    assert refused.value.code == "already_signed"
    with pytest.raises(PermissionDenied):
        sign(users["other_expert"], report)
    with pytest.raises(PermissionDenied):  # a provider's admin signs for nobody
        sign(users["provider_admin"], report)
