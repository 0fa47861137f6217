from rest_framework.pagination import CursorPagination as DRFCursorPagination
from rest_framework.pagination import PageNumberPagination


class RankedPagination(PageNumberPagination):
    """For lists whose order is their meaning (rankings): numbered pages in the list's own
    order, which a cursor on the primary key would replace."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(DRFCursorPagination):
    """Cursor pagination: constant cost per page however deep (no COUNT, no OFFSET)."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
