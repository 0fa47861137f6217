"""What the enterprise directory exports: the import template's columns (so an exported file
imports back), phones masked; the machinery is safeserve/audit/exports.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport
from safeserve.enterprises.selectors import export_rows
from safeserve.enterprises.spreadsheets import EXPORT_HEADERS

ENTERPRISES = ListExport(
    name="enterprises",
    title=_("Enterprise directory"),
    columns=[Column(header, lambda _e: None) for header in EXPORT_HEADERS],
    action="enterprise.exported",
    rows_of=export_rows,
)
