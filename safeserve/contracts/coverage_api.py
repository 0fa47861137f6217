from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.accounts.request import actor_of
from safeserve.contracts.selectors import coverage_report
from safeserve.contracts.views import _year
from safeserve.organizations.access import require
from safeserve.procurement.permissions import can_read_procurement


class CoverageView(APIView):
    """R9 for a year: key enterprises covered per purchaser, and the gaps."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: None})
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_read_procurement(actor))
        report = coverage_report(viewer=actor, year=_year(request._request))
        rows: list[dict[str, Any]] = [
            {
                "purchaser": r.purchaser_id,
                "name": r.name,
                "key_enterprises": r.total,
                "covered": r.covered,
                "percent": r.percent,
            }
            for r in report.rows
        ]
        return Response(
            {
                "year": report.year,
                "rows": rows,
                "total": report.total,
                "covered": report.covered,
                "gaps": report.gaps,
            }
        )
