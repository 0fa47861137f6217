"""Fee demands reported by enterprises (R15), decided by the county office."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import validate_uploads
from safeserve.common.validation import clean_model, required_text
from safeserve.fieldwork import permissions as perms
from safeserve.fieldwork.models import (
    FeeComplaint,
    FeeComplaintStatus,
    ServiceTask,
)
from safeserve.fieldwork.workflows import FEE_REPORT

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.contracts.models import Contract
    from safeserve.enterprises.models import Enterprise


@transaction.atomic
def fee_complaint_report(
    *,
    actor: User,
    enterprise: Enterprise,
    contract: Contract,
    demanded_by: str,
    demanded_on: dt.date,
    amount: Decimal,
    description: str,
    evidence: Any = None,
    task: ServiceTask | None = None,
) -> FeeComplaint:
    """R15: the services are paid by the government; a provider demanding a fee from the
    enterprise is reported to the purchaser and the county office."""
    require(perms.is_enterprise_user(actor, enterprise))
    if not contract.coverage.filter(enterprise_id=enterprise.pk).exists():
        raise ApplicationError(
            "not_covered",
            _("Choose a contract that serves your enterprise."),
            errors={"contract": [_("Not a contract serving your enterprise.")]},
            status=400,
        )
    if demanded_on > timezone.localdate():
        raise ApplicationError(
            "future_date",
            _("The date of the demand cannot be in the future."),
            errors={"demanded_on": [_("The date cannot be in the future.")]},
            status=400,
        )
    if evidence is not None:
        validate_uploads([evidence], photos_only=False, field="evidence")
    complaint = FeeComplaint(
        county_id=enterprise.county_id,
        enterprise=enterprise,
        contract=contract,
        task=task if task is not None and task.contract_id == contract.pk else None,
        demanded_by=required_text(demanded_by, "demanded_by", _("who demanded it")),
        demanded_on=demanded_on,
        amount=amount,
        description=required_text(description, "description", _("what happened")),
        reported_by=actor,
    )
    if evidence is not None:
        complaint.evidence = evidence
    clean_model(complaint, exclude=["county", "enterprise", "contract", "task", "reported_by"])
    complaint.save()
    audit_record(
        action="fee_complaint.reported",
        actor=actor,
        obj=complaint,
        after={
            "contract": contract.pk,
            "demanded_by": complaint.demanded_by,
            "demanded_on": demanded_on,
            "amount": complaint.amount,
        },
    )
    return complaint


@transaction.atomic
def fee_complaint_decide(
    *, actor: User, complaint: FeeComplaint, confirmed: bool, note: str
) -> FeeComplaint:
    """The county office confirms (it counts against the provider, R15/R16) or dismisses."""
    locked = FeeComplaint.objects.select_for_update().get(pk=complaint.pk)
    FEE_REPORT.check("decide", actor, locked)
    locked.status = FeeComplaintStatus.CONFIRMED if confirmed else FeeComplaintStatus.DISMISSED
    locked.decision_note = required_text(note, "note", _("decision"))
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action="fee_complaint.decided",
        actor=actor,
        obj=locked,
        before={"status": FeeComplaintStatus.REPORTED},
        after={"status": locked.status},
        reason=locked.decision_note,
    )
    return locked
