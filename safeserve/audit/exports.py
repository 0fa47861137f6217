"""Exports of lists: every list can be taken away as a spreadsheet of what its filters select
(the same FilterSet as the page and the API), within the reader's data scope, with ID
numbers and phones masked by the columns. An export is a copy of data leaving the system, so
it is recorded in the audit trail with its list, row count and filters (R14, R19).

Up to ``STREAM_LIMIT`` rows are written during the request; a larger export becomes an
``ExportJob`` that a background task writes (a 100k-row export held a request for 12–30 s),
with its progress on a page and its file kept for ``EXPORT_KEEP_DAYS`` days (issue 16). The
job keeps the list's query itself — the requester's scope and filters as they were —
pickled, with a MAC so that only what this application wrote is ever unpickled.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from safeserve.audit.models import ExportJob, ExportStatus
from safeserve.audit.services import audit_record
from safeserve.common.db.routers import replica_reads
from safeserve.common.lib.xlsx import write_rows, xlsx_response

YES_NO = {True: _("Yes"), False: _("No"), None: ""}
STREAM_LIMIT = 10_000  # rows written during the request; more go to the background
PROGRESS_EVERY = 1000
EXPORT_SALT = "safeserve.audit.exports.query"
BACKGROUND = _("More than %(n)s rows: the export is written in the background.")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    header: Any  # lazy text, written in the reader's language
    value: Callable[[Any], Any]


EXPORTS: dict[str, ListExport] = {}  # every list's export by name, for the background task


@dataclass(frozen=True)
class ListExport:
    """What one list exports. ``name`` is the list's key in the audit trail; the rows come
    from a queryset that already has what the columns read (no query per row)."""

    name: str
    title: Any
    columns: Sequence[Column]
    # The audit action of an export; a list with its own spreadsheet layout gives its rows.
    action: str = "list.exported"
    rows_of: Callable[[QuerySet[Any]], Iterator[list[Any]]] | None = None

    def __post_init__(self) -> None:
        EXPORTS.setdefault(self.name, self)

    def rows(self, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
        if self.rows_of is not None:
            yield from self.rows_of(queryset)
            return
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
        action=export.action,
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
    *,
    actor: Any,
    export: ListExport,
    queryset: QuerySet[Any],
    filters: str,
    channel: str,
    described: str = "",
) -> HttpResponseBase:
    """The spreadsheet, or — past ``STREAM_LIMIT`` rows — a background export: the web goes
    to its page, the API gets 202 with its id and where to ask. ``filters`` is the query as
    sent (for the audit trail), ``described`` the same in words (for the export's page)."""
    with replica_reads():
        rows = queryset.order_by().values("pk")[: STREAM_LIMIT + 1].count()
    if rows > STREAM_LIMIT:
        job = export_job_create(
            actor=actor,
            export=export,
            queryset=queryset,
            filters=filters,
            channel=channel,
            described=described,
        )
        url = reverse("exports:detail", args=[job.pk])
        if channel == "api":
            body = {
                "id": job.pk,
                "status": job.status,
                "detail": str(BACKGROUND % {"n": STREAM_LIMIT}),
                "status_url": reverse("api:export-detail", args=[job.pk]),
                "download_url": reverse("api:export-download", args=[job.pk]),
                "page": url,
            }
            return JsonResponse(body, status=202)
        return HttpResponseRedirect(url)
    handle = export_list(
        actor=actor, export=export, queryset=queryset, filters=filters, channel=channel
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(handle, f"{export.title}-{stamp}.xlsx")


def _sealed(query: bytes) -> str:
    return salted_hmac(EXPORT_SALT, query, algorithm="sha256").hexdigest()


def export_job_create(
    *,
    actor: Any,
    export: ListExport,
    queryset: QuerySet[Any],
    filters: str,
    channel: str,
    described: str = "",
) -> ExportJob:
    """Queues the export of ``queryset`` (already scoped and filtered) for the task."""
    from safeserve.audit.tasks import run_export

    query = pickle.dumps((queryset.model._meta.label, queryset.query))
    with replica_reads():
        estimate = queryset.order_by().count()
    job = ExportJob.objects.create(
        created_by=actor,
        name=export.name,
        title=str(export.title)[:120],
        channel=channel,
        filters=filters[:500],
        described=described[:500],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        query=query,
        mac=_sealed(query),
        total_rows=estimate,
    )
    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


def _queryset(job: ExportJob) -> QuerySet[Any]:
    data = bytes(job.query)
    if not constant_time_compare(_sealed(data), job.mac):
        raise ValueError(f"export {job.pk}: the stored query does not match its MAC")
    label, query = pickle.loads(data)  # noqa: S301 — written by this application, MAC checked
    rows = apps.get_model(label)._default_manager.all()
    rows.query = query
    return rows


def export_job_run(job_id: int) -> ExportJob:
    """Writes the job's spreadsheet, noting its progress every ``PROGRESS_EVERY`` rows; the
    audit event is recorded when the file is ready (``list.exported``, as for a download)."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ExportStatus.QUEUED:
        return job
    job.set_progress(status=ExportStatus.RUNNING)
    counter = {"rows": 0}

    def counted(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
        for row in rows:
            counter["rows"] += 1
            if counter["rows"] % PROGRESS_EVERY == 0:
                job.set_progress(processed_rows=counter["rows"])
            yield row

    try:
        # A worker process has not imported the lists' exports the pages register; a list
        # renamed since the job was queued ends it as failed, not stuck as running.
        autodiscover_modules("exports", "trail_export")
        export = EXPORTS[job.name]
        with translation.override(job.language or settings.LANGUAGE_CODE):
            with replica_reads():
                handle = write_rows(
                    [str(c.header) for c in export.columns],
                    counted(export.rows(_queryset(job))),
                    str(export.title),
                )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            job.file.save(f"{job.title}-{stamp}.xlsx", File(handle), save=False)
    except Exception:
        logger.exception("export %s failed", job.pk)
        job.set_progress(status=ExportStatus.FAILED, finished_at=timezone.now())
        return job
    now = timezone.now()
    job.set_progress(
        status=ExportStatus.SUCCEEDED,
        file=job.file.name,
        processed_rows=counter["rows"],
        total_rows=counter["rows"],
        finished_at=now,
        expires_at=now + dt.timedelta(days=settings.EXPORT_KEEP_DAYS),
    )
    audit_record(
        action=export.action,
        actor=job.created_by,
        after={
            "list": job.name,
            "rows": counter["rows"],
            "filters": job.filters,
            "channel": job.channel,
            "export": job.pk,
        },
    )
    return job


def export_jobs_expire() -> int:
    """Deletes the files of exports past their download period, and ends as failed those a
    stopped worker left unfinished for a day (``run_daily``). Returns how many expired."""
    ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        created_at__lte=timezone.now() - dt.timedelta(days=1),
    ).update(status=ExportStatus.FAILED, finished_at=timezone.now())
    expired = 0
    for job in ExportJob.objects.filter(
        status=ExportStatus.SUCCEEDED, expires_at__lte=timezone.now()
    ):
        job.file.delete(save=False)
        job.set_progress(status=ExportStatus.EXPIRED, file="")
        expired += 1
    return expired


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
    response = export_response(
        actor=request.user,
        export=export,
        queryset=filters.qs,
        filters=request.GET.urlencode(),
        channel="web",
        described=filters.in_words(),
    )
    if isinstance(response, HttpResponseRedirect):  # to the background export's page
        messages.info(request, BACKGROUND % {"n": STREAM_LIMIT})
    return response
