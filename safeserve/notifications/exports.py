"""What the notifications page exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeserve.audit.exports import Column, ListExport

NOTIFICATIONS = ListExport(
    name="notifications",
    title=_("Notifications"),
    columns=[
        Column(_("Sent at"), lambda n: n.created_at),
        Column(_("Kind"), lambda n: n.kind_label),
        Column(_("Subject"), lambda n: n.subject),
        Column(_("Read at"), lambda n: n.read_at),
        Column(pgettext_lazy("notification", "Email"), lambda n: n.get_email_status_display()),
    ],
)
