"""Enterprise import: the bad paths first, then all-or-nothing writes and re-imports."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.choices import ImportStatus
from safeserve.demo.enterprises import demo_uscc
from safeserve.enterprises.models import Enterprise, ImportJob
from safeserve.enterprises.tests.helpers import good_row, upload, xlsx_bytes

IMPORT = reverse("enterprises:import")


def _post(client, content: bytes, name: str = "enterprises.xlsx"):
    return client.post(IMPORT, {"file": upload(content, name)})


def _job() -> ImportJob:
    return ImportJob.objects.latest("pk")


def _reasons(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["reason"]) for e in job.errors]


# --- files refused before parsing -----------------------------------------------------------


def test_an_xls_file_is_refused_with_save_as_xlsx(world, login):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    response = _post(login(world["township_officer"]), ole, "old.xls")
    assert response.status_code == 415
    assert "请另存为 .xlsx 后上传" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("content", [b"name,uscc\n", b"%PDF-1.4 not a sheet", b""])
def test_other_formats_are_refused(world, login, content):
    response = _post(login(world["township_officer"]), content, "list.csv")
    assert response.status_code in (400, 415)
    assert not ImportJob.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(world, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = _post(login(world["township_officer"]), buffer.getvalue())
    assert response.status_code == 415


@override_settings(IMPORT_MAX_BYTES=2048)
def test_an_oversized_file_is_refused(world, login):
    response = _post(login(world["township_officer"]), xlsx_bytes([good_row(1)] * 3) + b"\0" * 4096)
    assert response.status_code == 413
    assert "MB" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
def test_a_zip_bomb_is_refused_before_unpacking(world, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(buffer.getvalue()) < 64 * 1024  # small on the wire
    response = _post(login(world["township_officer"]), buffer.getvalue())
    assert response.status_code == 413
    assert "解压" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(IMPORT_MAX_ZIP_ENTRIES=5)
def test_a_zip_with_too_many_entries_is_refused(world, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(10):
            archive.writestr(f"xl/part{n}.xml", "x")
    assert _post(login(world["township_officer"]), buffer.getvalue()).status_code == 413


# --- rows refused, nothing written ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"企业名称": ""}, "企业名称", "缺少企业名称"),
        ({"企业名称": "长" * 121}, "企业名称", "最多 120"),
        ({"统一社会信用代码": "123"}, "统一社会信用代码", "18位"),
        ({"统一社会信用代码": "91110000600037341M"}, "统一社会信用代码", "校验码"),
        ({"统一社会信用代码": 9.13e17}, "统一社会信用代码", "存成了数字"),
        ({"所在乡镇": "不存在镇"}, "所在乡镇", "没有该名称"),
        ({"所在乡镇": ""}, "所在乡镇", "缺少所在乡镇"),
        ({"所在乡镇": "青石镇"}, "所在乡镇", "只能导入本辖区"),
        ({"行业代码": "Z99"}, "行业代码", "不是 GB/T 4754-2017"),
        ({"行业代码": "C9999"}, "行业代码", "没有 99 大类"),
        ({"是否重点企业": "可能"}, "是否重点企业", "“是”或“否”"),
        ({"从业人数": "三十"}, "从业人数", "整数"),
        ({"从业人数": "-3"}, "从业人数", "整数"),
        ({"联系电话": "call me"}, "联系电话", "数字"),
        ({"经营状态": "倒闭了"}, "经营状态", "在营"),
    ],
)
def test_a_bad_cell_refuses_the_whole_file(world, login, changes, column, words):
    rows = [good_row(1), good_row(2, **changes), good_row(3)]
    response = _post(login(world["township_officer"]), xlsx_bytes(rows))
    job = _job()
    assert response.status_code == 302 and response.url == reverse(
        "enterprises:import_job", args=[job.pk]
    )
    assert job.status == ImportStatus.FAILED
    assert not Enterprise.objects.exists()  # all or nothing
    assert any(
        row == 3 and col == column and words in reason for row, col, reason in _reasons(job)
    ), _reasons(job)


def test_a_bad_phone_is_reported_masked(world, login):
    rows = [good_row(1, 联系电话="1381234567x")]
    _post(login(world["township_officer"]), xlsx_bytes(rows))
    values = [error["value"] for error in _job().errors]
    assert values and all("1381234567x" not in value for value in values)


def test_a_duplicate_code_inside_the_file_names_the_first_row(world, login):
    rows = [good_row(1), good_row(2, 统一社会信用代码=good_row(1)["统一社会信用代码"])]
    _post(login(world["township_officer"]), xlsx_bytes(rows))
    assert any("与第2行" in reason for _r, _c, reason in _reasons(_job()))


def test_missing_columns_are_reported(world, login):
    content = xlsx_bytes([{"企业名称": "某公司"}], headers=["企业名称", "地址"])
    _post(login(world["township_officer"]), content)
    job = _job()
    assert job.status == ImportStatus.FAILED
    assert "统一社会信用代码" in job.errors[0]["reason"]


def test_an_empty_sheet_is_refused(world, login):
    _post(login(world["township_officer"]), xlsx_bytes([]))
    assert _job().status == ImportStatus.FAILED


def test_a_code_registered_in_another_township_is_refused_without_revealing_it(world, login):
    from safeserve.organizations.models import Region

    other = Enterprise.objects.create(
        county=world["county_officer"].organization.county,
        township=Region.objects.get(code="990121101"),
        name="青石镇保密企业",
        uscc=demo_uscc("990121", 99999),
        industry_code="C1711",
    )
    rows = [good_row(1, 统一社会信用代码=other.uscc)]
    _post(login(world["township_officer"]), xlsx_bytes(rows))
    job = _job()
    assert job.status == ImportStatus.FAILED
    report = str(job.errors)
    assert "其他单位登记" in report and "青石镇保密企业" not in report and "青石镇" not in report
    other.refresh_from_db()
    assert other.name == "青石镇保密企业"


# --- good imports ---------------------------------------------------------------------------


def test_a_good_file_is_imported_with_one_audit_event(world, login):
    rows = [good_row(n) for n in range(1, 6)]
    rows[0]["统一社会信用代码"] = "  " + rows[0]["统一社会信用代码"].lower() + " "  # normalised
    rows[1]["企业名称"] = "安平县ＡＢＣ纺织有限公司"  # full width → half width
    rows[2]["行业代码"] = "2614"  # section letter optional → hazardous goods
    seeded = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = _post(login(world["township_officer"]), xlsx_bytes(rows))
    job = _job()
    assert response.status_code == 302
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.total_rows, job.percent) == (5, 0, 5, 100)
    assert Enterprise.objects.filter(name="安平县ABC纺织有限公司").exists()
    assert Enterprise.objects.get(industry_code="C2614").sector == "hazardous_goods"
    events = AuditEvent.objects.filter(action="enterprise.imported", pk__gt=seeded)
    assert events.count() == 1 and events.get().after["count"] == 5
    assert events.get().after["sha256"] == job.sha256


def test_an_internal_error_writes_nothing_and_says_so(world, login, monkeypatch):
    def broken(job):
        raise RuntimeError("disk full")

    monkeypatch.setattr("safeserve.enterprises.importing._run", broken)
    before = Enterprise.objects.count()
    _post(login(world["township_officer"]), xlsx_bytes([good_row(1)]))
    job = _job()
    assert job.status == ImportStatus.ERROR and job.error_count == 1
    assert job.finished_at is not None
    assert "内部错误" in job.errors[0]["reason"] and job.errors[0]["row"] == ""
    assert Enterprise.objects.count() == before


def test_reimporting_updates_by_code(world, login):
    client = login(world["township_officer"])
    _post(client, xlsx_bytes([good_row(1), good_row(2)]))
    _post(client, xlsx_bytes([good_row(1, 联系人="王五", 是否重点企业="否"), good_row(3)]))
    job = _job()
    assert (job.created_count, job.updated_count) == (1, 1)
    updated = Enterprise.objects.get(uscc=good_row(1)["统一社会信用代码"])
    assert updated.contact_name == "王五" and updated.is_key is False
    assert Enterprise.objects.count() == 3


def test_the_job_page_polls_until_finished_and_shows_the_report(world, login):
    client = login(world["township_officer"])
    _post(client, xlsx_bytes([good_row(1, 行业代码="X1")]))
    job = _job()
    fragment = client.get(reverse("enterprises:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "hx-trigger" not in html  # finished: no more polling
    assert "未导入任何数据" in html and "X1" in html
    report = client.get(reverse("enterprises:import_job_report", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_queued_job_page_polls(world, login):
    from safeserve.enterprises.importing import import_job_create

    officer = world["township_officer"]
    job = import_job_create(
        actor=officer,
        upload=io.BytesIO(xlsx_bytes([good_row(1)])),
        filename="x.xlsx",
        size=len(xlsx_bytes([good_row(1)])),
    )
    html = login(officer).get(reverse("enterprises:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_officer", 200),
        ("township_officer", 200),
        ("township_leader", 200),
        ("department_officer", 403),
        ("provider_admin", 403),
        ("enterprise_user", 403),
        ("evaluator", 403),
    ],
)
def test_who_may_import(world, login, username, status):
    assert login(world[username]).get(IMPORT).status_code == status


def test_another_townships_job_is_not_found(world, login):
    _post(login(world["township_officer"]), xlsx_bytes([good_row(1)]))
    job = _job()
    from safeserve.accounts.services import user_create

    qingshi = world["county_officer"].organization.county
    from safeserve.organizations.models import Organization

    other_org = Organization.objects.get(county=qingshi, name="安平县青石镇人民政府")
    other, _ = user_create(
        actor=world["county_admin"],
        organization=other_org,
        username="qingshi_officer",
        full_name="青石",
        role="officer",
        password="Qingshi-pass-2026",
    )
    assert login(other).get(reverse("enterprises:import_job", args=[job.pk])).status_code == 404
    assert (
        login(world["county_officer"])
        .get(reverse("enterprises:import_job", args=[job.pk]))
        .status_code
        == 200
    )


def test_the_command_runs_the_same_job(world, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes([good_row(1), good_row(2)]))
    call_command("import_enterprises", str(good), "--user", "county_officer")
    assert "2 created" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([good_row(3, 行业代码="")]))
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_enterprises", str(bad), "--user", "county_officer")
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(good), "--user", "expert")


def test_the_api_import_returns_202_and_the_job(world, api):
    client = api(world["township_officer"])
    response = client.post(
        "/api/v1/enterprises/import/",
        {"file": upload(xlsx_bytes([good_row(1)]))},
        format="multipart",
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "succeeded" and body["created_count"] == 1
    job = client.get(f"/api/v1/enterprises/import/{body['id']}/").json()
    assert job["percent"] == 100
    refused = client.post(
        "/api/v1/enterprises/import/",
        {"file": upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 10, "a.xls")},
        format="multipart",
    )
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_format"
    missing = client.post("/api/v1/enterprises/import/", {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    assert (
        api(world["department_officer"])
        .post(
            "/api/v1/enterprises/import/",
            {"file": upload(xlsx_bytes([good_row(2)]))},
            format="multipart",
        )
        .status_code
        == 403
    )


def test_the_template_downloads_with_text_formatted_codes(world, login):
    from openpyxl import load_workbook

    response = login(world["township_officer"]).get(reverse("enterprises:template"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["企业名录"]
    assert [c.value for c in sheet[1]][:4] == [
        "企业名称",
        "统一社会信用代码",
        "所在乡镇",
        "行业代码",
    ]
    assert sheet["B2"].number_format == "@"
    assert "城关镇" in workbook["填写说明"]["A3"].value


# --- the export re-imports unchanged ---------------------------------------------------------


def _with_phones(places) -> None:
    from safeserve.enterprises.tests.helpers import make_enterprise

    for n in range(6):  # mobiles and landlines, as a township's directory holds them
        phone = f"1390000{n:04d}" if n % 2 else f"0570-{n:07d}"
        make_enterprise(places, f"安平县往返{n}号纺织有限公司", serial=40 + n, contact_phone=phone)


def test_the_directory_export_reimports_unchanged(world, places, sample, login):
    """Masked phones stay masked in every export; a cell equal to the stored number's mask
    keeps the stored number, so an exported file comes back without a single failure."""
    client = login(world["township_officer"])
    _with_phones(places)
    exported = b"".join(client.get(reverse("enterprises:export")).streaming_content)
    before = {e.uscc: (e.contact_phone, e.name, e.updated_at) for e in Enterprise.objects.all()}
    assert any(phone for phone, _n, _u in before.values())

    _post(client, exported)

    job = _job()
    assert job.status == ImportStatus.SUCCEEDED, _reasons(job)[:3]
    assert job.error_count == 0 and job.created_count == 0
    assert job.updated_count == Enterprise.objects.visible_to(world["township_officer"]).count()
    after = {e.uscc: (e.contact_phone, e.name) for e in Enterprise.objects.all()}
    assert after == {code: (phone, name) for code, (phone, name, _u) in before.items()}


def test_a_masked_phone_that_is_not_the_stored_ones_is_refused(world, places, sample, login):
    client = login(world["township_officer"])
    _with_phones(places)
    existing = (
        Enterprise.objects.visible_to(world["township_officer"]).exclude(contact_phone="").first()
    )
    rows = [
        good_row(1, 联系电话="138****0000"),  # a new enterprise: no number to keep
        good_row(
            2,
            统一社会信用代码=existing.uscc,
            企业名称=existing.name,
            联系电话="199****0000",  # not the stored number's mask
        ),
    ]
    _post(client, xlsx_bytes(rows))
    job = _job()
    assert job.status == ImportStatus.FAILED
    reasons = _reasons(job)
    assert [(row, column) for row, column, _r in reasons] == [(2, "联系电话"), (3, "联系电话")]
    assert all("完整" in reason for _row, _c, reason in reasons)
    assert not Enterprise.objects.filter(uscc=good_row(1)["统一社会信用代码"]).exists()


def test_reimporting_keeps_a_sector_set_by_hand_and_stores_what_the_page_reads(world, login):
    """Both write paths (COPY and UPDATE … FROM on PostgreSQL, the ORM elsewhere) store the
    same: the phone sealed and readable, the pinyin of the new name, the derived sector —
    except where a person set the sector, which an import never undoes."""
    from safeserve.common.lib.pinyin import initials_index

    client = login(world["township_officer"])
    _post(client, xlsx_bytes([good_row(1), good_row(2)]))
    first = Enterprise.objects.get(uscc=good_row(1)["统一社会信用代码"])
    derived = first.sector
    Enterprise.objects.filter(pk=first.pk).update(sector="mining", sector_overridden=True)
    _post(
        client,
        xlsx_bytes(
            [
                good_row(1, 企业名称="安平县新名字纺织有限公司", 联系电话="13911112222"),
                good_row(2, 联系电话="13933334444"),
            ]
        ),
    )
    assert (_job().created_count, _job().updated_count) == (0, 2)
    first.refresh_from_db()
    second = Enterprise.objects.get(uscc=good_row(2)["统一社会信用代码"])
    assert (first.sector, first.sector_overridden) == ("mining", True)
    assert second.sector == derived
    assert (first.contact_phone, second.contact_phone) == ("13911112222", "13933334444")
    assert first.pinyin_initials == initials_index("安平县新名字纺织有限公司")
    assert first.name == "安平县新名字纺织有限公司"
