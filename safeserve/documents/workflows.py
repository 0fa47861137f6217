"""The signing of a document (WORKFLOWS.md "Technical report" for reports; a notice follows
the same two verbs): each named expert signs for themselves, then — when the document needs
it — an admin or leader of the issuing provider seals it, once every expert has signed. And
the technical report's own lifecycle around its signing: drafted, sent for signature,
issued, accepted or returned, revised. Services check these tables; pages and
allowed_actions read them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import label
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.permissions import (
    is_provider_admin,
    is_provider_signatory,
    is_provider_staff,
    is_purchaser,
)
from safeserve.contracts.services.engagements import experts_allowed
from safeserve.documents.models import (
    DocumentKind,
    DocumentStatus,
    RenderStatus,
    ReportStatus,
    SignatureRole,
    SignedDocument,
    TechnicalReport,
)
from safeserve.fieldwork.models import TaskStatus
from safeserve.fieldwork.permissions import is_lead


def _refuse(document: SignedDocument) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the document is %(s)s.") % {"s": document.get_status_display()},
    )


def _pending(document: SignedDocument, role: str) -> list[Any]:
    return [s for s in document.signatures.all() if s.role == role and s.signed_at is None]


def _still_allowed(user: Any, document: SignedDocument) -> bool:
    """R7 at the moment of signing: the expert may still work on the contract (its
    provider's active expert, or engaged for it). One who left signs nothing more."""
    cache = document.__dict__.setdefault("_allowed", {})
    if user.pk not in cache:
        cache[user.pk] = (
            experts_allowed(document.contract, timezone.localdate())
            .filter(user_id=user.pk, is_active=True)
            .exists()
        )
    return bool(cache[user.pk])


def share_allowed(documents: list[SignedDocument], user: Any) -> None:
    """R7 asked once per contract for a list of documents (the 待办), not once per
    document: each document of a contract already asked gets that answer."""
    answers: dict[int, bool] = {}
    for document in documents:
        contract_id = document.contract.pk
        if contract_id not in answers:
            answers[contract_id] = _still_allowed(user, document)
        document.__dict__.setdefault("_allowed", {})[user.pk] = answers[contract_id]


def signs_next(user: Any, document: SignedDocument) -> bool:
    """An expert named on the document who has not signed yet, for themselves only, and
    still allowed on the contract."""
    return bool(
        getattr(user, "is_authenticated", False)
        and any(s.signer_id == user.pk for s in _pending(document, SignatureRole.EXPERT))
        and _still_allowed(user, document)
    )


def is_signatory(user: Any, document: SignedDocument) -> bool:
    """An admin or leader of the issuing provider, the contract's own (R7): who applies
    its seal."""
    return is_provider_signatory(user, document.contract)


def seals(user: Any, document: SignedDocument) -> bool:
    """A signatory of the issuing provider, on a document that still needs its seal."""
    return is_signatory(user, document) and bool(_pending(document, SignatureRole.SEAL))


def experts_signed(document: SignedDocument) -> ApplicationError | None:
    """The seal comes last: over every expert's signature."""
    if not _pending(document, SignatureRole.EXPERT):
        return None
    return ApplicationError(
        "experts_not_signed",
        _("The seal goes on last: every named expert must sign first."),
    )


def rendered(document: SignedDocument) -> ApplicationError | None:
    """A report is signed over its PDF: the signers read it first, so it must exist."""
    if document.kind != DocumentKind.REPORT or document.file:
        return None
    return ApplicationError(
        "not_rendered", _("The report's PDF is still being made; sign once it is ready.")
    )


# The task states from which its report may be sent for signature.
REPORTABLE_TASK_STATUSES = (TaskStatus.FINDINGS_RECORDED, TaskStatus.REPORTED, TaskStatus.ACCEPTED)

DOCUMENT = VerbTable(
    model=SignedDocument,
    verbs=[
        verb("sign", [DocumentStatus.SIGNING], signs_next, rendered),
        verb("seal", [DocumentStatus.SIGNING], seals, experts_signed, rendered),
    ],
    refuse_state=_refuse,
)


# --- Technical report (WORKFLOWS.md "Technical report", R13) ------------------------------


def refuse_report(report: TechnicalReport) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the report is %(s)s.") % {"s": report.get_status_display()},
    )


