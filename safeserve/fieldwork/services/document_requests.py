"""Requests for documents or site access (R20), answered by the enterprise; confidential
documents are read only within scope and every opening is logged (R14)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import upload_label, validate_uploads
from safeserve.common.validation import required_text
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import (
    DocumentRequest,
    DocumentRequestKind,
    DocumentRequestStatus,
    EnterpriseDocument,
)
from safeserve.fieldwork.services.tasks import plannable
from safeserve.fieldwork.workflows import DOCUMENT_REQUEST

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.contracts.models import Contract
    from safeserve.enterprises.models import Enterprise


def can_request_documents(user: User, contract: Contract) -> bool:
    return perms.is_purchaser(user, contract) or perms.is_provider_staff(user, contract)


@transaction.atomic
def document_request_create(
    *,
    actor: User,
    contract: Contract,
    enterprise: Enterprise,
    kind: str,
    description: str,
    due_date: dt.date,
) -> DocumentRequest:
    require(can_request_documents(actor, contract))
    plannable(contract)
    if not contract.coverage.filter(enterprise_id=enterprise.pk).exists():
        raise ApplicationError(
            "not_covered",
            _("%(name)s is not served by this contract.") % {"name": enterprise.name},
            errors={"enterprise": [_("Not covered by this contract.")]},
            status=400,
        )
    if kind not in DocumentRequestKind.values:
        raise ApplicationError(
            "bad_kind",
            _("Choose documents or site access."),
            errors={"kind": [_("Choose documents or site access.")]},
            status=400,
        )
    if due_date < timezone.localdate():
        raise ApplicationError(
            "past_due",
            _("The answer date cannot be in the past."),
            errors={"due_date": [_("The answer date cannot be in the past.")]},
            status=400,
        )
    request = DocumentRequest.objects.create(
        county_id=contract.county_id,
        contract=contract,
        enterprise=enterprise,
        requested_by_org_id=actor.organization_id or 0,
        requested_by=actor,
        kind=kind,
        description=required_text(description, "description", _("what is needed")),
        due_date=due_date,
    )
    audit_record(
        action="document_request.created",
        actor=actor,
        obj=request,
        after={"enterprise": enterprise.name, "kind": kind, "due_date": due_date},
    )
    return request


@transaction.atomic
def document_request_answer(
    *,
    actor: User,
    request: DocumentRequest,
    answer: str,
    files: Sequence[tuple[str, Any, bool]] = (),
) -> DocumentRequest:
    """The enterprise answers with text and files (title, file, confidential)."""
    locked = (
        DocumentRequest.objects.select_for_update().select_related("enterprise").get(pk=request.pk)
    )
    DOCUMENT_REQUEST.check("answer", actor, locked)
    answer = required_text(answer, "answer", _("answer"))
    validate_uploads([f for _t, f, _c in files], photos_only=False, field="files")
    for title, upload, confidential in files:
        EnterpriseDocument.objects.create(
            request=locked,
            title=(title or upload_label(upload))[:120],
            file=upload,
            original_name=upload_label(upload),
            confidential=confidential,
            uploaded_by=actor,
        )
    before = locked.status
    locked.answer = answer
    locked.status = DocumentRequestStatus.ANSWERED
    locked.answered_at, locked.answered_by = timezone.now(), actor
    locked.save(update_fields=["answer", "status", "answered_at", "answered_by", "updated_at"])
    audit_record(
        action="document_request.answered",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "files": len(files)},
    )
    return locked


@transaction.atomic
def document_request_close(*, actor: User, request: DocumentRequest) -> DocumentRequest:
    locked = (
        DocumentRequest.objects.select_for_update(of=("self",))
        .select_related("contract__provider")
        .get(pk=request.pk)
    )
    DOCUMENT_REQUEST.check("close", actor, locked)
    before = locked.status
    locked.status = DocumentRequestStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        action="document_request.closed",
        actor=actor,
        obj=locked,
        before={"status": before},
        after={"status": locked.status},
    )
    return locked


def document_open(*, actor: User, document: EnterpriseDocument) -> EnterpriseDocument:
    """Reading a confidential enterprise document is logged (R14); the caller fetched the
    request through data scope first."""
    if document.confidential:
        audit_record(
            action="document.viewed",
            actor=actor,
            obj=document,
            county_id=document.request.county_id,
            after={"title": document.title, "enterprise": document.request.enterprise_id},
        )
    return document
