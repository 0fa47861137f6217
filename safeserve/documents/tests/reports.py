"""Building technical reports in tests: a task's findings recorded (the report's draft opens),
its sections written, signatures requested, signed by every participating expert, sealed,
issued — each step through the services, as the pages and the API call them."""

from __future__ import annotations

from typing import Any

from safeserve.demo.seed import DEMO_PASSWORD
from safeserve.documents import report_services as reports
from safeserve.documents import services as documents
from safeserve.documents.models import TechnicalReport
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.tests.conftest import (
    assign,
    finish,
    plan_task,
    raise_general,
    reload,
)

SITE = "https://anfu.example.gov.cn/"
SECTIONS = {
    "overview": "受城关镇人民政府委托开展安全生产检查。",
    "basis": "《中华人民共和国安全生产法》",
    "conclusion": "企业存在一般隐患，已书面告知。",
    "recommendations": "按期整改并建立隐患排查治理台账。",
}


def finished_task(users: dict[str, Any], contract: Any, enterprise: Any, days: int = 1) -> Any:
    """An inspection with one general hazard, its findings recorded (its report opens)."""
    task = plan_task(users, contract, enterprise, days=days)
    assign(users, task)
    fieldwork.task_check_in(actor=users["expert"], task=reload(task))
    raise_general(users, reload(task))
    return finish(users, reload(task))


def report_of(task: ServiceTask) -> TechnicalReport:
    return reports.report_of(TechnicalReport.objects.filter(task=task).latest("version").pk)


def written(users: dict[str, Any], report: TechnicalReport) -> TechnicalReport:
    reports.report_update(actor=users["provider_admin"], report=report, **SECTIONS)
    return reports.report_of(report.pk)


def requested(users: dict[str, Any], report: TechnicalReport) -> TechnicalReport:
    written(users, report)
    return reports.report_request_signatures(
        actor=users["expert"], report=reports.report_of(report.pk), site_url=SITE
    )


def sign(user: Any, report: TechnicalReport) -> TechnicalReport:
    report = reports.report_of(report.pk)
    assert report.document is not None
    documents.document_sign(
        actor=user, document=report.document, password=DEMO_PASSWORD, site_url=SITE
    )
    return reports.report_of(report.pk)


def seal(user: Any, report: TechnicalReport) -> TechnicalReport:
    report = reports.report_of(report.pk)
    assert report.document is not None
    documents.document_seal(
        actor=user, document=report.document, password=DEMO_PASSWORD, site_url=SITE
    )
    return reports.report_of(report.pk)


def sealed(users: dict[str, Any], report: TechnicalReport) -> TechnicalReport:
    report = requested(users, report)
    report = sign(users["expert"], report)
    report = sign(users["expert2"], report)
    return seal(users["provider_admin"], report)


def issued(users: dict[str, Any], report: TechnicalReport) -> TechnicalReport:
    report = sealed(users, report)
    reports.report_issue(actor=users["provider_admin"], report=report)
    return reports.report_of(report.pk)
