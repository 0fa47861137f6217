from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.audit.services import audit_record
from safeserve.demo.seed import seed
from safeserve.organizations.models import Organization

ALL = [
    "首页",
    "数据看板",
    "购买计划",
    "购买项目",
    "合同",
    "覆盖情况",
    "服务任务",
    "隐患",
    "重大隐患报告",
    "技术报告",
    "隐患统计",
    "绩效评估",
    "资料与现场配合",
    "违规收费举报",
    "企业名录",
    "服务机构",
    "专家库",
    "本县设置",
    "单位管理",
    "用户管理",
    "政策参数",
    "登录日志",
    "拒绝访问记录",
    "审计日志",
]
# The office's officers and leaders supervise; user accounts are its admin's.
COUNTY_STAFF = [item for item in ALL if item != "用户管理"]
NAV = {
    # persona: the navigation it sees, written out by hand
    "county_admin": ALL,
    "county_officer": COUNTY_STAFF,
    "county_leader": COUNTY_STAFF,
    "township_officer": [
        "首页",
        "数据看板",
        "购买计划",
        "购买项目",
        "合同",
        "覆盖情况",
        "服务任务",
        "隐患",
        "重大隐患报告",
        "技术报告",
        "隐患统计",
        "绩效评估",
        "资料与现场配合",
        "违规收费举报",
        "企业名录",
        "服务机构",
        "专家库",
        "本县设置",
        "单位管理",
    ],
    "department_officer": [
        "首页",
        "数据看板",
        "购买计划",
        "购买项目",
        "合同",
        "覆盖情况",
        "服务任务",
        "隐患",
        "重大隐患报告",
        "技术报告",
        "隐患统计",
        "绩效评估",
        "资料与现场配合",
        "违规收费举报",
        "企业名录",
        "服务机构",
        "专家库",
        "本县设置",
        "单位管理",
    ],
    "provider_admin": [
        "首页",
        "数据看板",
        "合同",
        "服务任务",
        "隐患",
        "重大隐患报告",
        "技术报告",
        "绩效评估",
        "资料与现场配合",
        "本机构",
        "专家库",
        "用户管理",
    ],
    "expert": ["首页", "数据看板", "服务任务", "隐患", "重大隐患报告", "技术报告", "专家库"],
    "enterprise_user": [
        "首页",
        "数据看板",
        "服务任务",
        "隐患",
        "重大隐患报告",
        "技术报告",
        "资料与现场配合",
        "违规收费举报",
    ],
    # a third party reads the contracts it was commissioned to re-evaluate (R16)
    "evaluator": [
        "首页",
        "合同",
        "服务任务",
        "隐患",
        "重大隐患报告",
        "技术报告",
        "绩效评估",
        "资料与现场配合",
        "违规收费举报",
    ],
    "other_county_officer": COUNTY_STAFF,
    "admin": [item if item != "本县设置" else "县区管理" for item in ALL if item != "数据看板"],
}


@pytest.mark.parametrize(("username", "expected"), NAV.items())
def test_navigation_shows_only_what_the_role_can_use(world, login, username, expected):
    response = login(world[username]).get("/")
    assert [str(item.label) for item in response.context["nav_items"]] == expected


def test_county_landing_counts_its_own_county(bare_world, login):
    world = bare_world
    response = login(world["county_officer"]).get("/")
    figures = {str(f.label): f.value for f in response.context["figures"]}
    assert figures["乡镇（街道）"] == 8
    assert figures["县有关部门"] == 3
    assert figures["服务机构"] == 2
    assert figures["已开通账号的企业"] == 1
    assert (
        figures["全县正常用户"]
        == User.objects.filter(
            organization__county=world["county_officer"].organization.county, is_active=True
        ).count()
    )
    other = login(world["other_county_officer"]).get("/")
    other_figures = {str(f.label): f.value for f in other.context["figures"]}
    assert other_figures["乡镇（街道）"] == 4 and other_figures["服务机构"] == 0


