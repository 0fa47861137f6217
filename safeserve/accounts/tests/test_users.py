from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.demo.testing import password_login
from safeserve.organizations.models import Role


@pytest.mark.parametrize(
    ("username", "list_page", "detail", "edit"),
    [
        # persona             user list  township_officer's page  its edit page
        ("county_admin", 200, 200, 200),
        # The office's officers and leaders see who is who, but manage no accounts.
        ("county_officer", 403, 200, 403),
        ("county_leader", 403, 200, 403),
        ("township_officer", 403, 200, 403),  # own page, not an admin
        ("department_officer", 403, 404, 404),
        ("provider_admin", 200, 404, 404),
        ("expert", 403, 404, 404),
        ("enterprise_user", 403, 404, 404),
        ("evaluator", 403, 404, 404),
        ("other_county_officer", 403, 404, 404),
        ("other_county_admin", 200, 404, 404),
        ("admin", 200, 200, 200),
    ],
)
def test_user_pages_by_persona(world, login, username, list_page, detail, edit):
    client = login(world[username])
    target = world["township_officer"]
    assert client.get(reverse("accounts:user_list")).status_code == list_page
    assert client.get(reverse("accounts:user_detail", args=[target.pk])).status_code == detail
    assert client.get(reverse("accounts:user_edit", args=[target.pk])).status_code == edit


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_admin", 200),  # provider in its county
        ("county_officer", 403),  # sees the user, manages no accounts
        ("provider_admin", 200),  # its own organization's admin
        ("provider_leader", 403),  # same organization, not admin
        ("township_officer", 404),
        ("other_provider_admin", 404),
        ("other_county_officer", 404),
    ],
)
def test_who_manages_the_providers_users(world, login, username, status):
    target = world["expert"]
    response = login(world[username]).get(reverse("accounts:user_edit", args=[target.pk]))
    assert response.status_code == status


def test_provider_admin_lists_only_its_own_users(world, login):
    page = login(world["provider_admin"]).get(reverse("accounts:user_list")).content.decode()
    assert "expert2" in page and "other_expert" not in page and "county_officer" not in page


def test_the_user_list_filters_by_organization_within_scope(world, login):
    client = login(world["county_admin"])
    township = world["township_officer"].organization
    page = client.get(reverse("accounts:user_list"), {"organization": township.pk})
    names = {u.username for u in page.context["page"].object_list}
    assert "township_officer" in names and "county_officer" not in names
    # Another county's organization is not a choice: the filter is refused with the field's
    # message (it was silently ignored), and nothing leaks.
    other = world["other_county_officer"].organization
    page = client.get(reverse("accounts:user_list"), {"organization": other.pk})
    names = {u.username for u in page.context["page"].object_list}
    assert "other_county_officer" not in names
    assert list(page.context["filters"].form.errors) == ["organization"]
    assert client.get(reverse("accounts:user_list"), {"organization": "9" * 30}).status_code == 200


def test_creating_a_user_shows_a_temporary_password_once(world, login):
    client = login(world["provider_admin"])
    org = world["provider_admin"].organization
    response = client.post(
        reverse("accounts:user_create"),
        {
            "organization": org.pk,
            "username": "expert3",
            "full_name": "许文杰",
            "role": "expert",
            "phone": "13800001111",
        },
    )
    assert response.status_code == 200
    temporary = response.context["temporary"]
    assert len(temporary) == 14
    user = User.objects.get(username="expert3")
    assert user.must_change_password and user.check_password(temporary)
    assert AuditEvent.objects.get(action="user.created", object_id=str(user.pk)).after["phone"] == (
        "138****1111"
    )

    # the new user must change the password before anything else
    fresh = Client()
    fresh.post("/accounts/login/", {"username": "expert3", "password": temporary})
    assert fresh.get("/").url == reverse("accounts:password_change")
    assert fresh.get("/api/v1/users/me/").json()["code"] == "password_change_required"
    response = fresh.post(
        reverse("accounts:password_change"),
        {
            "old_password": temporary,
            "new_password1": "Xu-wenjie-2026!",
            "new_password2": "Xu-wenjie-2026!",
        },
    )
    assert response.status_code == 302
    assert fresh.get("/").status_code == 200


def test_an_admin_cannot_create_users_in_another_organization(world, login):
    client = login(world["provider_admin"])
    other = world["other_provider_admin"].organization
    response = client.post(
        reverse("accounts:user_create"),
        {"organization": other.pk, "username": "sneaky", "full_name": "某人", "role": "expert"},
    )
    assert response.status_code == 200  # the organization is not among the choices
    assert not User.objects.filter(username="sneaky").exists()


