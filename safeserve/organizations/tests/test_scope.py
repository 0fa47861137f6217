"""Data scope, written out by hand per persona (WORKFLOWS.md "Who sees what")."""

from __future__ import annotations

import pytest

from safeserve.demo.testing import without_directory
from safeserve.organizations.models import Organization, Region

COUNTY_A_GOVERNMENT = {
    "安平县安全生产委员会办公室",
    "安平县应急管理局",
    "安平县住房和城乡建设局",
    "安平县交通运输局",
    "安平县东山街道人民政府",
    "安平县城关镇人民政府",
    "安平县青石镇人民政府",
    "安平县河口镇人民政府",
    "安平县白沙镇人民政府",
    "安平县石门镇人民政府",
    "安平县龙泉乡人民政府",
    "安平县柳溪乡人民政府",
}
COUNTY_A_REGISTERS = {
    "安平安科安全技术咨询有限公司",
    "恒信安全评价有限公司",
    "华正工程咨询评估有限公司",
}
ENTERPRISE = "安平县恒丰纺织有限公司"
COUNTY_B_OFFICE = "长宁县安全生产委员会办公室"


@pytest.fixture
def world(world):
    """These tests count what the directory would add: the world without it."""
    return without_directory(world)


def _names(user) -> set[str]:
    return set(Organization.objects.visible_to(user).values_list("name", flat=True))


def test_county_office_sees_every_organization_of_its_county_only(world):
    names = _names(world["county_officer"])
    assert names == COUNTY_A_GOVERNMENT | COUNTY_A_REGISTERS | {ENTERPRISE}
    assert COUNTY_B_OFFICE not in names


def test_township_sees_government_registers_and_its_own_enterprises(world):
    assert _names(world["township_officer"]) == COUNTY_A_GOVERNMENT | COUNTY_A_REGISTERS | {
        ENTERPRISE
    }


def test_department_sees_government_and_registers_but_no_enterprise_accounts(world):
    assert _names(world["department_officer"]) == COUNTY_A_GOVERNMENT | COUNTY_A_REGISTERS


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("provider_admin", {"安平安科安全技术咨询有限公司"}),
        ("expert", {"安平安科安全技术咨询有限公司"}),
        ("other_provider_admin", {"恒信安全评价有限公司"}),
        ("enterprise_user", {ENTERPRISE}),
        ("evaluator", {"华正工程咨询评估有限公司"}),
        ("other_county_officer", None),  # checked below
    ],
)
def test_other_kinds_see_only_themselves(world, username, expected):
    names = _names(world[username])
    if expected is None:
        assert COUNTY_B_OFFICE in names and not names & (COUNTY_A_GOVERNMENT | COUNTY_A_REGISTERS)
    else:
        assert names == expected


def test_a_township_does_not_see_enterprises_of_another_township(world):
    from safeserve.organizations.models import OrganizationKind

    other_township = Region.objects.get(code="990121101")
    Organization.objects.create(
        name="青石镇某企业",
        kind=OrganizationKind.ENTERPRISE,
        county=other_township.parent,
        region=other_township,
    )
    assert "青石镇某企业" not in _names(world["township_officer"])
    assert "青石镇某企业" in _names(world["county_officer"])


def test_users_of_a_deactivated_organization_see_nothing(world):
    org = world["township_officer"].organization
    org.is_active = False
    org.save()
    world["township_officer"].refresh_from_db()
    assert _names(world["township_officer"]) == set()


def test_regions_are_scoped_to_the_county_and_its_ancestors(world):
    codes = set(Region.objects.visible_to(world["county_officer"]).values_list("code", flat=True))
    assert {"990000", "990100", "990121", "990121100"} <= codes
    assert "990122" not in codes and "990122100" not in codes
    assert Region.objects.visible_to(world["provider_admin"]).count() == Region.objects.count()
