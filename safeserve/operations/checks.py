"""What /readyz checks: can this instance serve requests now?"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"; the class name is enough
        return Check("database", False, exc.__class__.__name__)
    return Check("database", True)


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return Check("migrations", False, exc.__class__.__name__)
    if pending:
        return Check("migrations", False, f"{len(pending)} not applied")
    return Check("migrations", True)


def task_queue_lag() -> dt.timedelta:
    """How long the oldest task that could run has been waiting (zero when none waits)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", "run_after")[:1]
    )
    if not oldest:
        return dt.timedelta(0)
    enqueued_at, run_after = oldest[0]
    # A task scheduled for later has waited only since its time came.
    since = enqueued_at if run_after == get_date_max() else max(enqueued_at, run_after)
    return max(now - since, dt.timedelta(0))


def check_task_queue() -> Check:
    try:
        lag = task_queue_lag()
    except Exception as exc:
        return Check("task_queue", False, exc.__class__.__name__)
    limit = settings.READY_MAX_TASK_LAG_SECONDS
    seconds = int(lag.total_seconds())
    if seconds > limit:
        return Check("task_queue", False, f"oldest waiting task {seconds}s > {limit}s")
    return Check("task_queue", True, f"lag {seconds}s")


def check_storage() -> Check:
    name = f"readyz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception as exc:
        return Check("storage", False, exc.__class__.__name__)
    return Check("storage", True)


CHECKS: list[Callable[[], Check]] = [
    check_database,
    check_migrations,
    check_task_queue,
    check_storage,
]


def readiness() -> list[Check]:
    results = []
    for check in CHECKS:
        result = check()
        results.append(result)
        if check is check_database and not result.ok:
            # Without the database the other checks would only repeat its failure.
            break
    return results