def test_roles_must_fit_the_kind_of_organization(world, login):
    org = world["township_officer"].organization
    response = login(world["county_admin"]).post(
        reverse("accounts:user_create"),
        {"organization": org.pk, "username": "wrong_role", "full_name": "某人", "role": "expert"},
    )
    assert "不设“专家”角色" in response.content.decode()
    assert not User.objects.filter(username="wrong_role").exists()


def test_a_taken_username_is_refused(world, login):
    org = world["township_officer"].organization
    response = login(world["county_admin"]).post(
        reverse("accounts:user_create"),
        {"organization": org.pk, "username": "expert", "full_name": "某人", "role": "officer"},
    )
    assert "用户名 expert 已被使用" in response.content.decode()


def test_reset_password_ends_sessions_and_forces_a_change(world, login):
    victim = Client()
    password_login(victim, "township_officer")
    assert victim.get("/").status_code == 200
    response = login(world["county_admin"]).post(
        reverse("accounts:user_reset_password", args=[world["township_officer"].pk])
    )
    temporary = response.context["temporary"]
    assert victim.get("/").status_code == 302
    world["township_officer"].refresh_from_db()
    assert world["township_officer"].check_password(temporary)
    assert world["township_officer"].must_change_password


def test_deactivate_needs_a_reason_and_not_oneself(world, login):
    client = login(world["county_admin"])
    target = world["township_officer"]
    client.post(reverse("accounts:user_deactivate", args=[target.pk]), {"reason": ""})
    target.refresh_from_db()
    assert target.is_active
    client.post(
        reverse("accounts:user_deactivate", args=[world["county_admin"].pk]), {"reason": "测试"}
    )
    world["county_admin"].refresh_from_db()
    assert world["county_admin"].is_active
    client.post(reverse("accounts:user_deactivate", args=[target.pk]), {"reason": "调离"})
    target.refresh_from_db()
    assert not target.is_active
    event = AuditEvent.objects.get(action="user.deactivated", object_id=str(target.pk))
    assert event.reason == "调离"
    page = client.get(
        reverse("accounts:user_detail", args=[target.pk]) + "?history=1"
    ).content.decode()
    assert "停用用户" in page and "调离" in page
    client.post(reverse("accounts:user_reactivate", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active


def test_a_weak_password_is_refused_with_the_reason(world, login):
    client = login(world["county_admin"])
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "demo-Pass-2026",
            "new_password1": "12345678901",
            "new_password2": "12345678901",
        },
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    world["county_admin"].refresh_from_db()
    assert world["county_admin"].check_password("demo-Pass-2026")


def test_the_user_list_costs_the_same_queries_for_n_and_2n_rows(world, login):
    client = login(world["county_admin"])
    org = world["township_officer"].organization
    url = reverse("accounts:user_list")

    def add(n: int, start: int) -> None:
        User.objects.bulk_create(
            User(username=f"bulk{start + i}", full_name="批量", role=Role.VIEWER, organization=org)
            for i in range(n)
        )

    add(10, 0)
    with CaptureQueriesContext(connection) as n_rows:
        client.get(url)
    add(10, 10)
    with CaptureQueriesContext(connection) as two_n_rows:
        client.get(url)
    assert len(n_rows) == len(two_n_rows)


@pytest.mark.parametrize(
    ("username", "status", "deactivated"),
    [
        ("county_admin", 302, True),
        ("county_officer", 403, False),  # supervises; accounts are the admin's
        ("township_leader", 403, False),  # sees the colleague, may not manage
        ("department_officer", 404, False),
        ("provider_admin", 404, False),
        ("other_county_officer", 404, False),
    ],
)
def test_who_may_deactivate_a_township_officer(world, login, username, status, deactivated):
    target = world["township_officer"]
    response = login(world[username]).post(
        reverse("accounts:user_deactivate", args=[target.pk]), {"reason": "调离"}
    )
    target.refresh_from_db()
    assert response.status_code == status
    assert target.is_active is not deactivated


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_admin", 302),
        ("county_officer", 403),
        ("township_officer", 403),
        ("provider_admin", 404),
        ("other_county_officer", 404),
        ("enterprise_user", 404),
    ],
)
def test_who_may_deactivate_an_organization(world, login, username, status):
    org = world["evaluator"].organization
    if username == "enterprise_user":
        org = world["township_officer"].organization
    response = login(world[username]).post(
        reverse("organizations:deactivate", args=[org.pk]), {"reason": "测试"}
    )
    assert response.status_code == status
