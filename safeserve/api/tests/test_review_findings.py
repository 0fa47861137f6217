"""Regression tests for defects an independent review found (scope leaks, 500s, API bypass)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from safeserve.accounts.services import user_create
from safeserve.audit.services import audit_record
from safeserve.demo.enterprises import demo_uscc
from safeserve.organizations.models import Region
from safeserve.providers.models import Expert, Provider


def test_history_panels_show_only_the_viewers_county(directory, login):
    provider = Provider.objects.get(name="安平安科安全技术咨询有限公司")
    audit_record(
        action="provider.violation_recorded",
        actor=directory["other_county_officer"],
        obj=provider,
        reason="B县内部处罚-机密",
    )
    audit_record(
        action="provider.admitted",
        actor=directory["county_officer"],
        obj=provider,
        reason="A县准入",
    )
    page = (
        login(directory["township_officer"])
        .get(reverse("providers:detail", args=[provider.pk]) + "?history=1")
        .content.decode()
    )
    assert "B县内部处罚-机密" not in page and "A县准入" in page


def test_ip_addresses_in_history_are_for_the_county_office_only(world, login):
    org = world["township_officer"].organization
    client = login(world["county_admin"])
    client.post(
        reverse("organizations:edit", args=[org.pk]),
        {"name": org.name, "region": org.region_id, "address": "新地址"},
        REMOTE_ADDR="203.0.113.77",
    )
    assert (
        "203.0.113.77"
        in client.get(
            reverse("organizations:detail", args=[org.pk]) + "?history=1"
        ).content.decode()
    )
    page = login(world["township_officer"]).get(
        reverse("organizations:detail", args=[org.pk]) + "?history=1"
    )
    assert "203.0.113.77" not in page.content.decode()


def test_colleagues_see_masked_phones_and_no_login_history(world, login):
    target = world["expert"]
    page = login(world["expert2"]).get(reverse("accounts:user_detail", args=[target.pk]))
    html = page.content.decode()
    assert "13905701004" not in html and "139****1004" in html
    assert page.context["history"] == []
    own = login(world["expert"]).get(reverse("accounts:user_detail", args=[target.pk]))
    assert "13905701004" in own.content.decode()


@pytest.mark.parametrize("username", ["张三", "a b", "x" * 61])
def test_a_non_ascii_username_is_a_400(world, api, login, username):
    org = world["provider_admin"].organization
    response = api(world["provider_admin"]).post(
        "/api/v1/users/",
        {"organization": org.pk, "username": username, "full_name": "某", "role": "expert"},
        format="json",
    )
    assert response.status_code == 400 and "username" in response.json()["errors"]
    page = login(world["provider_admin"]).post(
        reverse("accounts:user_create"),
        {"organization": org.pk, "username": username, "full_name": "某", "role": "expert"},
    )
    assert page.status_code == 200


def test_an_overlong_email_is_a_400(world, api):
    response = api(world["county_admin"]).patch(
        f"/api/v1/users/{world['township_officer'].pk}/",
        {"email": "a" * 300 + "@example.com"},
        format="json",
    )
    assert response.status_code == 400


def test_a_huge_employee_count_is_a_400(world, api):
    response = api(world["county_admin"]).post(
        "/api/v1/enterprises/",
        {
            "name": "某公司",
            "uscc": demo_uscc("990121", 88001),
            "township": Region.objects.get(code="990121100").pk,
            "industry_code": "C1711",
            "employees": 10**20,
        },
        format="json",
    )
    assert response.status_code == 400 and "employees" in response.json()["errors"]


def test_a_temporary_password_gets_no_api_token(world):
    _user, temporary = user_create(
        actor=world["county_admin"],
        organization=world["county_officer"].organization,
        username="fresh_user",
        full_name="新人",
        role="officer",
    )
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "fresh_user", "password": temporary}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"


def test_a_malformed_rule_id_on_delete_is_a_404(world, api):
    assert api(world["county_officer"]).delete("/api/v1/sector-rules/abc/").status_code == 404


def test_a_non_numeric_content_length_is_not_a_500(world, login):
    response = login(world["township_officer"]).post(
        reverse("enterprises:import"), {}, CONTENT_LENGTH="abc"
    )
    assert response.status_code in (400, 413)


def test_experts_seeded_for_the_demo_have_valid_id_numbers(directory):
    from safeserve.common.lib import idnumber

    assert all(idnumber.is_valid(n) for n in Expert.objects.values_list("id_number", flat=True))


def test_a_nested_field_error_is_named_by_its_path(world, api):
    """A list of objects with a bad member (as the evaluation score API takes): the error
    names ``scores.0.position`` with the message, not a Python repr."""
    from rest_framework.exceptions import ErrorDetail

    from safeserve.api.errors import _flatten

    detail = {
        "scores": [{"position": [ErrorDetail("请填写合法的整数值。", code="invalid")]}, {}],
        "reason": [ErrorDetail("太长", code="max_length")],
        "dates": {"from": [ErrorDetail("日期格式不对", code="invalid")]},
    }
    assert _flatten(detail) == {
        "scores.0.position": ["请填写合法的整数值。"],
        "reason": ["太长"],
        "dates.from": ["日期格式不对"],
    }
    assert _flatten(["a", "b"]) == {"non_field_errors": ["a", "b"]}
