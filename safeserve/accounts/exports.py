"""What the accounts app's lists export (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport
from safeserve.common.lib.masking import mask_phone

USERS = ListExport(
    name="users",
    title=_("Users"),
    columns=[
        Column(_("Username"), lambda u: u.username),
        Column(_("Full name"), lambda u: u.full_name),
        Column(_("Organization"), lambda u: u.organization.name if u.organization_id else ""),
        Column(_("Role"), lambda u: u.get_role_display()),
        Column(_("Active"), lambda u: u.is_active),
        Column(_("Phone"), lambda u: mask_phone(u.phone)),
        Column(_("Last login"), lambda u: u.last_login),
    ],
)

LOGIN_LOG = ListExport(
    name="login_log",
    title=_("Login log"),
    columns=[
        Column(_("Time"), lambda e: e.created_at),
        Column(_("Username"), lambda e: e.username),
        Column(
            _("Organization"),
            lambda e: e.user.organization.name if e.user_id and e.user.organization_id else "",
        ),
        Column(_("Result"), lambda e: e.get_result_display()),
        Column(_("Channel"), lambda e: e.get_channel_display()),
        Column(_("IP address"), lambda e: e.ip),
        Column(_("User agent"), lambda e: e.user_agent),
    ],
)

DENIED_ACCESSES = ListExport(
    name="denied_accesses",
    title=_("Denied accesses"),
    columns=[
        Column(_("Minute"), lambda e: e.minute),
        Column(_("User"), lambda e: e.user.username if e.user_id else ""),
        Column(
            _("Organization"),
            lambda e: e.user.organization.name if e.user_id and e.user.organization_id else "",
        ),
        Column(_("IP address"), lambda e: e.ip),
        Column(_("Answer"), lambda e: e.status),
        Column(_("Method"), lambda e: e.method),
        Column(_("First address"), lambda e: e.path),
        Column(_("Times"), lambda e: e.count),
        Column(_("Last at"), lambda e: e.last_at),
    ],
)
