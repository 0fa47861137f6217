"""Read-only reports over contracts: coverage (R9) and budget execution (R3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeserve.common.access import require
from safeserve.common.request import actor_of
from safeserve.contracts.selectors import budget_execution, coverage_report
from safeserve.contracts.views import _year
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


class BudgetExecutionView(APIView):
    """R3 for a year, per plan item in scope: budget, contracted (after agreed amendments),
    awarded but not yet signed, paid, deducted and remaining."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: None})
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        require(can_read_procurement(actor))
        year = _year(request._request)
        items = budget_execution(viewer=actor, year=year)
        return Response(
            {
                "year": year,
                "items": [
                    {
                        "item": item.pk,
                        "plan": item.plan_id,
                        "purchaser": item.plan.purchaser_id,
                        "purchaser_name": item.plan.purchaser.name,
                        "category": item.category,
                        "is_pilot": item.is_pilot,
                        **{
                            key: str(Decimal(getattr(item, key)).quantize(Decimal("0.01")))
                            for key in (
                                "budget",
                                "contracted",
                                "awarded",
                                "paid",
                                "deducted",
                                "recoverable",
                                "remaining",
                            )
                        },
                    }
                    for item in items
                ],
            }
        )
