"""Exports past ``STREAM_LIMIT`` rows are written in the background (issue 16): the page goes
to the export's progress and the API answers 202; the file holds what the same export
during the request would (same scope, filters, columns, masking), only its requester may
fetch it, for ``EXPORT_KEEP_DAYS`` days; it is audited when written; a query that was
tampered with is never unpickled; memory stays flat in the row count."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import tracemalloc
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from safeserve.audit import exports
from safeserve.audit.exports import export_job_create, export_job_run, export_jobs_expire
from safeserve.audit.models import AuditEvent, ExportJob, ExportStatus
from safeserve.enterprises.exports import ENTERPRISES
from safeserve.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(monkeypatch: Any) -> int:
    monkeypatch.setattr(exports, "STREAM_LIMIT", 3)
    return 3


def _sheet(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_large_web_export_goes_to_its_page_and_its_file_is_the_same_spreadsheet(
    world: Any, login: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer = world["county_officer"]
    client = login(officer)
    url = "/enterprises/export/?is_key=0"
    streamed = _sheet(_body(client.get(url)))  # under the limit: during the request
    monkeypatch.setattr(exports, "STREAM_LIMIT", 3)
    assert len(streamed) - 1 > 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/exports/{job.pk}/"
    assert (job.status, job.created_by, job.name, job.filters) == (
        ExportStatus.SUCCEEDED,
        officer,
        "enterprises",
        "is_key=0",
    )
    page = client.get(response.url).content.decode()
    assert "超过 3 条记录：导出转入后台生成。" in page  # the message of the redirect
    assert job.described == "重点：否" and "重点：否" in page  # in words, not is_key=0
    assert "is_key=0" not in page
    assert "下载" in page and f"/exports/{job.pk}/download/" in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert _sheet(_body(download)) == streamed  # same rows, same masking
    event = AuditEvent.objects.filter(action="enterprise.exported").latest("seq")
    assert event.after["export"] == job.pk and event.after["rows"] == len(streamed) - 1
    listed = client.get("/exports/").content.decode()
    assert job.title in listed and f"/exports/{job.pk}/" in listed


def test_the_api_answers_202_and_the_export_is_followed_there(
    world: Any, api: Any, small_limit: int, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(world["county_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/v1/enterprises/export/")
    visible = Enterprise.objects.visible_to(world["county_officer"]).count()
    assert visible > small_limit
    assert response.status_code == 202
    body = response.json()
    job = client.get(body["status_url"]).json()
    assert (job["id"], job["status"], job["percent"]) == (body["id"], "succeeded", 100)
    assert job["described"] == ""  # no filter
    assert job["total_rows"] == visible
    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert len(_sheet(_body(download))) == job["total_rows"] + 1
    assert [j["id"] for j in client.get("/api/v1/exports/").json()["results"]] == [job["id"]]


# By hand: an export is its requester's alone, whatever the other's role.
@pytest.mark.parametrize("other", ["admin", "township_officer", "provider_admin", "expert"])
def test_nobody_else_sees_or_downloads_an_export(
    world: Any,
    login: Any,
    api: Any,
    small_limit: int,
    django_capture_on_commit_callbacks: Any,
    other: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        api(world["county_officer"]).get("/api/v1/enterprises/export/")
    job = ExportJob.objects.get()
    stranger = login(world[other])
    assert stranger.get(f"/exports/{job.pk}/").status_code == 404
    assert stranger.get(f"/exports/{job.pk}/download/").status_code == 404
    listed = stranger.get("/exports/").content.decode()
    assert f"/exports/{job.pk}/" not in listed and "暂无导出" in listed
    assert api(world[other]).get(f"/api/v1/exports/{job.pk}/download/").status_code == 404
    assert api(world[other]).get("/api/v1/exports/").json()["results"] == []


def test_after_its_download_period_the_file_is_deleted(
    world: Any, login: Any, api: Any, small_limit: int, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        api(world["county_officer"]).get("/api/v1/enterprises/export/")
    job = ExportJob.objects.get()
    stored = job.file.name
    assert job.expires_at is not None and job.file.storage.exists(stored)
    with time_machine.travel(job.expires_at + dt.timedelta(minutes=1)):
        call_command("run_daily")
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not job.file.storage.exists(stored)
    page = login(world["county_officer"]).get(f"/exports/{job.pk}/download/")
    assert page.status_code == 410 and "已删除" in page.content.decode()
    gone = api(world["county_officer"]).get(f"/api/v1/exports/{job.pk}/download/")
    assert gone.status_code == 410 and gone.json()["code"] == "expired"


def test_an_export_a_stopped_worker_left_ends_as_failed(world: Any) -> None:
    job = export_job_create(
        actor=world["county_officer"],
        export=ENTERPRISES,
        queryset=Enterprise.objects.all(),
        filters="",
        channel="web",
    )
    with time_machine.travel(job.created_at + dt.timedelta(days=1, minutes=1)):
        export_jobs_expire()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED


def test_a_query_changed_in_the_database_is_never_unpickled(world: Any) -> None:
    job = export_job_create(
        actor=world["county_officer"],
        export=ENTERPRISES,
        queryset=Enterprise.objects.filter(county=world["county_officer"].organization.county),
        filters="",
        channel="web",
    )
    wider = pickle.dumps(("enterprises.Enterprise", Enterprise.objects.all().query))
    ExportJob.objects.filter(pk=job.pk).update(query=wider)  # the MAC is the old query's
    assert export_job_run(job.pk).status == ExportStatus.FAILED
    assert not AuditEvent.objects.filter(action="enterprise.exported").exists()


def test_an_export_of_a_list_no_longer_known_fails_instead_of_hanging(world: Any) -> None:
    job = export_job_create(
        actor=world["county_officer"],
        export=ENTERPRISES,
        queryset=Enterprise.objects.all(),
        filters="",
        channel="web",
    )
    ExportJob.objects.filter(pk=job.pk).update(name="a_list_renamed_since")
    assert export_job_run(job.pk).status == ExportStatus.FAILED


def test_a_background_export_writes_in_flat_memory(world: Any) -> None:
    """Twice the rows need about the same memory: the rows are read in chunks and written
    to a file as they come."""
    from safeserve.demo.enterprises import seed_enterprises

    county = world["county_officer"].organization.county
    seed_enterprises(county, 4000, seed=11)
    assert Enterprise.objects.filter(county=county).count() >= 4000
    ids = list(Enterprise.objects.filter(county=county).order_by("pk").values_list("pk", flat=True))

    def peak(n: int) -> int:
        job = export_job_create(
            actor=world["county_officer"],
            export=ENTERPRISES,
            # a query of the same size for either: a list of ids would grow with them
            queryset=Enterprise.objects.filter(county=county, pk__lte=ids[n - 1]).order_by("pk"),
            filters="",
            channel="web",
        )
        tracemalloc.start()
        assert export_job_run(job.pk).processed_rows == n
        _now, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2000), peak(4000)
    per_row = (large - small) / 2000
    assert per_row < 150, f"{per_row:.0f} bytes more per row ({small} → {large})"
