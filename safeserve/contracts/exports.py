"""What the contract list exports (safeserve/audit/exports.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

CONTRACTS = ListExport(
    name="contracts",
    title=_("Contracts"),
    columns=[
        Column(_("contract number"), lambda c: c.number),
        Column(_("purchaser"), lambda c: c.purchaser.name),
        Column(_("provider"), lambda c: c.provider.name),
        Column(_("amount (yuan)"), lambda c: c.amount),
        Column(_("amount after amendments (yuan)"), lambda c: c.current_amount),
        Column(_("service from"), lambda c: c.period_start),
        Column(_("service until"), lambda c: c.period_end),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("signed by the purchaser at"), lambda c: c.purchaser_signed_at),
        Column(_("signed by the provider at"), lambda c: c.provider_signed_at),
        Column(_("signed on"), lambda c: c.signed_on),
    ],
)
