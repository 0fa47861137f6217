"""The technical-report list as a spreadsheet (the list's own filters apply)."""

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

REPORTS = ListExport(
    name="technical_reports",
    title=_("Technical reports"),
    columns=[
        Column(_("report number"), lambda r: r.number),
        Column(_("version"), lambda r: r.version),
        Column(_("Status"), lambda r: r.get_status_display()),
        Column(_("enterprise"), lambda r: r.enterprise.name if r.enterprise_id else ""),
        Column(_("service task"), lambda r: r.task.title),
        Column(_("contract"), lambda r: r.contract.number),
        Column(_("provider"), lambda r: r.provider.name),
        Column(_("issued at"), lambda r: r.issued_at),
        Column(_("decided at"), lambda r: r.decided_at),
        Column(_("reason for returning"), lambda r: r.return_reason),
    ],
)
