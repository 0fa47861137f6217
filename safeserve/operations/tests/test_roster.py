"""The county roster: one workbook of organizations and users, all or nothing, with the
temporary passwords handed out once."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.common.choices import ImportStatus
from safeserve.demo.enterprises import demo_uscc
from safeserve.enterprises.models import Enterprise
from safeserve.operations.models import RosterImport
from safeserve.operations.setup import county_create
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    SupervisedSector,
)
from safeserve.organizations.services import township_create
from safeserve.providers.models import Provider

ORG_HEADERS = [
    "名称",
    "类型",
    "统一社会信用代码",
    "行政区划代码",
    "监管行业",
    "接收非高危行业重大隐患",
]
USER_HEADERS = ["登录名", "姓名", "手机", "单位名称", "角色"]
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def roster_bytes(
    orgs: list[list[Any]], users: list[list[Any]], sheets: tuple[str, ...] = ("单位", "用户")
) -> bytes:
    workbook = Workbook()
    first = workbook.active
    first.title = sheets[0]
    first.append(ORG_HEADERS)
    for row in orgs:
        first.append(row)
    if len(sheets) > 1:
        second = workbook.create_sheet(sheets[1])
        second.append(USER_HEADERS)
        for row in users:
            second.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def yongning(db) -> dict[str, Any]:
    """A county just installed: its office, its admin, one township and one enterprise in
    the directory (the roster links enterprises, it does not create them)."""
    created = county_create(
        actor=None,
        code="990123",
        name="永宁县",
        admin_username="yn_admin",
        admin_full_name="钟立诚",
    )
    admin = created.admin
    admin.set_password("Yn-admin-2026!")
    admin.must_change_password = False
    admin.save()
    first = township_create(actor=admin, county=created.county, code="990123100", name="城关镇")
    enterprise = Enterprise.objects.create(
        county=created.county,
        township=first.region,
        name="永宁县宏达机械有限公司",
        uscc=demo_uscc("990123", 1),
        industry_code="C3411",
    )
    return {"county": created.county, "admin": admin, "enterprise": enterprise}


def good_roster(enterprise: Enterprise) -> bytes:
    return roster_bytes(
        [
            ["永宁县石桥镇人民政府", "乡镇", None, "990123101000", None, None],
            ["永宁县东城街道办事处", "街道", None, "990123002", None, None],
            ["永宁县应急管理局", "部门", None, None, "矿山、危险化学品、冶金等工贸", "是"],
            ["永宁县住房和城乡建设局", "部门", None, None, "建筑施工", "否"],
            ["永宁安信安全技术有限公司", "服务机构", demo_uscc("990123", 500), None, None, None],
            [enterprise.name, "企业", enterprise.uscc, None, None, None],
            ["正衡第三方评估有限公司", "第三方评估机构", None, None, None, None],
        ],
        [
            ["sq_officer", "石青", "13900001111", "永宁县石桥镇人民政府", "经办人"],
            ["sq_leader", "石领", None, "永宁县石桥镇人民政府", "负责人"],
            ["yj_officer", "应急", None, "永宁县应急管理局", "经办人"],
            ["ax_admin", "安信", None, "永宁安信安全技术有限公司", "管理员"],
            ["ax_expert", "专家甲", None, "永宁安信安全技术有限公司", "专家"],
            ["hd_user", "宏达", None, enterprise.name, "经办人"],
            ["office_viewer", "办公室", None, "永宁县安全生产委员会办公室", "只读用户"],
        ],
    )


def _counts() -> tuple[int, ...]:
    return (
        Region.objects.count(),
        Organization.objects.count(),
        User.objects.count(),
        Provider.objects.count(),
        SupervisedSector.objects.count(),
        Enterprise.objects.filter(organization__isnull=False).count(),
    )


def test_it_imports_a_roster_and_hands_out_the_passwords_once(yongning, login):
    client = login(yongning["admin"])
    template = client.get(reverse("operations:roster_template"))
    assert load_workbook(io.BytesIO(b"".join(template.streaming_content))).sheetnames == [
        "单位",
        "用户",
        "填写说明",
    ]
    response = client.post(
        reverse("operations:roster"), {"file": _upload(good_roster(yongning["enterprise"]))}
    )
    job = RosterImport.objects.get()
    assert response.url == reverse("operations:roster_job", args=[job.pk])
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.organizations_created, job.users_created) == (7, 7)
    assert not job.file  # the roster holds phone numbers: not kept once checked

    county = yongning["county"]
    shiqiao = Organization.objects.get(name="永宁县石桥镇人民政府")
    assert shiqiao.kind == OrganizationKind.TOWNSHIP and shiqiao.region.code == "990123101"
    assert shiqiao.region.name == "石桥镇"
    assert Region.objects.get(code="990123002").name == "东城街道"
    emergency = Organization.objects.get(name="永宁县应急管理局")
    assert sorted(emergency.sector_values) == ["hazardous_goods", "metallurgy_trade", "mining"]
    assert emergency.is_fallback_department
    provider = Provider.objects.get(organization__name="永宁安信安全技术有限公司")
    assert provider.uscc == demo_uscc("990123", 500)
    yongning["enterprise"].refresh_from_db()
    assert yongning["enterprise"].organization.county == county
    assert Organization.objects.get(name="正衡第三方评估有限公司").kind == "evaluator"
    users = {u.username: u for u in User.objects.filter(organization__county=county)}
    assert users["ax_expert"].role == "expert" and users["office_viewer"].role == "viewer"
    assert all(u.must_change_password for name, u in users.items() if name != "yn_admin")
    assert AuditEvent.objects.filter(action="roster.imported", county_id=county.pk).exists()

    page = client.get(response.url).content.decode()
    assert "下载临时密码" in page
    download = client.post(reverse("operations:roster_credentials", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("登录名", "姓名", "单位", "角色", "临时密码")
    passwords = {row[0]: row[4] for row in rows[1:]}
    assert set(passwords) == set(users) - {"yn_admin"}
    assert all(users[name].check_password(p) for name, p in passwords.items())
    job.refresh_from_db()
    assert job.credentials is None and job.credentials_downloaded_at
    event = AuditEvent.objects.get(action="roster.credentials_downloaded")
    assert event.actor == yongning["admin"] and event.after == {"count": 7}
    assert all(p not in event.canonical for p in passwords.values())

    again = client.post(reverse("operations:roster_credentials", args=[job.pk]), follow=True)
    assert "已经下载" in again.content.decode()


@pytest.mark.parametrize(
    ("orgs", "users", "expected"),
    [
        # each case: the roster's rows, then (sheet, row, column, words of the reason)
        ([["某镇", "乡镇", None, "99012310", None, None]], [], ("单位", 2, "行政区划代码", "9 位")),
        (
            [["某镇", "乡镇", None, "990121150", None, None]],
            [],
            ("单位", 2, "行政区划代码", "990123"),
        ),
        (
            [["某镇", "乡镇", None, "990123100", None, None]],
            [],
            ("单位", 2, "行政区划代码", "已被使用"),
        ),
        ([["某镇", "乡镇", None, None, None, None]], [], ("单位", 2, "行政区划代码", "9 位")),
        (
            [
                ["甲镇", "乡镇", None, "990123110", None, None],
                ["乙镇", "乡镇", None, "990123110", None, None],
            ],
            [],
            ("单位", 3, "行政区划代码", "与第 3 行重复"),
        ),
        ([["某单位", "协会", None, None, None, None]], [], ("单位", 2, "类型", "乡镇、街道")),
        ([[None, "部门", None, None, None, None]], [], ("单位", 2, "名称", "缺少")),
        (
            [["永宁县安全生产委员会办公室", "部门", None, None, None, None]],
            [],
            ("单位", 2, "名称", "同名"),
        ),
        ([["某局", "部门", None, None, "渔业", None]], [], ("单位", 2, "监管行业", "矿山")),
        (
            [["某局", "部门", None, None, None, "也许"]],
            [],
            ("单位", 2, "接收非高危行业重大隐患", "是"),
        ),
        (
            [
                ["甲局", "部门", None, None, "建筑施工", None],
                ["乙局", "部门", None, None, "建筑", None],
            ],
            [],
            ("单位", 3, "监管行业", "第 3 行已监管"),
        ),
        (
            [["某公司", "服务机构", "91990123MA0000000X", None, None, None]],
            [],
            ("单位", 2, "统一社会信用代码", "校验"),
        ),
        (
            [["某公司", "服务机构", 9.1e17, None, None, None]],
            [],
            ("单位", 2, "统一社会信用代码", "文本"),
        ),
        (
            [["某公司", "企业", demo_uscc("990123", 77), None, None, None]],
            [],
            ("单位", 2, "统一社会信用代码", "企业名录"),
        ),
        (
            [["某局", "部门", demo_uscc("990123", 78), None, None, None]],
            [],
            ("单位", 2, "统一社会信用代码", "服务机构和企业"),
        ),
        ([["某镇", "乡镇", None, "990123120", "矿山", None]], [], ("单位", 2, "监管行业", "部门")),
        ([], [["u1", "某", None, "不存在的单位", "经办人"]], ("用户", 2, "单位名称", "单位")),
        (
            [],
            [["u1", "某", None, "永宁县城关镇人民政府", "专家"]],
            ("用户", 2, "角色", "乡镇（街道）不设该角色"),
        ),
        ([], [["u1", "某", None, "永宁县城关镇人民政府", "局长"]], ("用户", 2, "角色", "管理员")),
        (
            [],
            [["YN_Admin", "某", None, "永宁县城关镇人民政府", "经办人"]],
            ("用户", 2, "登录名", "已被使用"),
        ),
        ([], [["张 三", "某", None, "永宁县城关镇人民政府", "经办人"]], ("用户", 2, "登录名", "")),
        (
            [],
            [
                ["u1", "某", None, "永宁县城关镇人民政府", "经办人"],
                ["U1", "某", None, "永宁县城关镇人民政府", "经办人"],
            ],
            ("用户", 3, "登录名", "第 2 行"),
        ),
        ([], [["u1", None, None, "永宁县城关镇人民政府", "经办人"]], ("用户", 2, "姓名", "缺少")),
        (
            [],
            [["u1", "某", "电话1380000", "永宁县城关镇人民政府", "经办人"]],
            ("用户", 2, "手机", "数字"),
        ),
    ],
)
def test_it_reports_a_bad_row_in_chinese_and_writes_nothing(yongning, login, orgs, users, expected):
    before = _counts()
    client = login(yongning["admin"])
    # A good row beside the bad one: nothing of it may be written either.
    good_org = ["永宁县白沙镇人民政府", "乡镇", None, "990123199", None, None]
    client.post(
        reverse("operations:roster"), {"file": _upload(roster_bytes([good_org, *orgs], users))}
    )
    job = RosterImport.objects.get()
    assert job.status == ImportStatus.FAILED
    sheet, row, column, words = expected
    if sheet == "单位":
        row += 1  # after the good row
    found = [(e["sheet"], e["row"], e["column"]) for e in job.errors]
    assert (sheet, row, column) in found, job.errors
    reason = next(
        e["reason"]
        for e in job.errors
        if (e["sheet"], e["row"], e["column"]) == (sheet, row, column)
    )
    assert words in reason and any("\u4e00" <= c <= "\u9fff" for c in reason)
    assert _counts() == before
    page = client.get(reverse("operations:roster_job", args=[job.pk])).content.decode()
    assert "未导入任何数据" in page
    report = client.get(reverse("operations:roster_report", args=[job.pk]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert (
        rows[0] == ("工作表", "行号", "列", "填写的值", "原因") and len(rows) == job.error_count + 1
    )


def test_an_internal_error_writes_nothing_and_drops_the_file(yongning, login, monkeypatch):
    def broken(job):
        raise RuntimeError("disk full")

    monkeypatch.setattr("safeserve.operations.roster.jobs._run", broken)
    before = _counts()
    login(yongning["admin"]).post(
        reverse("operations:roster"), {"file": _upload(good_roster(yongning["enterprise"]))}
    )
    job = RosterImport.objects.get()
    assert job.status == ImportStatus.ERROR and job.error_count == 1
    assert "内部错误" in job.errors[0]["reason"] and job.errors[0]["sheet"] == ""
    assert not job.file and _counts() == before


def test_it_masks_phones_in_the_row_report(yongning, login):
    client = login(yongning["admin"])
    users = [["u1", "某", "1390000123x", "永宁县城关镇人民政府", "经办人"]]
    client.post(reverse("operations:roster"), {"file": _upload(roster_bytes([], users))})
    job = RosterImport.objects.get()
    assert "1390000123x" not in str(job.errors)


def test_it_refuses_sector_and_fallback_already_taken_in_the_county(world, login):
    client = login(world["county_admin"])  # 安平县 has its departments already
    orgs = [
        ["安平县林业局", "部门", None, None, "建筑施工", None],
        ["安平县水利局", "部门", None, None, None, "是"],
    ]
    client.post(reverse("operations:roster"), {"file": _upload(roster_bytes(orgs, []))})
    reasons = {(e["row"], e["column"]): e["reason"] for e in RosterImport.objects.get().errors}
    assert "住房和城乡建设局" in reasons[(2, "监管行业")]
    assert "应急管理局" in reasons[(3, "接收非高危行业重大隐患")]


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", 415),
        (b"name,kind\n", "roster.csv", 415),
    ],
)
def test_it_refuses_a_file_that_is_not_a_workbook(yongning, login, content, name, status):
    response = login(yongning["admin"]).post(
        reverse("operations:roster"), {"file": _upload(content, name)}
    )
    assert response.status_code == status and "另存为 .xlsx" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_it_names_a_missing_sheet_or_column(yongning, login):
    client = login(yongning["admin"])
    client.post(
        reverse("operations:roster"), {"file": _upload(roster_bytes([], [], sheets=("单位",)))}
    )
    job = RosterImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert any("用户" in e["reason"] for e in job.errors)
    workbook = Workbook()
    workbook.active.title = "单位"
    workbook.active.append(["名称"])
    workbook.create_sheet("用户").append(USER_HEADERS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(reverse("operations:roster"), {"file": _upload(buffer.getvalue())})
    latest = RosterImport.objects.latest("pk")
    assert any(e["column"] == "类型" and "缺少" in e["reason"] for e in latest.errors)


def test_the_passwords_are_gone_after_ten_minutes(yongning, login):
    client = login(yongning["admin"])
    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("operations:roster"), {"file": _upload(good_roster(yongning["enterprise"]))}
        )
    job = RosterImport.objects.get()
    assert job.credentials is not None
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        response = client.post(reverse("operations:roster_credentials", args=[job.pk]), follow=True)
        assert "十分钟" in response.content.decode() or "10 分钟" in response.content.decode()
    job.refresh_from_db()
    assert job.credentials is None and job.credentials_downloaded_at is None


def test_the_purge_erases_expired_passwords_never_fetched(yongning, login):
    from safeserve.operations.roster import roster_credentials_purge

    with time_machine.travel(NOW, tick=False):
        login(yongning["admin"]).post(
            reverse("operations:roster"), {"file": _upload(good_roster(yongning["enterprise"]))}
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=9), tick=False):
        assert roster_credentials_purge() == 0
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        assert roster_credentials_purge() == 1
    assert RosterImport.objects.get().credentials is None


def test_only_the_uploader_downloads_and_others_see_by_scope(yongning, login, world):
    client = login(yongning["admin"])
    client.post(
        reverse("operations:roster"), {"file": _upload(good_roster(yongning["enterprise"]))}
    )
    job = RosterImport.objects.get()
    colleague = User.objects.create_user(
        "yn_admin2",
        "Yn-admin2-2026!",
        full_name="同事",
        organization=yongning["admin"].organization,
        role="admin",
    )
    url = reverse("operations:roster_credentials", args=[job.pk])
    assert login(colleague).get(reverse("operations:roster_job", args=[job.pk])).status_code == 200
    assert login(colleague).post(url).status_code == 403
    assert login(world["county_admin"]).post(url).status_code == 404  # another county
    assert (
        login(world["county_admin"])
        .get(reverse("operations:roster_job", args=[job.pk]))
        .status_code
        == 404
    )
    assert login(world["county_officer"]).get(reverse("operations:roster")).status_code == 403
    job.refresh_from_db()
    assert job.credentials is not None  # refusals spend nothing


def test_it_imports_through_the_api(yongning, api):
    client = api(yongning["admin"])
    response = client.post(
        "/api/v1/roster-imports/",
        {"file": _upload(good_roster(yongning["enterprise"]))},
        format="multipart",
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/roster-imports/{job_id}/").json()
    assert (
        body["status"] == "succeeded"
        and body["users_created"] == 7
        and body["credentials_available"]
    )
    credentials = client.post(f"/api/v1/roster-imports/{job_id}/credentials/")
    assert credentials.status_code == 200
    rows = credentials.json()["credentials"]
    assert {r["username"] for r in rows} >= {"sq_officer", "ax_expert"}
    gone = client.post(f"/api/v1/roster-imports/{job_id}/credentials/")
    assert gone.status_code == 410 and gone.json()["code"] == "credentials_gone"
    missing = client.post("/api/v1/roster-imports/", {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["errors"]


def test_run_daily_closes_a_job_a_stopped_worker_left_half_way(yongning, login, capsys):
    from django.core.management import call_command

    with time_machine.travel(NOW, tick=False):
        job = RosterImport.objects.create(
            county=yongning["county"],
            created_by=yongning["admin"],
            filename="名册.xlsx",
            size=10,
            sha256="0" * 64,
            status=ImportStatus.VALIDATING,
        )
        job.file.save("roster-stuck.xlsx", SimpleUploadedFile("x.xlsx", b"phones"), save=True)
    stored = job.file.name
    with time_machine.travel(NOW + dt.timedelta(hours=23), tick=False):
        call_command("run_daily")
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATING  # not yet a day: maybe still running
    with time_machine.travel(NOW + dt.timedelta(days=1, minutes=1), tick=False):
        call_command("run_daily")
    job.refresh_from_db()
    assert job.status == ImportStatus.ERROR and not job.file
    assert "重新上传" in job.errors[0]["reason"]
    from django.core.files.storage import default_storage

    assert not default_storage.exists(stored)
    assert "已关闭的中断名册导入：1" in capsys.readouterr().out


def test_roster_pages_keep_their_query_counts(yongning, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(yongning["admin"])

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    def add_jobs(n: int) -> None:
        for _ in range(n):
            RosterImport.objects.create(
                county=yongning["county"],
                created_by=yongning["admin"],
                filename="名册.xlsx",
                size=10,
                sha256="0" * 64,
                status=ImportStatus.FAILED,
            )

    add_jobs(3)
    first = count(reverse("operations:roster"))
    add_jobs(6)
    assert count(reverse("operations:roster")) == first
