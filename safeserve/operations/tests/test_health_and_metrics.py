import datetime as dt
import io
import json
import logging

import structlog
import time_machine
from django.test import Client

from safeserve.accounts.models import LoginChannel, LoginResult
from safeserve.accounts.services import login_record
from safeserve.operations import checks

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_it_answers_liveness_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_is_ready_when_database_migrations_queue_and_storage_are(db, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "task_queue", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_it_is_unready_with_the_failing_check_named(db, client, monkeypatch):
    monkeypatch.setattr(
        checks, "CHECKS", [checks.check_database, lambda: checks.Check("storage", False, "OSError")]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "detail": "OSError"}


def test_it_stops_at_an_unreachable_database(db, client, monkeypatch):
    monkeypatch.setattr(
        checks, "check_database", lambda: checks.Check("database", False, "OperationalError")
    )
    monkeypatch.setattr(checks, "CHECKS", [checks.check_database, checks.check_storage])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": {"ok": False, "detail": "OperationalError"}}


def test_it_is_unready_when_the_task_queue_lags(db, client, settings):
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.READY_MAX_TASK_LAG_SECONDS = 300
    with time_machine.travel(NOW, tick=False):
        DBTaskResult.objects.create(  # as the database backend enqueues it
            status="READY",
            args_kwargs={"args": [1], "kwargs": {}},
            priority=0,
            task_path="safeserve.enterprises.tasks.run_enterprise_import",
            queue_name="default",
            backend_name="default",
            run_after=get_date_max(),
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        assert client.get("/readyz").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == {
        "ok": False,
        "detail": "oldest waiting task 600s > 300s",
    }


def test_it_serves_metrics_to_allowed_addresses_only(db, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    allowed = Client(REMOTE_ADDR="10.1.2.3")
    body = allowed.get("/metrics").content.decode()
    assert "safeserve_task_queue_depth" in body
    assert "django_http_requests_latency_seconds_by_view_method" in body
    # A forwarded header never opens it to someone else.
    other = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert other.get("/metrics").status_code == 404


def test_it_counts_refused_logins(db, rf, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    request = rf.post("/accounts/login/")
    login_record(request=request, username="nobody", result=LoginResult.FAILED)
    login_record(
        request=request, username="nobody", result=LoginResult.LOCKED, channel=LoginChannel.API
    )
    body = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert 'safeserve_login_failures_total{channel="web",result="failed"}' in body
    assert 'safeserve_login_failures_total{channel="api",result="locked"}' in body


def test_it_logs_one_json_line_per_request_without_the_path(world, client, login):
    root = logging.getLogger()
    formatter = root.handlers[0].formatter
    assert isinstance(formatter, structlog.stdlib.ProcessorFormatter)
    output = io.StringIO()
    capture = logging.StreamHandler(output)
    capture.setFormatter(formatter)
    root.addHandler(capture)
    officer = world["county_officer"]
    login(officer)
    try:
        client.get("/n/123/secret-token-value/")
        client.get("/")
    finally:
        root.removeHandler(capture)
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 2
    link, home = requests
    assert link["route"] == "n/<int:pk>/<str:token>/" and link["status"] == 404
    assert home == {
        **home,
        "route": "home",
        "status": 200,
        "user_id": officer.pk,
        "county_id": officer.organization.county_id,
        "method": "GET",
    }
    assert isinstance(home["duration_ms"], float) and home["request_id"]
    assert "secret-token-value" not in json.dumps(lines)
    assert officer.username not in json.dumps(requests)


def test_it_puts_uploads_on_s3_compatible_storage_when_a_bucket_is_named():
    """The settings alone switch storage; nothing is contacted until a file is written."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "true",
        "S3_BUCKET": "safeserve-media",
        "S3_ENDPOINT_URL": "http://minio.county.internal:9000",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [
        "S3Storage",
        "safeserve-media",
        "http://minio.county.internal:9000",
    ]


def test_it_keeps_paths_out_of_djangos_own_warnings(db):
    """A refused form on a notice link would otherwise log the link's token."""
    root = logging.getLogger()
    handler = root.handlers[0]
    output = io.StringIO()
    capture = logging.StreamHandler(output)
    capture.setFormatter(handler.formatter)
    for log_filter in handler.filters:
        capture.addFilter(log_filter)
    root.addHandler(capture)
    try:
        Client(enforce_csrf_checks=True).post("/n/12/secret-token-value/", {"x": "1"})
    finally:
        root.removeHandler(capture)
    text = output.getvalue()
    assert "CSRF" in text and "secret-token-value" not in text
