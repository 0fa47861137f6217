"""The annual submission's summary as a spreadsheet and as a PDF (R16): each contract of the
year with its provider, period, result or the purchaser's explanation; downloads audited."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.lib.xlsx import write_rows, xlsx_response
from safeserve.evaluations.annual import summary_of
from safeserve.evaluations.models import AnnualSubmission, Evaluation, EvaluationStatus


def result_text(row: dict[str, Any]) -> str:
    if row.get("passed") is None:
        return _("Not evaluated")
    text = _("Passed") if row["passed"] else _("Did not pass")
    return f"{text}（{_('veto')}）" if row.get("vetoed") else text


def _headers() -> list[str]:
    return [
        _("contract"),
        _("provider"),
        _("Period"),
        _("total score"),
        _("pass score"),
        _("Result"),
        _("explanation"),
    ]


def _cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["contract"],
        row["provider"],
        row["period"],
        row["total"],
        row["pass_score"] if row["pass_score"] is not None else "",
        result_text(row),
        row["explanation"],
    ]


def title_of(submission: AnnualSubmission) -> str:
    return _("%(org)s: evaluations of %(year)d") % {
        "org": submission.purchaser.name,
        "year": submission.year,
    }


def summary_xlsx(submission: AnnualSubmission) -> Any:
    rows = summary_of(submission)
    return write_rows(_headers(), (_cells(r) for r in rows), str(submission.year))


def summary_pdf(submission: AnnualSubmission) -> bytes:
    from safeserve.documents.pdf import render

    rows = summary_of(submission)
    content, _pages = render(
        "evaluations/submission_summary_pdf.html",
        {
            "submission": submission,
            "title": title_of(submission),
            "headers": _headers(),
            "rows": [_cells(r) for r in rows],
            "evaluated": sum(1 for r in rows if r["evaluation_id"]),
            "passed": sum(1 for r in rows if r["passed"]),
            "count": len(rows),
            "printed_at": timezone.localtime(),
        },
    )
    return content


def summary_response(*, actor: Any, submission: AnnualSubmission, kind: str) -> HttpResponseBase:
    name = f"{submission.purchaser.name}-{submission.year}年度绩效评估报送"
    audit_record(
        action="annual_submission.downloaded",
        actor=actor,
        obj=submission,
        after={"format": kind},
    )
    if kind == "xlsx":
        return xlsx_response(summary_xlsx(submission), f"{name}.xlsx")
    response = HttpResponse(summary_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.pdf"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def evaluation_pdf(evaluation: Evaluation) -> bytes:
    """The evaluation record (R16): scores and comments, the metrics as sent (live while a
    draft), the provider's statement and the final result with its reasons."""
    import datetime as dt

    from safeserve.documents.pdf import render
    from safeserve.evaluations.metrics import compute

    if evaluation.status in (EvaluationStatus.COMMISSIONED, EvaluationStatus.DRAFT):
        shown = [
            m.as_dict()
            for m in compute(evaluation.contract, evaluation.period_start, evaluation.period_end)
        ]
        computed_at = None
    else:
        shown = evaluation.metrics.get("items", [])
        stamp = evaluation.metrics.get("computed_at")
        computed_at = dt.datetime.fromisoformat(stamp) if stamp else None
    content, _pages = render(
        "evaluations/evaluation_pdf.html",
        {
            "e": evaluation,
            "title": _("Performance evaluation record"),
            "metrics": shown,
            "computed_at": computed_at,
            "printed_at": timezone.localtime(),
        },
    )
    return content


def evaluation_pdf_response(*, actor: Any, evaluation: Evaluation) -> HttpResponse:
    audit_record(action="evaluation.printed", actor=actor, obj=evaluation, after={"format": "pdf"})
    number = evaluation.contract.number or evaluation.contract_id
    name = f"绩效评估-{number}-{evaluation.period_end:%Y%m%d}"
    response = HttpResponse(evaluation_pdf(evaluation), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.pdf"
    return response
