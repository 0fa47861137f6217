"""Exports of lists: every list can be taken away as a spreadsheet of what its filters select
(the same FilterSet as the page and the API), within the reader's data scope, with ID
numbers and phones masked by the columns. An export is a copy of data leaving the system, so
it is recorded in the audit trail with its list, row count and filters (R14, R19).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.audit.services import audit_record
from safeserve.common.db.routers import replica_reads
from safeserve.common.lib.xlsx import write_rows, xlsx_response

YES_NO = {True: _("Yes"), False: _("No"), None: ""}


@dataclass(frozen=True)
class Column:
    header: Any  # lazy text, written in the reader's language
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ListExport:
    """What one list exports. ``name`` is the list's key in the audit trail; the rows come
    from a queryset that already has what the columns read (no query per row)."""

    name: str
    title: Any
    columns: Sequence[Column]

    def rows(self, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
        for obj in queryset.iterator(chunk_size=1000):
            yield [_cell(column.value(obj)) for column in self.columns]


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return str(YES_NO[value])
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int | float | str) or hasattr(value, "isoformat"):
        return value
    return str(value)  # lazy text, decimals, choices


def export_list(
    *, actor: Any, export: ListExport, queryset: QuerySet[Any], filters: str, channel: str
) -> IO[bytes]:
    """The spreadsheet of ``queryset`` (already scoped and filtered), and its audit event."""
    counter = {"rows": 0}

    def counted() -> Iterator[list[Any]]:
        for row in export.rows(queryset):
            counter["rows"] += 1
            yield row

    with replica_reads():  # the rows from the replica when there is one; the audit below not
        handle = write_rows([str(c.header) for c in export.columns], counted(), str(export.title))
    audit_record(
        action="list.exported",
        actor=actor,
        after={
            "list": export.name,
            "rows": counter["rows"],
            "filters": filters[:500],
            "channel": channel,
        },
    )
    return handle


def export_response(
    *, actor: Any, export: ListExport, queryset: QuerySet[Any], filters: str, channel: str
) -> FileResponse:
    handle = export_list(
        actor=actor, export=export, queryset=queryset, filters=filters, channel=channel
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(handle, f"{export.title}-{stamp}.xlsx")


def export_page(request: Any, *, export: ListExport, filters: Any) -> HttpResponseBase:
    """A list page's export: what its filter bar selects (``filters`` is the bound FilterSet).
    A filter it cannot read exports nothing: back to the list (``<list>/export/`` is served
    next to ``<list>/``), where the bar names the field."""
    if filters.errors:
        fields = "、".join(str(filters.form.fields[name].label) for name in filters.errors)
        messages.error(
            request, _("Nothing exported: correct the filter %(fields)s.") % {"fields": fields}
        )
        back = request.path.removesuffix("export/")
        return HttpResponseRedirect(f"{back}?{request.GET.urlencode()}")
    return export_response(
        actor=request.user,
        export=export,
        queryset=filters.qs,
        filters=request.GET.urlencode(),
        channel="web",
    )
