"""What the counties list exports (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

COUNTIES = ListExport(
    name="counties",
    title=_("Counties"),
    columns=[
        Column(_("Code"), lambda c: c.code),
        Column(_("County"), lambda c: c.name),
        Column(_("City"), lambda c: c.parent.name if c.parent_id else ""),
        Column(_("Work-safety office"), lambda c: c.office_name or ""),
        Column(_("Townships"), lambda c: c.township_count),
    ],
)
