"""``GET /api/v1/<list>/export/``: the list as a spreadsheet, selected by the same FilterSet
as ``GET /api/v1/<list>/`` (bad filters are a 400 naming the field) and recorded in the audit
trail (safeserve/audit/exports.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request

from safeserve.audit.exports import ListExport, export_response
from safeserve.common.lib.xlsx import XLSX
from safeserve.common.request import actor_of


class ExportMixin:
    list_export: ListExport

    @extend_schema(request=None, responses={(200, XLSX): bytes}, filters=True)
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> Any:
        """The filtered list as .xlsx (same filters as the list; ID numbers and phones
        masked)."""
        viewset: Any = self
        return export_response(
            actor=actor_of(request),
            export=self.list_export,
            queryset=viewset.filter_queryset(viewset.get_queryset()),
            filters=request.query_params.urlencode(),
            channel="api",
        )
