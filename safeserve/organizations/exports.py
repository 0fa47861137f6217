"""What the organizations list exports (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport
from safeserve.common.lib.masking import mask_phone

ORGANIZATIONS = ListExport(
    name="organizations",
    title=_("Organizations"),
    columns=[
        Column(_("Name"), lambda o: o.name),
        Column(_("Kind"), lambda o: o.get_kind_display()),
        Column(_("Region"), lambda o: o.region.name if o.region_id else ""),
        Column(_("Address"), lambda o: o.address),
        Column(_("Contact phone"), lambda o: mask_phone(o.contact_phone)),
        Column(_("Active"), lambda o: o.is_active),
    ],
)
