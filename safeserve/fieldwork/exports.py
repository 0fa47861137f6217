"""What fieldwork's lists export (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

TASKS = ListExport(
    name="tasks",
    title=_("Service tasks"),
    columns=[
        Column(_("planned date"), lambda t: t.planned_date),
        Column(_("task kind"), lambda t: t.get_kind_display()),
        Column(_("title"), lambda t: t.title),
        Column(_("enterprise"), lambda t: t.enterprise.name if t.enterprise_id else ""),
        Column(_("Status"), lambda t: t.get_status_display()),
        Column(_("provider"), lambda t: t.contract.provider.name),
        Column(_("purchaser"), lambda t: t.contract.purchaser.name),
        Column(
            _("Team"),
            lambda t: "、".join(a.expert.name for a in t.assignments.all()),
        ),
        Column(_("checked in at"), lambda t: t.checked_in_at),
        Column(_("findings recorded at"), lambda t: t.findings_recorded_at),
        Column(_("Hazards"), lambda t: t.hazard_count),
    ],
)

FEE_REPORTS = ListExport(
    name="fee_reports",
    title=_("Fee reports"),
    columns=[
        Column(_("enterprise"), lambda c: c.enterprise.name),
        Column(_("provider"), lambda c: c.contract.provider.name),
        Column(_("who demanded it"), lambda c: c.demanded_by),
        Column(_("when"), lambda c: c.demanded_on),
        Column(_("amount (yuan)"), lambda c: c.amount),
        Column(_("what happened"), lambda c: c.description),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("decision"), lambda c: c.decision_note),
        Column(_("reported at"), lambda c: c.created_at),
    ],
)

DOCUMENT_REQUESTS = ListExport(
    name="document_requests",
    title=_("Document requests"),
    columns=[
        Column(_("enterprise"), lambda r: r.enterprise.name),
        Column(_("asked by"), lambda r: r.requested_by_org.name),
        Column(_("Request"), lambda r: r.get_kind_display()),
        Column(_("description"), lambda r: r.description),
        Column(_("answer by"), lambda r: r.due_date),
        Column(_("Status"), lambda r: r.get_status_display()),
        Column(_("answered at"), lambda r: r.answered_at),
    ],
)
