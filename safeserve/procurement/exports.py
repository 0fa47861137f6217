"""What procurement's lists export (safeserve/audit/exports.py)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport

PLANS = ListExport(
    name="purchase_plans",
    title=_("Purchase plans"),
    columns=[
        Column(_("year"), lambda p: p.year),
        Column(_("purchaser"), lambda p: p.purchaser.name),
        Column(_("title"), lambda p: p.title),
        Column(_("Status"), lambda p: p.get_status_display()),
        Column(_("Items"), lambda p: p.item_count),
        Column(_("budget (yuan)"), lambda p: p.budget or Decimal(0)),
    ],
)

PROJECTS = ListExport(
    name="purchase_projects",
    title=_("Purchase projects"),
    columns=[
        Column(_("title"), lambda p: p.title),
        Column(_("purchaser"), lambda p: p.purchaser.name),
        Column(_("year"), lambda p: p.item.plan.year),
        Column(_("service category"), lambda p: p.item.get_category_display()),
        Column(_("Status"), lambda p: p.get_status_display()),
        Column(
            _("awarded provider"),
            lambda p: p.awarded_provider.name if p.awarded_provider_id else "",
        ),
        Column(_("award amount (yuan)"), lambda p: p.award_amount),
        Column(_("award date"), lambda p: p.award_date),
    ],
)
