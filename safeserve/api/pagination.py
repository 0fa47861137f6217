from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from safeserve.common.pagination import CURSOR, keyable, seek_page


class RankedPagination(PageNumberPagination):
    """For lists whose order is their meaning (rankings): numbered pages in the list's own
    order, which a cursor on the primary key would replace."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(BasePagination):
    """Seek pagination in the list's own order, the same as its page's (common/pagination.py):
    constant cost however deep (no COUNT, no OFFSET), served by the index made for that order
    and scope. A list ordered otherwise (an annotation, a related column) is read newest
    first by id."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = CURSOR

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        if not keyable(queryset):
            queryset = queryset.order_by("-pk")
        self.request = request
        page = seek_page(
            queryset, request.query_params.get(self.cursor_query_param, ""), self._size(request)
        )
        self.page = page
        return page.object_list

    def _size(self, request: Request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return min(max(size, 1), self.max_page_size)

    def _link(self, cursor: str) -> str | None:
        if not cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer"},
            },
        ]
