"""What the audit trail page exports (the machinery is safeserve/audit/exports.py). The
before/after payloads stay out: the page does not show them either."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from safeserve.audit.actions import object_type_choices
from safeserve.audit.exports import Column, ListExport
from safeserve.audit.models import AuditEvent


def _actor(event: AuditEvent) -> str:
    return event.actor.full_name if event.actor is not None else event.actor_name


def _object_type(event: AuditEvent) -> Any:
    return dict(object_type_choices()).get(event.object_type, event.object_type)


EVENTS = ListExport(
    name="audit_events",
    title=_("Audit trail"),
    columns=[
        Column(_("Time"), lambda e: e.created_at),
        Column(_("Actor"), _actor),
        Column(_("Organization"), lambda e: e.organization.name if e.organization else ""),
        Column(_("Action"), lambda e: e.action_label),
        Column(_("Object type"), _object_type),
        Column(_("Object ID"), lambda e: e.object_id),
        Column(_("Reason"), lambda e: e.reason),
    ],
)

DIGESTS = ListExport(
    name="audit_digests",
    title=_("Audit digests"),
    columns=[
        Column(_("Issued at"), lambda d: d.issued_at),
        Column(_("Chain"), lambda d: d.chain_id),
        Column(_("Events covered"), lambda d: d.seq),
        Column(_("Head hash"), lambda d: d.hash),
    ],
)


EXPORT_JOBS = ListExport(
    name="export_jobs",
    title=_("My exports"),
    columns=[
        Column(_("Requested at"), lambda j: j.created_at),
        Column(_("List"), lambda j: j.title),
        Column(_("Status"), lambda j: j.get_status_display()),
        Column(_("Rows"), lambda j: j.total_rows),
        Column(_("Finished at"), lambda j: j.finished_at),
        Column(_("Download until"), lambda j: j.expires_at),
    ],
)
