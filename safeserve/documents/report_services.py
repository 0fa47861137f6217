"""Technical reports (R13, WORKFLOWS.md "Technical report"): opened as a draft when the task's
findings are recorded; the provider writes its four sections; asking for signatures freezes
the compiled content and makes the PDF (at once, or in a background job when it is long);
each participating expert signs, the provider seals (documents/services.py, which numbers
it); the provider issues it (the task becomes reported); the purchaser accepts it (the task
becomes accepted) or returns it with reasons; a revision is a new version that supersedes
the old when it is issued."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import policy_for
from safeserve.documents.models import (
    ISSUED_REPORT_STATUSES,
    DocumentKind,
    DocumentSignature,
    RenderStatus,
    ReportStatus,
    SignatureRole,
    SignedDocument,
    TechnicalReport,
)
from safeserve.documents.report_content import compile_content, estimated_pages
from safeserve.documents.services import check_code
from safeserve.documents.workflows import (
    REPORT,
    REPORTABLE_TASK_STATUSES,
    SECTIONS,
    writes_task_report,
)
from safeserve.fieldwork.models import AssignmentRole, ServiceTask, TaskStatus
from safeserve.fieldwork.services.tasks import task_report_moved

logger = logging.getLogger(__name__)

# Above this many pages the PDF is made by a background job, with its progress on the page.
INLINE_PAGES = 20
SECTION_LIMIT = 20000
REASON_LIMIT = 2000


def report_of(pk: int) -> TechnicalReport:
    """A report with what its verb tables read."""
    return (
        TechnicalReport.objects.select_related(
            "task", "contract__provider", "provider", "enterprise", "document"
        )
        .prefetch_related("task__assignments__expert", "document__signatures")
        .get(pk=pk)
    )


def _lock(report: TechnicalReport) -> TechnicalReport:
    locked = (
        TechnicalReport.objects.select_for_update(of=("self",))
        .select_related("task", "contract__provider", "provider", "enterprise", "document")
        .prefetch_related("task__assignments__expert", "document__signatures")
        .get(pk=report.pk)
    )
    return locked


def _snapshot(report: TechnicalReport) -> dict[str, Any]:
    return {"status": report.status, "version": report.version}


def _suggested_sections(task: ServiceTask) -> dict[str, str]:
    """What the draft starts with, from the data, in Chinese (an official document); the
    provider rewrites it as it sees fit."""
    with translation.override("zh-hans"):
        return _suggestions(task)


def _suggestions(task: ServiceTask) -> dict[str, str]:
    contract = task.contract
    enterprise = task.enterprise.name if task.enterprise else _("the enterprises served")
    overview = _(
        "Commissioned by %(purchaser)s under contract %(contract)s, %(provider)s carried out "
        "%(kind)s at %(enterprise)s on %(date)s."
    ) % {
        "purchaser": contract.purchaser.name,
        "contract": contract.number or contract.project.title,
        "provider": contract.provider.name,
        "kind": task.get_kind_display(),
        "enterprise": enterprise,
        "date": f"{task.planned_date:%Y-%m-%d}",
    }
    standards = sorted(
        {
            i.template.standard
            for i in task.inspections.select_related("template")
            if i.template.standard
        }
    )
    basis = "\n".join([_("Work Safety Law of the People's Republic of China"), *standards])
    return {"overview": overview, "basis": basis, "conclusion": "", "recommendations": ""}


def may_open_report(user: Any, task: ServiceTask) -> bool:
    """Who opens a task's report by hand (one finished before reports existed), once the
    findings are in and while the task has none — what report_create checks."""
    return (
        writes_task_report(user, task)
        and task.status in REPORTABLE_TASK_STATUSES
        and not task.reports.exists()
    )


def report_due_on(task: ServiceTask) -> dt.date | None:
    """The county's report days after the local day of the task's findings (R13)."""
    if task.findings_recorded_at is None:
        return None
    days = policy_for(task.county_id).report_due_days
    return timezone.localdate(task.findings_recorded_at) + dt.timedelta(days=days)


def report_open(task: ServiceTask, actor: Any) -> TechnicalReport:
    """The task's findings are recorded: its report's draft opens (R13). Called by
    task_finish in its transaction (registered in DocumentsConfig.ready)."""
    existing = TechnicalReport.objects.filter(task=task).order_by("-version").first()
    if existing is not None:
        return existing
    task = ServiceTask.objects.select_related(
        "contract__provider", "contract__purchaser", "contract__project", "enterprise"
    ).get(pk=task.pk)
    report = TechnicalReport.objects.create(
        county_id=task.county_id,
        task=task,
        contract=task.contract,
        provider=task.contract.provider,
        enterprise=task.enterprise,
        created_by=actor,
        due_on=report_due_on(task),
        **_suggested_sections(task),
    )
    audit_record(
        action="report.opened",
        actor=actor,
        obj=report,
        after={"task": task.title, **_snapshot(report)},
    )
    return report


@transaction.atomic
def report_create(*, actor: Any, task: ServiceTask) -> TechnicalReport:
    """Opens the report of a task whose findings were recorded before it had one."""
    locked = (
        ServiceTask.objects.select_for_update(of=("self",))
        .select_related("contract__provider")
        .get(pk=task.pk)
    )
    require(writes_task_report(actor, locked))
    if TechnicalReport.objects.filter(task=locked).exists():
        raise ApplicationError(
            "report_exists", _("This task has its report already; open it from the task.")
        )
    if locked.status not in REPORTABLE_TASK_STATUSES:
        raise ApplicationError(
            "findings_not_recorded",
            _("The task's findings are not recorded yet (it is %(s)s); the report follows them.")
            % {"s": locked.get_status_display()},
        )
    return report_open(locked, actor)


@transaction.atomic
def report_update(*, actor: Any, report: TechnicalReport, **sections: str) -> TechnicalReport:
    """The provider writes the sections (概述、依据、结论、建议) while the report is a draft;
    from the request for signatures on, nothing changes (409)."""
    locked = _lock(report)
    REPORT.check("edit", actor, locked)
    errors = {}
    before, after = {}, {}
    for name, value in sections.items():
        if name not in SECTIONS or value is None:
            continue
        text = str(value).strip()
        if len(text) > SECTION_LIMIT:
            errors[name] = [
                _("At most %(n)d characters; this has %(m)d.")
                % {"n": SECTION_LIMIT, "m": len(text)}
            ]
            continue
        if text != getattr(locked, name):
            before[name], after[name] = getattr(locked, name), text
            setattr(locked, name, text)
    if errors:
        raise ApplicationError(
            "invalid", _("Some sections are too long; shorten them."), errors=errors, status=400
        )
    if after:
        locked.save(update_fields=[*after, "updated_at"])
        audit_record(action="report.edited", actor=actor, obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def _freeze(actor: Any, report: TechnicalReport) -> TechnicalReport:
    locked = _lock(report)
    REPORT.check("request-signatures", actor, locked)
    content = compile_content(locked.task)
    document = SignedDocument.objects.create(
        county_id=locked.county_id,
        provider_id=locked.provider_id,
        kind=DocumentKind.REPORT,
        number="",
        check_code=check_code(),
    )
    # Every participating expert signs (R13): the task's team at this moment, lead first.
    team = sorted(
        locked.task.assignments.all(), key=lambda a: (a.role != AssignmentRole.LEAD, a.expert.name)
    )
    rows = [
        DocumentSignature(
            document=document,
            position=i + 1,
            role=SignatureRole.EXPERT,
            signer_id=a.expert.user_id,
            signer_name=a.expert.name,
        )
        for i, a in enumerate(team)
    ]
    rows.append(
        DocumentSignature(document=document, position=len(rows) + 1, role=SignatureRole.SEAL)
    )
    DocumentSignature.objects.bulk_create(rows)
    locked.content = content
    locked.document = document
    locked.status = ReportStatus.SIGNING
    locked.requested_at = timezone.now()
    locked.render_status = RenderStatus.QUEUED
    locked.render_progress = 0
    locked.save()
    audit_record(
        action="report.signatures_requested",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.DRAFT},
        after={
            "status": locked.status,
            "experts": [a.expert.name for a in team],
            "hazards": len(content["hazards"]),
        },
    )
    return locked


def report_request_signatures(
    *, actor: Any, report: TechnicalReport, site_url: str
) -> TechnicalReport:
    """draft → signing: the content freezes and the PDF is made — here when it is short,
    by a background job when it is long (``db_worker`` runs it; the page shows progress)."""
    locked = _freeze(actor, report)
    if estimated_pages(locked.content) > INLINE_PAGES:
        _enqueue(locked, site_url)
    else:
        report_render(locked.pk, site_url)
    return report_of(locked.pk)


def _enqueue(report: TechnicalReport, site_url: str) -> None:
    from safeserve.documents.tasks import render_report

    transaction.on_commit(lambda: render_report.enqueue(report.pk, site_url))


def _progress(report_id: int, status: str, progress: int, error: str = "") -> None:
    TechnicalReport.objects.filter(pk=report_id).update(
        render_status=status, render_progress=progress, render_error=error
    )


def report_render(report_id: int, site_url: str) -> TechnicalReport:
    """Makes the report's PDF from its frozen content and stores it on its document (what
    the experts then read and sign). A failure is kept on the report with its reason; the
    content stays, so a retry loses nothing. Safe to run twice: a rendered report is left."""
    from safeserve.documents.report_pdf import render_report

    report = report_of(report_id)
    document = report.document
    if document is None or report.status != ReportStatus.SIGNING or document.file:
        return report
    _progress(report_id, RenderStatus.RUNNING, 10)
    try:
        content, pages = render_report(
            report, site_url, progress=lambda p: _progress(report_id, RenderStatus.RUNNING, p)
        )
    except Exception as exc:
        logger.exception("report %s: rendering failed", report_id)
        _progress(report_id, RenderStatus.FAILED, 0, f"{type(exc).__name__}: {exc}"[:500])
        return report_of(report_id)
    with transaction.atomic():
        locked = SignedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.file:
            return report_of(report_id)
        locked.file.save(locked.file_name, ContentFile(content), save=False)
        locked.sha256 = hashlib.sha256(content).hexdigest()
        locked.pages = pages
        locked.save()
        _progress(report_id, RenderStatus.DONE, 100)
    return report_of(report_id)


@transaction.atomic
def report_retry_render(*, actor: Any, report: TechnicalReport, site_url: str) -> TechnicalReport:
    locked = _lock(report)
    REPORT.check("retry-render", actor, locked)
    locked.render_status, locked.render_progress, locked.render_error = RenderStatus.QUEUED, 0, ""
    locked.save(update_fields=["render_status", "render_progress", "render_error", "updated_at"])
    audit_record(action="report.render_retried", actor=actor, obj=locked)
    _enqueue(locked, site_url)
    return locked


def report_sealed(*, actor: Any, document: SignedDocument) -> TechnicalReport:
    """The seal is on (documents/services.py, in its transaction): the report takes the
    number the seal carries and is sealed — immutable from here (R13)."""
    report = TechnicalReport.objects.select_for_update(of=("self",)).get(document=document)
    report.number = document.number
    report.status = ReportStatus.SEALED
    report.sealed_at = timezone.now()
    report.save(update_fields=["number", "status", "sealed_at", "updated_at"])
    audit_record(
        action="report.sealed",
        actor=actor,
        obj=report,
        before={"status": ReportStatus.SIGNING},
        after={"status": report.status, "number": report.number, "sha256": document.sha256},
    )
    return report


@transaction.atomic
def report_issue(*, actor: Any, report: TechnicalReport) -> TechnicalReport:
    """sealed → issued: the purchaser and the enterprise see it; the task becomes reported;
    the version it revises (if any) is superseded."""
    locked = _lock(report)
    REPORT.check("issue", actor, locked)
    now = timezone.now()
    locked.status, locked.issued_at, locked.issued_by = ReportStatus.ISSUED, now, actor
    # Only the first version is due by a date; a revision is the provider's correction.
    locked.issued_late = bool(
        locked.version == 1 and locked.due_on and timezone.localdate(now) > locked.due_on
    )
    locked.save(update_fields=["status", "issued_at", "issued_by", "issued_late", "updated_at"])
    older = (
        TechnicalReport.objects.select_for_update()
        .filter(
            task_id=locked.task_id, version__lt=locked.version, status__in=ISSUED_REPORT_STATUSES
        )
        .exclude(status=ReportStatus.SUPERSEDED)
    )
    for old in older:
        before = old.status
        old.status, old.superseded_at = ReportStatus.SUPERSEDED, now
        old.save(update_fields=["status", "superseded_at", "updated_at"])
        audit_record(
            action="report.superseded",
            actor=actor,
            obj=old,
            before={"status": before},
            after={"status": old.status, "by": locked.number, "reason": locked.revision_reason},
        )
    audit_record(
        action="report.issued",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.SEALED},
        after={"status": locked.status, "number": locked.number},
    )
    task_report_moved(
        actor=actor, task=locked.task, status=TaskStatus.REPORTED, report=locked.number
    )
    return locked


@transaction.atomic
def report_accept(*, actor: Any, report: TechnicalReport) -> TechnicalReport:
    locked = _lock(report)
    REPORT.check("accept", actor, locked)
    locked.status, locked.decided_at, locked.decided_by = (
        ReportStatus.ACCEPTED,
        timezone.now(),
        actor,
    )
    locked.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    audit_record(
        action="report.accepted",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.ISSUED},
        after={"status": locked.status},
    )
    task_report_moved(
        actor=actor, task=locked.task, status=TaskStatus.ACCEPTED, report=locked.number
    )
    return locked


def _reason(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(
            "reason_required", message, errors={field: [_("Give the reason.")]}, status=400
        )
    if len(text) > REASON_LIMIT:
        raise ApplicationError(
            "invalid",
            _("The reason is too long: at most %(n)d characters.") % {"n": REASON_LIMIT},
            errors={field: [_("Shorten it.")]},
            status=400,
        )
    return text


@transaction.atomic
def report_return(*, actor: Any, report: TechnicalReport, reason: str) -> TechnicalReport:
    """The purchaser sends it back with reasons; the provider revises it as a new version.
    The task waits for that version (back to findings recorded)."""
    locked = _lock(report)
    REPORT.check("return", actor, locked)
    text = _reason(
        reason, "reason", _("Say why the report is returned, so the provider can correct it.")
    )
    locked.status, locked.decided_at, locked.decided_by = (
        ReportStatus.RETURNED,
        timezone.now(),
        actor,
    )
    locked.return_reason = text
    locked.save(update_fields=["status", "decided_at", "decided_by", "return_reason", "updated_at"])
    audit_record(
        action="report.returned",
        actor=actor,
        obj=locked,
        before={"status": ReportStatus.ISSUED},
        after={"status": locked.status, "reason": text},
    )
    task_report_moved(
        actor=actor, task=locked.task, status=TaskStatus.FINDINGS_RECORDED, report=locked.number
    )
    return locked


@transaction.atomic
def report_revise(*, actor: Any, report: TechnicalReport, reason: str) -> TechnicalReport:
    """A new version (a draft) of an issued, returned or accepted report, with the reason;
    its sections start as the old one's. The old stays as it is until the new one is
    issued, then it is superseded."""
    locked = _lock(report)
    REPORT.check("revise", actor, locked)
    text = _reason(reason, "reason", _("Say why the report is revised; the new version shows it."))
    if TechnicalReport.objects.filter(task_id=locked.task_id, version__gt=locked.version).exists():
        raise ApplicationError(
            "newer_version", _("A newer version of this report exists; revise that one.")
        )
    revision = TechnicalReport.objects.create(
        county_id=locked.county_id,
        task_id=locked.task_id,
        contract_id=locked.contract_id,
        provider_id=locked.provider_id,
        enterprise_id=locked.enterprise_id,
        version=locked.version + 1,
        previous=locked,
        due_on=locked.due_on,
        revision_reason=text,
        created_by=actor,
        **{name: getattr(locked, name) for name in SECTIONS},
    )
    audit_record(
        action="report.revised",
        actor=actor,
        obj=revision,
        after={"revises": locked.number, "reason": text, **_snapshot(revision)},
    )
    return revision
