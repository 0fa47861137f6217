"""Extension requests: by the enterprise or the provider; decided by the purchaser (general
hazards) or the responsible department (major); they lapse when the rectification is in."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import required_text
from safeserve.hazards.links import NOTICE_LINK_GRACE_DAYS
from safeserve.hazards.models import (
    ExtensionRequest,
    ExtensionStatus,
    Hazard,
    Notice,
)
from safeserve.hazards.services.hazards import lock_hazard
from safeserve.hazards.workflows import EXTENSION, HAZARD

if TYPE_CHECKING:
    from safeserve.accounts.models import User


@transaction.atomic
def extension_request(
    *, actor: User, hazard: Hazard, new_deadline: dt.date, reason: str
) -> ExtensionRequest:
    locked = lock_hazard(hazard)
    HAZARD.check("extend", actor, locked)
    reason = required_text(reason, "reason", _("reason"))
    if new_deadline <= locked.deadline:
        raise ApplicationError(
            "not_later",
            _("The new date must be after the current deadline %(d)s.") % {"d": locked.deadline},
            errors={"new_deadline": [_("Must be after the current deadline.")]},
            status=400,
        )
    extension = ExtensionRequest.objects.create(
        hazard=locked,
        reason=reason,
        current_deadline=locked.deadline,
        new_deadline=new_deadline,
        requested_by=actor,
    )
    audit_record(
        action="hazard.extension_requested",
        actor=actor,
        obj=locked,
        after={"deadline": locked.deadline, "new_deadline": new_deadline},
        reason=reason,
    )
    return extension


@transaction.atomic
def extension_decide(
    *, actor: User, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The purchaser decides for general hazards, the responsible department for major ones.
    Approval moves the deadline; the old one stays in the request and the audit trail."""
    locked = lock_hazard(extension.hazard)
    request = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    request.hazard = locked
    EXTENSION.check("approve" if approve else "decline", actor, request)
    if not approve:
        note = required_text(note, "note", _("reason"))
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = (note or "").strip()
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    before = locked.deadline
    if approve:
        locked.deadline = request.new_deadline
        locked.save(update_fields=["deadline", "updated_at"])
        if locked.notice_id:
            # The link lives as long as the latest deadline of its notice needs.
            expires = timezone.make_aware(
                dt.datetime.combine(
                    locked.deadline + dt.timedelta(days=NOTICE_LINK_GRACE_DAYS), dt.time.max
                )
            )
            Notice.objects.filter(pk=locked.notice_id, link_expires_at__lt=expires).update(
                link_expires_at=expires
            )
    audit_record(
        action="hazard.extension_decided",
        actor=actor,
        obj=locked,
        before={"deadline": before},
        after={"deadline": locked.deadline, "approved": approve},
        reason=request.decision_note,
    )
    return request
