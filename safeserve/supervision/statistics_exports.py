"""The hazard statistics as a spreadsheet and a PDF in the layout a county forwards upward
(two header rows: 一般隐患 / 重大隐患 / 挂牌督办), and the list of submissions; every
download audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safeserve.audit.exports import Column, ListExport
from safeserve.audit.services import audit_record
from safeserve.common.lib.xlsx import write_rows, xlsx_response
from safeserve.supervision.models import StatisticsStatus, StatisticsSubmission, period_label
from safeserve.supervision.statistics import (
    FIRST_COLUMN,
    Figures,
    Table,
    flat_headers,
    headers,
)
from safeserve.supervision.workflows import unit_member

SUBMISSIONS = ListExport(
    name="statistics_submissions",
    title=gettext_lazy("Hazard statistics submissions"),
    columns=[
        Column(gettext_lazy("Reporting unit"), lambda s: s.organization.name),
        Column(pgettext_lazy("statistics", "Period"), lambda s: s.period_label),
        Column(gettext_lazy("Status"), lambda s: s.get_status_display()),
        Column(gettext_lazy("due by"), lambda s: s.due_on),
        Column(gettext_lazy("submitted at"), lambda s: s.submitted_at),
        Column(gettext_lazy("late"), lambda s: s.late),
        Column(
            gettext_lazy("General hazards found"),
            lambda s: s.figures.get("total", {}).get("general_found", ""),
        ),
        Column(
            gettext_lazy("Major hazards found"),
            lambda s: s.figures.get("total", {}).get("major_found", ""),
        ),
    ],
)


def submission_table(submission: StatisticsSubmission, *, viewer: Any) -> Table | None:
    """What the submission holds: the figures as sent; a draft's live figures for its own
    unit only (the county office sees nothing until it is sent)."""
    from safeserve.supervision.statistics import hazard_statistics

    if submission.status != StatisticsStatus.DRAFT and submission.figures.get("rows") is not None:
        return Table.from_dict(submission.figures)
    if submission.status == StatisticsStatus.DRAFT and unit_member(viewer, submission):
        return hazard_statistics(viewer=viewer, year=submission.year, quarter=submission.quarter)
    return None


def _first(table: Table) -> str:
    return str(FIRST_COLUMN.get(table.by, FIRST_COLUMN["sector"]))


def _cells(label: str, figures: Figures) -> list[Any]:
    return [label, *figures.cells()]


def title_of(table: Table, unit: str) -> str:
    return _("%(unit)s: hazard investigation and governance statistics, %(period)s") % {
        "unit": unit,
        "period": period_label(table.year, table.quarter),
    }


def table_xlsx(table: Table) -> Any:
    rows = [_cells(row.label, row.figures) for row in table.rows]
    rows.append(_cells(_("Total"), table.total))
    return write_rows(
        flat_headers(_first(table)), iter(rows), period_label(table.year, table.quarter)
    )


def table_pdf(table: Table, unit: str, submission: StatisticsSubmission | None) -> bytes:
    from safeserve.documents.pdf import render

    content, _pages = render(
        "supervision/statistics_pdf.html",
        {
            "title": title_of(table, unit),
            "first": _first(table),
            "headers": headers(),
            "rows": [_cells(row.label, row.figures) for row in table.rows],
            "total": _cells(_("Total"), table.total),
            "submission": submission,
            "printed_at": timezone.localtime(),
        },
    )
    return content


def table_response(
    *,
    actor: Any,
    table: Table,
    unit: str,
    kind: str,
    submission: StatisticsSubmission | None,
) -> HttpResponseBase:
    name = "-".join(
        [
            unit,
            period_label(table.year, table.quarter),
            _("Hazard investigation and governance statistics"),
        ]
    )
    audit_record(
        action="statistics.downloaded",
        actor=actor,
        obj=submission,
        after={
            "format": kind,
            "statistics_period": period_label(table.year, table.quarter),
            "breakdown": table.by,
        },
    )
    if kind == "xlsx":
        return xlsx_response(table_xlsx(table), f"{name}.xlsx")
    response = HttpResponse(table_pdf(table, unit, submission), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.pdf"
    return response