def writes_task_report(user: Any, task: Any) -> bool:
    """Who writes a task's report: the provider's staff on the contract, or the task's lead
    expert."""
    return is_provider_staff(user, task.contract) or is_lead(user, task)


def writes_report(user: Any, report: TechnicalReport) -> bool:
    return writes_task_report(user, report.task)


def sends_for_signing(user: Any, report: TechnicalReport) -> bool:
    """The task's lead expert or the provider's admin."""
    return is_provider_admin(user, report.contract) or is_lead(user, report.task)


def provider_signatory(user: Any, report: TechnicalReport) -> bool:
    """An admin or leader of the contract's own provider (R7)."""
    return is_provider_signatory(user, report.contract)


def purchaser(user: Any, report: TechnicalReport) -> bool:
    return is_purchaser(user, report.contract)


def findings_recorded(report: TechnicalReport) -> ApplicationError | None:
    if report.task.status in REPORTABLE_TASK_STATUSES:
        return None
    return ApplicationError(
        "findings_not_recorded",
        _("The task's findings are not recorded yet (it is %(s)s); the report follows them.")
        % {"s": report.task.get_status_display()},
    )


def sections_written(report: TechnicalReport) -> ApplicationError | None:
    missing = [
        label(TechnicalReport, name) for name in SECTIONS if not getattr(report, name).strip()
    ]
    if not missing:
        return None
    return ApplicationError(
        "sections_missing",
        _("Write every section before asking for signatures: %(sections)s.")
        % {"sections": "、".join(missing)},
        errors={
            name: [_("Write this section.")]
            for name in SECTIONS
            if not getattr(report, name).strip()
        },
    )


def experts_can_sign(report: TechnicalReport) -> ApplicationError | None:
    """Every participating expert signs for themselves, so each needs a login account."""
    experts = [a.expert for a in report.task.assignments.all()]
    if not experts:
        return ApplicationError("no_experts", _("The task has no experts to sign the report."))
    without = [e.name for e in experts if e.user_id is None]
    if not without:
        return None
    return ApplicationError(
        "expert_without_account",
        _("%(names)s cannot sign: give them a login account first.")
        % {"names": "、".join(without)},
    )


def render_failed(report: TechnicalReport) -> ApplicationError | None:
    if report.render_status == RenderStatus.FAILED:
        return None
    return ApplicationError("not_failed", _("The PDF is not in a failed state."))


def latest_version(report: TechnicalReport) -> ApplicationError | None:
    """Only the newest version is revised, and only while no newer one is open."""
    if not TechnicalReport.objects.filter(
        task_id=report.task_id, version__gt=report.version
    ).exists():
        return None
    return ApplicationError(
        "newer_version", _("A newer version of this report exists; revise that one.")
    )


R = ReportStatus
SECTIONS = ("overview", "basis", "conclusion", "recommendations")
REPORT = VerbTable(
    model=TechnicalReport,
    verbs=[
        verb("edit", [R.DRAFT], writes_report, forward=False),
        verb(
            "request-signatures",
            [R.DRAFT],
            sends_for_signing,
            findings_recorded,
            sections_written,
            experts_can_sign,
        ),
        verb("retry-render", [R.SIGNING], writes_report, render_failed, forward=False),
        verb("issue", [R.SEALED], provider_signatory),
        verb("accept", [R.ISSUED], purchaser),
        verb("return", [R.ISSUED], purchaser, forward=False),
        verb(
            "revise",
            [R.ISSUED, R.RETURNED, R.ACCEPTED],
            writes_report,
            latest_version,
            forward=False,
        ),
    ],
    refuse_state=refuse_report,
)
