"""Prometheus metrics at /metrics: request latency and counts (django-prometheus's
middleware), the task queue's depth and failures (read from the database at scrape time), and
refused logins (safeserve.common.metrics). Only addresses in METRICS_ALLOWED_IPS may read them.

Under gunicorn with several workers each process counts separately; with
PROMETHEUS_MULTIPROC_DIR set, the view merges every worker's files (prometheus_client's
multiprocess mode; deploy/gunicorn.conf.py marks dead workers)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from safeserve.operations.checks import task_queue_lag


class TaskQueueCollector(Collector):
    """Counts are read when scraped, so every process reports the same database truth."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        by_status = dict(
            DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        depth = GaugeMetricFamily(
            "safeserve_task_queue_depth",
            "Background tasks by status (READY ones wait for a worker).",
            labels=["status"],
        )
        for status in ("READY", "RUNNING", "FAILED", "SUCCESSFUL"):
            depth.add_metric([status], by_status.get(status, 0))
        yield depth
        yield GaugeMetricFamily(
            "safeserve_task_queue_failures",
            "Background tasks that failed and are kept for inspection.",
            value=by_status.get("FAILED", 0),
        )
        yield GaugeMetricFamily(
            "safeserve_task_queue_lag_seconds",
            "How long the oldest runnable task has waited.",
            value=task_queue_lag().total_seconds(),
        )


def _allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # The direct peer, never a forwarded header: a proxy in front must not open this to all.
    if not _allowed(request.META.get("REMOTE_ADDR")):
        return HttpResponseNotFound()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(TaskQueueCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Forward(Collector):
    """The process-wide registry's metrics, in a registry of this request."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()
