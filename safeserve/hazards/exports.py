"""What the hazard loop's lists export (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

HAZARDS = ListExport(
    name="hazards",
    title=_("Hazards"),
    columns=[
        Column(_("hazard number"), lambda h: h.number),
        Column(_("enterprise"), lambda h: h.enterprise.name),
        Column(_("Level"), lambda h: h.get_level_display()),
        Column(_("Status"), lambda h: h.get_status_display()),
        Column(_("description"), lambda h: h.description),
        Column(_("location"), lambda h: h.location),
        Column(_("basis"), lambda h: h.basis),
        Column(_("rectification advice"), lambda h: h.advice),
        Column(_("rectify by"), lambda h: h.deadline),
        Column(_("Overdue"), lambda h: h.overdue),
        Column(_("found at"), lambda h: h.found_at),
        Column(_("notice number"), lambda h: h.notice.number if h.notice_id else ""),
        Column(_("provider"), lambda h: h.contract.provider.name),
        Column(_("closed at"), lambda h: h.closed_at),
    ],
)

NOTICES = ListExport(
    name="notices",
    title=_("Rectification notices"),
    columns=[
        Column(_("notice number"), lambda n: n.number),
        Column(_("enterprise"), lambda n: n.enterprise.name),
        Column(_("provider"), lambda n: n.contract.provider.name),
        Column(_("Hazards"), lambda n: n.hazard_count),
        Column(_("Waiting for the enterprise"), lambda n: n.waiting),
        Column(_("issued at"), lambda n: n.created_at),
    ],
)

REPORTS = ListExport(
    name="major_hazard_reports",
    title=_("Major-hazard reports"),
    columns=[
        Column(_("hazard number"), lambda r: r.hazard.number),
        Column(_("enterprise"), lambda r: r.hazard.enterprise.name),
        Column(_("department"), lambda r: r.department.name),
        Column(_("Status"), lambda r: r.get_status_display()),
        Column(_("to be sent by"), lambda r: r.due_at),
        Column(_("sent at"), lambda r: r.sent_at),
        Column(_("sent late"), lambda r: r.sent_late),
        Column(_("acknowledged at"), lambda r: r.acknowledged_at),
        Column(_("supervising unit"), lambda r: r.supervising_unit),
        Column(_("accepted at"), lambda r: r.accepted_at),
    ],
)