@pytest.mark.parametrize(
    ("username", "label", "value"),
    [
        ("township_officer", "辖区内已开通账号的企业", 1),
        ("township_officer", "本单位正常用户", 2),
        ("department_officer", "县有关部门", 3),
        ("provider_admin", "已开通账号的专家", 2),
        ("enterprise_user", "本单位正常用户", 1),
        ("evaluator", "本单位正常用户", 2),  # evaluator and evaluator_leader
    ],
)
def test_each_kind_has_its_landing_figures(world, login, username, label, value):
    figures = {str(f.label): f.value for f in login(world[username]).get("/").context["figures"]}
    assert figures[label] == value


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_officer", 200),
        ("county_leader", 200),
        ("township_officer", 403),
        ("department_officer", 403),
        ("provider_admin", 403),
        ("expert", 403),
        ("enterprise_user", 403),
        ("evaluator", 403),
        ("other_county_officer", 200),
        ("admin", 200),
    ],
)
def test_who_reads_the_audit_trail(world, login, username, status):
    assert login(world[username]).get(reverse("audit:list")).status_code == status


def test_the_audit_trail_is_the_own_countys(world, login):
    audit_record(action="test.mine", actor=world["county_officer"], reason="本县事件")
    audit_record(action="test.theirs", actor=world["other_county_officer"], reason="外县事件")
    page = login(world["county_officer"]).get(reverse("audit:list")).content.decode()
    assert "本县事件" in page and "外县事件" not in page


def test_the_audit_trail_costs_the_same_queries_for_n_and_2n_rows(world, login):
    client = login(world["county_officer"])
    for n in range(10):
        audit_record(action="test.event", actor=world["county_officer"], after={"n": n})
    with CaptureQueriesContext(connection) as n_rows:
        client.get(reverse("audit:list"))
    for n in range(10):
        audit_record(action="test.event", actor=world["county_officer"], after={"n": n})
    with CaptureQueriesContext(connection) as two_n_rows:
        client.get(reverse("audit:list"))
    assert len(n_rows) == len(two_n_rows)


def test_seed_demo_is_idempotent(directory):
    from safeserve.enterprises.models import Enterprise
    from safeserve.providers.models import Expert, Provider

    counts = (
        Organization.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
        Enterprise.objects.count(),
        Provider.objects.count(),
        Expert.objects.count(),
    )
    result = seed(enterprises=(40, 10), procurement=False)
    assert result.created == {}
    assert (
        Organization.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
        Enterprise.objects.count(),
        Provider.objects.count(),
        Expert.objects.count(),
    ) == counts
    assert {login.username for login in result.logins} >= {
        "county_admin",
        "county_officer",
        "county_leader",
        "township_officer",
        "township_leader",
        "department_officer",
        "department_leader",
        "housing_officer",
        "transport_officer",
        "provider_admin",
        "provider_leader",
        "expert",
        "expert2",
        "other_provider_admin",
        "other_expert",
        "enterprise_user",
        "evaluator",
        "other_county_officer",
        "admin",
    }


def test_seed_demo_command_prints_the_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "county_officer" in out and "demo-Pass-2026" in out
    call_command("verify_audit")


@pytest.mark.parametrize("username", ["county_officer", "township_officer", "department_officer"])
def test_purchasers_and_the_office_see_directory_figures_of_their_scope(directory, login, username):
    from safeserve.enterprises.models import Enterprise

    user = directory[username]
    figures = {str(f.label): f.value for f in login(user).get("/").context["figures"]}
    visible = Enterprise.objects.visible_to(user)
    assert figures["名录内企业"] == visible.count()
    assert figures["重点企业"] == visible.filter(is_key=True).count()
    assert figures["高危行业企业"] == visible.exclude(sector="").count()


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("provider_admin", "providers:expert_create"),
        ("county_admin", "accounts:user_create"),
        ("county_admin", "organizations:create"),
        ("township_officer", "enterprises:create"),
        ("township_officer", "procurement:plan_create"),
    ],
)
def test_no_form_shows_djangos_dashes_for_an_empty_choice(directory, login, persona, url_name):
    html = login(directory[persona]).get(reverse(url_name)).content.decode()
    assert "---------" not in html
