"""``GET /api/v1/<list>/export/``: the list as a spreadsheet, selected by the same FilterSet
as ``GET /api/v1/<list>/`` (bad filters are a 400 naming the field) and recorded in the audit
trail (safeserve/audit/exports.py); past 10,000 rows a 202 with the background export's id,
followed at ``/api/v1/exports/<id>/``."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from safeserve.api.viewsets import ScopedViewSet
from safeserve.audit.exports import ListExport, export_response
from safeserve.audit.filters import ExportJobFilter
from safeserve.audit.models import ExportJob, ExportStatus
from safeserve.audit.trail_export import EXPORT_JOBS
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.http import serve_file
from safeserve.common.lib.xlsx import XLSX
from safeserve.common.request import actor_of


class ExportMixin:
    list_export: ListExport

    @extend_schema(request=None, responses={(200, XLSX): bytes, 202: dict}, filters=True)
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> Any:
        """The filtered list as .xlsx (same filters as the list; ID numbers and phones
        masked); past 10,000 rows 202 with the id of a background export to follow at
        ``/api/v1/exports/<id>/``."""
        viewset: Any = self
        scoped = viewset.get_queryset()
        filterset_class = getattr(viewset, "filterset_class", None)
        described = (
            filterset_class(request.query_params, queryset=scoped, request=request).in_words()
            if filterset_class is not None and hasattr(filterset_class, "in_words")
            else ""
        )
        return export_response(
            actor=actor_of(request),
            export=self.list_export,
            queryset=viewset.filter_queryset(scoped),
            filters=request.query_params.urlencode(),
            channel="api",
            described=described,
        )


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "created_at",
            "name",
            "title",
            "channel",
            "filters",
            "described",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "finished_at",
            "expires_at",
            "download_url",
        ]

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportStatus.SUCCEEDED:
            return None
        return reverse("api:export-download", args=[job.pk])


class ExportJobViewSet(ExportMixin, ScopedViewSet):
    """One's own list exports of more than 10,000 rows, written in the background: their
    progress, and their file for ``EXPORT_KEEP_DAYS`` days."""

    serializer_class = ExportJobSerializer
    filterset_class = ExportJobFilter
    list_export = EXPORT_JOBS

    def scoped_queryset(self, actor: Any) -> Any:
        return ExportJob.objects.visible_to(actor)

    @extend_schema(request=None, responses={(200, XLSX): bytes, 410: None})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> Any:
        """The spreadsheet once written (409 ``not_ready`` before; 410 ``expired`` after
        its download period)."""
        job = self.get_object()
        if job.status == ExportStatus.EXPIRED:
            raise ApplicationError(
                "expired",
                _("This export's file has been deleted: it was kept for its download period."),
                status=410,
            )
        if job.status != ExportStatus.SUCCEEDED or not job.file:
            raise ApplicationError(
                "not_ready", _("This export has no file to download yet."), status=409
            )
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        return serve_file(job.file, attachment=True, name=f"{job.title}-{stamp}.xlsx")
