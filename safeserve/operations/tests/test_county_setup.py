"""A county sets itself up: the platform administrator creates it with its office and first
admin, the admin adds townships and departments and users — on pages, through the API and
from the command line — and unlocks locked accounts."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.demo.testing import password_login
from safeserve.operations.setup import county_create
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel

PASSWORD = "demo-Pass-2026"


def _counts() -> tuple[int, int, int, int]:
    return (
        Region.objects.count(),
        Organization.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Counties -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        # written out by hand: only the platform administrator opens counties
        ("admin", 200),
        ("county_admin", 403),
        ("county_officer", 403),
        ("county_leader", 403),
        ("township_officer", 403),
        ("department_officer", 403),
        ("provider_admin", 403),
        ("expert", 403),
        ("enterprise_user", 403),
        ("evaluator", 403),
        ("other_county_admin", 403),
    ],
)
def test_it_lets_only_the_platform_admin_open_counties(world, login, api, username, status):
    assert login(world[username]).get(reverse("operations:counties")).status_code == status
    assert api(world[username]).get("/api/v1/counties/").status_code == status
    body = {"code": "990123", "name": "新县", "admin_username": "x_admin", "admin_full_name": "某"}
    created = api(world[username]).post("/api/v1/counties/", body, format="json")
    assert created.status_code == (201 if status == 200 else 403)


def test_it_sets_a_county_up_with_its_office_and_first_admin(world, login):
    client = login(world["admin"])
    page = client.get(reverse("operations:counties")).content.decode()
    assert "安平县" in page and "长宁县" in page
    response = client.post(
        reverse("operations:counties"),
        {
            "code": "９９０１２３",  # full-width digits, as typed in a Chinese input method
            "name": "永宁县",
            "admin_username": "yongning_admin",
            "admin_full_name": "钟立诚",
            "admin_phone": "13900001234",
        },
    )
    assert response.status_code == 200
    temporary = response.context["created"].temporary_password
    assert temporary in response.content.decode()
    county = Region.objects.get(code="990123")
    assert county.level == RegionLevel.COUNTY and county.parent.code == "990100"
    office = Organization.objects.get(county=county, kind=OrganizationKind.COUNTY_OFFICE)
    assert office.name == "永宁县安全生产委员会办公室"
    admin = User.objects.get(username="yongning_admin")
    assert admin.organization == office and admin.role == "admin" and admin.must_change_password
    assert admin.check_password(temporary)
    actions = set(AuditEvent.objects.filter(county_id=county.pk).values_list("action", flat=True))
    assert actions == {"county.created", "organization.created", "user.created"}
    assert "13900001234" not in "".join(
        AuditEvent.objects.filter(county_id=county.pk).values_list("canonical", flat=True)
    )

    # The new admin's first login leads to the password change, then to the setup page.
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": "yongning_admin", "password": temporary})
    assert fresh.get(reverse("operations:county")).url == reverse("accounts:password_change")


@pytest.mark.parametrize(
    ("code", "field", "message"),
    [
        ("99012", "code", "六位"),
        ("99O123", "code", "六位"),
        ("990000", "code", "六位"),
        ("990121", "code", "已被使用"),  # 安平县
        ("", "code", ""),
    ],
)
def test_it_refuses_a_bad_county_code_and_writes_nothing(world, login, code, field, message):
    before = _counts()
    response = login(world["admin"]).post(
        reverse("operations:counties"),
        {"code": code, "name": "某县", "admin_username": "some_admin", "admin_full_name": "某"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    assert _counts() == before


def test_it_refuses_a_taken_admin_login_name_on_the_admins_field(world, login):
    before = _counts()
    response = login(world["admin"]).post(
        reverse("operations:counties"),
        {
            "code": "990123",
            "name": "永宁县",
            "admin_username": "County_Officer",
            "admin_full_name": "某",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["admin_username"]
    assert "用户名 County_Officer 已被使用" in response.content.decode()
    assert _counts() == before  # the county and its office are rolled back too


def test_it_sets_a_county_up_through_the_api(world, api):
    response = api(world["admin"]).post(
        "/api/v1/counties/",
        {"code": "990123", "name": "永宁县", "admin_username": "yn", "admin_full_name": "钟立诚"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["county"]["code"] == "990123" and body["admin"]["username"] == "yn"
    assert User.objects.get(username="yn").check_password(body["temporary_password"])
    again = api(world["admin"]).post(
        "/api/v1/counties/",
        {"code": "990123", "name": "永宁县", "admin_username": "yn2", "admin_full_name": "某"},
        format="json",
    )
    assert again.status_code == 400 and again.json()["code"] == "duplicate_region_code"
    assert "990123" in again.json()["message"]


def test_it_installs_the_first_county_from_the_command_line(db, capsys):
    call_command("create_county", "--code", "330106", "--name", "西湖区", "--admin", "xihu_admin")
    out = capsys.readouterr().out
    admin = User.objects.get(username="xihu_admin")
    password = out.strip().rsplit("：", 1)[-1].strip()
    assert admin.check_password(password) and admin.must_change_password
    assert "西湖区" in out and "临时密码" in out
    event = AuditEvent.objects.get(action="county.created")
    assert event.actor_name == "manage.py create_county"
    with pytest.raises(CommandError, match="330106"):
        call_command("create_county", "--code", "330106", "--name", "西湖区", "--admin", "x2")
    with pytest.raises(CommandError, match="六位"):
        call_command("create_county", "--code", "abc", "--name", "某县", "--admin", "x3")
    assert User.objects.filter(username__in=["x2", "x3"]).count() == 0


# --- Townships and routing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "read", "add"),
    [
        ("county_admin", 200, 302),
        ("county_officer", 200, 403),
        ("county_leader", 200, 403),
        ("township_officer", 200, 403),
        ("department_officer", 200, 403),
        ("provider_admin", 403, 403),
        ("expert", 403, 403),
        ("enterprise_user", 403, 403),
        ("evaluator", 403, 403),
    ],
)
def test_it_shows_the_county_setup_and_lets_only_its_admin_add_townships(
    world, login, username, read, add
):
    client = login(world[username])
    assert client.get(reverse("operations:county")).status_code == read
    response = client.post(
        reverse("operations:county"), {"name": f"{username}镇", "code": "990121310"}
    )
    assert response.status_code == add
    assert Region.objects.filter(code="990121310").exists() is (add == 302)


def test_it_adds_a_township_with_its_government(world, login):
    client = login(world["county_admin"])
    response = client.post(
        reverse("operations:county"), {"name": "新华街道", "code": "990121 004 000"}
    )
    assert response.status_code == 302
    region = Region.objects.get(code="990121004")  # 12 digits ending in 000, shortened
    assert region.parent.code == "990121" and region.level == RegionLevel.TOWNSHIP
    government = Organization.objects.get(region=region)
    assert (
        government.kind == OrganizationKind.TOWNSHIP and government.name == "安平县新华街道办事处"
    )
    assert AuditEvent.objects.filter(action="region.created", object_id=str(region.pk)).exists()
    page = client.get(response.url).content.decode()
    assert "新华街道" in page and "安平县新华街道办事处" in page


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("99012110", "9 位"),
        ("990121100001", "9 位"),  # 12 digits not ending in 000
        ("990122150", "990121"),  # another county's prefix
        ("990121100", "已被使用"),  # 城关镇
        ("abc", "9 位"),
    ],
)
def test_it_refuses_a_bad_township_code_and_writes_nothing(world, login, code, message):
    before = _counts()
    response = login(world["county_admin"]).post(
        reverse("operations:county"), {"name": "新镇", "code": code}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert message in response.content.decode()
    assert _counts() == before


def test_it_refuses_a_township_name_the_county_already_has(world, login):
    response = login(world["county_admin"]).post(
        reverse("operations:county"), {"name": "城关镇", "code": "990121399"}
    )
    assert response.status_code == 400 and response.context["form"].errors["name"]
    assert "安平县已有名为“城关镇”的乡镇（街道）" in response.content.decode()


def test_it_shows_who_receives_major_hazards_of_each_sector(world, login, api):
    page = login(world["township_officer"]).get(reverse("operations:county"))
    setup = page.context["setup"]
    routes = {route.sector: route.department.name for route in setup.routes}
    assert routes == {
        "mining": "安平县应急管理局",
        "metallurgy_trade": "安平县应急管理局",
        "construction": "安平县住房和城乡建设局",
        "road_transport": "安平县交通运输局",
        "hazardous_goods": "安平县应急管理局",
    }
    assert setup.fallback.name == "安平县应急管理局"
    body = api(world["department_officer"]).get("/api/v1/county-setup/").json()
    assert {r["sector"]: r["department"]["name"] for r in body["routes"]} == routes
    assert body["fallback_department"]["name"] == "安平县应急管理局"
    assert "990121100" in {t["code"] for t in body["townships"]}
    assert "990122100" not in {t["code"] for t in body["townships"]}
    assert api(world["admin"]).get("/api/v1/county-setup/").status_code == 400
    other = Region.objects.get(code="990122")
    changning = api(world["admin"]).get(f"/api/v1/county-setup/?county={other.pk}").json()
    assert changning["county"]["name"] == "长宁县"
    assert api(world["provider_admin"]).get("/api/v1/county-setup/").status_code == 403


def test_it_adds_townships_through_the_api(world, api):
    response = api(world["county_admin"]).post(
        "/api/v1/regions/", {"name": "新华街道", "code": "990121004"}, format="json"
    )
    assert response.status_code == 201 and response.json()["code"] == "990121004"
    bad = api(world["county_admin"]).post(
        "/api/v1/regions/", {"name": "又一镇", "code": "12"}, format="json"
    )
    assert bad.status_code == 400 and "code" in bad.json()["errors"]
    refused = api(world["county_officer"]).post(
        "/api/v1/regions/", {"name": "又一镇", "code": "990121005"}, format="json"
    )
    assert refused.status_code == 403
    # The other county's admin adds only to its own county, whatever it names.
    anping = Region.objects.get(code="990121")
    response = api(world["other_county_admin"]).post(
        "/api/v1/regions/",
        {"name": "又一镇", "code": "990121006", "county": anping.pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "region_code_outside_county"


def test_it_keeps_the_county_setup_page_at_constant_queries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safeserve.organizations.services import township_create

    client = login(world["county_officer"])
    county = Region.objects.get(code="990121")

    def add(start: int, n: int) -> None:
        for i in range(n):
            township_create(
                actor=world["county_admin"],
                county=county,
                code=f"990121{500 + start + i}",
                name=f"测{start + i}镇",
            )

    add(0, 5)
    with CaptureQueriesContext(connection) as n_rows:
        assert client.get(reverse("operations:county")).status_code == 200
    add(5, 10)
    with CaptureQueriesContext(connection) as two_n_rows:
        assert client.get(reverse("operations:county")).status_code == 200
    assert len(n_rows) == len(two_n_rows)


# --- Unlocking accounts -------------------------------------------------------------------


def _lock_out(username: str) -> None:
    for _ in range(5):
        Client().post(reverse("accounts:login"), {"username": username, "password": "wrong-1234"})


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_admin", 302),
        ("county_officer", 403),
        ("county_leader", 403),
        ("township_officer", 403),  # a colleague, not the admin
        ("provider_admin", 404),
        ("other_county_admin", 404),
    ],
)
def test_it_lets_the_county_admin_unlock_a_locked_account(world, login, username, status):
    _lock_out("township_leader")
    refused = Client().post(
        reverse("accounts:login"), {"username": "township_leader", "password": PASSWORD}
    )
    assert "锁定" in refused.content.decode()
    target = world["township_leader"]
    response = login(world[username]).post(reverse("accounts:user_unlock", args=[target.pk]))
    assert response.status_code == status
    unlocked = status == 302
    fresh = Client()
    password_login(fresh, "township_leader")
    assert (fresh.get("/").status_code == 200) is unlocked
    assert AuditEvent.objects.filter(action="user.unlocked").exists() is unlocked


def test_it_shows_the_lock_and_unlocks_through_page_and_api(world, login, api):
    target = world["expert2"]
    detail = reverse("accounts:user_detail", args=[target.pk])
    admin = login(world["provider_admin"])  # its own organization's admin
    assert 'data-testid="locked-badge"' not in admin.get(detail).content.decode()
    not_locked = api(world["provider_admin"]).post(f"/api/v1/users/{target.pk}/unlock/")
    assert not_locked.status_code == 409 and not_locked.json()["code"] == "not_locked"
    _lock_out("expert2")
    page = admin.get(detail).content.decode()
    assert 'data-testid="locked-badge"' in page and "解锁" in page
    response = api(world["provider_admin"]).post(f"/api/v1/users/{target.pk}/unlock/")
    assert response.status_code == 200
    assert 'data-testid="locked-badge"' not in admin.get(detail).content.decode()
    event = AuditEvent.objects.get(action="user.unlocked")
    assert event.actor == world["provider_admin"] and event.object_id == str(target.pk)
    assert api(world["expert"]).post(f"/api/v1/users/{target.pk}/unlock/").status_code == 403


def test_it_creates_counties_through_the_service_for_the_platform_only(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        county_create(
            actor=world["county_admin"],
            code="990124",
            name="某县",
            admin_username="a",
            admin_full_name="某",
        )


def test_the_county_list_keeps_its_query_count(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world["admin"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("operations:counties")).status_code == 200
        return len(queries)

    def open_counties(start: int, n: int) -> None:
        for i in range(start, start + n):
            county_create(
                actor=world["admin"],
                code=f"9902{i:02d}",
                name=f"测试{i}县",
                admin_username=f"admin_{i}",
                admin_full_name="某",
            )

    open_counties(30, 2)
    first = count()
    open_counties(40, 4)
    assert count() == first


def test_it_keeps_the_townships_own_name_however_it_is_typed(world, login):
    response = login(world["county_admin"]).post(
        reverse("operations:county"), {"name": "安平县城南镇人民政府", "code": "990121105"}
    )
    assert response.status_code == 302
    region = Region.objects.get(code="990121105")
    assert region.name == "城南镇"
    assert Organization.objects.get(region=region).name == "安平县城南镇人民政府"


def test_it_refuses_a_phone_that_is_not_one_and_shows_passwords_uncached(world, login, db):
    with pytest.raises(CommandError, match="13812345678"):
        call_command(
            "create_county",
            "--code",
            "330106",
            "--name",
            "西湖区",
            "--admin",
            "x",
            "--admin-phone",
            "abc",
        )
    assert not Region.objects.filter(code="330106").exists()
    response = login(world["admin"]).post(
        reverse("operations:counties"),
        {"code": "990123", "name": "永宁县", "admin_username": "yn", "admin_full_name": "钟立诚"},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
